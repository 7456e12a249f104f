//! Seeded faults: realistic defects the reference can be switched into, so that the
//! conformance suite's power to catch them can be measured. Each is documented in
//! `docs/target-interface.md` with how it is implemented.

use std::fmt;
use std::str::FromStr;

/// A seeded defect of the reference target. Names are kebab-case (`round-household-total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Fault {
    /// The household total is rounded once (100円未満切捨て of the sum of the unrounded parts)
    /// instead of each part being rounded on its own.
    RoundHouseholdTotal,
    /// The 擬制世帯主's income is left out of the 軽減判定所得.
    IgnoreFictiveHeadIncome,
    /// NHI is taken to end the day after the 75th birthday instead of on it (ratios on the
    /// birthday, and 月割 of members born on the 1st).
    SeventyFiveOffByOne,
    /// 月割 counts the month of loss (it must not).
    ProrateLossMonth,
    /// The 未就学児 ½ of the 均等割 is taken from the full amount alongside the 軽減, instead of
    /// halving what remains after the 軽減.
    PreschoolBeforeReduction,
    /// The 賦課限度額 is applied to the household total (the sum of the parts' caps) instead of
    /// to each part.
    CapOnTotal,
    /// 氏名カナ is stored truncated to 20 characters (an old fixed-width column).
    KanaTruncate20,
    /// Characters outside the BMP (e.g. 𠮷 U+20BB7) are stored as 〓 (a legacy 外字 table).
    SurrogateToGeta,
    /// Import accepts identifiers with a bad check digit (個人番号, 保険者番号, 地方公共団体コード …).
    AcceptBadCheckDigit,
    /// Import commits file by file: a bad record rejects its file but the files before it stay.
    NonAtomicImport,
    /// Export swaps the 氏名 and 氏名カナ columns of the person layout (header and data).
    ExportReorderColumns,
    /// Lookups ignore the as-of date: the latest qualification is returned whatever the date.
    LookupIgnoresAsOf,
    /// Import accepts overlapping qualifications of one person.
    AcceptOverlappingQualifications,
    /// Events dated after the person's death are accepted (import and `register_event`).
    AcceptEventsAfterDeath,
    /// 高齢受給者 (2割) starts in the month of the 70th birthday instead of the month after.
    KoureiFromBirthdayMonth,
}

impl Fault {
    /// Every fault, in declaration order.
    pub const ALL: [Fault; 15] = [
        Fault::RoundHouseholdTotal,
        Fault::IgnoreFictiveHeadIncome,
        Fault::SeventyFiveOffByOne,
        Fault::ProrateLossMonth,
        Fault::PreschoolBeforeReduction,
        Fault::CapOnTotal,
        Fault::KanaTruncate20,
        Fault::SurrogateToGeta,
        Fault::AcceptBadCheckDigit,
        Fault::NonAtomicImport,
        Fault::ExportReorderColumns,
        Fault::LookupIgnoresAsOf,
        Fault::AcceptOverlappingQualifications,
        Fault::AcceptEventsAfterDeath,
        Fault::KoureiFromBirthdayMonth,
    ];

    /// The kebab-case name used by `--fault`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::RoundHouseholdTotal => "round-household-total",
            Fault::IgnoreFictiveHeadIncome => "ignore-fictive-head-income",
            Fault::SeventyFiveOffByOne => "seventy-five-off-by-one",
            Fault::ProrateLossMonth => "prorate-loss-month",
            Fault::PreschoolBeforeReduction => "preschool-before-reduction",
            Fault::CapOnTotal => "cap-on-total",
            Fault::KanaTruncate20 => "kana-truncate-20",
            Fault::SurrogateToGeta => "surrogate-to-geta",
            Fault::AcceptBadCheckDigit => "accept-bad-check-digit",
            Fault::NonAtomicImport => "non-atomic-import",
            Fault::ExportReorderColumns => "export-reorder-columns",
            Fault::LookupIgnoresAsOf => "lookup-ignores-as-of",
            Fault::AcceptOverlappingQualifications => "accept-overlapping-qualifications",
            Fault::AcceptEventsAfterDeath => "accept-events-after-death",
            Fault::KoureiFromBirthdayMonth => "kourei-from-birthday-month",
        }
    }
}

impl Fault {
    /// What the fault breaks, in one line (`nhikit serve --list-faults`; the "defect" column
    /// of the fault table in docs/target-interface.md).
    pub fn defect(self) -> &'static str {
        match self {
            Fault::RoundHouseholdTotal => "the household total rounded once instead of each part",
            Fault::IgnoreFictiveHeadIncome => "the 擬制世帯主's income left out of the 軽減判定",
            Fault::SeventyFiveOffByOne => "NHI taken to end the day after the 75th birthday",
            Fault::ProrateLossMonth => "月割 counts the month of loss",
            Fault::PreschoolBeforeReduction => {
                "未就学児 ½ and 軽減 both taken from the full 均等割"
            }
            Fault::CapOnTotal => "the 賦課限度額 applied to the total instead of per part",
            Fault::KanaTruncate20 => "氏名カナ stored in 20 characters",
            Fault::SurrogateToGeta => "characters outside the BMP stored as 〓",
            Fault::AcceptBadCheckDigit => "check digits not verified",
            Fault::NonAtomicImport => "import keeps what came before the first bad record",
            Fault::ExportReorderColumns => "氏名 and 氏名カナ swapped in `person_csv`",
            Fault::LookupIgnoresAsOf => "lookups return the latest qualification whatever the date",
            Fault::AcceptOverlappingQualifications => "overlapping qualifications accepted",
            Fault::AcceptEventsAfterDeath => "events after death accepted",
            Fault::KoureiFromBirthdayMonth => "高齢受給者 2割 from the month of the 70th birthday",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Fault, crate::Error> {
        Fault::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| crate::Error::UnknownFault {
                name: s.to_owned(),
                known: Fault::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique_kebab_case() {
        let mut names = std::collections::BTreeSet::new();
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().ok(), Some(f));
            assert!(
                f.name()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            assert!(names.insert(f.name()));
        }
        assert!(Fault::ALL.len() >= 12);
        assert!("no-such-fault".parse::<Fault>().is_err());
    }
}
