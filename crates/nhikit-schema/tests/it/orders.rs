//! Issue 20: date orders declared in `[[entity.order]]` load into the model, a bad declaration
//! is an error with its file, line and reason, and `nhikit_schema::rules` enforces them.

use nhikit_schema::rules::{EntityRules, ItemFault, ItemRule};
use nhikit_schema::{Value, load_texts};

const TOP: &str = "[schema]\nname = \"t\"\nversion = \"1\"\n";

/// An entity `event` with two dates, a text and the order declaration `order` (TOML lines
/// starting at line 6).
fn entity(order: &str) -> String {
    format!(
        "[entity]\nid = \"event\"\nlabel = \"異動\"\nprimary_key = [\"id\"]\n\n{order}\n\
         [[item]]\nid = \"id\"\nlabel = \"番号\"\ntype = \"string\"\nlength = 4\nchars = \"digits\"\n\n\
         [[item]]\nid = \"start\"\nlabel = \"開始日\"\ntype = \"date\"\n\n\
         [[item]]\nid = \"end\"\nlabel = \"終了日\"\ntype = \"date\"\nnullable = true\n"
    )
}

const GOOD: &str = "[[entity.order]]\nitems = [\"start\", \"end\"]\nrule = \"period\"\n\
                    message = \"end {later} before start {earlier}\"\nreason = \"end before start\"\n";

#[test]
fn a_declared_order_loads_and_is_enforced_when_both_dates_are_present() {
    let text = entity(GOOD);
    let schema = load_texts([("nhikit-schema.toml", TOP), ("entities/event.toml", &text)]).unwrap();
    let e = schema.entity("event").unwrap();
    assert_eq!(e.orders.len(), 1);
    let o = &e.orders[0];
    assert_eq!((o.earlier.as_str(), o.later.as_str()), ("start", "end"));
    assert_eq!((o.rule.as_str(), o.line), ("period", 6));
    let rules = EntityRules::new(&schema, e);
    let day = |s: &str| s.parse().unwrap();
    let faults = |start: Option<&str>, end: Option<&str>| {
        let mut out = Vec::new();
        let dates = [None, start.map(day), end.map(day)];
        rules.order_faults(
            |i| dates[i],
            |f| out.push(f.order.message(&f.earlier, &f.later)),
        );
        out
    };
    assert_eq!(
        faults(Some("2024-04-02"), Some("2024-04-01")),
        vec!["end 2024-04-01 before start 2024-04-02"]
    );
    // Equal dates keep the order; an absent date breaks none.
    assert!(faults(Some("2024-04-01"), Some("2024-04-01")).is_empty());
    assert!(faults(Some("2024-04-02"), None).is_empty());
}

#[test]
fn an_order_without_a_rule_name_reports_under_dates() {
    let text = entity(&GOOD.replace("rule = \"period\"\n", ""));
    let schema = load_texts([("nhikit-schema.toml", TOP), ("entities/event.toml", &text)]).unwrap();
    assert_eq!(schema.entity("event").unwrap().orders[0].rule, "dates");
}

#[test]
fn each_bad_order_declaration_names_its_line_and_reason() {
    let cases: [(&str, &str, Option<&str>, &str); 7] = [
        (
            "items = [\"start\", \"end\"]",
            "items = [\"start\"]",
            None,
            "exactly two items",
        ),
        (
            "items = [\"start\", \"end\"]",
            "items = [\"start\", \"finish\"]",
            Some("finish"),
            "entity `event` has no item `finish`",
        ),
        (
            "items = [\"start\", \"end\"]",
            "items = [\"id\", \"end\"]",
            Some("id"),
            "`id` is of type string",
        ),
        (
            "items = [\"start\", \"end\"]",
            "items = [\"end\", \"end\"]",
            Some("end"),
            "two different items",
        ),
        (
            "rule = \"period\"",
            "rule = \"Period\"",
            None,
            "invalid id `Period`",
        ),
        ("{later}", "{latter}", None, "must show the value {later}"),
        (
            "reason = \"end before start\"",
            "reason = \" \"",
            None,
            "reason must not be empty",
        ),
    ];
    for (from, to, item, message) in cases {
        let text = entity(&GOOD.replace(from, to));
        let errors = load_texts([("nhikit-schema.toml", TOP), ("entities/event.toml", &text)])
            .unwrap_err()
            .0;
        let hit = errors.iter().find(|e| {
            e.entity.as_deref() == Some("event")
                && e.item.as_deref() == item
                && e.line >= 6
                && e.line <= 10
                && e.to_string().contains(message)
        });
        assert!(
            hit.is_some(),
            "{to}: expected {message:?} at {item:?}, got {errors:?}"
        );
    }
}

#[test]
fn item_faults_name_the_rule_each_breaks() {
    let text = entity(GOOD);
    let schema = load_texts([("nhikit-schema.toml", TOP), ("entities/event.toml", &text)]).unwrap();
    let rules = EntityRules::new(&schema, schema.entity("event").unwrap());
    let faults = |i: usize, v: Value| {
        let mut out = Vec::new();
        rules.item_faults(i, &v, |f| out.push(f));
        out
    };
    // `id`: at most 4 ASCII digits, required.
    assert_eq!(faults(0, Value::Null), vec![ItemFault::Missing]);
    let long = faults(0, Value::Str("12345".into()));
    assert_eq!(long, vec![ItemFault::TooLong { found: 5, max: 4 }]);
    assert_eq!(long[0].rule(), ItemRule::Length);
    let letters = faults(0, Value::Str("12a".into()));
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].rule(), ItemRule::Chars);
    assert_eq!(faults(1, Value::Int(3)), vec![ItemFault::WrongType]);
    assert!(faults(2, Value::Null).is_empty(), "`end` is nullable");
}
