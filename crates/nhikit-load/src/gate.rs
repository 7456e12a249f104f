//! CI gating: the thresholds checked against results, and JUnit XML with one test case per
//! threshold.

use crate::results::{Check, OpResults, Results};
use crate::scenario::Span;
use nhikit_core::markup::escape_xml;

/// Checks every threshold of `results.thresholds` against its measured value. An operation
/// with a threshold but no requests fails its latency and throughput limits (a gate must not
/// pass on nothing).
pub fn evaluate(results: &Results) -> Vec<Check> {
    let mut out = Vec::new();
    for (key, limits) in &results.thresholds {
        let empty = OpResults::default();
        let op = if key == "all" {
            &results.all
        } else {
            results.ops.get(key).unwrap_or(&empty)
        };
        let s = &op.summary;
        let latency = |out: &mut Vec<Check>, label: &str, limit: Option<Span>, actual: f64| {
            if let Some(l) = limit {
                let limit_ms = l.0.as_secs_f64() * 1000.0;
                out.push(Check {
                    name: format!("{key} {label} <= {l}"),
                    actual,
                    limit: limit_ms,
                    passed: op.requests > 0 && actual <= limit_ms,
                });
            }
        };
        latency(&mut out, "p50", limits.p50, s.p50_ms);
        latency(&mut out, "p95", limits.p95, s.p95_ms);
        latency(&mut out, "p99", limits.p99, s.p99_ms);
        latency(&mut out, "max", limits.max, s.max_ms);
        if let Some(r) = limits.error_rate {
            out.push(Check {
                name: format!("{key} error_rate <= {r}"),
                actual: s.error_rate,
                limit: r,
                passed: s.error_rate <= r,
            });
        }
        if let Some(t) = limits.min_throughput {
            out.push(Check {
                name: format!("{key} throughput >= {t}/s"),
                actual: s.throughput,
                limit: t,
                passed: op.requests > 0 && s.throughput >= t,
            });
        }
    }
    out
}

/// One line per breached threshold: `threshold breached: lookup_person p99 <= 100ms (was
/// 130.2)`.
pub fn breaches(results: &Results) -> Vec<String> {
    results
        .checks
        .iter()
        .filter(|c| !c.passed)
        .map(|c| format!("threshold breached: {} (measured {:.3})", c.name, c.actual))
        .collect()
}

/// JUnit XML: one `<testcase>` per threshold, a `<failure>` for a breached one; an
/// interrupted run adds a `run complete` case with an `<error>` (partial results are no
/// verdict, so the suite never reads green).
pub fn junit(results: &Results) -> String {
    let failures = results.checks.iter().filter(|c| !c.passed).count();
    let errors = usize::from(results.interrupted);
    let tests = results.checks.len() + errors;
    let suite = escape_xml(&format!("nhikit load {}", results.scenario));
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<testsuites tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">\n  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{:.3}\">\n",
        results.duration_s
    ));
    if results.interrupted {
        x.push_str(&format!(
            "    <testcase classname=\"{suite}\" name=\"run complete\">\n      <error message=\"interrupted\" type=\"interrupted\">the run was interrupted after {:.1} s; the thresholds below were measured on partial data</error>\n    </testcase>\n",
            results.duration_s
        ));
    }
    for c in &results.checks {
        x.push_str(&format!(
            "    <testcase classname=\"{suite}\" name=\"{}\"",
            escape_xml(&c.name)
        ));
        if c.passed {
            x.push_str("/>\n");
        } else {
            x.push_str(&format!(
                ">\n      <failure message=\"{}\" type=\"threshold\">measured {:.3}, limit {:.3}</failure>\n    </testcase>\n",
                escape_xml(&format!("threshold breached: {}", c.name)),
                c.actual,
                c.limit
            ));
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Limits;
    use std::collections::BTreeMap;
    use std::time::Duration;

    fn results(latencies_us: &[u64], errors: u64) -> Results {
        let mut op = OpResults::default();
        for v in latencies_us {
            op.histogram.0.record(*v).unwrap();
        }
        op.requests = latencies_us.len() as u64;
        op.errors = errors;
        let mut r = Results::sample("t<&>", "assess", op);
        r.duration_s = 2.0;
        r.thresholds = BTreeMap::from([(
            "assess".to_owned(),
            Limits {
                p99: Some(Span(Duration::from_millis(10))),
                error_rate: Some(0.1),
                min_throughput: Some(40.0),
                ..Limits::default()
            },
        )]);
        r.finish();
        r
    }

    #[test]
    fn a_breach_is_named_and_fails_its_test_case() {
        // 100 requests in 2 s (50/s), two of them 20 ms: p99 is 20 ms > 10 ms; throughput
        // 50/s ≥ 40/s and no errors pass.
        let mut lat = vec![1_000u64; 98];
        lat.extend([20_000, 20_000]);
        let r = results(&lat, 0);
        assert_eq!(r.checks.len(), 3);
        let b = breaches(&r);
        assert_eq!(b.len(), 1, "{b:?}");
        assert!(b[0].contains("assess p99 <= 10ms"), "{b:?}");
        let x = junit(&r);
        assert_eq!(x.matches("<testcase ").count(), 3);
        assert_eq!(x.matches("<failure ").count(), 1);
        assert!(x.contains("t&lt;&amp;&gt;"));
    }

    #[test]
    fn within_limits_passes() {
        let r = results(&[1_000; 100], 5);
        assert!(r.passed(), "{:?}", r.checks);
        let r = results(&[1_000; 100], 20);
        assert!(!r.passed());
        assert!(breaches(&r)[0].contains("error_rate"));
    }
}
