//! Reading a page as its visitor does: the text shown, the links, buttons and options by
//! their words, a form field by its label, with its value and its error. Tests look for
//! these rather than for the theme's markup (class names, exact tags, attribute order), so a
//! markup change that shows the same page does not break them.

/// One element of a page: its attributes and the text it shows.
#[derive(Debug, Clone)]
pub struct Element {
    pub attrs: Vec<(String, String)>,
    pub text: String,
    /// The element's content as written (for a `textarea`, its value).
    pub inner: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Elements whose content is not read (no closing tag).
const VOID: &[&str] = &["input", "br", "img", "meta", "link", "hr", "source"];

/// Elements that separate words when the page is read.
const BLOCK: &[&str] = &[
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "td", "th", "tr", "dt",
    "dd", "dl", "option", "label", "button", "section", "article", "header", "footer", "nav",
    "main", "form", "fieldset", "legend", "table", "select", "textarea", "input",
];

/// `&amp;` and the few entities the escaper writes.
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&#x2F;", "/")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// The text a visitor reads (screen readers included: visually hidden text counts), words
/// separated by one space; scripts, styles and the page's head left out.
pub fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = &after[..close];
        let name = tag_name(tag.trim_start_matches('/'));
        rest = &after[close + 1..];
        if !tag.starts_with('/') && matches!(name.as_str(), "script" | "style" | "head" | "title") {
            let end = format!("</{name}");
            rest = rest.find(&end).map_or("", |i| &rest[i..]);
            rest = rest.find('>').map_or("", |i| &rest[i + 1..]);
            continue;
        }
        if BLOCK.contains(&name.as_str()) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    unescape(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn tag_name(tag: &str) -> String {
    tag.chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = tag[tag_name(tag).len()..].trim_start();
    while !rest.is_empty() && !rest.starts_with('/') {
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..].trim_start();
        let value = if let Some(r) = rest.strip_prefix('=') {
            let r = r.trim_start();
            let (value, left) = match r.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let end = r[1..].find(q).map_or(r.len(), |i| i + 1);
                    (&r[1..end], r.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = r.find(char::is_whitespace).unwrap_or(r.len());
                    (&r[..end], &r[end..])
                }
            };
            rest = left.trim_start();
            unescape(value)
        } else {
            String::new()
        };
        if !name.is_empty() {
            attrs.push((name, value));
        }
    }
    attrs
}

/// Every `<name …>` of the page, in order.
pub fn elements(html: &str, name: &str) -> Vec<Element> {
    let mut found = Vec::new();
    let lower = html.to_ascii_lowercase();
    let open = format!("<{name}");
    let mut from = 0;
    while let Some(i) = lower[from..].find(&open) {
        let start = from + i;
        from = start + open.len();
        let next = lower[from..].chars().next();
        if !matches!(next, Some(c) if c.is_whitespace() || c == '>' || c == '/') {
            continue;
        }
        let Some(end) = html[start..].find('>') else {
            break;
        };
        let attrs = attributes(&html[start + 1..start + end]);
        let body_start = start + end + 1;
        let inner = if VOID.contains(&name) {
            ""
        } else {
            let close = format!("</{name}");
            lower[body_start..]
                .find(&close)
                .map_or("", |j| &html[body_start..body_start + j])
        };
        found.push(Element {
            attrs,
            text: visible_text(inner),
            inner: inner.to_string(),
        });
    }
    found
}

/// The links whose words are `text`.
pub fn links_named(html: &str, text: &str) -> Vec<String> {
    elements(html, "a")
        .into_iter()
        .filter(|a| a.text == text)
        .filter_map(|a| a.attr("href").map(str::to_string))
        .collect()
}

/// What assistive technologies announce for an element: its `aria-label`, else its text
/// without what is `aria-hidden` (a decorative « × »), visually hidden text included.
pub fn accessible_name(e: &Element) -> String {
    if let Some(label) = e.attr("aria-label") {
        return label.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    visible_text(&without_hidden(&e.inner))
}

/// `html` without the elements marked `aria-hidden="true"` (and their content).
fn without_hidden(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            return out;
        };
        let tag = &after[..close];
        let hidden = !tag.starts_with('/')
            && attributes(tag)
                .iter()
                .any(|(n, v)| n == "aria-hidden" && v == "true");
        if !hidden {
            out.push_str(&rest[open..open + close + 2]);
            rest = &after[close + 1..];
            continue;
        }
        // Skip to the matching end tag, nested elements of the same name included.
        let name = tag_name(tag);
        let mut depth = 1;
        rest = &after[close + 1..];
        while depth > 0 {
            let Some(i) = rest.find('<') else {
                return out;
            };
            let t = &rest[i + 1..];
            let end = t.find('>').unwrap_or(t.len());
            let inner = &t[..end];
            if inner.strip_prefix('/').is_some_and(|n| tag_name(n) == name) {
                depth -= 1;
            } else if tag_name(inner) == name && !inner.ends_with('/') {
                depth += 1;
            }
            rest = t.get(end + 1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    out
}

/// The links whose accessible name (see `accessible_name`) is `name`.
pub fn links_by_name(html: &str, name: &str) -> Vec<String> {
    elements(html, "a")
        .into_iter()
        .filter(|a| accessible_name(a) == name)
        .filter_map(|a| a.attr("href").map(str::to_string))
        .collect()
}

/// Whether the page has a link to `href` (whatever its words).
pub fn links_to(html: &str, href: &str) -> bool {
    elements(html, "a")
        .iter()
        .any(|a| a.attr("href") == Some(href))
}

/// Whether the page has a button (or submit input) whose words are `text`.
pub fn has_button(html: &str, text: &str) -> bool {
    elements(html, "button").iter().any(|b| b.text == text)
        || elements(html, "input")
            .iter()
            .any(|i| i.attr("type") == Some("submit") && i.attr("value") == Some(text))
}

/// The options of the page's lists: (value, words).
pub fn options(html: &str) -> Vec<(String, String)> {
    elements(html, "option")
        .into_iter()
        .map(|o| (o.attr("value").unwrap_or(&o.text).to_string(), o.text))
        .collect()
}

/// A form field found by its label's words, as assistive technologies find it.
#[derive(Debug, Clone)]
pub struct Field {
    pub element: Element,
    /// What the field holds: an input's value, a text area's text, a list's selected option.
    pub value: String,
    /// A box: whether it is ticked.
    pub checked: bool,
    /// The texts the field points to with `aria-describedby` (help, then error).
    pub described_by: String,
    pub invalid: bool,
}

/// The field labelled `label`, if the page has one.
pub fn field(html: &str, label: &str) -> Option<Field> {
    let label = elements(html, "label")
        .into_iter()
        .find(|l| l.text == label)?;
    let id = label.attr("for")?.to_string();
    let with_id = |name: &str| {
        elements(html, name)
            .into_iter()
            .find(|e| e.attr("id") == Some(id.as_str()))
    };
    let (element, value) = if let Some(e) = with_id("input") {
        let v = e.attr("value").unwrap_or("").to_string();
        (e, v)
    } else if let Some(e) = with_id("textarea") {
        let v = unescape(&e.inner);
        (e, v)
    } else {
        let e = with_id("select")?;
        let v = elements(&e.inner, "option")
            .into_iter()
            .find(|o| o.attr("selected").is_some())
            .and_then(|o| o.attr("value").map(str::to_string))
            .unwrap_or_default();
        (e, v)
    };
    let described_by = element
        .attr("aria-describedby")
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|id| {
            ["p", "div", "span"].iter().find_map(|name| {
                elements(html, name)
                    .into_iter()
                    .find(|e| e.attr("id") == Some(id))
                    .map(|e| e.text)
            })
        })
        .collect::<Vec<_>>()
        .join(" ");
    Some(Field {
        checked: element.attr("checked").is_some(),
        invalid: element.attr("aria-invalid") == Some("true"),
        described_by,
        value,
        element,
    })
}

/// The error a field announces (through `aria-describedby` and `aria-invalid`), if any.
pub fn field_error(html: &str, label: &str) -> Option<String> {
    let f = field(html, label)?;
    if !f.invalid {
        return None;
    }
    let start = f.described_by.find("Erreur : ")?;
    Some(f.described_by[start..].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_reads_as_its_visitor_reads_it() {
        let page = r##"<html><head><title>T</title><style>p{}</style></head><body>
<div class="resume-erreurs" role="alert"><ul><li><a href="#password">Trop court</a></li></ul></div>
<label for="email">Adresse électronique</label>
<p class="erreur" id="email-erreur"><span class="sr-only">Erreur : </span>Saisissez une adresse</p>
<input id="email" name="email" type="text" value="a@b" aria-describedby="email-erreur" aria-invalid="true">
<label for="d">Description</label><textarea id="d" name="d">Un &lt;texte&gt;</textarea>
<input id="r" name="r" type="checkbox" value="oui" checked><label for="r">À distance</label>
<p>Suivi : <strong>Nouveau</strong></p><button type="submit">Ça m'intéresse</button>
<a href="/sans"><span class="sr-only">Retirer le filtre : </span>Lille<span aria-hidden="true"> <span>×</span></span></a>
<a href="/menu" aria-label="Ouvrir le menu">☰</a>
<script>var x = "<p>caché</p>";</script></body></html>"##;
        let text = visible_text(page);
        assert!(text.contains("Suivi : Nouveau"), "{text}");
        assert!(!text.contains("caché") && !text.contains("p{}"), "{text}");
        assert_eq!(links_named(page, "Trop court"), vec!["#password"]);
        assert!(links_to(page, "#password"));
        assert!(has_button(page, "Ça m'intéresse"));
        let email = field(page, "Adresse électronique").unwrap();
        assert_eq!(email.value, "a@b");
        assert_eq!(
            field_error(page, "Adresse électronique").as_deref(),
            Some("Erreur : Saisissez une adresse")
        );
        assert_eq!(field(page, "Description").unwrap().value, "Un <texte>");
        assert!(field(page, "À distance").unwrap().checked);
        assert!(field(page, "Nom").is_none());
        assert_eq!(
            links_by_name(page, "Retirer le filtre : Lille"),
            vec!["/sans"]
        );
        assert_eq!(links_by_name(page, "Ouvrir le menu"), vec!["/menu"]);
        assert!(text.contains("Retirer le filtre : Lille ×"), "{text}");
    }
}
