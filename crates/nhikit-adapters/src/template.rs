//! Placeholder templates: `{name}` is replaced by a value (a request field, or a variable of the
//! files adapter); `{a.b}` reaches into an object; `{{` and `}}` are literal braces.

use serde_json::{Map, Value};

/// One piece of a parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(String),
}

/// A parsed string template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses `text`; an unclosed `{`, a stray `}` or an empty name is an error.
    pub(crate) fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!("unclosed `{{` in template {text:?}"));
                            }
                            Some(c) => name.push(c),
                        }
                    }
                    let name = name.trim();
                    if name.is_empty() || name.split('.').any(str::is_empty) {
                        return Err(format!("empty placeholder name in template {text:?}"));
                    }
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Field(name.to_owned()));
                }
                '}' => return Err(format!("stray `}}` in template {text:?} (write `}}}}`)")),
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        Ok(Template { pieces })
    }

    /// A template of literal text, without placeholders.
    pub(crate) fn literal(text: &str) -> Template {
        Template {
            pieces: vec![Piece::Text(text.to_owned())],
        }
    }

    /// The placeholder names, in order.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &str> {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Field(f) => Some(f.as_str()),
            Piece::Text(_) => None,
        })
    }

    /// The single placeholder, when the template is exactly `{name}`.
    pub(crate) fn sole_field(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Field(f)] => Some(f),
            _ => None,
        }
    }

    /// The text with every placeholder replaced by `lookup(name)`, each value passed through
    /// `encode`; the first name without a value is the error.
    pub(crate) fn render(
        &self,
        lookup: impl Fn(&str) -> Option<String>,
        encode: impl Fn(&str) -> String,
    ) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(f) => out.push_str(&encode(&lookup(f).ok_or_else(|| f.clone())?)),
            }
        }
        Ok(out)
    }
}

/// The value at a dotted path of a request; `null` counts as absent.
pub(crate) fn field<'a>(request: &'a Value, path: &str) -> Option<&'a Value> {
    let mut v = request;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    (!v.is_null()).then_some(v)
}

/// A value as template text: strings as they are, other scalars and structures as JSON.
pub(crate) fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON body template filled from `request`: a string that is exactly `{name}` becomes the
/// field's JSON value (the key is left out when the request has none), other strings are
/// interpolated (an absent field there is the error, by name).
pub(crate) fn render_json(template: &Value, request: &Value) -> Result<Value, String> {
    Ok(match template {
        Value::String(s) => render_json_string(s, request)?.unwrap_or(Value::Null),
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => {
                        if let Some(v) = render_json_string(s, request)? {
                            out.push(v);
                        }
                    }
                    other => out.push(render_json(other, request)?),
                }
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, item) in map {
                match item {
                    Value::String(s) => {
                        if let Some(v) = render_json_string(s, request)? {
                            out.insert(k.clone(), v);
                        }
                    }
                    other => {
                        out.insert(k.clone(), render_json(other, request)?);
                    }
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn render_json_string(s: &str, request: &Value) -> Result<Option<Value>, String> {
    let t = Template::parse(s)?;
    if let Some(name) = t.sole_field() {
        return Ok(field(request, name).cloned());
    }
    t.render(|f| field(request, f).map(text_of), str::to_owned)
        .map(|s| Some(Value::String(s)))
}

/// Every template string inside a JSON body template, for checking at load time.
pub(crate) fn check_json(template: &Value) -> Result<(), String> {
    match template {
        Value::String(s) => Template::parse(s).map(|_| ()),
        Value::Array(items) => items.iter().try_for_each(check_json),
        Value::Object(map) => map.values().try_for_each(check_json),
        _ => Ok(()),
    }
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters pass).
pub(crate) fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_placeholders_and_escapes() {
        let t = Template::parse("/p/{lgcode}/{ address_number }/{{x}}").unwrap();
        assert_eq!(t.fields().collect::<Vec<_>>(), ["lgcode", "address_number"]);
        let req = json!({"lgcode": "131016", "address_number": "12 3"});
        let out = t
            .render(|f| field(&req, f).map(text_of), encode_segment)
            .unwrap();
        assert_eq!(out, "/p/131016/12%203/{x}");
        assert!(Template::parse("/p/{lgcode").is_err());
        assert!(Template::parse("/p/}").is_err());
        assert!(Template::parse("/p/{}").is_err());
        assert!(Template::parse("/p/{a..b}").is_err());
    }

    #[test]
    fn missing_field_is_named() {
        let t = Template::parse("/p/{mynumber}").unwrap();
        let req = json!({"mynumber": null});
        assert_eq!(
            t.render(|f| field(&req, f).map(text_of), str::to_owned),
            Err("mynumber".to_owned())
        );
    }

    #[test]
    fn json_template_keeps_types_and_drops_absent_keys() {
        let template = json!({
            "who": {"city": "{lgcode}", "id": "{address_number}"},
            "year": "{fiscal_year}",
            "label": "FY{fiscal_year}-{lgcode}",
            "incomes": "{incomes}",
            "gone": "{nothing}",
            "fixed": 3,
            "list": ["{lgcode}", "{nothing}"]
        });
        let req = json!({"lgcode": "042072", "address_number": "7", "fiscal_year": 2026,
                         "incomes": {"7": {"salary_revenue": 1}}});
        let out = render_json(&template, &req).unwrap();
        assert_eq!(
            out,
            json!({
                "who": {"city": "042072", "id": "7"},
                "year": 2026,
                "label": "FY2026-042072",
                "incomes": {"7": {"salary_revenue": 1}},
                "fixed": 3,
                "list": ["042072"]
            })
        );
        assert_eq!(
            render_json(&json!({"x": "a{nothing}"}), &req),
            Err("nothing".to_owned())
        );
        assert_eq!(field(&req, "incomes.7.salary_revenue"), Some(&json!(1)));
    }
}
