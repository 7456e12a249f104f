//! The self-contained HTML report: the run (target, date, version, planned against achieved
//! rate), throughput and latency percentiles over time with the thresholds drawn on them, the
//! p99 of each operation over time, the latency percentile distribution per operation, the
//! summary table and the thresholds. Inline SVG and CSS, no script, no external resource;
//! charts take the page's width.

use crate::results::{Hist, Results};
use crate::scenario::Limits;
use nhikit_core::markup::escape_html as esc;
use std::fmt::Write;

const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

struct Series {
    label: String,
    points: Vec<(f64, f64)>,
    /// Drawn thin and dashed (e.g. the maximum, so that it does not hide p99).
    faint: bool,
}

impl Series {
    fn new(label: &str, points: Vec<(f64, f64)>) -> Series {
        Series {
            label: label.to_owned(),
            points,
            faint: false,
        }
    }
}

/// A horizontal line across a chart: a threshold or a planned rate.
struct Rule {
    label: String,
    y: f64,
}

/// How the x axis is labelled: `Linear(unit)` gets round ticks; `At` names its own.
enum XAxis {
    Linear(&'static str),
    At(Vec<(f64, String)>),
}

/// A round step for about `n` ticks over `span`: 1, 2, 2.5 or 5 times a power of ten.
fn nice_step(span: f64, n: f64) -> f64 {
    if span.is_nan() || span <= 0.0 || span.is_infinite() {
        return 1.0;
    }
    let raw = span / n;
    let p = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * p)
}

/// A tick value without float noise: as many decimals as the step needs (`0.25`, `12.5`, `300`).
fn tick_label(v: f64, step: f64) -> String {
    let mut decimals = 0;
    while decimals < 6 {
        let scaled = step * 10f64.powi(decimals as i32);
        if (scaled - scaled.round()).abs() < 1e-6 {
            break;
        }
        decimals += 1;
    }
    format!("{v:.decimals$}")
}

/// A line chart, as wide as the page (the SVG scales to its container).
fn chart(title: &str, y_label: &str, series: &[Series], rules: &[Rule], x_axis: &XAxis) -> String {
    let (w, h, left, right, top, bottom) = (1000.0, 300.0, 64.0, 190.0, 28.0, 36.0);
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::MAX, f64::MIN, 0.0f64);
    for &(x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    for r in rules {
        y1 = y1.max(r.y);
    }
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img"><title>{t}</title><text x="{left}" y="16" class="t">{t}</text>"#,
        t = esc(title)
    );
    if x0 > x1 {
        svg.push_str(r#"<text x="80" y="120">no data</text></svg>"#);
        return svg;
    }
    if let XAxis::At(ticks) = x_axis {
        for (x, _) in ticks {
            x1 = x1.max(*x);
        }
        x0 = x0.min(0.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= 0.0 {
        y1 = 1.0;
    }
    let y_step = nice_step(y1 * 1.05, 4.0);
    let y_top = (y1 * 1.05 / y_step).ceil() * y_step;
    let pw = w - left - right;
    let ph = h - top - bottom;
    let sx = |x: f64| left + (x - x0) / (x1 - x0) * pw;
    let sy = |y: f64| top + ph - y / y_top * ph;
    let _ = write!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>"##
    );
    let mut y = 0.0;
    while y <= y_top + y_step / 2.0 {
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{py:.1}" y2="{py:.1}" stroke="#eee"/><text x="{}" y="{:.1}" text-anchor="end" class="a">{}</text>"##,
            left + pw,
            left - 4.0,
            sy(y) + 4.0,
            tick_label(y, y_step),
            py = sy(y)
        );
        y += y_step;
    }
    let ticks: Vec<(f64, String)> = match x_axis {
        XAxis::At(t) => t.clone(),
        XAxis::Linear(unit) => {
            let step = nice_step(x1 - x0, 6.0);
            let mut out = Vec::new();
            let mut x = (x0 / step).ceil() * step;
            while x <= x1 + step * 1e-9 {
                out.push((x, format!("{}{unit}", tick_label(x, step))));
                x += step;
            }
            out
        }
    };
    for (x, label) in &ticks {
        let _ = write!(
            svg,
            r##"<line x1="{px:.1}" x2="{px:.1}" y1="{top}" y2="{}" stroke="#f2f2f2"/><text x="{px:.1}" y="{}" text-anchor="middle" class="a">{}</text>"##,
            top + ph,
            top + ph + 16.0,
            esc(label),
            px = sx(*x)
        );
    }
    let _ = write!(
        svg,
        r#"<text x="12" y="{}" transform="rotate(-90 12 {})" text-anchor="middle" class="a">{}</text>"#,
        top + ph / 2.0,
        top + ph / 2.0,
        esc(y_label)
    );
    let mut legend = 0.0;
    for r in rules {
        let _ = write!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{py:.1}" y2="{py:.1}" stroke="#c00" stroke-width="1" stroke-dasharray="6 4"/><line x1="{}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#c00" stroke-dasharray="6 4"/><text x="{}" y="{:.1}" class="a">{}</text>"##,
            left + pw,
            w - right + 6.0,
            w - right + 20.0,
            top + 16.0 * legend + 5.0,
            top + 16.0 * legend + 5.0,
            w - right + 24.0,
            top + 16.0 * legend + 9.0,
            esc(&r.label),
            py = sy(r.y)
        );
        legend += 1.0;
    }
    for (i, s) in series.iter().enumerate() {
        let color = if s.faint {
            "#999"
        } else {
            COLORS[i % COLORS.len()]
        };
        let path: Vec<String> = s
            .points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let style = if s.faint {
            r#"stroke-width="1" stroke-dasharray="3 3""#
        } else {
            r#"stroke-width="1.8""#
        };
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{color}" {style} points="{}"/><rect x="{}" y="{:.1}" width="12" height="10" fill="{color}"/><text x="{}" y="{:.1}" class="a">{}</text>"#,
            path.join(" "),
            w - right + 6.0,
            top + 16.0 * legend,
            w - right + 24.0,
            top + 16.0 * legend + 9.0,
            esc(&s.label)
        );
        legend += 1.0;
    }
    svg.push_str("</svg>");
    svg
}

/// x = log10(1 / (1 − q)): 1 is p90, 2 is p99, 3 is p99.9; up to what `n` requests resolve
/// (beyond 1 − 1/n every quantile is the maximum).
fn distribution(h: &Hist, n: u64) -> Vec<(f64, f64)> {
    let top = (n.max(10) as f64).log10().min(5.0);
    let mut out = Vec::new();
    let mut nines = 0.0;
    while nines <= top + 1e-9 {
        let q = 1.0 - 10f64.powf(-nines);
        out.push((nines, h.ms_at(q)));
        nines += 0.05;
    }
    out
}

/// The percentile axis: p0, p50, p90, p99, p99.9, p99.99 — those the data reaches.
fn nines_ticks(n: u64) -> Vec<(f64, String)> {
    let top = (n.max(10) as f64).log10().min(5.0);
    [
        (0.0, "p0"),
        (2f64.log10(), "p50"),
        (1.0, "p90"),
        (2.0, "p99"),
        (3.0, "p99.9"),
        (4.0, "p99.99"),
        (5.0, "p99.999"),
    ]
    .into_iter()
    .filter(|(x, _)| *x <= top + 1e-9)
    .map(|(x, l)| (x, l.to_owned()))
    .collect()
}

/// The latency limits of one threshold key as chart rules.
fn latency_rules(key: &str, limits: Option<&Limits>) -> Vec<Rule> {
    let Some(l) = limits else {
        return Vec::new();
    };
    [
        ("p50", l.p50),
        ("p95", l.p95),
        ("p99", l.p99),
        ("max", l.max),
    ]
    .into_iter()
    .filter_map(|(name, span)| {
        span.map(|s| Rule {
            label: format!("{key} {name} ≤ {s}"),
            y: s.0.as_secs_f64() * 1000.0,
        })
    })
    .collect()
}

/// Renders `results` as one HTML page.
pub fn render(results: &Results) -> String {
    let title = format!("nhikit load — {}", results.scenario);
    let mut body = String::new();
    let (verdict, class) = if results.interrupted {
        ("INTERRUPTED: no verdict", "bad")
    } else if results.passed() {
        ("passed", "ok")
    } else {
        ("BREACHED", "bad")
    };
    let _ = write!(
        body,
        "<h1>{} <span class=\"badge {class}\">thresholds {verdict}</span></h1>",
        esc(&title)
    );
    let achieved = results.all.summary.throughput;
    let rate = match results.planned_rate {
        Some(p) => format!(
            "planned <b>{p:.1}/s</b>, achieved <b>{achieved:.1}/s</b> ({:.0} %)",
            if p > 0.0 { achieved / p * 100.0 } else { 0.0 }
        ),
        None => format!("achieved <b>{achieved:.1}/s</b> (closed model: no planned rate)"),
    };
    let _ = write!(
        body,
        "<p class=\"meta\">run <b>{}</b> · target <code>{}</code> · nhikit {} · {} model · segments {}</p><p class=\"meta\">{:.1} s measured · {} requests · {} errors ({:.3} %) · {rate}{}</p>",
        esc(&if results.date.is_empty() {
            "unknown".to_owned()
        } else {
            results.date.replace('T', " ").replace('Z', " UTC")
        }),
        esc(&results.target),
        esc(&results.nhikit_version),
        esc(&results.model),
        esc(&results.segments.join(", ")),
        results.duration_s,
        results.requests,
        results.errors,
        results.all.summary.error_rate * 100.0,
        if results.unsent > 0 {
            format!(" · {} arrivals unsent", results.unsent)
        } else {
            String::new()
        },
    );
    if results.interrupted {
        body.push_str("<p class=\"banner\">Interrupted: the run was stopped before its end. The figures below cover only what ran; the thresholds are not a verdict.</p>");
    }
    let step_s = results.interval_ms.max(1) as f64 / 1000.0;
    let at = |i: u64| i as f64 * step_s;
    let tl = &results.timeline;
    let mut rate_rules = Vec::new();
    if let Some(p) = results.planned_rate {
        rate_rules.push(Rule {
            label: format!("planned {p:.1}/s"),
            y: p,
        });
    }
    if let Some(t) = results.thresholds.get("all").and_then(|l| l.min_throughput) {
        rate_rules.push(Rule {
            label: format!("all throughput ≥ {t}/s"),
            y: t,
        });
    }
    body.push_str(&chart(
        &format!(
            "Throughput over time (per {} interval)",
            if results.interval_ms >= 1000 {
                "1 s".to_owned()
            } else {
                format!("{} ms", results.interval_ms)
            }
        ),
        "requests/s",
        &[
            Series::new(
                "requests/s",
                tl.iter()
                    .map(|i| (at(i.second), i.requests as f64 / step_s))
                    .collect(),
            ),
            Series::new(
                "errors/s",
                tl.iter()
                    .map(|i| (at(i.second), i.errors as f64 / step_s))
                    .collect(),
            ),
        ],
        &rate_rules,
        &XAxis::Linear("s"),
    ));
    let pct = |label: &str, q: f64| {
        Series::new(
            label,
            tl.iter()
                .filter(|i| i.requests > 0)
                .map(|i| (at(i.second), i.histogram.ms_at(q)))
                .collect(),
        )
    };
    let mut max = pct("max", 1.0);
    max.faint = true;
    body.push_str(&chart(
        "Latency percentiles over time (all operations)",
        "ms",
        &[pct("p50", 0.5), pct("p95", 0.95), pct("p99", 0.99), max],
        &latency_rules("all", results.thresholds.get("all")),
        &XAxis::Linear("s"),
    ));
    let per_op: Vec<Series> = results
        .ops
        .keys()
        .map(|name| {
            Series::new(
                &format!("{name} p99"),
                tl.iter()
                    .filter_map(|i| {
                        let h = i.ops.get(name)?;
                        (!h.0.is_empty()).then(|| (at(i.second), h.ms_at(0.99)))
                    })
                    .collect(),
            )
        })
        .collect();
    let op_rules: Vec<Rule> = results
        .ops
        .keys()
        .flat_map(|k| latency_rules(k, results.thresholds.get(k)))
        .filter(|r| r.label.contains(" p99 "))
        .collect();
    body.push_str(&chart(
        "p99 latency over time, per operation",
        "ms",
        &per_op,
        &op_rules,
        &XAxis::Linear("s"),
    ));
    let mut dist = vec![Series::new(
        "all",
        distribution(&results.all.histogram, results.all.requests),
    )];
    for (name, op) in &results.ops {
        dist.push(Series::new(name, distribution(&op.histogram, op.requests)));
    }
    body.push_str(&chart(
        "Latency by percentile",
        "ms",
        &dist,
        &latency_rules("all", results.thresholds.get("all")),
        &XAxis::At(nines_ticks(results.all.requests)),
    ));
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
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>body{{font-family:system-ui,-apple-system,\"Segoe UI\",\"Hiragino Sans\",\"Noto Sans JP\",\"Noto Sans CJK JP\",\"Yu Gothic\",Meiryo,sans-serif;margin:1.5em 2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child,th:first-child{{text-align:left}}.ok{{color:#080}}.bad{{color:#c00}}.badge{{font-size:.55em;padding:.15em .5em;border-radius:.3em;color:#fff;vertical-align:middle}}.badge.ok{{background:#17612a}}.badge.bad{{background:#a31515}}.meta{{color:#444;margin:.2em 0}}.banner{{background:#fff3cd;border:1px solid #e0b400;padding:.5em .8em}}svg{{display:block;width:100%;height:auto;margin:1.2em 0}}.t{{font-size:15px;font-weight:bold}}.a{{font-size:12px}}@media (max-width:700px){{body{{margin:.8em}}}}</style></head><body>{body}</body></html>\n",
        esc(&title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{Interval, OpResults};

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
        let mut r = Results::sample("peak <a>", "lookup_person", op);
        r.model = "open".into();
        r.timeline = vec![iv];
        r.finish();
        let html = render(&r);
        assert!(html.contains("peak &lt;a&gt;"));
        assert!(html.contains("<td>lookup_person</td>"));
        assert_eq!(html.matches("<svg").count(), 4);
        assert!(!html.contains("src=") && !html.contains("href="));
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(nice_step(87.9, 4.0), 25.0);
        assert_eq!(nice_step(1.0, 4.0), 0.25);
        assert_eq!(nice_step(420.0, 6.0), 100.0);
        assert_eq!(tick_label(75.0, 25.0), "75");
        assert_eq!(tick_label(0.75, 0.25), "0.75");
        assert_eq!(tick_label(0.5, 0.25), "0.50");
        assert_eq!(tick_label(2.5, 2.5), "2.5");
    }

    #[test]
    fn the_percentile_axis_names_round_percentiles_the_data_reaches() {
        let labels = |n| -> Vec<String> { nines_ticks(n).into_iter().map(|(_, l)| l).collect() };
        assert_eq!(labels(150), ["p0", "p50", "p90", "p99"]);
        assert_eq!(
            labels(20_000),
            ["p0", "p50", "p90", "p99", "p99.9", "p99.99"]
        );
    }
}
