// Where the opportunity listing puts things on a phone, in the system Chromium.
//
//   node tests/browser/layout.mjs BASE_URL PATH...
//
// For each path, at 360 × 640 (a small phone's screen), light scheme, no JavaScript of the
// page needed:
// - `first_result`: the box of the first link to an opportunity (`/opportunites/<id>`);
// - `filter_field`: the box of the keywords field (found by its label « Mots-clés ») and
//   whether it is shown, before and after a tap on the disclosure's summary that holds it;
// - `sideways`: whether the page scrolls sideways.
//
// Prints one JSON object on stdout and exits 0: the Rust test (tests/browser.rs) judges.
// Exits non-zero only when the measure itself cannot run.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];
const SCREEN = { width: 360, height: 640 };

function fail(message) {
  process.stderr.write(`layout.mjs: ${message}\n`);
  process.exit(2);
}

/** The boxes the test reads, in CSS pixels from the top of the page. */
function measure() {
  const box = (el) => {
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top + window.scrollY, bottom: r.bottom + window.scrollY, shown: el.checkVisibility() };
  };
  const first = [...document.querySelectorAll('main a[href]')].find((a) =>
    /^\/opportunites\/\d+$/.test(new URL(a.href).pathname),
  );
  const label = [...document.querySelectorAll('main label')].find((l) => l.textContent.trim() === 'Mots-clés');
  const field = label ? document.getElementById(label.htmlFor) : null;
  return {
    first_result: box(first),
    first_result_text: first ? first.textContent.trim() : null,
    filter_field: box(field),
    sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  };
}

async function main() {
  const [base, ...paths] = process.argv.slice(2);
  if (!base || paths.length === 0) fail('usage: node layout.mjs BASE_URL PATH...');
  const userDataDir = mkdtempSync(join(tmpdir(), 'tremplin-layout-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ARGS,
      viewport: SCREEN,
      timeout: 60_000,
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    fail(`cannot launch ${CHROMIUM}: ${e.message}`);
  }
  const pages = [];
  try {
    context.setDefaultTimeout(30_000);
    for (const path of paths) {
      const page = await context.newPage();
      try {
        await page.emulateMedia({ colorScheme: 'light' });
        const response = await page.goto(new URL(path, base).href, { waitUntil: 'load' });
        const before = await page.evaluate(measure);
        // The disclosure that holds the filters, opened as a visitor does: a tap on its summary.
        const summary = page.locator('main details > summary').first();
        let after = null;
        if ((await summary.count()) > 0) {
          await summary.click();
          after = await page.evaluate(measure);
        }
        pages.push({
          path,
          width: SCREEN.width,
          height: SCREEN.height,
          status: response ? response.status() : 0,
          ...before,
          filter_field_after_tap: after ? after.filter_field : null,
        });
      } finally {
        await page.close();
      }
    }
  } finally {
    await context.close().catch(() => {});
    rmSync(userDataDir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify({ pages }) + '\n');
}

main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
