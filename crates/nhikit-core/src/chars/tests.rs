use super::*;

fn outside(class: CharClass, text: &str) -> (usize, char) {
    match class.check(text) {
        Err(CharError::Outside {
            position, found, ..
        }) => (position, found),
        other => panic!("{class} accepted {text:?}: {other:?}"),
    }
}

#[test]
fn class_names_round_trip() {
    for class in CharClass::ALL {
        assert_eq!(class.name().parse::<CharClass>().unwrap(), class);
        assert_eq!(class.to_string(), class.name());
    }
    let err = "kanji".parse::<CharClass>().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("unknown character class \"kanji\"")
    );
    assert_eq!(
        serde_json::from_str::<CharClass>("\"halfwidth_katakana\"").unwrap(),
        CharClass::HalfwidthKatakana
    );
}

#[test]
fn error_names_position_and_code_point() {
    assert_eq!(
        CharClass::Jis0208.check("山田𠮷").unwrap_err().to_string(),
        "character 3 '𠮷' (U+20BB7) is outside JIS X 0208"
    );
    assert_eq!(
        CharClass::Digits.check("12a").unwrap_err().to_string(),
        "character 3 'a' (U+0061) is not an ASCII digit"
    );
}

#[test]
fn ascii_classes() {
    assert!(CharClass::Digits.check("0123456789").is_ok());
    assert_eq!(outside(CharClass::Digits, "12３"), (3, '３'));
    assert!(CharClass::Alnum.check("AZaz09").is_ok());
    assert_eq!(outside(CharClass::Alnum, "ab c"), (3, ' '));
    assert!(CharClass::Ascii.check(" ~AZ!").is_ok());
    assert_eq!(outside(CharClass::Ascii, "a\tb"), (2, '\t'));
    assert_eq!(outside(CharClass::Ascii, "aé"), (2, 'é'));
    assert!(CharClass::Any.check("𠮷\u{E0100}\t").is_ok());
    // The empty string breaks no class; lengths are the schema's business.
    assert!(CharClass::Digits.check("").is_ok());
}

#[test]
fn fullwidth_class() {
    assert!(CharClass::Fullwidth.check("山田　太郎１２３ＡＢ￥").is_ok());
    assert_eq!(outside(CharClass::Fullwidth, "山田 太郎"), (3, ' '));
    assert_eq!(outside(CharClass::Fullwidth, "ﾔﾏﾀﾞ"), (1, 'ﾔ'));
    assert_eq!(outside(CharClass::Fullwidth, "山1"), (2, '1'));
    // U+FFE8 HALFWIDTH FORMS LIGHT VERTICAL is a half-width form.
    assert_eq!(outside(CharClass::Fullwidth, "山\u{FFE8}"), (2, '\u{FFE8}'));
}

#[test]
fn katakana_classes() {
    assert!(CharClass::Katakana.check("ヤマダ　タロウ").is_ok());
    assert!(CharClass::Katakana.check("ヴァージニア・ヶ").is_ok());
    assert_eq!(outside(CharClass::Katakana, "ヤマダ タロウ"), (4, ' '));
    assert_eq!(outside(CharClass::Katakana, "やまだ"), (1, 'や'));
    assert_eq!(outside(CharClass::Katakana, "ﾔﾏﾀﾞ"), (1, 'ﾔ'));
    assert!(CharClass::HalfwidthKatakana.check("ﾔﾏﾀﾞ ﾀﾛｳ").is_ok());
    assert!(CharClass::HalfwidthKatakana.check("｡ﾟ").is_ok());
    assert_eq!(
        outside(CharClass::HalfwidthKatakana, "ﾔﾏﾀﾞ　"),
        (5, '\u{3000}')
    );
    assert_eq!(outside(CharClass::HalfwidthKatakana, "ヤ"), (1, 'ヤ'));
}

// Code positions of JIS X 0208:1997 (the standard's code table): 亜 16-01 (first 第1水準
// kanji), 腕 47-51 (last 第1水準), 弌 48-01 (first 第2水準), 熙 84-06 (last character);
// ぁ 4-01, ヶ 5-86, Α 6-01, я 7-81, ＼ 1-32, 〒 2-09, ─ 8-01. ① and ㈱ are NEC special
// characters (row 13 of CP932), not JIS X 0208.
#[test]
fn jis0208_members() {
    assert!(
        CharClass::Jis0208
            .check("亜腕弌熙ぁヶΑя＼〒─　山田太郎")
            .is_ok()
    );
    for c in [
        'A', '1', ' ', 'ｱ', '①', '㈱', '髙', '﨑', '德', '𠮷', '𠮟', '彅', '𩸽',
    ] {
        assert!(
            !CharClass::Jis0208.contains(c),
            "{c} should be outside JIS X 0208"
        );
    }
    // 1-1-33 under both mappings (JIS0208.TXT U+301C, CP932 U+FF5E), likewise 1-1-61.
    assert!(CharClass::Jis0208.check("〜～−－‖∥¢￠£￡¬￢").is_ok());
    assert_eq!(jis_tables::JIS0208_CP932_ALIASES.len(), 6);
}

// JIS X 0213:2004 positions (x0213.org mapping table): 﨑 1-47-82, 德 1-84-37, 𠮟 1-47-52,
// 𩸽 2-93-44; ① 1-13-01 and ㈱ 1-13-74 (0213 adopted the NEC row-13 characters). 髙 U+9AD9
// and 𠮷 U+20BB7 are in neither 0208 nor 0213 (they are 外字 in both; MJ has them).
#[test]
fn jis0213_members_and_the_named_examples() {
    assert!(CharClass::Jis0213.check("亜熙﨑德𠮟𩸽①㈱彅〜～").is_ok());
    assert_eq!(outside(CharClass::Jis0213, "髙橋"), (1, '髙'));
    assert_eq!(outside(CharClass::Jis0213, "𠮷野"), (1, '𠮷'));
    assert!(!CharClass::Jis0213.contains('A'));
    assert!(!CharClass::Jis0213.contains('ｱ'));
    assert_eq!(
        CharClass::Jis0213.check("髙").unwrap_err().to_string(),
        "character 1 '髙' (U+9AD9) is outside JIS X 0213"
    );
}

// JIS X 0213 1-4-87 is か + U+309A (x0213.org mapping: 0x2477 → U+304B+309A).
#[test]
fn jis0213_combining_sequences() {
    assert!(CharClass::Jis0213.check("か\u{309A}").is_ok());
    assert!(CharClass::Jis0213.check("セ\u{309A}ト\u{309A}").is_ok());
    assert_eq!(outside(CharClass::Jis0213, "\u{309A}"), (1, '\u{309A}'));
    assert_eq!(outside(CharClass::Jis0213, "あ\u{309A}"), (2, '\u{309A}'));
    assert_eq!(outside(CharClass::Jis0208, "か\u{309A}"), (2, '\u{309A}'));
    assert_eq!(jis_tables::JIS0213_SEQUENCES.len(), 25);
}

#[test]
fn tables_are_sorted_disjoint_and_sized() {
    for table in [jis_tables::JIS0208, jis_tables::JIS0213] {
        for pair in table.windows(2) {
            assert!(pair[0].0 <= pair[0].1);
            // Disjoint and not adjacent (adjacent ranges would have been merged).
            assert!(pair[0].1 + 1 < pair[1].0, "{pair:?}");
        }
    }
    let size = |t: &[(u32, u32)]| t.iter().map(|&(a, b)| (b - a + 1) as usize).sum::<usize>();
    // JIS X 0208:1997 has 6,879 graphic characters (524 non-kanji + 2,965 + 3,390 kanji).
    assert_eq!(size(jis_tables::JIS0208), 6879);
    assert_eq!(jis_tables::JIS0208_POSITIONS, 6879);
    // JIS X 0213:2004 has 11,233 characters (8,797 in plane 1, 2,436 in plane 2).
    assert_eq!(jis_tables::JIS0213_POSITIONS, 11_233);
    // Every JIS X 0208 character (either mapping) is in the JIS X 0213 table.
    for &(a, b) in jis_tables::JIS0208 {
        for cp in a..=b {
            assert!(in_ranges(jis_tables::JIS0213, cp), "U+{cp:04X}");
        }
    }
    for &(alias, ..) in jis_tables::JIS0208_CP932_ALIASES {
        assert!(in_ranges(jis_tables::JIS0213, alias), "U+{alias:04X}");
    }
    // The 0213 table holds the single code points of 11,233 − 25 positions; CP932 aliases
    // and 0208/0213 mapping differences add a few, so it is a little larger.
    assert!((11_208..11_240).contains(&size(jis_tables::JIS0213)));
}

#[test]
fn surrogate_pairs_and_variation_selectors() {
    assert!(has_surrogate_pair_chars("𠮷野家"));
    assert!(has_surrogate_pair_chars("ほっけ𩸽"));
    assert!(!has_surrogate_pair_chars("吉野家﨑髙"));
    assert!(has_ivs("葛\u{E0100}城"));
    assert!(has_ivs("葛\u{E01EF}"));
    assert!(has_ivs("☺\u{FE0F}"));
    assert!(!has_ivs("葛城"));
    assert!(!has_ivs("\u{E01F0}"));
    // A variation selector is outside the JIS classes.
    assert_eq!(outside(CharClass::Jis0213, "葛\u{E0100}"), (2, '\u{E0100}'));
}

#[test]
fn halfwidth_katakana_predicate() {
    assert!(is_halfwidth_katakana('｡'));
    assert!(is_halfwidth_katakana('ｱ'));
    assert!(is_halfwidth_katakana('ﾟ'));
    assert!(!is_halfwidth_katakana('ア'));
    assert!(!is_halfwidth_katakana('\u{FFA0}'));
    assert!(!is_halfwidth_katakana(' '));
}

// Expected strings are the Unicode NFKC normalisation of the input (computed with Python's
// unicodedata, an independent implementation of the Unicode Character Database).
#[test]
fn to_fullwidth_matches_nfkc() {
    assert_eq!(
        to_fullwidth_katakana("｡｢｣､･ｦｧｨｩｪｫｬｭｮｯｰｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜﾝ"),
        "。「」、・ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
    );
    assert_eq!(
        to_fullwidth_katakana("ｶﾞｷﾞｸﾞｹﾞｺﾞｻﾞｼﾞｽﾞｾﾞｿﾞﾀﾞﾁﾞﾂﾞﾃﾞﾄﾞﾊﾞﾋﾞﾌﾞﾍﾞﾎﾞﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟｳﾞﾜﾞｦﾞ"),
        "ガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポヴヷヺ"
    );
}

// Where NFKC would give a combining mark (U+3099/U+309A), we give the spacing marks of
// JIS X 0208 1-1-11 ゛ (U+309B) and 1-1-12 ゜ (U+309C), as JIS X 0201 → JIS X 0208
// conversion does.
#[test]
fn to_fullwidth_uncomposable_marks_and_other_text() {
    assert_eq!(to_fullwidth_katakana("ｱﾞﾟ"), "ア゛゜");
    assert_eq!(to_fullwidth_katakana("ﾊﾟﾟ"), "パ゜");
    assert_eq!(to_fullwidth_katakana("ﾔﾏﾀﾞ ﾀﾛｳ"), "ヤマダ タロウ");
    assert_eq!(to_fullwidth_katakana("山田ABC"), "山田ABC");
    assert_eq!(to_fullwidth_katakana(""), "");
}

// ヷ U+30F7 and ヺ U+30FA are JIS X 0213 1-7-82 and 1-7-85 (x0213.org mapping), not JIS X 0208.
#[test]
fn composed_wa_and_wo_need_jis0213() {
    let out = to_fullwidth_katakana("ﾜﾞｦﾞ");
    assert_eq!(outside(CharClass::Jis0208, &out), (1, 'ヷ'));
    assert!(CharClass::Jis0213.check(&out).is_ok());
    assert!(CharClass::Katakana.check(&out).is_ok());
}

#[test]
fn name_class_takes_the_characters_of_real_names_that_jis0213_lacks() {
    let name = CharClass::Name;
    // 髙橋 (髙 is outside JIS X 0213), 𠮷田 (non-BMP), 葛󠄀飾 (葛 + IVS U+E0100), 﨑.
    for ok in [
        "髙橋",
        "𠮷田",
        "葛\u{E0100}飾",
        "山﨑",
        "佐藤　花子",
        "ヴァン・ダイク",
    ] {
        assert!(name.check(ok).is_ok(), "{ok}");
        assert!(CharClass::Jis0213.check(ok).is_ok() || ok != "佐藤　花子");
    }
    assert!(CharClass::Jis0213.check("髙橋").is_err());
    // A variation selector that follows no ideograph, half-width katakana and ASCII control
    // characters are not name characters.
    for bad in ["\u{E0100}", "ｻﾄｳ", "佐藤\t花子"] {
        assert!(name.check(bad).is_err(), "{bad:?}");
    }
}
