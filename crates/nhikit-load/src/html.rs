//! The self-contained HTML report: throughput and latency percentiles over time, the latency
//! percentile distribution per operation, the summary table and the thresholds. Inline SVG
//! and CSS, no script, no external resource.

use crate::results::{Hist, Results};
use std::fmt::Write;

const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Series {
    label: String,
    points: Vec<(f64, f64)>,
}

/// A line chart; `x_tick` labels an x value.
fn chart(title: &str, y_label: &str, series: &[Series], x_tick: &dyn Fn(f64) -> String) -> String {
    let (w, h, left, right, top, bottom) = (760.0, 280.0, 64.0, 150.0, 28.0, 36.0);
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img"><title>{t}</title><text x="{left}" y="16" class="t">{t}</text>"#,
        t = esc(title)
    );
    if x0 > x1 {
        svg.push_str(r#"<text x="80" y="120">no data</text></svg>"#);
        return svg;
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= 0.0 {
        y1 = 1.0;
    }
    y1 *= 1.05;
    let pw = w - left - right;
    let ph = h - top - bottom;
    let sx = |x: f64| left + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| top + ph - y / y1 * ph;
    let _ = write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>"##
    );
    for i in 0..=4 {
        let y = y1 * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{py}" y2="{py}" stroke="#eee"/><text x="{}" y="{}" text-anchor="end" class="a">{}</text>"##,
            left + pw,
            left - 4.0,
            sy(y) + 4.0,
            fmt_num(y),
            py = sy(y)
        );
        let x = x0 + (x1 - x0) * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" class="a">{}</text>"#,
            sx(x),
            top + ph + 16.0,
            esc(&x_tick(x))
        );
    }
    let _ = write!(
        svg,
        r#"<text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle" class="a">{}</text>"#,
        top + ph / 2.0,
        top + ph / 2.0,
        esc(y_label)
    );
    for (i, s) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{}"/><rect x="{}" y="{}" width="10" height="10" fill="{color}"/><text x="{}" y="{}" class="a">{}</text>"#,
            path.join(" "),
            w - right + 10.0,
            top + 16.0 * i as f64,
            w - right + 24.0,
            top + 16.0 * i as f64 + 9.0,
            esc(&s.label)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// x = log10(1 / (1 − q)): 1 is p90, 2 is p99, 3 is p99.9.
fn distribution(h: &Hist) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut nines = 0.0;
    while nines <= 5.0 {
        let q = 1.0 - 10f64.powf(-nines);
        out.push((nines, h.ms_at(q)));
        nines += 0.05;
    }
    out
}

fn nines_label(x: f64) -> String {
    let q = (1.0 - 10f64.powf(-x)) * 100.0;
    if q < 99.0 {
        format!("p{q:.0}")
    } else {
        format!(
            "p{}",
            fmt_num(q).trim_end_matches('0').trim_end_matches('.')
        )
    }
}

/// Renders `results` as one HTML page.
pub fn render(results: &Results) -> String {
    let title = format!("nhikit load — {}", results.scenario);
    let mut body = String::new();
    let verdict = if results.passed() { "passed" } else { "FAILED" };
    let _ = write!(
        body,
        "<h1>{}</h1><p>{} model, segments {}, {:.1} s measured, {} requests, {} errors ({:.3} %), {:.1} requests/s{}{} — thresholds <b class=\"{}\">{verdict}</b></p>",
        esc(&title),
        esc(&results.model),
        esc(&results.segments.join(", ")),
        results.duration_s,
        results.requests,
        results.errors,
        results.all.summary.error_rate * 100.0,
        results.all.summary.throughput,
        if results.interrupted {
            ", interrupted"
        } else {
            ""
        },
        if results.unsent > 0 {
            format!(", {} arrivals unsent", results.unsent)
        } else {
            String::new()
        },
        if results.passed() { "ok" } else { "bad" },
    );
    let secs = |x: f64| format!("{x:.0}s");
    let tl = &results.timeline;
    body.push_str(&chart(
        "Throughput over time",
        "requests/s",
        &[
            Series {
                label: "requests".into(),
                points: tl
                    .iter()
                    .map(|i| (i.second as f64, i.requests as f64))
                    .collect(),
            },
            Series {
                label: "errors".into(),
                points: tl
                    .iter()
                    .map(|i| (i.second as f64, i.errors as f64))
                    .collect(),
            },
        ],
        &secs,
    ));
    let pct = |label: &str, q: f64| Series {
        label: label.into(),
        points: tl
            .iter()
            .filter(|i| i.requests > 0)
            .map(|i| (i.second as f64, i.histogram.ms_at(q)))
            .collect(),
    };
    body.push_str(&chart(
        "Latency percentiles over time",
        "ms",
        &[
            pct("p50", 0.5),
            pct("p95", 0.95),
            pct("p99", 0.99),
            pct("max", 1.0),
        ],
        &secs,
    ));
    let mut dist = vec![Series {
        label: "all".into(),
        points: distribution(&results.all.histogram),
    }];
    for (name, op) in &results.ops {
        dist.push(Series {
            label: name.clone(),
            points: distribution(&op.histogram),
        });
    }
    body.push_str(&chart("Latency by percentile", "ms", &dist, &nines_label));
    body.push_str("<h2>Operations</h2><table><tr><th>operation</th><th>requests</th><th>errors</th><th>req/s</th><th>p50 ms</th><th>p90 ms</th><th>p95 ms</th><th>p99 ms</th><th>p99.9 ms</th><th>max ms</th><th>errors by kind</th></tr>");
    let rows = results
        .ops
        .iter()
        .map(|(n, o)| (n.as_str(), o))
        .chain(std::iter::once(("all", &results.all)));
    for (name, o) in rows {
        let s = &o.summary;
        let kinds: Vec<String> = o
            .errors_by_kind
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td></tr>",
            esc(name),
            o.requests,
            o.errors,
            s.throughput,
            s.p50_ms,
            s.p90_ms,
            s.p95_ms,
            s.p99_ms,
            s.p999_ms,
            s.max_ms,
            esc(&kinds.join(", "))
        );
    }
    body.push_str("</table><h2>Thresholds</h2><table><tr><th>threshold</th><th>measured</th><th>result</th></tr>");
    for c in &results.checks {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{:.3}</td><td class=\"{}\">{}</td></tr>",
            esc(&c.name),
            c.actual,
            if c.passed { "ok" } else { "bad" },
            if c.passed { "passed" } else { "breached" }
        );
    }
    if results.checks.is_empty() {
        body.push_str("<tr><td colspan=\"3\">none</td></tr>");
    }
    body.push_str("</table>");
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>body{{font-family:sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child{{text-align:left}}.ok{{color:#080}}.bad{{color:#c00}}svg{{display:block;margin:1em 0}}.t{{font-size:14px;font-weight:bold}}.a{{font-size:11px}}</style></head><body>{body}</body></html>\n",
        esc(&title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Interval, OpResults};
    use std::collections::BTreeMap;

    #[test]
    fn the_report_is_self_contained_and_shows_every_operation() {
        let mut op = OpResults::default();
        op.histogram.0.record(1500).unwrap();
        op.requests = 1;
        let mut iv = Interval {
            requests: 1,
            ..Interval::default()
        };
        iv.histogram.0.record(1500).unwrap();
        let mut r = Results {
            format: crate::results::FORMAT.into(),
            scenario: "peak <a>".into(),
            model: "open".into(),
            segments: vec!["1/1".into()],
            duration_s: 1.0,
            requests: 0,
            errors: 0,
            warmup_requests: 0,
            unsent: 0,
            interrupted: false,
            ops: BTreeMap::from([("lookup_person".to_owned(), op)]),
            all: OpResults::default(),
            timeline: vec![iv],
            thresholds: BTreeMap::new(),
            checks: Vec::new(),
        };
        r.finish();
        let html = render(&r);
        assert!(html.contains("peak &lt;a&gt;"));
        assert!(html.contains("<td>lookup_person</td>"));
        assert_eq!(html.matches("<svg").count(), 3);
        assert!(!html.contains("src=") && !html.contains("href="));
    }
}
