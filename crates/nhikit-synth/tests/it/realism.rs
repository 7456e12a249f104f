//! The generated population against the public NHI statistics it is calibrated on
//! (`schemas/reference/nhi_age_pyramid.csv`, `nhi_household_size.csv`; sources in
//! `schemas/reference/README.md`): total-variation distance at most 0.05, and the measured
//! anchors — 65–74 share 44.8% (FY2022), mean age 54.2 (FY2022), 1.519 insured per household
//! (FY2020, 2,619万人 / 1,724万世帯) — within stated tolerances.

use crate::reference;
use nhikit_core::date::age_on;
use nhikit_synth::{Generator, Options};

fn csv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn tv(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f64>() / 2.0
}

#[test]
fn age_pyramid_and_household_sizes_match_the_statistics() {
    let options = Options {
        households: 40_000,
        seed: 2024,
        ..Options::default()
    };
    let g = Generator::new(reference(), &options).unwrap();
    let as_of = options.as_of;
    let mut bands = [0f64; 15];
    let mut sizes = [0f64; 5];
    let (mut insured, mut age_sum) = (0f64, 0f64);
    let mut h = nhikit_synth::Household::default();
    for part in &g.plan().parts {
        for s in &part.segments {
            let m = &g.plan().municipalities[s.municipality];
            for local in s.first..s.first + s.count {
                g.model()
                    .household(m.municipality.ordinal, 0, local, &mut h);
                let mut n = 0;
                for p in h.members.iter().filter(|p| p.insured) {
                    let a = age_on(p.birth, as_of);
                    bands[(a / 5).min(14) as usize] += 1.0;
                    age_sum += f64::from(a) + 0.5;
                    insured += 1.0;
                    n += 1;
                }
                sizes[(n.max(1) - 1).min(4)] += 1.0;
            }
        }
    }
    let households = options.households as f64;
    let age_share: Vec<f64> = bands.iter().map(|b| b / insured).collect();
    let size_share: Vec<f64> = sizes.iter().map(|s| s / households).collect();
    let pyramid: Vec<f64> = csv(include_str!(
        "../../../../schemas/reference/nhi_age_pyramid.csv"
    ))
    .iter()
    .map(|r| r[2].parse().unwrap())
    .collect();
    let size_stat: Vec<f64> = csv(include_str!(
        "../../../../schemas/reference/nhi_household_size.csv"
    ))
    .iter()
    .map(|r| r[1].parse().unwrap())
    .collect();
    let share_65_74 = age_share[13] + age_share[14];
    let mean_age = age_sum / insured;
    let per_household = insured / households;
    let report = format!(
        "age TV {:.4}, size TV {:.4}, 65–74 {:.4}, mean age {:.2}, insured/household {:.3}\n ages {:?}\n sizes {:?}",
        tv(&age_share, &pyramid),
        tv(&size_share, &size_stat),
        share_65_74,
        mean_age,
        per_household,
        age_share
            .iter()
            .map(|x| (x * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
        size_share
            .iter()
            .map(|x| (x * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>(),
    );
    println!("{report}");
    assert!(tv(&age_share, &pyramid) <= 0.05, "{report}");
    assert!(tv(&size_share, &size_stat) <= 0.05, "{report}");
    assert!((share_65_74 - 0.448).abs() <= 0.02, "{report}");
    assert!((mean_age - 54.2).abs() <= 1.5, "{report}");
    assert!((per_household - 1.519).abs() <= 0.05, "{report}");
}
