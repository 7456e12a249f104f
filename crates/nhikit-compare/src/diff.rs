//! Item-by-item comparison of two answers, refereed by the oracle's.
//!
//! An answer is flattened into leaves named by JSON paths (`medical.amount`,
//! `members[an=1889903105].qualification.seq`): arrays of persons are keyed by 宛名番号, other
//! arrays by position. Each item where the two systems differ, or where they agree but not with
//! the oracle, becomes a [`Diff`] with its [`Class`].

use nhikit_conform::oracle::Answer;
use nhikit_target::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// How a difference is refereed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The new system differs from the current one and the oracle sides with the current one.
    NewWrong,
    /// The current system differs from the new one and the oracle sides with the new one: a
    /// legacy defect the migration fixes.
    CurrentWrong,
    /// Both differ from the oracle and from each other.
    BothWrong,
    /// The two agree with each other but not with the oracle.
    BothAgreeNotOracle,
    /// They differ where the oracle has no answer.
    Unrefereed,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 5] = [
        Class::NewWrong,
        Class::BothWrong,
        Class::CurrentWrong,
        Class::BothAgreeNotOracle,
        Class::Unrefereed,
    ];

    /// The snake_case name.
    pub fn name(self) -> &'static str {
        match self {
            Class::NewWrong => "new_wrong",
            Class::CurrentWrong => "current_wrong",
            Class::BothWrong => "both_wrong",
            Class::BothAgreeNotOracle => "both_agree_not_oracle",
            Class::Unrefereed => "unrefereed",
        }
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Class {
    type Err = String;
    fn from_str(s: &str) -> Result<Class, String> {
        Class::ALL
            .into_iter()
            .find(|c| c.name() == s)
            .ok_or_else(|| {
                format!(
                    "unknown class `{s}` (expected one of {})",
                    Class::ALL.map(Class::name).join(", ")
                )
            })
    }
}

/// What a system answered: its response as JSON, or the error code.
pub type Reply = Result<Value, ErrorCode>;

/// The item path of a whole answer's outcome (a response or an error code).
pub const OUTCOME: &str = "(outcome)";

/// One differing item of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct Diff {
    /// The item's JSON path in this answer (`members[an=…].insured`).
    pub path: String,
    /// The path with array keys and indices replaced by `[*]`: what findings group by.
    pub item: String,
    /// The class.
    pub class: Class,
    /// The current system's value (`null` when absent; for [`OUTCOME`] `ok` or `error:CODE`).
    pub current: Value,
    /// The new system's value.
    pub new: Value,
    /// The oracle's value, when it has one for the item.
    pub oracle: Option<Value>,
}

impl Diff {
    /// The shape of the difference that tells causes apart within one item and class: a signed
    /// delta bucket for numbers (`+<100`), `truncated`/`extended`/`differs` for text, the value
    /// pair for booleans and outcomes.
    pub fn shape(&self) -> String {
        // The wrong side against the right one.
        let (wrong, right) = match self.class {
            Class::NewWrong | Class::BothWrong | Class::Unrefereed => (&self.new, &self.current),
            Class::CurrentWrong => (&self.current, &self.new),
            Class::BothAgreeNotOracle => {
                (&self.current, self.oracle.as_ref().unwrap_or(&Value::Null))
            }
        };
        if self.item == OUTCOME {
            return format!("{} instead of {}", short(wrong), short(right));
        }
        shape(wrong, right)
    }
}

fn shape(wrong: &Value, right: &Value) -> String {
    match (wrong, right) {
        (Value::Number(w), Value::Number(r)) => match (w.as_f64(), r.as_f64()) {
            (Some(w), Some(r)) if w > r => "higher".into(),
            (Some(_), Some(_)) => "lower".into(),
            _ => "number".into(),
        },
        (Value::String(w), Value::String(r)) => {
            if r.starts_with(w.as_str()) {
                "truncated".into()
            } else if w.starts_with(r.as_str()) {
                "extended".into()
            } else {
                "differs".into()
            }
        }
        (Value::Null, _) => "missing".into(),
        (_, Value::Null) => "unexpected".into(),
        (w, r) => format!("{} instead of {}", short(w), short(r)),
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(_) => "object".into(),
        Value::Array(_) => "array".into(),
        other => other.to_string(),
    }
}

/// The outcome of a reply as an item value: `ok` or `error:CODE`.
pub fn outcome(r: &Reply) -> Value {
    match r {
        Ok(_) => Value::String("ok".into()),
        Err(c) => Value::String(format!("error:{c}")),
    }
}

fn oracle_outcome(a: &Answer) -> Value {
    match a {
        Answer::Response(_) => Value::String("ok".into()),
        Answer::Error(c) => Value::String(format!("error:{c}")),
    }
}

/// Compares two replies item by item, refereed by the oracle's answer (`None`: it has none).
pub fn compare(current: &Reply, new: &Reply, oracle: Option<&Answer>) -> Vec<Diff> {
    let mut out = Vec::new();
    let (co, no) = (outcome(current), outcome(new));
    let oo = oracle.map(oracle_outcome);
    if co != no || oo.as_ref().is_some_and(|o| *o != co) {
        if let Some(class) = classify(&co, &no, oo.as_ref()) {
            out.push(Diff {
                path: OUTCOME.into(),
                item: OUTCOME.into(),
                class,
                current: co,
                new: no,
                oracle: oo,
            });
        }
        return out;
    }
    let (Ok(c), Ok(n)) = (current, new) else {
        return out;
    };
    let oracle_value = match oracle {
        Some(Answer::Response(v)) => Some(v),
        _ => None,
    };
    let (mut cl, mut nl) = (BTreeMap::new(), BTreeMap::new());
    flatten(c, String::new(), &mut cl);
    flatten(n, String::new(), &mut nl);
    let mut paths: Vec<&String> = cl.keys().chain(nl.keys()).collect();
    paths.sort();
    paths.dedup();
    let mut seen = std::collections::BTreeSet::new();
    for p in paths {
        // Where one side has nothing (null, absent) and the other a whole object or array, the
        // difference is that one item, not each of its leaves.
        let at = prefixes(p)
            .find(|q| nullish(subtree(c, q)) != nullish(subtree(n, q)))
            .unwrap_or(p);
        if !seen.insert(at) {
            continue;
        }
        let cv = subtree(c, at).cloned().unwrap_or(Value::Null);
        let nv = subtree(n, at).cloned().unwrap_or(Value::Null);
        let ov = oracle_value.and_then(|o| subtree(o, at)).cloned();
        if cv == nv && ov.as_ref().is_none_or(|o| agree(&cv, o)) {
            continue;
        }
        if let Some(class) = classify(&cv, &nv, ov.as_ref()) {
            out.push(Diff {
                path: at.to_owned(),
                item: normalise(at),
                class,
                current: cv,
                new: nv,
                oracle: ov,
            });
        }
    }
    // Oracle items neither reply has (both leave out what the oracle expects).
    if let Some(o) = oracle_value {
        let mut ol = BTreeMap::new();
        flatten(o, String::new(), &mut ol);
        for (p, ov) in &ol {
            if cl.contains_key(p) || nl.contains_key(p) || ov.is_null() {
                continue;
            }
            let at = prefixes(p)
                .find(|q| nullish(subtree(c, q)) && !nullish(subtree(o, q)))
                .unwrap_or(p);
            if !seen.insert(at) {
                continue;
            }
            let want = subtree(o, at).cloned().unwrap_or(Value::Null);
            let have = subtree(c, at).cloned().unwrap_or(Value::Null);
            if agree(&have, &want) {
                continue;
            }
            out.push(Diff {
                path: at.to_owned(),
                item: normalise(at),
                class: Class::BothAgreeNotOracle,
                current: have.clone(),
                new: have,
                oracle: Some(want),
            });
        }
    }
    out
}

/// The class of one item, `None` when nothing differs.
pub(crate) fn classify(c: &Value, n: &Value, o: Option<&Value>) -> Option<Class> {
    match o {
        None if c == n => None,
        None => Some(Class::Unrefereed),
        Some(o) if c == n => (!agree(c, o)).then_some(Class::BothAgreeNotOracle),
        Some(o) if agree(c, o) => Some(Class::NewWrong),
        Some(o) if agree(n, o) => Some(Class::CurrentWrong),
        Some(_) => Some(Class::BothWrong),
    }
}

/// Whether a system's value holds what the oracle's says: objects the oracle's keys (a
/// missing key counts as null), arrays every element and their length, leaves equal.
pub(crate) fn agree(actual: &Value, oracle: &Value) -> bool {
    match (actual, oracle) {
        (Value::Object(a), Value::Object(o)) => o
            .iter()
            .all(|(k, ov)| agree(a.get(k).unwrap_or(&Value::Null), ov)),
        (Value::Array(a), Value::Array(o)) => {
            a.len() == o.len() && a.iter().zip(o).all(|(x, y)| agree(x, y))
        }
        (a, o) => a == o,
    }
}

fn nullish(v: Option<&Value>) -> bool {
    v.is_none_or(Value::is_null)
}

/// The prefixes of a path at its segment boundaries, shortest first, ending with the path.
fn prefixes(p: &str) -> impl Iterator<Item = &str> {
    p.char_indices()
        .filter(|(i, ch)| *i > 0 && (*ch == '.' || *ch == '['))
        .map(move |(i, _)| &p[..i])
        .chain(std::iter::once(p))
}

static NULL: Value = Value::Null;

/// The value (leaf or not) at a flattened path: `None` when absent, null when an ancestor is.
fn subtree<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    let mut cur = v;
    let mut rest = path;
    while !rest.is_empty() {
        if cur.is_null() {
            return Some(&NULL);
        }
        if let Some(r) = rest.strip_prefix('[') {
            let (key, after) = r.split_once(']')?;
            cur = cur
                .as_array()?
                .iter()
                .enumerate()
                .find(|(i, x)| element_key(*i, x) == key)
                .map(|(_, x)| x)?;
            rest = after.strip_prefix('.').unwrap_or(after);
            continue;
        }
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let (seg, after) = rest.split_at(end);
        cur = cur.as_object()?.get(seg)?;
        rest = after.strip_prefix('.').unwrap_or(after);
    }
    Some(cur)
}

/// The key segment of an array element: `an=宛名番号` for a person (or a member whose `person`
/// has one), else its index.
fn element_key(i: usize, v: &Value) -> String {
    let an = v
        .get("address_number")
        .or_else(|| v.get("person").and_then(|p| p.get("address_number")))
        .or_else(|| v.get("id"))
        .and_then(Value::as_str);
    match an {
        Some(an) => format!("an={an}"),
        None => i.to_string(),
    }
}

fn flatten(v: &Value, prefix: String, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(x, p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(x, format!("{prefix}[{}]", element_key(i, x)), out);
            }
        }
        Value::Object(_) if prefix.is_empty() => {}
        other => {
            out.insert(prefix, other.clone());
        }
    }
}

/// A path with array keys and indices replaced by `[*]`.
pub fn normalise(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skip = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                out.push_str("[*]");
                skip = true;
            }
            ']' => skip = false,
            c if !skip => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn members_are_keyed_by_address_number_not_position() {
        // The same two members in another order: nothing differs.
        let a = json!({ "members": [ { "person": { "address_number": "1" }, "insured": true },
                                     { "person": { "address_number": "2" }, "insured": false } ] });
        let b = json!({ "members": [ { "person": { "address_number": "2" }, "insured": false },
                                     { "person": { "address_number": "1" }, "insured": true } ] });
        assert!(compare(&Ok(a.clone()), &Ok(b), None).is_empty());
        let c = json!({ "members": [ { "person": { "address_number": "1" }, "insured": false },
                                     { "person": { "address_number": "2" }, "insured": false } ] });
        let d = compare(&Ok(a), &Ok(c), None);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].path, "members[an=1].insured");
        assert_eq!(d[0].item, "members[*].insured");
        assert_eq!(d[0].class, Class::Unrefereed);
    }

    #[test]
    fn the_oracle_referees_each_class() {
        let o = Answer::Response(json!({ "total": 100 }));
        let r = |t: i64| -> Reply { Ok(json!({ "total": t, "extra": 1 })) };
        let one = |c, n| {
            let d = compare(&r(c), &r(n), Some(&o));
            assert_eq!(d.len(), 1, "{d:?}");
            d[0].class
        };
        assert_eq!(one(100, 200), Class::NewWrong);
        assert_eq!(one(200, 100), Class::CurrentWrong);
        assert_eq!(one(200, 300), Class::BothWrong);
        assert_eq!(one(200, 200), Class::BothAgreeNotOracle);
        assert!(compare(&r(100), &r(100), Some(&o)).is_empty());
    }

    #[test]
    fn outcomes_are_compared_before_items() {
        let o = Answer::Error(ErrorCode::NotInsured);
        let d = compare(
            &Ok(json!({ "ratio": "3割" })),
            &Err(ErrorCode::NotInsured),
            Some(&o),
        );
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].item, OUTCOME);
        assert_eq!(d[0].class, Class::CurrentWrong);
        assert_eq!(d[0].shape(), "ok instead of error:not_insured");
    }

    #[test]
    fn shapes_tell_causes_apart() {
        // The sign of a delta, not its size: one rounding rule gives 100 or 300 yen more.
        assert_eq!(shape(&json!(20_400), &json!(20_300)), "higher");
        assert_eq!(shape(&json!(20_000), &json!(20_300)), "lower");
        assert_eq!(shape(&json!("アイウ"), &json!("アイウエオ")), "truncated");
        assert_eq!(
            normalise("members[an=12].qualification.seq"),
            "members[*].qualification.seq"
        );
    }

    #[test]
    fn a_whole_object_against_null_is_one_item() {
        let o = Answer::Response(json!({ "insured": false, "qualification": null }));
        let c: Reply = Ok(json!({ "insured": false, "qualification": null }));
        let n: Reply = Ok(json!({ "insured": true, "qualification": { "seq": 2, "name": "x" } }));
        let d = compare(&c, &n, Some(&o));
        let items: Vec<(&str, Class)> = d.iter().map(|d| (d.item.as_str(), d.class)).collect();
        assert_eq!(
            items,
            [
                ("insured", Class::NewWrong),
                ("qualification", Class::NewWrong)
            ]
        );
        assert_eq!(d[1].shape(), "unexpected");
        // A member only one side lists is one item too.
        let c: Reply = Ok(json!({ "members": [ { "address_number": "1", "a": 1 } ] }));
        let n: Reply = Ok(json!({ "members": [ { "address_number": "1", "a": 1 },
                                               { "address_number": "2", "a": 1, "b": 2 } ] }));
        let d = compare(&c, &n, None);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].path, "members[an=2]");
    }

    #[test]
    fn subtree_follows_keys_and_null_ancestors() {
        let v = json!({ "qualification": null, "members": [ { "address_number": "9", "x": 1 } ] });
        assert_eq!(subtree(&v, "qualification.seq"), Some(&Value::Null));
        assert_eq!(subtree(&v, "members[an=9].x"), Some(&json!(1)));
        assert_eq!(subtree(&v, "members[an=8].x"), None);
        assert_eq!(subtree(&v, "absent"), None);
    }
}
