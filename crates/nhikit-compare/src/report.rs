//! Reports: `compare.json` (everything), `compare.junit.xml` (one testcase per finding: a
//! failure when it is new, passing with its reason when known), `compare.html` (totals per
//! operation, findings by class with derivation and examples, new ones first), and each
//! finding's scenario under `scenarios/`.

use crate::{Comparison, Error, Finding, OPERATIONS, scenario};
use nhikit_core::markup::{escape_html, escape_xml};
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
        escape_xml(&header.current),
        escape_xml(&header.new),
        run.findings.len(),
        escape_xml(&header.run_date)
    );
    for f in &run.findings {
        let _ = write!(
            x,
            "    <testcase classname=\"compare.{}\" name=\"{} {} {} ({})\"",
            escape_xml(&f.operation),
            escape_xml(&f.id),
            escape_xml(f.class.name()),
            escape_xml(&f.item),
            escape_xml(&f.shape)
        );
        match &f.known {
            Some(k) => {
                let _ = writeln!(
                    x,
                    ">\n      <system-out>known ({}): {} — {}</system-out>\n    </testcase>",
                    escape_xml(&k.at),
                    escape_xml(&k.reason),
                    escape_xml(&k.owner)
                );
            }
            None => {
                let _ = writeln!(
                    x,
                    ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    escape_xml(f.class.name()),
                    escape_xml(&f.summary()),
                    escape_xml(&describe(f))
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
        escape_html(&header.current),
        escape_html(&header.new),
        escape_html(&header.data),
        run.households,
        escape_html(&run.as_of.join(", ")),
        run.fiscal_years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        escape_html(&header.run_date),
        escape_html(&header.nhikit_version),
        header.seconds
    );
    for n in &run.notes {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", escape_html(n));
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
                escape_html(&k.at),
                escape_html(&k.operation),
                escape_html(&k.item),
                escape_html(k.class.name()),
                escape_html(&k.reason)
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
            escape_html(&f.id),
            if f.known.is_some() { "known" } else { "new" },
            escape_html(&f.id),
            escape_html(f.class.name()),
            escape_html(&f.operation),
            escape_html(&f.item),
            escape_html(&f.shape),
            f.count
        );
        if let Some(k) = &f.known {
            let _ = writeln!(
                h,
                "<p>Known ({}): {} — owner {}</p>",
                escape_html(&k.at),
                escape_html(&k.reason),
                escape_html(&k.owner)
            );
        }
        h.push_str("<table><tr><th>record</th><th>item</th><th>current</th><th>new</th><th>oracle</th></tr>\n");
        for e in &f.examples {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape_html(&e.record),
                escape_html(&e.path),
                escape_html(&e.current.to_string()),
                escape_html(&e.new.to_string()),
                escape_html(&e.oracle.as_ref().map_or("—".into(), |o| o.to_string()))
            );
        }
        h.push_str("</table>\n");
        if let Some(d) = &f.derivation {
            let _ = writeln!(
                h,
                "<p>Derivation (oracle):</p>\n<pre>{}</pre>",
                escape_html(d)
            );
        }
        if f.scenario.is_some() {
            let _ = writeln!(
                h,
                "<p>Smallest case ({} record(s)): <a href=\"scenarios/{id}.toml\"><code>scenarios/{id}.toml</code></a> — \
                 <code>nhikit conform --scenarios scenarios/{id}.toml --target …</code></p>",
                f.smallest_records.unwrap_or(0),
                id = escape_html(&scenario::id(f))
            );
        }
        h.push_str("</section>\n");
    }
    h.push_str("</body>\n</html>\n");
    h
}
