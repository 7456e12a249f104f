//! Character classes and conversions on arbitrary text.

use nhikit_core::chars::{CharClass, is_halfwidth_katakana, to_fullwidth_katakana};
use proptest::prelude::*;

proptest! {
    // `check` agrees with `contains` character by character (outside the jis0213
    // combining-sequence rule) and reports the first offender.
    #[test]
    fn check_reports_the_first_offender(text in "\\PC{0,12}") {
        for class in CharClass::ALL.into_iter().filter(|c| *c != CharClass::Jis0213) {
            let first_bad = text.chars().position(|c| !class.contains(c));
            match class.check(&text) {
                Ok(()) => prop_assert_eq!(first_bad, None),
                Err(nhikit_core::CharError::Outside { position, .. }) => {
                    prop_assert_eq!(Some(position - 1), first_bad);
                }
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }

    // Converted half-width katakana leaves no half-width katakana behind, is never longer
    // in characters, and lies in JIS X 0213 (not always JIS X 0208: ﾜﾞ becomes ヷ U+30F7,
    // which JIS X 0208 lacks; JIS X 0213 has it at 1-7-82).
    #[test]
    fn fullwidth_conversion_removes_halfwidth(text in "[\u{FF61}-\u{FF9F}a 山]{0,20}") {
        let out = to_fullwidth_katakana(&text);
        prop_assert!(!out.chars().any(is_halfwidth_katakana));
        prop_assert!(out.chars().count() <= text.chars().count());
        prop_assert!(CharClass::Jis0213.check(&to_fullwidth_katakana(&text.replace(['a', ' '], ""))).is_ok());
    }
}
