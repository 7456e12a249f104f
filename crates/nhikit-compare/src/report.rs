//! Reports: `compare.json` (everything), `compare.junit.xml` (one testcase per finding: a
//! failure when it is new, passing with its reason when known), `compare.html` (totals per
//! operation, findings by class with derivation and examples, new ones first), and each
//! finding's scenario under `scenarios/`.

use crate::{Comparison, Error, Finding, OPERATIONS, scenario};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// What the report headers say about the run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Header {
    /// The current system's target spec (with its faults, if any).
    pub current: String,
    /// The new system's target spec.
    pub new: String,
    /// The dataset (a directory, or the generator parameters).
    pub data: String,
    /// When the run started (UTC, RFC 3339).
    pub run_date: String,
    /// nhikit's version.
    pub nhikit_version: String,
    /// Seconds the run took.
    pub seconds: f64,
}

/// Escapes text for HTML and XML (the JUnit file): a target's answer may hold control
/// characters, which XML 1.0 cannot hold, so they become U+FFFD.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn write_file(path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

pub(crate) fn write(dir: &Path, run: &Comparison, header: &Header) -> Result<(), Error> {
    let io = |p: &Path, e: std::io::Error| Error::Io {
        path: p.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let json = serde_json::to_string_pretty(&serde_json::json!({
        "header": header,
        "ok": run.new_findings().next().is_none(),
        "comparison": run,
    }))
    .map_err(|e| io(dir, std::io::Error::other(e)))?;
    write_file(&dir.join("compare.json"), &json)?;
    write_file(&dir.join("compare.junit.xml"), &junit(run, header))?;
    write_file(&dir.join("compare.html"), &html(run, header))?;
    if run.findings.iter().any(|f| f.scenario.is_some()) {
        let sdir = dir.join("scenarios");
        std::fs::create_dir_all(&sdir).map_err(|e| io(&sdir, e))?;
        write_file(&sdir.join("requirements.toml"), scenario::CATALOG)?;
        for f in &run.findings {
            if let Some(text) = &f.scenario {
                write_file(&sdir.join(format!("{}.toml", scenario::id(f))), text)?;
            }
        }
    }
    Ok(())
}

fn describe(f: &Finding) -> String {
    let mut s = format!(
        "{} item(s); {} {} ({})\n",
        f.count, f.operation, f.item, f.shape
    );
    for e in &f.examples {
        let _ = writeln!(
            s,
            "  {} {}: current {}, new {}{}",
            e.record,
            e.path,
            e.current,
            e.new,
            e.oracle
                .as_ref()
                .map(|o| format!(", oracle {o}"))
                .unwrap_or_default()
        );
    }
    if let Some(d) = &f.derivation {
        let _ = writeln!(s, "derivation:\n{d}");
    }
    if f.scenario.is_some() {
        let _ = writeln!(
            s,
            "reproduce: nhikit conform --scenarios scenarios/{}.toml --target …",
            scenario::id(f)
        );
    }
    s
}

fn junit(run: &Comparison, header: &Header) -> String {
    let failures = run.new_findings().count();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"nhikit compare\" tests=\"{}\" failures=\"{failures}\" time=\"{:.3}\">",
        run.findings.len(),
        header.seconds
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"compare {} vs {}\" tests=\"{}\" failures=\"{failures}\" timestamp=\"{}\">",
        esc(&header.current),
        esc(&header.new),
        run.findings.len(),
        esc(&header.run_date)
    );
    for f in &run.findings {
        let _ = write!(
            x,
            "    <testcase classname=\"compare.{}\" name=\"{} {} {} ({})\"",
            esc(&f.operation),
            esc(&f.id),
            esc(f.class.name()),
            esc(&f.item),
            esc(&f.shape)
        );
        match &f.known {
            Some(k) => {
                let _ = writeln!(
                    x,
                    ">\n      <system-out>known ({}): {} — {}</system-out>\n    </testcase>",
                    esc(&k.at),
                    esc(&k.reason),
                    esc(&k.owner)
                );
            }
            None => {
                let _ = writeln!(
                    x,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    esc(f.class.name()),
                    esc(&f.summary()),
                    esc(&describe(f))
                );
            }
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

const CSS: &str = "body{font-family:\"Hiragino Kaku Gothic ProN\",\"Hiragino Sans\",\"Noto Sans CJK JP\",\
\"Noto Sans JP\",\"Yu Gothic\",\"YuGothic\",Meiryo,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
td.n{text-align:right}.new{border-left:6px solid #c0392b;padding-left:1em}.known{border-left:6px solid #999;\
padding-left:1em;color:#555}pre{background:#f6f6f6;padding:.6em;white-space:pre-wrap}.badge{padding:.1em .5em;\
border-radius:.3em;color:#fff}.pass{background:#2e7d32}.fail{background:#c0392b}code{font-size:95%}\n";

fn html(run: &Comparison, header: &Header) -> String {
    let ok = run.new_findings().next().is_none();
    let mut h = String::from(
        "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>nhikit 現新比較 report</title>\n<style>\n",
    );
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n");
    let _ = writeln!(
        h,
        "<h1>現新比較 (nhikit compare) <span class=\"badge {}\">{}</span></h1>",
        if ok { "pass" } else { "fail" },
        if ok { "PASS" } else { "FAIL" }
    );
    let _ = writeln!(
        h,
        "<p class=\"meta\">current <code id=\"current\">{}</code> · new <code id=\"new\">{}</code> · \
         data <code>{}</code> · {} household(s), as of {}, FY {} · run {} · nhikit {} · {:.1} s</p>",
        esc(&header.current),
        esc(&header.new),
        esc(&header.data),
        run.households,
        esc(&run.as_of.join(", ")),
        run.fiscal_years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        esc(&header.run_date),
        esc(&header.nhikit_version),
        header.seconds
    );
    for n in &run.notes {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(n));
    }
    h.push_str(
        "<h2>Operations</h2>\n<table id=\"totals\">\n<tr><th>operation</th><th>calls</th>\
         <th>identical</th><th>differing</th><th>items</th><th>findings</th></tr>\n",
    );
    for op in OPERATIONS {
        let Some(t) = run.totals.get(op) else {
            continue;
        };
        let findings = run.findings.iter().filter(|f| f.operation == op).count();
        let _ = writeln!(
            h,
            "<tr><td><code>{op}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{findings}</td></tr>",
            t.calls, t.identical, t.differing, t.items
        );
    }
    h.push_str("</table>\n<h2>Findings by class</h2>\n<table id=\"classes\">\n<tr><th>class</th><th>new</th><th>known</th></tr>\n");
    for c in crate::Class::ALL {
        let (new, known) =
            run.findings
                .iter()
                .filter(|f| f.class == c)
                .fold((0, 0), |(n, k), f| {
                    if f.known.is_some() {
                        (n, k + 1)
                    } else {
                        (n + 1, k)
                    }
                });
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"n\">{new}</td><td class=\"n\">{known}</td></tr>",
            c.name()
        );
    }
    h.push_str("</table>\n");
    if !run.stale_known.is_empty() {
        h.push_str("<h2>Stale known differences (matched nothing)</h2>\n<ul>\n");
        for k in &run.stale_known {
            let _ = writeln!(
                h,
                "<li><code>{}</code> {} {} {} — {}</li>",
                esc(&k.at),
                esc(&k.operation),
                esc(&k.item),
                esc(k.class.name()),
                esc(&k.reason)
            );
        }
        h.push_str("</ul>\n");
    }
    h.push_str("<h2>Findings</h2>\n");
    if run.findings.is_empty() {
        h.push_str("<p>No differences.</p>\n");
    }
    for f in &run.findings {
        let _ = writeln!(
            h,
            "<section id=\"{}\" class=\"{}\">\n<h3>{} <code>{}</code> {} <code>{}</code> ({}) — {} item(s)</h3>",
            esc(&f.id),
            if f.known.is_some() { "known" } else { "new" },
            esc(&f.id),
            esc(f.class.name()),
            esc(&f.operation),
            esc(&f.item),
            esc(&f.shape),
            f.count
        );
        if let Some(k) = &f.known {
            let _ = writeln!(
                h,
                "<p>Known ({}): {} — owner {}</p>",
                esc(&k.at),
                esc(&k.reason),
                esc(&k.owner)
            );
        }
        h.push_str("<table><tr><th>record</th><th>item</th><th>current</th><th>new</th><th>oracle</th></tr>\n");
        for e in &f.examples {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&e.record),
                esc(&e.path),
                esc(&e.current.to_string()),
                esc(&e.new.to_string()),
                esc(&e.oracle.as_ref().map_or("—".into(), |o| o.to_string()))
            );
        }
        h.push_str("</table>\n");
        if let Some(d) = &f.derivation {
            let _ = writeln!(h, "<p>Derivation (oracle):</p>\n<pre>{}</pre>", esc(d));
        }
        if f.scenario.is_some() {
            let _ = writeln!(
                h,
                "<p>Smallest case ({} record(s)): <a href=\"scenarios/{id}.toml\"><code>scenarios/{id}.toml</code></a> — \
                 <code>nhikit conform --scenarios scenarios/{id}.toml --target …</code></p>",
                f.smallest_records.unwrap_or(0),
                id = esc(&scenario::id(f))
            );
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaped_text_is_valid_html_and_xml() {
        // A hostile target's answer: markup, quotes and a control character.
        assert_eq!(
            super::esc("<a href=\"x\">&'\u{1}\t"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{fffd}\t"
        );
    }
}
