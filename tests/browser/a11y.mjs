// Browser audit of Tremplin pages in the system Chromium (no downloaded browser).
//
//   node tests/browser/a11y.mjs BASE_URL PATH...
//   A11Y_COOKIES='[{"name": "tremplin_session", "value": "…"}]' node tests/browser/a11y.mjs …
//
// A path ending in `#envoyer` audits the page its main form answers when sent empty (the error
// state: each error next to its field).
//
// For each path, at 320 × 800 and 1280 × 800, in the light and dark colour schemes:
// - axe-core, restricted to WCAG 2.0/2.1 A and AA rules, lists the violations;
// - the page must not scroll sideways (scrollWidth > clientWidth);
// - from a fresh load, Tab must focus the skip link (`a[href="#contenu"]`) and Enter must move
//   the focus to `main#contenu`;
// - every request to a host other than 127.0.0.1 is recorded (and aborted);
// - every local sub-resource that fails or answers >= 400 is recorded (a page audited without
//   its stylesheet would prove nothing), and so is every Content-Security-Policy violation
//   (an inline style or script blocked by the server's CSP changes what the visitor sees).
//
// The server's CSP (`script-src 'self'`) stays enforced, so axe-core cannot be added as an inline
// <script> (Playwright's addScriptTag({ path }) inlines the file): its source is evaluated through
// the DevTools protocol instead, which the page's CSP does not govern.
//
// Prints one JSON object on stdout and exits 0, even with violations: the Rust test
// (tests/browser.rs) judges. Exits non-zero only when the audit itself cannot run.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const WIDTHS = [
  { width: 320, height: 800 },
  { width: 1280, height: 800 },
];
const SCHEMES = ['light', 'dark'];
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LOCAL_HOST = '127.0.0.1';
const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const AXE_SOURCE = readFileSync(AXE_PATH, 'utf8');

/** Runs in every document before its own scripts: keeps the CSP violations. */
function recordCspViolations() {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(
      `${e.effectiveDirective} blocked ${e.blockedURI || 'inline'}` +
        (e.sourceFile ? ` (${e.sourceFile}:${e.lineNumber})` : ''),
    );
  });
}

function fail(message) {
  process.stderr.write(`a11y.mjs: ${message}\n`);
  process.exit(2);
}

/** Whether a request leaves the machine under test (data:, blob:, about: stay local). */
function isThirdParty(url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return true;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:' && u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    return false;
  }
  return u.hostname !== LOCAL_HOST;
}

async function load(page, url) {
  const response = await page.goto(url, { waitUntil: 'load' });
  if (!response) throw new Error(`no response for ${url}`);
  return response.status();
}

/** Tab from a fresh load, then Enter: where does the focus go? */
async function skipLink(page, url) {
  await load(page, url);
  await page.keyboard.press('Tab');
  const skipLinkFocus = await page.evaluate(() => {
    const el = document.activeElement;
    return !!el && el.matches('a[href="#contenu"]');
  });
  if (!skipLinkFocus) return { skip_link_focus: false, main_focused: false };
  await page.keyboard.press('Enter');
  // Following an in-page link is asynchronous: wait for the fragment, then a frame.
  await page.waitForFunction(() => location.hash === '#contenu', null, { timeout: 5000 }).catch(() => {});
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  const mainFocused = await page.evaluate(() => {
    const el = document.activeElement;
    return !!el && el.tagName === 'MAIN' && el.id === 'contenu';
  });
  return { skip_link_focus: true, main_focused: mainFocused };
}

async function audit(page) {
  await page.evaluate(AXE_SOURCE);
  if (!(await page.evaluate(() => typeof window.axe === 'object' && typeof window.axe.run === 'function'))) {
    throw new Error(`axe-core did not load from ${AXE_PATH}`);
  }
  const results = await page.evaluate(
    (tags) =>
      window.axe.run(document, {
        runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'],
      }),
    TAGS,
  );
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => (Array.isArray(n.target) ? n.target.flat().join(' ') : String(n.target))),
  }));
}

async function main() {
  const [base, ...paths] = process.argv.slice(2);
  if (!base || paths.length === 0) fail('usage: node a11y.mjs BASE_URL PATH...');
  let baseUrl;
  try {
    baseUrl = new URL(base);
  } catch {
    fail(`not a URL: ${base}`);
  }

  const userDataDir = mkdtempSync(join(tmpdir(), 'tremplin-a11y-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: WIDTHS[0],
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    fail(`cannot launch ${CHROMIUM}: ${e.message}`);
  }

  const pages = [];
  try {
    context.setDefaultTimeout(30_000);
    // A signed-in visitor: A11Y_COOKIES='[{"name": "...", "value": "..."}]'.
    if (process.env.A11Y_COOKIES) {
      const cookies = JSON.parse(process.env.A11Y_COOKIES);
      await context.addCookies(cookies.map((c) => ({ name: c.name, value: c.value, url: baseUrl.origin })));
    }
    await context.addInitScript(recordCspViolations);
    const thirdParty = new Set();
    const broken = new Set();
    context.on('requestfailed', (request) => {
      if (!isThirdParty(request.url())) broken.add(`${request.url()} (${request.failure()?.errorText})`);
    });
    context.on('response', (response) => {
      const request = response.request();
      // The page itself may be a 404 page on purpose; its sub-resources may not.
      if (response.status() >= 400 && !request.isNavigationRequest()) {
        broken.add(`${request.url()} (${response.status()})`);
      }
    });
    // Nothing may leave the machine: record and abort any request elsewhere.
    await context.route(
      (url) => isThirdParty(url.href),
      (route) => {
        thirdParty.add(route.request().url());
        return route.abort('blockedbyclient');
      },
    );
    for (const path of paths) {
      // `/form#envoyer`: the page left by sending the page's main form as it is (empty), to
      // audit the error state, the browser's own checks of `required` fields turned off.
      const [plainPath, action] = path.split('#');
      const url = new URL(plainPath, baseUrl).href;
      for (const size of WIDTHS) {
        for (const scheme of SCHEMES) {
          thirdParty.clear();
          broken.clear();
          const page = await context.newPage();
          try {
            await page.setViewportSize(size);
            await page.emulateMedia({ colorScheme: scheme });
            const focus = await skipLink(page, url);
            // A fresh load for the audit and the measure, with nothing focused.
            let status = await load(page, url);
            if (action === 'envoyer') {
              const [response] = await Promise.all([
                page.waitForNavigation({ waitUntil: 'load' }),
                page.evaluate(() => {
                  const form = document.querySelector('main form');
                  form.noValidate = true;
                  form.querySelector('[type=submit]').click();
                }),
              ]);
              status = response ? response.status() : 0;
            }
            // Where the page ended, after redirects (a signed-out visitor is sent to sign in).
            const finalPath = new URL(page.url()).pathname;
            const sideways = await page.evaluate(
              () => document.documentElement.scrollWidth > document.documentElement.clientWidth,
            );
            // Read before axe runs, so that only the page's own violations count.
            const csp = await page.evaluate(() => window.__cspViolations ?? []);
            const violations = await audit(page);
            pages.push({
              path,
              width: size.width,
              scheme,
              status,
              final_path: finalPath,
              violations,
              sideways,
              skip_link_focus: focus.skip_link_focus,
              main_focused: focus.main_focused,
              third_party: [...thirdParty].sort(),
              broken_requests: [...broken].sort(),
              csp_violations: csp,
            });
          } catch (e) {
            throw new Error(`${path} at ${size.width} px (${scheme}): ${e.message}`);
          } finally {
            await page.close();
          }
        }
      }
    }
  } finally {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ pages }) + '\n');
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
