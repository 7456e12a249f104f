//! Times `verify` on a dataset directory and `scan` on an export, in process:
//! `cargo run --release -p nhikit-safety --example safety_perf -- verify DIR`
//! `cargo run --release -p nhikit-safety --example safety_perf -- scan EXPORT MANIFEST`
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let schema = nhikit_schema::embedded().unwrap();
    let t = Instant::now();
    match args.get(1).map(String::as_str) {
        Some("verify") => {
            let r = nhikit_safety::verify(
                Path::new(&args[2]),
                &schema,
                &nhikit_safety::VerifyOptions::default(),
            )
            .unwrap();
            let s = t.elapsed().as_secs_f64();
            println!(
                "verify: {} findings, {} records regenerated, {} read, {} files in {s:.2} s ({:.0} records read/s)",
                r.findings.len(),
                r.records_regenerated,
                r.records_compared,
                r.files,
                r.records_compared as f64 / s
            );
        }
        Some("scan") => {
            let r = nhikit_safety::scan(
                Path::new(&args[2]),
                Path::new(&args[3]),
                &schema,
                &nhikit_safety::Mapping::default(),
                &nhikit_safety::ScanOptions::default(),
            )
            .unwrap();
            let s = t.elapsed().as_secs_f64();
            println!(
                "scan: {} records, {} suspects, {} persons regenerated, in {s:.2} s ({:.0} records/min)",
                r.records,
                r.suspects.len(),
                r.persons,
                r.records as f64 / s * 60.0
            );
        }
        _ => eprintln!("usage: safety_perf verify DIR | scan EXPORT MANIFEST"),
    }
}
