//! Generated rows of the entities `insurer`, `household`, `person` and `qualification`,
//! written by item name (`nhikit_schema::names`: a wrong item does not compile; a test checks
//! every value against the schema).

use crate::model::{BUILDINGS, Household, Model};
use crate::plan::PlannedMunicipality;
use nhikit_core::date::NaiveDate;
use nhikit_schema::names::codes::{
    CardClass, FictiveHeadFlag, HeadFamilyClass, InsuredClass, InsurerKind, ResidentKind,
    ResidentStatus,
};
use nhikit_schema::names::{household, insurer, person, qualification};
use nhikit_schema::{Row, RowWriter};

/// Formats `n` as exactly `width` decimal digits (zero-padded) into `buf`, no allocation.
pub fn digits(n: u64, width: usize, buf: &mut [u8; 20]) -> &str {
    let mut n = n;
    for i in (0..width).rev() {
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[..width]).unwrap_or("")
}

/// Appends `n` as exactly `width` decimal digits (zero-padded).
pub fn push_digits(out: &mut String, n: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut n = n;
    for slot in buf[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Pushing ASCII chars one by one measured faster than `digits` + `push_str` (UTF-8
    // validation and the capacity check per call): 122 M against 181 M instructions per
    // 100k households under callgrind.
    out.extend(buf[..width].iter().map(|&b| char::from(b)));
}

/// The identifiers of a household as text, formatted once: 世帯番号 (10), 被保険者番号 (8),
/// 記号 (4), then per member 宛名番号 (10), 個人番号 (12) and 枝番 (2).
#[derive(Debug, Default)]
pub struct IdText(String);

const MEMBER_BASE: usize = 22;
const MEMBER_WIDTH: usize = 24;

impl IdText {
    /// Formats the identifiers of a household whose members have `member_ids`
    /// (宛名番号, 個人番号) and `edabans` (0 for members who are not insured).
    pub fn build(&mut self, hid: &HouseholdIds, member_ids: &[(u64, u64)], edabans: &[u64]) {
        let s = &mut self.0;
        s.clear();
        push_digits(s, hid.household_number, 10);
        push_digits(s, hid.insured_number, 8);
        push_digits(s, hid.symbol.map_or(0, u64::from), 4);
        for (&(address, my_number), &edaban) in member_ids.iter().zip(edabans) {
            push_digits(s, address, 10);
            push_digits(s, my_number, 12);
            push_digits(s, edaban, 2);
        }
    }

    pub(crate) fn household_number(&self) -> &str {
        &self.0[0..10]
    }

    pub(crate) fn insured_number(&self) -> &str {
        &self.0[10..18]
    }

    fn symbol(&self) -> &str {
        &self.0[18..22]
    }

    fn member(&self, i: usize, offset: usize, width: usize) -> &str {
        let start = MEMBER_BASE + i * MEMBER_WIDTH + offset;
        &self.0[start..start + width]
    }

    pub(crate) fn address_number(&self, i: usize) -> &str {
        self.member(i, 0, 10)
    }

    pub(crate) fn my_number(&self, i: usize) -> &str {
        self.member(i, 10, 12)
    }

    fn edaban(&self, i: usize) -> &str {
        self.member(i, 22, 2)
    }
}

/// Appends `n` in full-width digits (０–９).
pub fn push_fullwidth(out: &mut String, n: u64) {
    /// ０–９ in UTF-8: EF BC 90 + d.
    const FULLWIDTH: [&str; 10] = ["０", "１", "２", "３", "４", "５", "６", "７", "８", "９"];
    let mut b = [0u8; 20];
    let width = if n == 0 { 1 } else { (n.ilog10() + 1) as usize };
    for d in digits(n, width, &mut b).bytes() {
        out.push_str(FULLWIDTH[usize::from(d - b'0')]);
    }
}

/// The start of universal coverage (国民皆保険, 1961-04-01): `valid_from` of every insurer.
pub fn kaihoken() -> NaiveDate {
    NaiveDate::from_ymd_opt(1961, 4, 1).unwrap_or_default()
}

/// 住民種別: 外国人住民 or 日本人住民.
pub(crate) fn resident_kind(foreign: bool) -> ResidentKind {
    if foreign {
        ResidentKind::C2
    } else {
        ResidentKind::C1
    }
}

/// A row of `insurer`.
pub struct InsurerRow<'a> {
    /// The planned municipality.
    pub m: &'a PlannedMunicipality,
    /// 保険料 (2) or 保険税 (1).
    pub premium_form: &'static str,
}

impl Row for InsurerRow<'_> {
    const ENTITY: &'static str = insurer::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use insurer as i;
        let mut b = [0u8; 20];
        let mu = &self.m.municipality;
        let mut row = i::Cells::new();
        row.str(i::INSURER_NUMBER, &self.m.insurer_number_text)
            .str(i::INSURER_KIND, InsurerKind::C1.code())
            .str(i::NAME, &mu.name)
            .opt_str(
                i::NAME_KANA,
                (!mu.name_kana.is_empty()).then_some(mu.name_kana.as_str()),
            )
            .str(
                i::PREFECTURE_CODE,
                digits(u64::from(mu.prefecture_code), 2, &mut b),
            )
            .str(i::LGCODE, &mu.lgcode)
            .str(i::PREMIUM_FORM, self.premium_form)
            .date(i::VALID_FROM, kaihoken());
        row.write(out);
    }
}

/// Text shared by the rows of one household, composed once.
#[derive(Debug, Default)]
pub struct Composed {
    /// Names (`姓　名`) of the members, concatenated; see `name_ends`.
    names: String,
    /// Per member, where its name ends in `names` and its reading ends in `readings`.
    name_ends: Vec<(usize, usize)>,
    /// Readings (`セイ　メイ`), concatenated.
    readings: String,
    /// The address.
    pub address: String,
}

impl Composed {
    /// Composes names, readings and the address of `h`.
    pub fn compose(
        &mut self,
        model: &Model<'_>,
        m: &PlannedMunicipality,
        towns: &[crate::reference::Town],
        h: &Household,
    ) {
        self.names.clear();
        self.readings.clear();
        self.name_ends.clear();
        for member in &h.members {
            let edge = member
                .edge_name
                .and_then(|i| model.edge_names().names.get(usize::from(i)));
            let (sk, sr, gk, gr) = match edge {
                Some(e) => (
                    e.surname.as_str(),
                    e.surname_reading.as_str(),
                    e.given.as_str(),
                    e.given_reading.as_str(),
                ),
                None => {
                    let s = model.surname(member.surname);
                    let g = model.given_name(member.sex, member.given);
                    (
                        s.kanji.as_str(),
                        s.reading.as_str(),
                        g.kanji.as_str(),
                        g.reading.as_str(),
                    )
                }
            };
            self.names.push_str(sk);
            self.names.push('\u{3000}');
            self.names.push_str(gk);
            self.readings.push_str(sr);
            self.readings.push('\u{3000}');
            self.readings.push_str(gr);
            self.name_ends.push((self.names.len(), self.readings.len()));
        }
        self.address.clear();
        let mu = &m.municipality;
        self.address.push_str(&mu.prefecture);
        self.address.push_str(&mu.name);
        let (chome, ban, go) = h.block;
        let town = h.town.and_then(|t| towns.get(t));
        match town {
            Some(t) => self.address.push_str(&t.name),
            // No 町域 list for this municipality: a synthetic 町名.
            None => self.address.push_str("本町"),
        }
        // 住所 are written with full-width digits, as 住民記録 systems print them.
        let a = &mut self.address;
        if town.is_none_or(|t| t.has_chome) {
            push_fullwidth(a, u64::from(chome));
            a.push_str("丁目");
            push_fullwidth(a, u64::from(ban));
            a.push('番');
            push_fullwidth(a, u64::from(go));
            a.push('号');
        } else {
            push_fullwidth(a, u64::from(ban) * 10 + u64::from(go));
            a.push_str("番地");
        }
        if let Some((b, room)) = h.building {
            a.push('\u{3000}');
            a.push_str(BUILDINGS[b]);
            push_fullwidth(a, u64::from(room));
            a.push_str("号室");
        }
    }

    /// Name and reading of member `i`.
    pub fn name(&self, i: usize) -> (&str, &str) {
        let (n0, r0) = match i.checked_sub(1) {
            Some(prev) => self.name_ends[prev],
            None => (0, 0),
        };
        let (n, r) = self.name_ends[i];
        (&self.names[n0..n], &self.readings[r0..r])
    }
}

/// Identifiers of a household, computed once.
#[derive(Debug, Clone, Copy)]
pub struct HouseholdIds {
    /// 世帯番号.
    pub household_number: u64,
    /// 被保険者番号 (per household).
    pub insured_number: u64,
    /// 被保険者記号, if the municipality uses one.
    pub symbol: Option<u16>,
}

/// Context of the rows of one household.
pub struct HouseholdCtx<'a> {
    /// The model.
    pub model: &'a Model<'a>,
    /// The municipality.
    pub m: &'a PlannedMunicipality,
    /// Its identifier permutations.
    pub ids: &'a crate::ids::Ids,
    /// The household.
    pub h: &'a Household,
    /// Its identifiers.
    pub hid: HouseholdIds,
    /// Its composed text.
    pub text: &'a Composed,
    /// Postal code of its 町域, if known.
    pub postal_code: Option<&'a str>,
    /// The identifiers as text, formatted once.
    pub id_text: &'a IdText,
}

impl HouseholdCtx<'_> {
    /// 被保険者記号, if the municipality uses one.
    pub(crate) fn symbol(&self) -> Option<&str> {
        self.hid.symbol.map(|_| self.id_text.symbol())
    }

    /// The earliest 資格取得日 of the insured members.
    fn first_acquisition(&self) -> NaiveDate {
        self.h
            .members
            .iter()
            .filter(|m| m.insured)
            .map(|m| m.acquired)
            .min()
            .unwrap_or(self.model.as_of())
    }
}

/// The `household` row of a household.
pub struct HouseholdRow<'a>(pub &'a HouseholdCtx<'a>);

impl Row for HouseholdRow<'_> {
    const ENTITY: &'static str = household::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use household as h;
        let c = self.0;
        let head = &c.h.members[0];
        let (name, kana) = c.text.name(0);
        let mut row = h::Cells::new();
        row.str(h::LGCODE, &c.m.municipality.lgcode)
            .str(h::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .str(h::INSURER_NUMBER, &c.m.insurer_number_text)
            .opt_str(h::INSURED_SYMBOL, c.symbol())
            .str(h::INSURED_NUMBER, c.id_text.insured_number())
            .str(
                h::HEAD_ADDRESS_NUMBER,
                c.id_text.address_number(head.slot as usize),
            )
            .str(h::HEAD_NAME, name)
            .str(h::HEAD_NAME_KANA, kana)
            .str(
                h::FICTIVE_HEAD_FLAG,
                if c.h.fictive_head {
                    FictiveHeadFlag::C1
                } else {
                    FictiveHeadFlag::C0
                }
                .code(),
            )
            .opt_str(h::POSTAL_CODE, c.postal_code)
            .str(h::ADDRESS, &c.text.address)
            .date(h::NHI_ACQUISITION_DATE, c.first_acquisition());
        row.write(out);
    }
}

/// The `person` row of member `i`.
pub struct PersonRow<'a>(pub &'a HouseholdCtx<'a>, pub usize);

impl Row for PersonRow<'_> {
    const ENTITY: &'static str = person::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use person as x;
        let (c, i) = (self.0, self.1);
        let p = &c.h.members[i];
        let (name, kana) = c.text.name(i);
        let alias = p
            .edge_name
            .and_then(|e| c.model.edge_names().names.get(usize::from(e)))
            .and_then(|e| e.alias.as_deref());
        let mut row = x::Cells::new();
        row.str(x::LGCODE, &c.m.municipality.lgcode)
            .str(x::ADDRESS_NUMBER, c.id_text.address_number(i))
            .str(x::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .opt_str(x::MYNUMBER, p.has_my_number.then(|| c.id_text.my_number(i)))
            .str(x::NAME, name)
            .str(x::NAME_KANA, kana)
            .opt_str(x::ALIAS_NAME, alias)
            .date(x::BIRTH_DATE, p.birth)
            .str(x::SEX, p.sex.code())
            .str(x::RELATIONSHIP, p.relationship)
            .str(x::RESIDENT_KIND, resident_kind(p.foreign).code())
            .str(x::RESIDENT_STATUS, ResidentStatus::C1.code())
            .date(x::RESIDENT_SINCE, p.resident_since)
            .bool(x::SUPPORT_MEASURE, p.support_measure);
        row.write(out);
    }
}

/// The `qualification` row of insured member `i`.
pub struct QualificationRow<'a>(pub &'a HouseholdCtx<'a>, pub usize);

impl Row for QualificationRow<'_> {
    const ENTITY: &'static str = qualification::ENTITY;
    fn write<W: RowWriter + ?Sized>(&self, out: &mut W) {
        use qualification as q;
        let (c, i) = (self.0, self.1);
        let p = &c.h.members[i];
        let (name, kana) = c.text.name(i);
        let mut row = q::Cells::new();
        row.str(q::LGCODE, &c.m.municipality.lgcode)
            .str(q::ADDRESS_NUMBER, c.id_text.address_number(i))
            .int(q::QUALIFICATION_SEQ, 1)
            .str(q::INSURER_NUMBER, &c.m.insurer_number_text)
            .str(q::HOUSEHOLD_NUMBER, c.id_text.household_number())
            .opt_str(q::INSURED_SYMBOL, c.symbol())
            .str(q::INSURED_NUMBER, c.id_text.insured_number())
            .str(q::EDABAN, c.id_text.edaban(i))
            .opt_str(q::MYNUMBER, p.has_my_number.then(|| c.id_text.my_number(i)))
            .str(q::NAME, name)
            .str(q::NAME_KANA, kana)
            .date(q::BIRTH_DATE, p.birth)
            .str(q::SEX, p.sex.code())
            .str(q::INSURED_CLASS, InsuredClass::C1.code())
            .str(
                q::HEAD_FAMILY_CLASS,
                if i == 0 {
                    HeadFamilyClass::C1
                } else {
                    HeadFamilyClass::C2
                }
                .code(),
            )
            .str(q::CARD_CLASS, CardClass::C01.code())
            .date(q::ACQUISITION_DATE, p.acquired)
            .str(q::ACQUISITION_REASON, p.acquisition_reason)
            .date(q::ACQUISITION_NOTIFIED_DATE, p.notified)
            .bool(q::JUSHOCHI_TOKUREI, false);
        row.write(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_zero_padded_and_full_width() {
        let mut s = String::new();
        push_digits(&mut s, 42, 5);
        push_digits(&mut s, 1_234_567, 3);
        assert_eq!(s, "00042567");
        let mut w = String::new();
        push_fullwidth(&mut w, 0);
        push_fullwidth(&mut w, 1905);
        assert_eq!(w, "０１９０５");
    }
}
