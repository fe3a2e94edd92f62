//! Shortcodes in Markdown, as Zola writes them: `{{ name(arg="…") }}` inline and
//! `{% name(arg="…") %}body{% end %}` around Markdown. This module only finds and parses them;
//! `markdown` renders them through the templates.

use serde_json::{Map, Value};

/// A shortcode call found in a Markdown text.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub args: Map<String, Value>,
    /// The Markdown between `{% name() %}` and `{% end %}`.
    pub body: Option<String>,
    /// Byte offset of the body's start in the original text.
    pub body_offset: usize,
    /// Byte offset of the call in the original text.
    pub offset: usize,
}

/// A problem in a shortcode call, at a byte offset of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

/// The text with each call replaced by a placeholder (`TREMPLINSC<n>X`), and the calls in order.
/// A body call's placeholder stands alone between blank lines and keeps the line count, so the
/// lines of everything after it stay true.
pub fn extract(text: &str) -> (String, Vec<Call>, Vec<ParseError>) {
    let mut out = String::with_capacity(text.len());
    let mut calls = Vec::new();
    let mut errors = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut line_start = true;
    let mut fence: Option<(u8, usize)> = None;
    let mut in_code_span = false;
    while i < bytes.len() {
        if line_start {
            // Fenced code blocks are left alone.
            let rest = &text[i..];
            let trimmed = rest.trim_start_matches([' ']);
            let indent = rest.len() - trimmed.len();
            if indent < 4 {
                let tb = trimmed.as_bytes();
                if !tb.is_empty() && (tb[0] == b'`' || tb[0] == b'~') {
                    let c = tb[0];
                    let n = tb.iter().take_while(|b| **b == c).count();
                    if n >= 3 {
                        match fence {
                            None => fence = Some((c, n)),
                            Some((fc, fnum))
                                if fc == c
                                    && n >= fnum
                                    && trimmed[n..]
                                        .lines()
                                        .next()
                                        .unwrap_or("")
                                        .trim()
                                        .is_empty() =>
                            {
                                fence = None
                            }
                            _ => {}
                        }
                    }
                }
            }
            line_start = false;
            in_code_span = false;
        }
        let b = bytes[i];
        if b == b'\n' {
            line_start = true;
            out.push('\n');
            i += 1;
            continue;
        }
        if fence.is_some() {
            let ch_len = utf8_len(b);
            out.push_str(&text[i..i + ch_len]);
            i += ch_len;
            continue;
        }
        if b == b'`' {
            in_code_span = !in_code_span;
            out.push('`');
            i += 1;
            continue;
        }
        if !in_code_span
            && b == b'{'
            && i + 1 < bytes.len()
            && (bytes[i + 1] == b'{' || bytes[i + 1] == b'%')
        {
            let with_body = bytes[i + 1] == b'%';
            match parse_open(text, i, with_body) {
                Open::NotAShortcode => {}
                Open::Bad(e) => {
                    errors.push(e);
                    // Skip past the bad opening to avoid cascades.
                    let close = if with_body { "%}" } else { "}}" };
                    let end = text[i..].find(close).map(|e| i + e + 2).unwrap_or(i + 2);
                    i = end;
                    continue;
                }
                Open::Call { name, args, end } => {
                    let n = calls.len();
                    if with_body {
                        match find_end(text, end) {
                            Some((body_end, after)) => {
                                let body = text[end..body_end].to_string();
                                let lines = text[i..after].matches('\n').count();
                                // The placeholder stands alone between blank lines, and the
                                // newlines it adds match the call's where they can.
                                let prefix = if out.is_empty() || out.ends_with("\n\n") {
                                    ""
                                } else if out.ends_with('\n') {
                                    "\n"
                                } else {
                                    "\n\n"
                                };
                                out.push_str(prefix);
                                out.push_str(&format!("TREMPLINSC{n}X"));
                                let suffix = lines.saturating_sub(prefix.len()).max(2);
                                out.push_str(&"\n".repeat(suffix));
                                calls.push(Call {
                                    name,
                                    args,
                                    body: Some(body),
                                    body_offset: end,
                                    offset: i,
                                });
                                i = after;
                                continue;
                            }
                            None => {
                                errors.push(ParseError {
                                    offset: i,
                                    message: format!("le shortcode « {name} » n'est jamais fermé : ajoutez {{% end %}} après son contenu"),
                                });
                                i = end;
                                continue;
                            }
                        }
                    } else {
                        out.push_str(&format!("TREMPLINSC{n}X"));
                        calls.push(Call {
                            name,
                            args,
                            body: None,
                            body_offset: end,
                            offset: i,
                        });
                        i = end;
                        continue;
                    }
                }
            }
        }
        let ch_len = utf8_len(b);
        out.push_str(&text[i..i + ch_len]);
        i += ch_len;
    }
    (out, calls, errors)
}

fn utf8_len(b: u8) -> usize {
    match b {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

enum Open {
    NotAShortcode,
    Bad(ParseError),
    Call {
        name: String,
        args: Map<String, Value>,
        end: usize,
    },
}

/// Parses `{{ name(args) }}` or `{% name(args) %}` at `start`.
fn parse_open(text: &str, start: usize, with_body: bool) -> Open {
    let mut p = Cursor {
        text,
        pos: start + 2,
    };
    p.skip_ws();
    let name_start = p.pos;
    while p
        .peek()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        p.pos += 1;
    }
    let name = &text[name_start..p.pos];
    if name.is_empty() || name == "end" || p.peek() != Some('(') {
        if with_body && name == "end" {
            return Open::Bad(ParseError {
                offset: start,
                message: "{% end %} sans shortcode ouvert avant lui".to_string(),
            });
        }
        return Open::NotAShortcode;
    }
    p.pos += 1;
    let mut args = Map::new();
    let bad = |p: &Cursor<'_>, what: &str| {
        Open::Bad(ParseError {
            offset: p.pos,
            message: format!("shortcode « {name} » mal écrit : {what}"),
        })
    };
    loop {
        p.skip_ws();
        match p.peek() {
            Some(')') => {
                p.pos += 1;
                break;
            }
            None => return bad(&p, "parenthèse fermante « ) » manquante"),
            _ => {}
        }
        let key_start = p.pos;
        while p
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            p.pos += 1;
        }
        let key = text[key_start..p.pos].to_string();
        if key.is_empty() {
            return bad(&p, "un argument s'écrit nom=\"valeur\"");
        }
        p.skip_ws();
        if p.peek() != Some('=') {
            return bad(&p, &format!("« = » attendu après « {key} »"));
        }
        p.pos += 1;
        p.skip_ws();
        match p.value() {
            Ok(v) => {
                args.insert(key, v);
            }
            Err(msg) => return bad(&p, &msg),
        }
        p.skip_ws();
        match p.peek() {
            Some(',') => p.pos += 1,
            Some(')') => {}
            _ => return bad(&p, "« , » ou « ) » attendu entre les arguments"),
        }
    }
    p.skip_ws();
    let close = if with_body { "%}" } else { "}}" };
    if !text[p.pos..].starts_with(close) {
        return bad(&p, &format!("« {close} » attendu pour fermer le shortcode"));
    }
    Open::Call {
        name: name.to_string(),
        args,
        end: p.pos + 2,
    }
}

/// Finds the `{% end %}` that closes a body opened before `from`, skipping nested bodies.
/// Returns the body's end and the offset after `{% end %}`.
fn find_end(text: &str, from: usize) -> Option<(usize, usize)> {
    let mut depth = 0;
    let mut i = from;
    while let Some(rel) = text[i..].find("{%") {
        let at = i + rel;
        let mut p = Cursor { text, pos: at + 2 };
        p.skip_ws();
        if text[p.pos..].starts_with("end") {
            let mut q = Cursor {
                text,
                pos: p.pos + 3,
            };
            q.skip_ws();
            if text[q.pos..].starts_with("%}") {
                if depth == 0 {
                    return Some((at, q.pos + 2));
                }
                depth -= 1;
                i = q.pos + 2;
                continue;
            }
        }
        if let Open::Call { end, .. } = parse_open(text, at, true) {
            depth += 1;
            i = end;
        } else {
            i = at + 2;
        }
    }
    None
}

struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(q @ ('"' | '\'' | '`')) => {
                self.pos += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return Err(format!("texte non fermé : ajoutez {q}")),
                        Some('\\') if q == '"' => {
                            self.pos += 1;
                            match self.peek() {
                                Some('n') => s.push('\n'),
                                Some(c) => s.push(c),
                                None => return Err("texte non fermé".to_string()),
                            }
                            self.pos += self.peek().map(char::len_utf8).unwrap_or(1);
                        }
                        Some(c) if c == q => {
                            self.pos += 1;
                            return Ok(Value::String(s));
                        }
                        Some(c) => {
                            s.push(c);
                            self.pos += c.len_utf8();
                        }
                    }
                }
            }
            Some('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    if self.peek() == Some(']') {
                        self.pos += 1;
                        return Ok(Value::Array(items));
                    }
                    items.push(self.value()?);
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.pos += 1,
                        Some(']') => {}
                        _ => return Err("liste mal fermée : « ] » attendu".to_string()),
                    }
                }
            }
            _ => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
                {
                    self.pos += 1;
                }
                let word = &self.text[start..self.pos];
                match word {
                    "true" => Ok(Value::Bool(true)),
                    "false" => Ok(Value::Bool(false)),
                    "" => Err("valeur manquante".to_string()),
                    _ => {
                        if let Ok(i) = word.parse::<i64>() {
                            Ok(Value::from(i))
                        } else if let Ok(f) = word.parse::<f64>() {
                            Ok(Value::from(f))
                        } else {
                            Err(format!(
                                "valeur « {word} » incomprise : mettez les textes entre guillemets"
                            ))
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inline_and_body_calls() {
        let text = "Avant {{ source(nom=\"sp\", n=3, ok=true, l=[1, \"a\"]) }} après.\n\n{% essentiel(titre='À retenir') %}\n- un\n- deux\n{% end %}\nFin\n";
        let (out, calls, errors) = extract(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].name, "source");
        assert_eq!(
            Value::Object(calls[0].args.clone()),
            json!({"nom": "sp", "n": 3, "ok": true, "l": [1, "a"]})
        );
        assert_eq!(calls[1].body.as_deref(), Some("\n- un\n- deux\n"));
        assert!(out.starts_with("Avant TREMPLINSC0X après.\n"));
        assert!(out.contains("\n\nTREMPLINSC1X\n\n"));
        // Line count kept: "Fin" stays on line 7.
        assert_eq!(out.lines().position(|l| l == "Fin"), Some(6), "{out:?}");
    }

    #[test]
    fn code_is_left_alone() {
        let text = "```\n{{ x() }}\n```\n`{{ y() }}` {{ not a shortcode }}\n";
        let (out, calls, errors) = extract(text);
        assert!(calls.is_empty() && errors.is_empty());
        assert_eq!(out, text);
    }

    #[test]
    fn nested_bodies_and_errors() {
        let (_, calls, _) = extract("{% a() %}x {% b() %}y{% end %} z{% end %}");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].body.as_deref(), Some("x {% b() %}y{% end %} z"));
        let (_, _, errors) = extract("{{ a(x=1 y=2) }}");
        assert_eq!(
            errors[0].message,
            "shortcode « a » mal écrit : « , » ou « ) » attendu entre les arguments"
        );
        let (_, _, errors) = extract("{% a() %}jamais fermé");
        assert_eq!(
            errors[0].message,
            "le shortcode « a » n'est jamais fermé : ajoutez {% end %} après son contenu"
        );
        let (_, _, errors) = extract("{{ a(x=bonjour) }}");
        assert_eq!(errors[0].message, "shortcode « a » mal écrit : valeur « bonjour » incomprise : mettez les textes entre guillemets");
    }
}
