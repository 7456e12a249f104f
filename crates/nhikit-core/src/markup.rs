//! Escaping text for the HTML and XML reports (conform, load and compare write them): one
//! home, so that a target's or a scenario's text cannot break a report in one place and not
//! in another.

/// Escapes text for HTML content and double-quoted attributes: `&`, `<`, `>` and `"`, and a
/// control character other than tab, line feed and carriage return (a parse error in HTML, and
/// what a hostile target may answer) as U+FFFD.
///
/// ```
/// use nhikit_core::markup::escape_html;
/// assert_eq!(escape_html("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
/// ```
pub fn escape_html(s: &str) -> String {
    escape_with(s, |c| control(c).or_else(|| markup_entity(c)))
}

/// Escapes text for XML 1.0 content and attributes (single- or double-quoted): the five
/// markup characters, a line feed as `&#10;` (so that an attribute keeps it), and every
/// control character XML 1.0 cannot hold as U+FFFD (the report stays well-formed).
///
/// ```
/// use nhikit_core::markup::escape_xml;
/// assert_eq!(escape_xml("a<b>'\u{1}\n"), "a&lt;b&gt;&apos;\u{fffd}&#10;");
/// ```
pub fn escape_xml(s: &str) -> String {
    escape_with(s, |c| match c {
        '\'' => Some("&apos;"),
        '\n' => Some("&#10;"),
        c => control(c).or_else(|| markup_entity(c)),
    })
}

/// U+FFFD for a control character XML 1.0 cannot hold (§2.2 `Char`: below U+0020 only #x9, #xA
/// and #xD are allowed).
fn control(c: char) -> Option<&'static str> {
    ((c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r')).then_some("\u{fffd}")
}

/// The entity of a character HTML and XML both escape.
fn markup_entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        '"' => Some("&quot;"),
        _ => None,
    }
}

/// `s` with each character `replace` names replaced.
fn escape_with(s: &str, replace: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match replace(c) {
            Some(r) => out.push_str(r),
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_and_leaves_the_rest() {
        assert_eq!(escape_html("<script>"), "&lt;script&gt;");
        assert_eq!(
            escape_html("a & \"b\" 'c' 国保\t\u{1}"),
            "a &amp; &quot;b&quot; 'c' 国保\t\u{fffd}"
        );
    }

    #[test]
    fn xml_keeps_only_characters_xml_allows() {
        // XML 1.0 (Fifth Edition) §2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | …
        assert_eq!(
            escape_xml("a<b>&\"'\u{1}"),
            "a&lt;b&gt;&amp;&quot;&apos;\u{fffd}"
        );
        assert_eq!(
            escape_xml("\t\r\n\u{0}\u{1f} 国保"),
            "\t\r&#10;\u{fffd}\u{fffd} 国保"
        );
    }
}
