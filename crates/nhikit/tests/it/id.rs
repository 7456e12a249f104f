//! `nhikit id check|gen`, with the worked examples of DOMAIN-FACTS §2.

use crate::{nhikit, text};

#[test]
fn mynumber_worked_example_is_valid() {
    // 総務省令第85号 第5条; 12345678901 → check digit 8 (worked by hand in DOMAIN-FACTS §2).
    let o = nhikit(&["id", "check", "mynumber", "123456789018"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn mynumber_with_wrong_check_digit_says_what_it_should_be() {
    let o = nhikit(&["id", "check", "mynumber", "123456789010"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("should be 8"), "{}", text(&o));
}

#[test]
fn lgcodes_of_chiyoda_and_sapporo_are_valid_and_a_wrong_digit_is_not() {
    // 131016 千代田区 and 011002 札幌市: 総務省 全国地方公共団体コード.
    for code in ["131016", "011002"] {
        let o = nhikit(&["id", "check", "lgcode", code]);
        assert_eq!(o.status.code(), Some(0), "{code}: {}", text(&o));
    }
    let o = nhikit(&["id", "check", "lgcode", "131017"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains('6'), "{}", text(&o));
}

#[test]
fn insurer_numbers_with_published_check_digits_are_valid() {
    // 33120015 (警察共済 千葉) and 01130012 (協会けんぽ東京支部): 保険者番号設定要領, DOMAIN-FACTS §2.
    for n in ["33120015", "01130012"] {
        let o = nhikit(&["id", "check", "insurer", n]);
        assert_eq!(o.status.code(), Some(0), "{n}: {}", text(&o));
    }
    let o = nhikit(&["id", "check", "insurer", "33120016"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn generated_ids_are_valid_and_reproducible() {
    for kind in [
        "mynumber",
        "insurer",
        "lgcode",
        "insured",
        "edaban",
        "household",
        "address",
    ] {
        let a = nhikit(&["id", "gen", kind, "--count", "50", "--seed", "7"]);
        assert_eq!(a.status.code(), Some(0), "{kind}: {}", text(&a));
        let b = nhikit(&["id", "gen", kind, "--count", "50", "--seed", "7"]);
        assert_eq!(a.stdout, b.stdout, "{kind}: same seed, same output");
        let c = nhikit(&["id", "gen", kind, "--count", "50", "--seed", "8"]);
        if kind != "edaban" {
            assert_ne!(a.stdout, c.stdout, "{kind}: another seed, other output");
        }
        let out = String::from_utf8(a.stdout).unwrap();
        assert_eq!(out.lines().count(), 50);
        for line in out.lines() {
            let o = nhikit(&["id", "check", kind, line]);
            assert_eq!(o.status.code(), Some(0), "{kind} {line}: {}", text(&o));
        }
    }
}

#[test]
fn an_unknown_kind_is_a_usage_error() {
    let o = nhikit(&["id", "check", "passport", "123"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_prints_json_for_machines() {
    // 123456789018 is the worked example of 個人番号 check digits (see the test above);
    // 123456789012 has the wrong digit.
    let o = nhikit(&["id", "check", "mynumber", "123456789018", "--json"]);
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["canonical"], "123456789018");
    assert!(v["reason"].is_null());
    let o = nhikit(&["id", "check", "mynumber", "123456789012", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert_eq!(v["value"], "123456789012");
    assert!(v["reason"].as_str().unwrap().contains('8'), "{v}");
}
