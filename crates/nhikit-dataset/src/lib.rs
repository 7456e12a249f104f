//! Checks a generated dataset directory against `schemas/` and the rules a real NHI
//! population keeps: every record valid, every reference resolvable, every household
//! consistent. `nhikit validate DIR` prints what this finds.
//!
//! Rules (each violation names the file, the row, the item and the rule):
//! - `manifest`: every file listed is present with its size and SHA-256, nothing extra;
//! - `read`: every data file parses in its format;
//! - `schema`: each record against its entity (types, lengths, character classes, codes,
//!   check digits, bounds, required items), primary keys unique;
//! - `reference`: every person's household, every household's 世帯主, every qualification's
//!   person, every insurer number exists;
//! - `household`: exactly one 世帯主 (続柄 01) among the household's residents (former
//!   members, 住民状態 転出者 or 死亡者, keep their last 続柄; all members when none lives there
//!   any more), and it is the household's head;
//! - `reading`: a name's reading matches a dictionary reading of its kanji (surname and given
//!   name);
//! - `parent_age`: parents (世帯主 and spouse) at least 15 years older than the children;
//! - `dates`: the date orders `schemas/` declares (`[[entity.order]]`: birth ≤ 資格取得日,
//!   届出日 ≥ 資格取得日, birth ≤ 死亡年月日 and 住民となった年月日, 国保世帯資格取得 ≤ 喪失; some
//!   declare another rule name: `history_loss`, `history_notice`), 資格取得日 ≤ 基準日, no one
//!   insured on or after the 75th birthday;
//! - `income`: each 所得 within its 収入, 総所得金額等 the sum of the 所得 items, 0 for 未申告;
//! - `assessment`: 年税額 the sum of the parts, no part above its levies, no 法定軽減 for a
//!   household with a 未申告 member; the household, 納税義務者 and insurer exist;
//! - `perinatal`: the 産前産後 exempt months match the expected birth month (4 from the month
//!   before, 6 from 3 months before for 多胎, from 2024-01), the 届出 not more than 6 months
//!   before it; the household and person exist;
//! - `payment`: a receipt has an amount, a date and a method (an unpaid row none), none above
//!   its installment or after the reference date; `payment_total`: an assessment's
//!   installments add up to its 年税額 and no more is received;
//! - `edge_case`: a known tag and scope; the household and person exist
//!   (`reference` for incomes, assessments, edge cases, events and benefits too);
//! - benefits (`nhikit gen --with benefit`), each rule named after its entity:
//!   `benefit_childbirth` (出産育児一時金 = the amount per child for the birth date and
//!   産科医療補償制度 × 出産児数), `benefit_funeral` (葬祭 not before the death; with histories, the
//!   person's 死亡日 is the claim's), `benefit_high_cost` (支給額 = max(0, 一部負担金 −
//!   自己負担限度額), 一部負担金 ≤ 医療費, a 所得区分, the service month on its first day); for
//!   all three the event (birth, funeral, service month) ≤ 申請 ≤ 決定 ≤ 支給 ≤ the reference
//!   date, and no 支給 without a 決定;
//! - histories (datasets with `qualification_event`, `nhikit gen --with event`), per person:
//!   `history_order` (events numbered in date order), `history_death` (nothing after death),
//!   `history_overlap` (periods do not overlap; re-acquisition only after a loss),
//!   `history_loss` (no loss before acquisition), `history_snapshot` (acquisition and loss
//!   events equal the `qualification` rows, every acquisition or loss inside the window has
//!   its event, so the snapshot's 資格取得日 and 事由 are those of the last acquisition),
//!   `history_notice` (no 届出日 before the 異動日).

mod check;

pub use check::{Report, Violation, validate};

/// Why a dataset could not be checked at all (as opposed to the violations it has).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The manifest or a data file could not be read.
    #[error(transparent)]
    Io(#[from] nhikit_io::Error),
    /// The dataset holds no readable format.
    #[error("{0}")]
    Dataset(String),
    /// The generator's reference data are broken (a build problem).
    #[error(transparent)]
    Reference(#[from] nhikit_synth::Error),
}
