//! The selector language (which generated entity a step uses) and request templates
//! (`{p.address_number}`, `{p.birth_date+75y}`), documented in `docs/scenario-format.md`.
//!
//! A selector is `ENTITY[FILTER, …]#N`: `household[fictive_head]#1` is the first household
//! with a 擬制世帯主, `person[in=h]#3` the third member of the household bound to `h`.

use crate::data::{Model, Rec};
use nhikit_core::date::{NaiveDate, age_on};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// The entities a selector can pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// 世帯.
    Household,
    /// 宛名 (person).
    Person,
    /// 被保険者資格.
    Qualification,
    /// 保険者.
    Insurer,
}

impl Entity {
    /// The schema entity id.
    pub fn name(self) -> &'static str {
        match self {
            Entity::Household => "household",
            Entity::Person => "person",
            Entity::Qualification => "qualification",
            Entity::Insurer => "insurer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Term {
    Item(String, Option<Part>),
    Age(NaiveDate),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Year,
    Month,
    Day,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Filter {
    Cmp(Term, CmpOp, String),
    Truthy(Term, bool),
    Insured(NaiveDate, bool),
    Head(bool),
    FictiveHead(bool),
    In(String),
}

/// A parsed selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// The entity picked.
    pub entity: Entity,
    filters: Vec<Filter>,
    /// 1-based index among the matches; `None`: all (for `for_each`), the first otherwise.
    pub index: Option<usize>,
    text: String,
}

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date YYYY-MM-DD"))
}

fn term(s: &str) -> Result<Term, String> {
    let s = s.trim();
    if let Some(d) = s.strip_prefix("age@") {
        return Ok(Term::Age(date(d)?));
    }
    let (item, part) = match s.rsplit_once('.') {
        Some((i, "year")) => (i, Some(Part::Year)),
        Some((i, "month")) => (i, Some(Part::Month)),
        Some((i, "day")) => (i, Some(Part::Day)),
        Some((_, p)) => return Err(format!("`.{p}`: use .year, .month or .day")),
        None => (s, None),
    };
    if item.is_empty() || !item.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("`{s}` is not an item name"));
    }
    Ok(Term::Item(item.to_owned(), part))
}

fn filter(text: &str) -> Result<Filter, String> {
    let t = text.trim();
    for (sym, op) in [
        ("<=", CmpOp::Le),
        (">=", CmpOp::Ge),
        ("!=", CmpOp::Ne),
        ("=", CmpOp::Eq),
        ("<", CmpOp::Lt),
        (">", CmpOp::Gt),
    ] {
        if let Some((l, r)) = t.split_once(sym) {
            if l.trim() == "in" {
                if op != CmpOp::Eq {
                    return Err("`in` takes `=`: in=NAME".into());
                }
                return Ok(Filter::In(r.trim().to_owned()));
            }
            return Ok(Filter::Cmp(term(l)?, op, r.trim().to_owned()));
        }
    }
    let (neg, name) = match t.strip_prefix('!') {
        Some(rest) => (true, rest.trim()),
        None => (false, t),
    };
    if let Some(d) = name.strip_prefix("insured@") {
        return Ok(Filter::Insured(date(d)?, !neg));
    }
    match name {
        "head" => Ok(Filter::Head(!neg)),
        "fictive_head" => Ok(Filter::FictiveHead(!neg)),
        "" => Err("empty filter".into()),
        _ => Ok(Filter::Truthy(term(name)?, !neg)),
    }
}

impl Selector {
    /// Parses `ENTITY[FILTER, …]#N` (filters and index optional).
    pub fn parse(text: &str) -> Result<Selector, String> {
        let t = text.trim();
        let (body, index) = match t.rsplit_once('#') {
            Some((b, n)) => {
                let n: usize = n
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| format!("`#{n}`: the index is a number from 1"))?;
                (b.trim(), Some(n))
            }
            None => (t, None),
        };
        let (name, filters) = match body.split_once('[') {
            Some((n, rest)) => {
                let inner = rest
                    .strip_suffix(']')
                    .ok_or_else(|| format!("`{body}`: missing `]`"))?;
                let filters = inner
                    .split(',')
                    .map(filter)
                    .collect::<Result<Vec<_>, _>>()?;
                (n.trim(), filters)
            }
            None => (body, Vec::new()),
        };
        let entity = match name {
            "household" => Entity::Household,
            "person" => Entity::Person,
            "qualification" => Entity::Qualification,
            "insurer" => Entity::Insurer,
            other => {
                return Err(format!(
                    "unknown entity `{other}`; one of household, person, qualification, insurer"
                ));
            }
        };
        Ok(Selector {
            entity,
            filters,
            index,
            text: t.to_owned(),
        })
    }

    /// The binding names the selector refers to (`in=NAME`).
    pub fn references(&self) -> Vec<String> {
        self.filters
            .iter()
            .filter_map(|f| match f {
                Filter::In(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }

    /// The selector as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every matching record, in data order (files sorted, then file order).
    pub fn all<'m>(&self, model: &'m Model, env: &Env) -> Result<Vec<&'m Rec>, String> {
        let mut out = Vec::new();
        for r in model.records(self.entity) {
            let mut ok = true;
            for f in &self.filters {
                if !self.test(f, r, model, env)? {
                    ok = false;
                    break;
                }
            }
            if ok {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// The one record picked (`#N`, default the first); an error if there is none.
    pub fn one<'m>(&self, model: &'m Model, env: &Env) -> Result<&'m Rec, String> {
        let all = self.all(model, env)?;
        let n = self.index.unwrap_or(1);
        let found = all.len();
        all.into_iter().nth(n - 1).ok_or_else(|| {
            format!(
                "selector `{}` matches {found} record(s) of the data; #{n} does not exist",
                self.text
            )
        })
    }

    fn test(&self, f: &Filter, r: &Rec, model: &Model, env: &Env) -> Result<bool, String> {
        Ok(match f {
            Filter::Cmp(t, op, want) => {
                let Some(got) = value(t, r) else {
                    return Ok(*op == CmpOp::Ne);
                };
                compare(&got, *op, want)
            }
            Filter::Truthy(t, want) => {
                let v = value(t, r);
                let truthy = match v {
                    None => false,
                    Some(Value::Bool(b)) => b,
                    Some(Value::String(s)) => !s.is_empty() && s != "0",
                    Some(_) => true,
                };
                truthy == *want
            }
            Filter::Insured(d, want) => {
                let insured = match self.entity {
                    Entity::Household => model
                        .members(str_of(r, "lgcode"), str_of(r, "household_number"))
                        .any(|p| model.insured_on(p, *d)),
                    _ => model.insured_on(r, *d),
                };
                insured == *want
            }
            Filter::Head(want) => {
                let head = model.household_of(r).is_some_and(|h| {
                    str_of(h, "head_address_number") == str_of(r, "address_number")
                });
                head == *want
            }
            Filter::FictiveHead(want) => {
                let h = match self.entity {
                    Entity::Household => Some(r),
                    _ => model.household_of(r),
                };
                h.is_some_and(|h| str_of(h, "fictive_head_flag") == "1") == *want
            }
            Filter::In(name) => {
                let other = env
                    .get(name)
                    .ok_or_else(|| format!("`in={name}`: no binding `{name}`"))?;
                str_of(other, "lgcode") == str_of(r, "lgcode")
                    && str_of(other, "household_number") == str_of(r, "household_number")
            }
        })
    }
}

/// A record's string item, or "".
pub(crate) fn str_of<'a>(r: &'a Rec, item: &str) -> &'a str {
    r.get(item).and_then(Value::as_str).unwrap_or("")
}

/// A record's date item.
pub(crate) fn date_of(r: &Rec, item: &str) -> Option<NaiveDate> {
    r.get(item)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
}

fn value(t: &Term, r: &Rec) -> Option<Value> {
    match t {
        Term::Age(on) => date_of(r, "birth_date").map(|b| Value::from(age_on(b, *on))),
        Term::Item(item, None) => r.get(item).filter(|v| !v.is_null()).cloned(),
        Term::Item(item, Some(p)) => {
            use chrono::Datelike;
            let d = date_of(r, item)?;
            Some(Value::from(match p {
                Part::Year => i64::from(d.year()),
                Part::Month => i64::from(d.month()),
                Part::Day => i64::from(d.day()),
            }))
        }
    }
}

fn compare(got: &Value, op: CmpOp, want: &str) -> bool {
    let ord = match (got.as_i64(), want.parse::<i64>()) {
        (Some(a), Ok(b)) => a.cmp(&b),
        _ => {
            let g = match got {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            g.as_str().cmp(want)
        }
    };
    use std::cmp::Ordering::*;
    match op {
        CmpOp::Eq => ord == Equal,
        CmpOp::Ne => ord != Equal,
        CmpOp::Lt => ord == Less,
        CmpOp::Le => ord != Greater,
        CmpOp::Gt => ord == Greater,
        CmpOp::Ge => ord != Less,
    }
}

/// The bound entities and the built-in paths (`data`, `out`, `tmp`, `scenario_dir`).
#[derive(Debug, Clone, Default)]
pub struct Env {
    records: BTreeMap<String, Rec>,
    paths: BTreeMap<String, String>,
}

impl Env {
    /// Binds `name` to a record.
    pub fn bind(&mut self, name: &str, r: Rec) {
        self.records.insert(name.to_owned(), r);
    }

    /// Sets a built-in path (`data`, `out`, …).
    pub fn set_path(&mut self, name: &str, path: String) {
        self.paths.insert(name.to_owned(), path);
    }

    /// The record bound to `name`.
    pub fn get(&self, name: &str) -> Option<&Rec> {
        self.records.get(name)
    }
}

/// The built-in template names.
pub const BUILTINS: [&str; 4] = ["data", "out", "tmp", "scenario_dir"];

/// A JSON value whose strings (and object keys) may hold `{…}` placeholders.
#[derive(Debug, Clone, PartialEq)]
pub struct Template(pub Value);

#[derive(Debug)]
struct Placeholder {
    name: String,
    item: Option<String>,
    shifts: Vec<(i64, char)>,
}

fn placeholder(text: &str) -> Result<Placeholder, String> {
    let t = text.trim();
    let (head, mut rest) = match t.find(['+', '-']) {
        Some(i) => t.split_at(i),
        None => (t, ""),
    };
    let mut shifts = Vec::new();
    while !rest.is_empty() {
        let end = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| matches!(c, 'd' | 'm' | 'y'))
            .map(|(i, _)| i)
            .ok_or_else(|| format!("`{{{t}}}`: a date shift ends in d, m or y (e.g. +75y-1d)"))?;
        let (shift, after) = rest.split_at(end + 1);
        let unit = shift.chars().last().unwrap_or('d');
        let n: i64 = shift[..shift.len() - 1]
            .parse()
            .map_err(|_| format!("`{{{t}}}`: `{shift}` is not a shift like +1d or -3m"))?;
        shifts.push((n, unit));
        rest = after;
    }
    let (name, item) = match head.split_once('.') {
        Some((n, i)) => (n.to_owned(), Some(i.to_owned())),
        None => (head.to_owned(), None),
    };
    Ok(Placeholder { name, item, shifts })
}

/// Splits a string into literal text and placeholders (`{{` and `}}` are literal braces).
fn pieces(s: &str) -> Result<Vec<Result<String, Placeholder>>, String> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                lit.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                lit.push('}');
            }
            '{' => {
                let mut inner = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(c) => inner.push(c),
                        None => return Err(format!("`{s}`: `{{` without `}}`")),
                    }
                }
                if !lit.is_empty() {
                    out.push(Ok(std::mem::take(&mut lit)));
                }
                out.push(Err(placeholder(&inner)?));
            }
            c => lit.push(c),
        }
    }
    if !lit.is_empty() {
        out.push(Ok(lit));
    }
    Ok(out)
}

fn check_names(s: &str, scope: &BTreeSet<String>) -> Result<(), String> {
    for p in pieces(s)? {
        if let Err(p) = p {
            let builtin = BUILTINS.contains(&p.name.as_str());
            if builtin && p.item.is_some() {
                return Err(format!("`{{{}}}` takes no item", p.name));
            }
            if !builtin && !scope.contains(&p.name) {
                return Err(format!(
                    "`{{{}}}`: no binding `{}` here (bound: {})",
                    p.name,
                    p.name,
                    scope.iter().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
            if !builtin && p.item.is_none() {
                return Err(format!(
                    "`{{{}}}`: name an item, e.g. {{{}.lgcode}}",
                    p.name, p.name
                ));
            }
        }
    }
    Ok(())
}

fn walk_strings(v: &Value, f: &mut impl FnMut(&str) -> Result<(), String>) -> Result<(), String> {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().try_for_each(|x| walk_strings(x, f)),
        Value::Object(o) => o.iter().try_for_each(|(k, x)| {
            f(k)?;
            walk_strings(x, f)
        }),
        _ => Ok(()),
    }
}

fn shift_date(d: NaiveDate, n: i64, unit: char) -> Option<NaiveDate> {
    use chrono::Months;
    match unit {
        'd' => d.checked_add_signed(chrono::TimeDelta::days(n)),
        'm' | 'y' => {
            let months = if unit == 'y' { n * 12 } else { n };
            let m = Months::new(u32::try_from(months.unsigned_abs()).ok()?);
            if months >= 0 {
                d.checked_add_months(m)
            } else {
                d.checked_sub_months(m)
            }
        }
        _ => None,
    }
}

impl Template {
    /// Checks every placeholder against the names in scope.
    pub fn parse(v: &Value, scope: &BTreeSet<String>) -> Result<Template, String> {
        walk_strings(v, &mut |s| check_names(s, scope))?;
        Ok(Template(v.clone()))
    }

    /// The value with every placeholder replaced.
    pub fn expand(&self, env: &Env) -> Result<Value, String> {
        expand(&self.0, env)
    }
}

/// Expands placeholders in any JSON value.
pub fn expand(v: &Value, env: &Env) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => expand_str(s, env)?,
        Value::Array(a) => {
            Value::Array(a.iter().map(|x| expand(x, env)).collect::<Result<_, _>>()?)
        }
        Value::Object(o) => {
            let mut out = serde_json::Map::new();
            for (k, x) in o {
                let key = match expand_str(k, env)? {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                out.insert(key, expand(x, env)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

fn expand_str(s: &str, env: &Env) -> Result<Value, String> {
    let parts = pieces(s)?;
    let mut text = String::new();
    let single = parts.len() == 1;
    for p in parts {
        match p {
            Ok(lit) => text.push_str(&lit),
            Err(p) => {
                let mut v = if let Some(path) = env.paths.get(&p.name) {
                    Value::String(path.clone())
                } else {
                    let r = env
                        .records
                        .get(&p.name)
                        .ok_or_else(|| format!("`{}` is not bound", p.name))?;
                    let item = p.item.as_deref().unwrap_or("");
                    r.get(item)
                        .cloned()
                        .ok_or_else(|| format!("`{}` has no item `{item}`", p.name))?
                };
                for &(n, unit) in &p.shifts {
                    let d = v
                        .as_str()
                        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                        .ok_or_else(|| {
                            format!(
                                "`{}.{}` = {v} is not a date to shift",
                                p.name,
                                p.item.as_deref().unwrap_or("")
                            )
                        })?;
                    let shifted = shift_date(d, n, unit)
                        .ok_or_else(|| format!("{d} shifted by {n}{unit} is out of range"))?;
                    v = Value::String(shifted.format("%Y-%m-%d").to_string());
                }
                if single {
                    return Ok(v);
                }
                match v {
                    Value::String(s) => text.push_str(&s),
                    Value::Null => {}
                    other => text.push_str(&other.to_string()),
                }
            }
        }
    }
    Ok(Value::String(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_parse_and_refuse_nonsense() {
        let s = Selector::parse("person[in=h, age@2026-04-01>=70, !death_date]#3").unwrap();
        assert_eq!(s.entity, Entity::Person);
        assert_eq!(s.index, Some(3));
        assert_eq!(s.references(), vec!["h".to_owned()]);
        assert!(Selector::parse("people#1").is_err());
        assert!(Selector::parse("person#0").is_err());
        assert!(Selector::parse("person[age@2026-13-01=1]").is_err());
        assert!(Selector::parse("person[birth_date.week=1]").is_err());
        assert!(Selector::parse("person[in<h]").is_err());
    }

    #[test]
    fn templates_expand_and_shift_dates() {
        let mut env = Env::default();
        let mut r = Rec::new();
        r.insert("birth_date".into(), "1952-02-29".into());
        r.insert("seq".into(), 2.into());
        env.bind("p", r);
        env.set_path("data", "/d".into());
        let t = |s: &str| expand(&Value::String(s.into()), &env).unwrap();
        // Calendar arithmetic (chrono's checked_add_months clamps to the month's end).
        assert_eq!(t("{p.birth_date+75y}"), "2027-02-28");
        assert_eq!(t("{p.birth_date-1d}"), "1952-02-28");
        assert_eq!(t("{p.birth_date+70y+1m-1d}"), "2022-03-27");
        assert_eq!(t("{p.seq}"), 2);
        assert_eq!(t("n{p.seq}/{data}{{x}}"), "n2//d{x}");
        let scope: BTreeSet<String> = ["p".to_owned()].into();
        assert!(Template::parse(&Value::String("{q.x}".into()), &scope).is_err());
        assert!(Template::parse(&Value::String("{p.x+1w}".into()), &scope).is_err());
        assert!(Template::parse(&Value::String("{p}".into()), &scope).is_err());
    }
}
