//! Lookups, events, assessment and benefits; and the [`Target`] implementation.

use crate::import::storage;
use crate::store::{self, days, from_days};
use crate::{DefaultRates, Fault, Reference};
use chrono::{Datelike, Months};
use nhikit_core::Yen;
use nhikit_core::date::{FiscalYear, NaiveDate, age_on, date_reaching_age};
use nhikit_rules::copay::{CopayCategory, CopayResult, KoureiIncome, copay_ratio_with};
use nhikit_rules::eligibility::{koki_koreisha_date, mishugaku_until};
use nhikit_rules::high_cost::compute_month_with;
use nhikit_rules::params::{Params, Part};
use nhikit_rules::premium::{self, Household, Member, Reduction, Status};
use nhikit_schema::{Record, Value};
use nhikit_target::{
    AssessRequest, AssessResponse, CertificateRequest, CertificateResponse, CopayRequest,
    CopayResponse, ErrorCode, EventKind, EventRequest, EventResponse, ExportRequest,
    ExportResponse, HighCostRequest, HighCostResponse, HouseholdQuery, HouseholdResponse,
    ImportRequest, ImportResponse, PartAmount, Person, PersonQuery, PersonResponse, Qualification,
    Target, TargetError,
};
use rusqlite::{Connection, OptionalExtension, params};

fn not_found(item: &str, message: String) -> TargetError {
    TargetError::new(ErrorCode::NotFound, message).with_item(item)
}

fn rules_error(e: nhikit_rules::Error) -> TargetError {
    match e {
        nhikit_rules::Error::InvalidInput { item, reason } => {
            TargetError::new(ErrorCode::Rules, reason).with_item(item)
        }
        nhikit_rules::Error::NoRates { .. } | nhikit_rules::Error::UnknownFiscalYear { .. } => {
            TargetError::new(ErrorCode::NoRates, e.to_string()).with_item("fiscal_year")
        }
        other => TargetError::new(ErrorCode::Rules, other.to_string()),
    }
}

fn check_id<T: std::str::FromStr>(item: &str, value: &str) -> Result<(), TargetError>
where
    T::Err: std::fmt::Display,
{
    value
        .parse::<T>()
        .map(|_| ())
        .map_err(|e| TargetError::invalid(item, format!("{value:?}: {e}")))
}

fn date_col(n: Option<i64>) -> Option<NaiveDate> {
    n.and_then(from_days)
}

const PERSON_COLS: &str = "lgcode, address_number, household_number, mynumber, name, name_kana, birth_date, sex, relationship, death_date";

fn person_from(r: &rusqlite::Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        lgcode: r.get(0)?,
        address_number: r.get(1)?,
        household_number: r.get(2)?,
        mynumber: r.get(3)?,
        name: r.get(4)?,
        name_kana: r.get(5)?,
        birth_date: date_col(r.get(6)?).unwrap_or(NaiveDate::MIN),
        sex: r.get(7)?,
        relationship: r.get(8)?,
        death_date: date_col(r.get(9)?),
    })
}

fn person(conn: &Connection, lgcode: &str, an: &str) -> Result<Option<Person>, TargetError> {
    conn.prepare_cached(&format!(
        "SELECT {PERSON_COLS} FROM e_person WHERE lgcode = ?1 AND address_number = ?2"
    ))
    .and_then(|mut s| s.query_row(params![lgcode, an], person_from).optional())
    .map_err(storage)
}

/// A person's qualifications, in order.
const QUALIFICATIONS_SQL: &str = "SELECT qualification_seq, insurer_number, household_number, insured_symbol, insured_number, edaban, \
     name, name_kana, acquisition_date, acquisition_reason, loss_date, loss_reason \
     FROM e_qualification WHERE lgcode = ?1 AND address_number = ?2 \
     ORDER BY acquisition_date, qualification_seq";

fn qualifications(
    conn: &Connection,
    lgcode: &str,
    an: &str,
) -> Result<Vec<Qualification>, TargetError> {
    let mut stmt = conn.prepare_cached(QUALIFICATIONS_SQL).map_err(storage)?;
    let rows = stmt
        .query_map(params![lgcode, an], |r| {
            Ok(Qualification {
                seq: r.get(0)?,
                insurer_number: r.get(1)?,
                household_number: r.get(2)?,
                insured_symbol: r.get(3)?,
                insured_number: r.get(4)?,
                edaban: r.get(5)?,
                name: r.get(6)?,
                name_kana: r.get(7)?,
                acquisition_date: date_col(r.get(8)?).unwrap_or(NaiveDate::MIN),
                acquisition_reason: r.get(9)?,
                loss_date: date_col(r.get(10)?),
                loss_reason: r.get(11)?,
            })
        })
        .map_err(storage)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(storage)
}

fn in_force(q: &Qualification, on: NaiveDate) -> bool {
    q.acquisition_date <= on && q.loss_date.is_none_or(|l| l > on)
}

/// The first day of the month after `d`'s month.
fn next_month_start(d: NaiveDate) -> Option<NaiveDate> {
    d.with_day(1)?.checked_add_months(Months::new(1))
}

impl Reference {
    fn person_as_of(
        &self,
        conn: &Connection,
        p: Person,
        as_of: NaiveDate,
    ) -> Result<PersonResponse, TargetError> {
        let quals = qualifications(conn, &p.lgcode, &p.address_number)?;
        let q = if self.has(Fault::LookupIgnoresAsOf) {
            quals.last().cloned()
        } else {
            quals.iter().find(|q| in_force(q, as_of)).cloned()
        };
        Ok(PersonResponse {
            person: p,
            insured: q
                .as_ref()
                .is_some_and(|q| q.loss_date.is_none_or(|l| l > as_of)),
            qualification: q,
        })
    }

    fn lookup_person_impl(&self, q: &PersonQuery) -> Result<PersonResponse, TargetError> {
        let conn = self.read().map_err(storage)?;
        let p = match (&q.address_number, &q.mynumber) {
            (Some(an), None) => {
                check_id::<nhikit_core::id::LgCode>("lgcode", &q.lgcode)?;
                person(&conn, &q.lgcode, an)?
            }
            (None, Some(mn)) => {
                check_id::<nhikit_core::id::MyNumber>("mynumber", mn)?;
                conn.prepare_cached(&format!(
                    "SELECT {PERSON_COLS} FROM e_person WHERE mynumber = ?1 AND (?2 = '' OR lgcode = ?2) \
                     ORDER BY lgcode, address_number LIMIT 1"
                ))
                .and_then(|mut s| s.query_row(params![mn, q.lgcode], person_from).optional())
                .map_err(storage)?
            }
            _ => {
                return Err(TargetError::invalid(
                    "address_number",
                    "give exactly one of `address_number` and `mynumber`",
                ));
            }
        };
        let p = p
            .filter(|p| p.birth_date <= q.as_of)
            .ok_or_else(|| not_found("address_number", "no such person on that date".to_owned()))?;
        self.person_as_of(&conn, p, q.as_of)
    }

    fn lookup_household_impl(&self, q: &HouseholdQuery) -> Result<HouseholdResponse, TargetError> {
        check_id::<nhikit_core::id::LgCode>("lgcode", &q.lgcode)?;
        let conn = self.read().map_err(storage)?;
        let h: Option<(String, String, String, String)> = conn
            .prepare_cached(
                "SELECT insurer_number, head_address_number, head_name, address FROM e_household \
                 WHERE lgcode = ?1 AND household_number = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![q.lgcode, q.household_number], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .optional()
            })
            .map_err(storage)?;
        let (insurer_number, head, head_name, address) = h.ok_or_else(|| {
            not_found(
                "household_number",
                format!(
                    "household {}/{} does not exist",
                    q.lgcode, q.household_number
                ),
            )
        })?;
        let persons: Vec<Person> = conn
            .prepare_cached(&format!(
                "SELECT {PERSON_COLS} FROM e_person WHERE lgcode = ?1 AND household_number = ?2 ORDER BY address_number"
            ))
            .and_then(|mut s| {
                s.query_map(params![q.lgcode, q.household_number], person_from)?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(storage)?;
        let mut members = Vec::new();
        for p in persons {
            if p.birth_date > q.as_of || p.death_date.is_some_and(|d| d < q.as_of) {
                continue;
            }
            members.push(self.person_as_of(&conn, p, q.as_of)?);
        }
        let fictive_head = !members
            .iter()
            .any(|m| m.person.address_number == head && m.insured);
        Ok(HouseholdResponse {
            lgcode: q.lgcode.clone(),
            household_number: q.household_number.clone(),
            insurer_number,
            head_address_number: head,
            head_name,
            fictive_head,
            address,
            members,
        })
    }

    fn mangle_str(&self, key: &str, s: &str) -> String {
        let mut out: String = if self.has(Fault::SurrogateToGeta) {
            s.chars()
                .map(|c| if u32::from(c) > 0xFFFF { '〓' } else { c })
                .collect()
        } else {
            s.to_owned()
        };
        if self.has(Fault::KanaTruncate20) && key.ends_with("_kana") && out.chars().count() > 20 {
            out = out.chars().take(20).collect();
        }
        out
    }

    fn check_text(&self, entity: &str, item: &str, value: &str) -> Result<(), TargetError> {
        let mut r = Record::new();
        r.insert(item.to_owned(), Value::Str(value.to_owned()));
        let Some(e) = self.schema.entity(entity) else {
            return Err(storage(format!("no entity {entity}")));
        };
        let mut problems = Vec::new();
        store::record_problems(&self.schema, e, &r, &mut problems);
        match problems.into_iter().find(|p| p.0 == item) {
            Some((_, _, message)) => Err(TargetError::invalid(item, message)),
            None => Ok(()),
        }
    }

    fn check_code(
        &self,
        table: &str,
        item: &str,
        value: Option<&str>,
    ) -> Result<String, TargetError> {
        let v = value
            .ok_or_else(|| TargetError::invalid(item, format!("a `{table}` code is required")))?;
        match self.schema.code_table(table) {
            Some(t) if t.get(v).is_some() => Ok(v.to_owned()),
            _ => Err(TargetError::invalid(
                item,
                format!("{v:?} is not a code of {table}"),
            )),
        }
    }

    fn register_event_impl(&self, ev: &EventRequest) -> Result<EventResponse, TargetError> {
        check_id::<nhikit_core::id::LgCode>("lgcode", &ev.lgcode)?;
        let mut guard = self.lock();
        let tx = guard.transaction().map_err(storage)?;
        let p = person(&tx, &ev.lgcode, &ev.address_number)?.ok_or_else(|| {
            not_found(
                "address_number",
                format!("person {}/{} does not exist", ev.lgcode, ev.address_number),
            )
        })?;
        if ev.date < p.birth_date {
            return Err(TargetError::new(
                ErrorCode::Conflict,
                format!("{} is before the birth date {}", ev.date, p.birth_date),
            )
            .with_item("date"));
        }
        let after_death = p.death_date.is_some_and(|d| match ev.kind {
            EventKind::Loss => d.succ_opt().is_some_and(|next| ev.date > next),
            _ => ev.date > d,
        });
        if after_death && !self.has(Fault::AcceptEventsAfterDeath) {
            return Err(TargetError::new(
                ErrorCode::Conflict,
                format!(
                    "the person died on {}: no event on {}",
                    p.death_date.map_or(String::new(), |d| d.to_string()),
                    ev.date
                ),
            )
            .with_item("date"));
        }
        let quals = qualifications(&tx, &ev.lgcode, &ev.address_number)?;
        let result = match ev.kind {
            EventKind::Acquisition => {
                let reason =
                    self.check_code("acquisition_reason", "reason", ev.reason.as_deref())?;
                if let Some(q) = quals
                    .iter()
                    .find(|q| q.loss_date.is_none_or(|l| l > ev.date))
                {
                    return Err(TargetError::new(
                        ErrorCode::Conflict,
                        format!(
                            "qualification {} (from {}) is still in force on {}",
                            q.seq, q.acquisition_date, ev.date
                        ),
                    )
                    .with_item("date"));
                }
                self.acquire(&tx, &p, &quals, ev, &reason)?
            }
            EventKind::Loss => {
                let reason = self.check_code("loss_reason", "reason", ev.reason.as_deref())?;
                let q = quals
                    .iter()
                    .find(|q| q.loss_date.is_none())
                    .ok_or_else(|| {
                        TargetError::new(ErrorCode::Conflict, "no open qualification to lose")
                            .with_item("kind")
                    })?;
                if ev.date < q.acquisition_date {
                    return Err(TargetError::new(
                        ErrorCode::Conflict,
                        format!(
                            "資格喪失日 {} is before the 資格取得日 {}",
                            ev.date, q.acquisition_date
                        ),
                    )
                    .with_item("date"));
                }
                tx.execute(
                    "UPDATE e_qualification SET loss_date = ?1, loss_reason = ?2, loss_notified_date = ?3 \
                     WHERE lgcode = ?4 AND address_number = ?5 AND qualification_seq = ?6",
                    params![days(ev.date), reason, days(ev.notified.unwrap_or(ev.date)), ev.lgcode, ev.address_number, q.seq],
                )
                .map_err(storage)?;
                q.seq
            }
            EventKind::Change => {
                if ev.name.is_none() && ev.name_kana.is_none() {
                    return Err(TargetError::invalid(
                        "name",
                        "a change needs `name` or `name_kana`",
                    ));
                }
                let last = quals.last().ok_or_else(|| {
                    TargetError::new(ErrorCode::NotInsured, "the person has no qualification")
                        .with_item("address_number")
                })?;
                for (item, value) in [("name", &ev.name), ("name_kana", &ev.name_kana)] {
                    if let Some(v) = value {
                        self.check_text("person", item, v)?;
                        let stored = self.mangle_str(item, v);
                        tx.execute(
                            &format!("UPDATE e_person SET {item} = ?1 WHERE lgcode = ?2 AND address_number = ?3"),
                            params![stored, ev.lgcode, ev.address_number],
                        )
                        .map_err(storage)?;
                        tx.execute(
                            &format!(
                                "UPDATE e_qualification SET {item} = ?1 WHERE lgcode = ?2 AND address_number = ?3 \
                                 AND (loss_date IS NULL OR loss_date > ?4)"
                            ),
                            params![stored, ev.lgcode, ev.address_number, days(ev.date)],
                        )
                        .map_err(storage)?;
                        let head_item = if item == "name" {
                            "head_name"
                        } else {
                            "head_name_kana"
                        };
                        tx.execute(
                            &format!(
                                "UPDATE e_household SET {head_item} = ?1 WHERE lgcode = ?2 AND head_address_number = ?3"
                            ),
                            params![stored, ev.lgcode, ev.address_number],
                        )
                        .map_err(storage)?;
                    }
                }
                last.seq
            }
        };
        let quals = qualifications(&tx, &ev.lgcode, &ev.address_number)?;
        let qualification = quals
            .into_iter()
            .find(|q| q.seq == result)
            .ok_or_else(|| storage("the qualification vanished"))?;
        tx.commit().map_err(storage)?;
        Ok(EventResponse { qualification })
    }

    /// Opens a qualification: a new row placed in the file of the person's qualifications (or
    /// of their partition), after its last row.
    fn acquire(
        &self,
        tx: &Connection,
        p: &Person,
        quals: &[Qualification],
        ev: &EventRequest,
        reason: &str,
    ) -> Result<i64, TargetError> {
        let (insurer, symbol, number, head): (String, Option<String>, String, String) = tx
            .query_row(
                "SELECT insurer_number, insured_symbol, insured_number, head_address_number FROM e_household \
                 WHERE lgcode = ?1 AND household_number = ?2",
                params![p.lgcode, p.household_number],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .map_err(storage)?
            .ok_or_else(|| not_found("address_number", "the person's household does not exist".to_owned()))?;
        let edaban = match quals.last() {
            Some(q) => q.edaban.clone(),
            None => {
                let max: Option<String> = tx
                    .query_row(
                        "SELECT max(edaban) FROM e_qualification WHERE lgcode = ?1 AND household_number = ?2",
                        params![p.lgcode, p.household_number],
                        |r| r.get(0),
                    )
                    .map_err(storage)?;
                format!(
                    "{:02}",
                    max.and_then(|m| m.parse::<u32>().ok()).unwrap_or(0) + 1
                )
            }
        };
        let seq = quals.iter().map(|q| q.seq).max().unwrap_or(0) + 1;
        // The file: that of the person's qualifications, else the qualification file of the
        // person's partition, else a new one.
        let file: i64 = {
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT max(_file) FROM e_qualification WHERE lgcode = ?1 AND address_number = ?2",
                    params![p.lgcode, p.address_number],
                    |r| r.get(0),
                )
                .map_err(storage)?;
            match existing {
                Some(f) => f,
                None => {
                    let (pref, muni, part, path): (Option<i64>, Option<String>, i64, String) = tx
                        .query_row(
                            "SELECT f.prefecture, f.municipality, f.part, f.path FROM e_person t JOIN _files f ON f.id = t._file \
                             WHERE t.lgcode = ?1 AND t.address_number = ?2",
                            params![p.lgcode, p.address_number],
                            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                        )
                        .map_err(storage)?;
                    let found: Option<i64> = tx
                        .query_row(
                            "SELECT min(id) FROM _files WHERE entity = 'qualification' AND prefecture IS ?1 \
                             AND municipality IS ?2 AND part = ?3",
                            params![pref, muni, part],
                            |r| r.get(0),
                        )
                        .map_err(storage)?;
                    match found {
                        Some(f) => f,
                        None => {
                            tx.execute(
                                "INSERT INTO _files (path, entity, prefecture, municipality, part) VALUES (?1, 'qualification', ?2, ?3, ?4)",
                                params![format!("{path} (qualification, registered)"), pref, muni, part],
                            )
                            .map_err(storage)?;
                            tx.last_insert_rowid()
                        }
                    }
                }
            }
        };
        let row: i64 = tx
            .query_row(
                "SELECT coalesce(max(_row), 0) + 1 FROM e_qualification WHERE _file = ?1",
                [file],
                |r| r.get(0),
            )
            .map_err(storage)?;
        let mut r = Record::new();
        let mut put = |k: &str, v: Value| {
            r.insert(k.to_owned(), v);
        };
        put("lgcode", Value::Str(p.lgcode.clone()));
        put("address_number", Value::Str(p.address_number.clone()));
        put("qualification_seq", Value::Int(seq));
        put("insurer_number", Value::Str(insurer));
        put("household_number", Value::Str(p.household_number.clone()));
        if let Some(s) = symbol {
            put("insured_symbol", Value::Str(s));
        }
        put("insured_number", Value::Str(number));
        put("edaban", Value::Str(edaban));
        if let Some(m) = &p.mynumber {
            put("mynumber", Value::Str(m.clone()));
        }
        put("name", Value::Str(p.name.clone()));
        put("name_kana", Value::Str(p.name_kana.clone()));
        put("birth_date", Value::Date(p.birth_date));
        put("sex", Value::Str(p.sex.clone()));
        put("insured_class", Value::Str("1".into()));
        put(
            "head_family_class",
            Value::Str(if head == p.address_number { "1" } else { "2" }.into()),
        );
        put("card_class", Value::Str("01".into()));
        put("acquisition_date", Value::Date(ev.date));
        put("acquisition_reason", Value::Str(reason.to_owned()));
        put(
            "acquisition_notified_date",
            Value::Date(ev.notified.unwrap_or(ev.date)),
        );
        put("jushochi_tokurei", Value::Bool(false));
        let Some(entity) = self.schema.entity("qualification") else {
            return Err(storage("no qualification entity"));
        };
        let mut problems = Vec::new();
        store::record_problems(&self.schema, entity, &r, &mut problems);
        if let Some((item, _, message)) = problems.into_iter().next() {
            return Err(TargetError::invalid(item, message));
        }
        let mut stmt = tx
            .prepare_cached(&store::insert_sql(entity))
            .map_err(storage)?;
        stmt.raw_bind_parameter(1, file).map_err(storage)?;
        stmt.raw_bind_parameter(2, row).map_err(storage)?;
        for (i, item) in entity.items.iter().enumerate() {
            stmt.raw_bind_parameter(
                i + 3,
                store::sql_value(r.get(&item.id).unwrap_or(&Value::Null)),
            )
            .map_err(storage)?;
        }
        stmt.raw_execute().map_err(storage)?;
        Ok(seq)
    }

    fn rates_for(&self, lgcode: &str, requested: Option<&str>, fiscal_year: i32) -> Option<String> {
        if let Some(r) = requested {
            return Some(r.to_owned());
        }
        if let Some(r) = self.rates.by_lgcode.get(lgcode) {
            return Some(r.clone());
        }
        let own = self.rules.own_rates(lgcode, fiscal_year);
        match &self.rates.default {
            DefaultRates::Shipped => self.rules.assigned_rates(lgcode, fiscal_year),
            DefaultRates::Set(id) => own.or(Some(id.as_str())),
            DefaultRates::None => own,
        }
        .map(str::to_owned)
    }

    fn assess_impl(&self, req: &AssessRequest) -> Result<AssessResponse, TargetError> {
        check_id::<nhikit_core::id::LgCode>("lgcode", &req.lgcode)?;
        let fy = FiscalYear(req.fiscal_year);
        let (Some(start), Some(end)) = (fy.start(), fy.end()) else {
            return Err(TargetError::invalid("fiscal_year", "not a fiscal year"));
        };
        let rates = self
            .rates_for(&req.lgcode, req.rates.as_deref(), req.fiscal_year)
            .ok_or_else(|| {
                TargetError::new(
                    ErrorCode::NoRates,
                    format!("no rates are assigned to {}", req.lgcode),
                )
                .with_item("rates")
            })?;
        let params = self
            .rules
            .params(&rates, req.fiscal_year)
            .map_err(rules_error)?;
        let conn = self.read().map_err(storage)?;
        let head: String = conn
            .prepare_cached("SELECT head_address_number FROM e_household WHERE lgcode = ?1 AND household_number = ?2")
            .and_then(|mut s| s.query_row(params![req.lgcode, req.household_number], |r| r.get(0)).optional())
            .map_err(storage)?
            .ok_or_else(|| not_found("household_number", format!("household {}/{} does not exist", req.lgcode, req.household_number)))?;
        let persons: Vec<Person> = conn
            .prepare_cached(&format!(
                "SELECT {PERSON_COLS} FROM e_person WHERE lgcode = ?1 AND household_number = ?2 ORDER BY address_number"
            ))
            .and_then(|mut s| {
                s.query_map(params![req.lgcode, req.household_number], person_from)?
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(storage)?;
        for an in req.incomes.keys() {
            if !persons.iter().any(|p| &p.address_number == an) {
                return Err(TargetError::invalid(
                    format!("incomes.{an}"),
                    "not a member of the household",
                ));
            }
        }
        let mut members = Vec::new();
        let mut preschool: Vec<(NaiveDate, Option<NaiveDate>, Option<NaiveDate>)> = Vec::new();
        for p in persons {
            if p.birth_date > end {
                continue;
            }
            let quals = qualifications(&conn, &p.lgcode, &p.address_number)?;
            let spans: Vec<&Qualification> = quals
                .iter()
                .filter(|q| q.acquisition_date <= end && q.loss_date.is_none_or(|l| l > start))
                .collect();
            let insured = !spans.is_empty();
            let householder = p.address_number == head;
            if !insured && !householder {
                continue;
            }
            let mut m = Member::insured(p.birth_date);
            m.householder = householder;
            m.status = if insured {
                Status::Insured
            } else {
                Status::NotInsured
            };
            m.acquired = spans
                .iter()
                .map(|q| q.acquisition_date)
                .min()
                .filter(|a| *a > start);
            m.lost = if spans.iter().any(|q| q.loss_date.is_none()) {
                None
            } else {
                spans
                    .iter()
                    .filter_map(|q| q.loss_date)
                    .max()
                    .filter(|l| *l <= end)
            };
            m.income = req
                .incomes
                .get(&p.address_number)
                .copied()
                .map(Into::into)
                .unwrap_or_default();
            if self.has(Fault::IgnoreFictiveHeadIncome) && householder && !insured {
                m.income = Default::default();
            }
            if self.has(Fault::ProrateLossMonth) {
                m.lost = m.lost.and_then(next_month_start).filter(|l| *l <= end);
            }
            if insured {
                preschool.push((p.birth_date, m.acquired, m.lost));
            }
            if self.has(Fault::SeventyFiveOffByOne) {
                m.birth = m.birth.succ_opt().unwrap_or(m.birth);
            }
            members.push(m);
        }
        drop(conn);
        let household = Household {
            members,
            specified: req.specified_household,
        };
        let a = premium::assess(&household, &params).map_err(rules_error)?;
        let mut parts = [PartAmount::default(); 4];
        for p in Part::ALL {
            let x = a.part(p);
            parts[p.index()] = PartAmount {
                levied: x.levied,
                amount: x.amount,
                capped: x.capped,
            };
        }
        let unit = params.rounding.max(1);
        let floor = |y: i64| y.div_euclid(unit) * unit;
        if self.has(Fault::PreschoolBeforeReduction) {
            self.preschool_fault(&a, &params, &preschool, start, &mut parts, floor);
        }
        if self.has(Fault::CapOnTotal) {
            let mut caps = 0;
            for p in Part::ALL {
                let x = a.part(p);
                if x.levied {
                    parts[p.index()].amount = Yen(floor(x.before_cap.0));
                    parts[p.index()].capped = false;
                    caps += params.parts[p.index()].cap;
                }
            }
            let sum: i64 = parts.iter().map(|p| p.amount.0).sum();
            let total = Yen(sum.min(caps));
            return Ok(self.response(req, rates, &a, parts, total));
        }
        let mut total = Yen(parts.iter().map(|p| p.amount.0).sum());
        if self.has(Fault::RoundHouseholdTotal) {
            let unrounded: i64 = Part::ALL
                .iter()
                .map(|p| {
                    let x = a.part(*p);
                    if x.capped || !x.levied {
                        x.amount.0
                    } else {
                        x.before_cap.0
                    }
                })
                .sum();
            total = Yen(floor(unrounded));
        }
        Ok(self.response(req, rates, &a, parts, total))
    }

    fn response(
        &self,
        req: &AssessRequest,
        rates: String,
        a: &premium::Assessment,
        parts: [PartAmount; 4],
        total: Yen,
    ) -> AssessResponse {
        AssessResponse {
            fiscal_year: req.fiscal_year,
            rates,
            reduction: a.reduction,
            judgement_income: a.judgement_income,
            medical: parts[0],
            support: parts[1],
            care: parts[2],
            child: parts[3],
            total,
        }
    }

    /// The 未就学児 ½ taken from the full 均等割 alongside the 軽減 (both subtracted from the
    /// full amount, floor 0) instead of halving what the 軽減 leaves: per child-month the
    /// 均等割 drops by x·[(10 − r) − 2·max(0, 5 − r)]/20 for 軽減 r tenths.
    fn preschool_fault(
        &self,
        a: &premium::Assessment,
        params: &Params,
        children: &[(NaiveDate, Option<NaiveDate>, Option<NaiveDate>)],
        start: NaiveDate,
        parts: &mut [PartAmount; 4],
        floor: impl Fn(i64) -> i64,
    ) {
        let r = a.reduction.tenths();
        let twentieths = (10 - r) - 2 * (5 - r).max(0);
        if twentieths == 0 || a.reduction == Reduction::None {
            return;
        }
        let mut child_months = 0i64;
        for (birth, acquired, lost) in children {
            let Ok(until) = mishugaku_until(*birth) else {
                continue;
            };
            for k in 0..12 {
                let Some(month) = start.checked_add_months(Months::new(k)) else {
                    continue;
                };
                let Some(next) = next_month_start(month) else {
                    continue;
                };
                let counted = *birth < next
                    && month <= until
                    && acquired.is_none_or(|a| a < next)
                    && lost.is_none_or(|l| l >= next);
                if counted {
                    child_months += 1;
                }
            }
        }
        if child_months == 0 {
            return;
        }
        for p in [Part::Medical, Part::Support, Part::Child] {
            let x = a.part(p);
            let rp = &params.parts[p.index()];
            if !x.levied || x.capped || !rp.preschool_applies || rp.minor_exempt {
                continue;
            }
            let delta = rp.per_capita * twentieths * child_months / (20 * 12);
            parts[p.index()].amount = Yen(floor((x.before_cap.0 - delta).max(0)));
        }
    }

    fn copay_impl(&self, req: &CopayRequest) -> Result<CopayResponse, TargetError> {
        let r = self.copay_of(
            &req.lgcode,
            &req.address_number,
            req.service_date,
            &req.income,
        )?;
        Ok(CopayResponse {
            ratio: r.ratio,
            category: r.category,
            age: r.age,
        })
    }

    fn copay_of(
        &self,
        lgcode: &str,
        an: &str,
        on: NaiveDate,
        income: &KoureiIncome,
    ) -> Result<CopayResult, TargetError> {
        check_id::<nhikit_core::id::LgCode>("lgcode", lgcode)?;
        let conn = self.read().map_err(storage)?;
        let p = person(&conn, lgcode, an)?.ok_or_else(|| {
            not_found(
                "address_number",
                format!("person {lgcode}/{an} does not exist"),
            )
        })?;
        let quals = qualifications(&conn, lgcode, an)?;
        drop(conn);
        if !quals.iter().any(|q| in_force(q, on)) {
            return Err(
                TargetError::new(ErrorCode::NotInsured, format!("not insured on {on}"))
                    .with_item("service_date"),
            );
        }
        let birth = p.birth_date;
        let mut date = on;
        if self.has(Fault::SeventyFiveOffByOne) && koki_koreisha_date(birth).is_ok_and(|d| d == on)
        {
            date = on.pred_opt().unwrap_or(on);
        }
        let mut r = copay_ratio_with(birth, date, income, false).map_err(rules_error)?;
        if self.has(Fault::KoureiFromBirthdayMonth)
            && r.category == CopayCategory::General
            && date_reaching_age(birth, 70)
                .is_some_and(|d| d.year() == on.year() && d.month() == on.month())
            && let Some(next) = next_month_start(on)
            && let Ok(later) = copay_ratio_with(birth, next, income, false)
        {
            r = CopayResult {
                age: age_on(birth, on),
                ..later
            };
        }
        Ok(r)
    }

    fn certificate_impl(
        &self,
        req: &CertificateRequest,
    ) -> Result<CertificateResponse, TargetError> {
        check_id::<nhikit_core::id::LgCode>("lgcode", &req.lgcode)?;
        let conn = self.read().map_err(storage)?;
        let p = person(&conn, &req.lgcode, &req.address_number)?.ok_or_else(|| {
            not_found(
                "address_number",
                format!(
                    "person {}/{} does not exist",
                    req.lgcode, req.address_number
                ),
            )
        })?;
        let q = qualifications(&conn, &req.lgcode, &req.address_number)?
            .into_iter()
            .find(|q| in_force(q, req.issue_date))
            .ok_or_else(|| {
                TargetError::new(
                    ErrorCode::NotInsured,
                    format!("not insured on {}", req.issue_date),
                )
                .with_item("issue_date")
            })?;
        let (head_name, address): (String, String) = conn
            .query_row(
                "SELECT head_name, address FROM e_household WHERE lgcode = ?1 AND household_number = ?2",
                params![req.lgcode, p.household_number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(storage)?;
        drop(conn);
        // The certificate states the ratio without income facts: a 70–74 person counts alone,
        // with no income (一般); the conformance suite checks ratios through `copay_ratio`.
        let alone = KoureiIncome {
            kourei_members: 1,
            ..KoureiIncome::default()
        };
        let copay = self.copay_of(&req.lgcode, &req.address_number, req.issue_date, &alone)?;
        let percent = copay.ratio.map(|r| r.percent()).ok_or_else(|| {
            TargetError::new(ErrorCode::NotInsured, "in 後期高齢者医療 on the issue date")
                .with_item("issue_date")
        })?;
        let july_year = if req.issue_date.month() <= 7 {
            req.issue_date.year()
        } else {
            req.issue_date.year() + 1
        };
        let renewal = NaiveDate::from_ymd_opt(july_year, 7, 31).unwrap_or(req.issue_date);
        let valid_until = koki_koreisha_date(p.birth_date)
            .ok()
            .and_then(|d| d.pred_opt())
            .map_or(renewal, |d| d.min(renewal));
        Ok(CertificateResponse {
            insurer_number: q.insurer_number,
            insured_symbol: q.insured_symbol,
            insured_number: q.insured_number,
            edaban: q.edaban,
            name: q.name,
            name_kana: q.name_kana,
            birth_date: p.birth_date,
            sex: p.sex,
            head_name,
            address,
            acquisition_date: q.acquisition_date,
            copay_percent: percent,
            issue_date: req.issue_date,
            valid_until,
        })
    }

    fn high_cost_impl(&self, req: &HighCostRequest) -> Result<HighCostResponse, TargetError> {
        let input = req.household_month()?;
        let r = compute_month_with(&self.high_cost, &input, false).map_err(rules_error)?;
        Ok(HighCostResponse {
            table: r.table,
            kourei_limit: r.kourei_limit,
            household_limit: r.household_limit,
            refund: r.refund,
            total_copay: r.total_copay,
            burden: r.burden,
        })
    }
}

impl Target for Reference {
    fn import(&self, request: &ImportRequest) -> Result<ImportResponse, TargetError> {
        self.import_impl(request)
    }
    fn export(&self, request: &ExportRequest) -> Result<ExportResponse, TargetError> {
        self.export_impl(request)
    }
    fn register_event(&self, request: &EventRequest) -> Result<EventResponse, TargetError> {
        self.register_event_impl(request)
    }
    fn lookup_person(&self, request: &PersonQuery) -> Result<PersonResponse, TargetError> {
        self.lookup_person_impl(request)
    }
    fn lookup_household(&self, request: &HouseholdQuery) -> Result<HouseholdResponse, TargetError> {
        self.lookup_household_impl(request)
    }
    fn assess(&self, request: &AssessRequest) -> Result<AssessResponse, TargetError> {
        self.assess_impl(request)
    }
    fn high_cost_limit(&self, request: &HighCostRequest) -> Result<HighCostResponse, TargetError> {
        self.high_cost_impl(request)
    }
    fn copay_ratio(&self, request: &CopayRequest) -> Result<CopayResponse, TargetError> {
        self.copay_impl(request)
    }
    fn issue_certificate(
        &self,
        request: &CertificateRequest,
    ) -> Result<CertificateResponse, TargetError> {
        self.certificate_impl(request)
    }
    fn reset(
        &self,
        _request: &nhikit_target::ResetRequest,
    ) -> Result<nhikit_target::ResetResponse, TargetError> {
        let mut conn = self.lock();
        let tx = conn.transaction().map_err(storage)?;
        let mut removed = std::collections::BTreeMap::new();
        for e in &self.schema.entities {
            let n = tx
                .execute(&format!("DELETE FROM {}", store::table(&e.id)), [])
                .map_err(storage)?;
            if n > 0 {
                removed.insert(e.id.clone(), n as u64);
            }
        }
        tx.execute("DELETE FROM _files", []).map_err(storage)?;
        tx.commit().map_err(storage)?;
        Ok(nhikit_target::ResetResponse { removed })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::StatementStatus;

    /// Regression (issue 10, lookups/s): with STAT4 compiled in, SQLite marks a statement whose
    /// ORDER BY names a column bound by `= ?` for re-preparing at every new binding, which cost
    /// 14 % of the server's CPU. Every connection switches on the query planner stability
    /// guarantee, so a cached statement is prepared once.
    #[test]
    fn cached_lookup_statements_are_not_prepared_again() {
        let r = Reference::in_memory().unwrap();
        let conn = r.lock();
        for k in 0..3 {
            qualifications(&conn, "131016", &format!("{k:010}")).unwrap();
        }
        let stmt = conn.prepare_cached(QUALIFICATIONS_SQL).unwrap();
        assert_eq!(stmt.get_status(StatementStatus::RePrepare), 0);
    }
}
