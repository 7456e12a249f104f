//! Public reference data the model draws from, parsed from the CSV files in
//! `schemas/reference/` (embedded at compile time, so the generator needs no files at run time).

use crate::Error;

/// One municipality (市区町村) that is a municipal NHI insurer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    /// 全国地方公共団体コード, 6 digits.
    pub lgcode: String,
    /// 都道府県コード 1–47.
    pub prefecture_code: u8,
    /// 都道府県名.
    pub prefecture: String,
    /// 市区町村名.
    pub name: String,
    /// Reading in full-width katakana (may be empty).
    pub name_kana: String,
    /// Population weight (resident population where known, else 1).
    pub weight: u64,
    /// Position in the full reference list: fixes identifier ranges forever.
    pub ordinal: u32,
    /// Serial number among the insurers of its prefecture, from 1, in code order: the
    /// 保険者別番号 of the derived 保険者番号.
    pub insurer_serial: u16,
}

/// A surname or given name with its reading and weight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// Kanji.
    pub kanji: String,
    /// Full-width katakana reading.
    pub reading: String,
    /// Relative frequency.
    pub weight: u64,
}

/// A 町域 with its postal code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Town {
    /// 7-digit postal code.
    pub postal_code: String,
    /// 町域名, after the ward name in a designated city (`中央区北一条西`).
    pub name: String,
    /// Whether addresses in it have a 丁目.
    pub has_chome: bool,
}

/// One row of a [`Table`]: the byte range of each cell in the table's text buffer.
pub(crate) type Cells = [(u32, u32)];

/// The columns of a CSV file by header name.
///
/// Cells are kept in one text buffer with a range per cell, not a `String` each: the 5.8 MB
/// of `postal_towns.csv` are parsed at every start of `nhikit gen`, and per-cell allocation
/// made that most of the start-up time.
pub(crate) struct Table {
    source: String,
    header: Vec<String>,
    /// The text of every cell after the header, concatenated.
    text: String,
    /// The range of each cell in `text`, row after row.
    cells: Vec<(u32, u32)>,
    /// Each row's first index in `cells` and cell count.
    rows: Vec<(u32, u32)>,
}

impl Table {
    pub(crate) fn parse(source: &str, text: &str) -> Result<Table, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let too_big = |line: usize| Error::Reference {
            source_name: source.to_owned(),
            line,
            reason: "the file is too large (4 GiB at most)".into(),
        };
        let mut header: Option<Vec<String>> = None;
        let mut buf = String::with_capacity(text.len());
        let mut cells = Vec::new();
        let mut rows = Vec::new();
        let mut record = csv::StringRecord::new();
        let mut i = 0;
        loop {
            let more = reader
                .read_record(&mut record)
                .map_err(|e| Error::Reference {
                    source_name: source.to_owned(),
                    line: e.position().map_or(i + 1, |p| p.line() as usize),
                    reason: e.to_string(),
                })?;
            if !more {
                break;
            }
            i += 1;
            if header.is_none() {
                header = Some(record.iter().map(str::to_owned).collect());
                continue;
            }
            let first = u32::try_from(cells.len()).map_err(|_| too_big(i))?;
            for field in record.iter() {
                let a = u32::try_from(buf.len()).map_err(|_| too_big(i))?;
                buf.push_str(field);
                let b = u32::try_from(buf.len()).map_err(|_| too_big(i))?;
                cells.push((a, b));
            }
            rows.push((first, record.len() as u32));
        }
        let Some(header) = header else {
            return Err(Error::Reference {
                source_name: source.to_owned(),
                line: 1,
                reason: "empty file: a header line is required".into(),
            });
        };
        Ok(Table {
            source: source.to_owned(),
            header,
            text: buf,
            cells,
            rows,
        })
    }

    /// Cell `col` of `row`, if the row has it.
    pub(crate) fn cell(&self, row: &Cells, col: usize) -> Option<&str> {
        row.get(col)
            .and_then(|&(a, b)| self.text.get(a as usize..b as usize))
    }

    pub(crate) fn column(&self, name: &str) -> Result<usize, Error> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| Error::Reference {
                source_name: self.source.clone(),
                line: 1,
                reason: format!("no column `{name}` in the header"),
            })
    }

    /// Rows with their 1-based line numbers (header is line 1).
    pub(crate) fn rows(&self) -> impl Iterator<Item = (usize, &Cells)> {
        self.rows.iter().enumerate().map(|(i, &(first, n))| {
            let first = first as usize;
            (i + 2, &self.cells[first..first + n as usize])
        })
    }

    pub(crate) fn get(&self, row: &Cells, col: usize, line: usize) -> Result<&str, Error> {
        self.cell(row, col).ok_or_else(|| Error::Reference {
            source_name: self.source.clone(),
            line,
            reason: format!("missing column {} (`{}`)", col + 1, self.header[col]),
        })
    }

    /// A non-negative decimal (`12`, `10.5`, `0.125`) in thousandths, parsed exactly.
    pub(crate) fn milli(&self, row: &Cells, col: usize, line: usize) -> Result<u64, Error> {
        let v = self.get(row, col, line)?;
        let bad = || Error::Reference {
            source_name: self.source.clone(),
            line,
            reason: format!(
                "`{}` is {v:?}, not a non-negative decimal",
                self.header[col]
            ),
        };
        let (int, frac) = v.split_once('.').unwrap_or((v, ""));
        if int.is_empty()
            || frac.len() > 3
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let int: u64 = int.parse().map_err(|_| bad())?;
        let frac: u64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
        int.checked_mul(1000)
            .and_then(|i| i.checked_add(frac))
            .ok_or_else(bad)
    }

    pub(crate) fn number(&self, row: &Cells, col: usize, line: usize) -> Result<u64, Error> {
        let v = self.get(row, col, line)?;
        v.parse().map_err(|_| Error::Reference {
            source_name: self.source.clone(),
            line,
            reason: format!("`{}` is {v:?}, not a whole number", self.header[col]),
        })
    }
}

/// Given names of one sex, with their weights per birth decade.
#[derive(Debug, Clone, Default)]
pub struct GivenNames {
    /// The names.
    pub names: Vec<Name>,
    /// For each decade index (see [`decade_index`]), the weight of each name.
    pub weights_by_decade: Vec<Vec<u64>>,
}

/// Decades 1900s..2020s map to 0..=12.
pub const DECADES: usize = 13;

/// The decade index of a birth year: 1900–1909 → 0, …, 2020–2029 → 12 (clamped).
pub fn decade_index(year: i32) -> usize {
    ((year.clamp(1900, 2029) - 1900) / 10) as usize
}

/// All reference data of the model.
#[derive(Debug, Clone)]
pub struct Reference {
    /// Municipal NHI insurers in code order.
    pub municipalities: Vec<Municipality>,
    /// Surnames.
    pub surnames: Vec<Name>,
    /// Given names for 男 (index 0) and 女 (index 1).
    pub given: [GivenNames; 2],
    /// 町域 per municipality (index into `municipalities`); may be empty.
    pub towns: Vec<Vec<Town>>,
}

/// The texts of the reference files.
#[derive(Debug, Clone, Copy)]
pub struct ReferenceTexts<'a> {
    /// `municipalities.csv`.
    pub municipalities: &'a str,
    /// `municipal_population.csv`, if present.
    pub population: Option<&'a str>,
    /// `surnames.csv`.
    pub surnames: &'a str,
    /// `given_names.csv`.
    pub given_names: &'a str,
    /// `postal_towns.csv`, if present.
    pub towns: Option<&'a str>,
}

impl Reference {
    /// The reference data shipped in `schemas/reference/`, embedded at compile time.
    pub fn embedded() -> Result<Reference, Error> {
        Reference::from_texts(ReferenceTexts {
            municipalities: include_str!("../../../schemas/reference/municipalities.csv"),
            population: Some(include_str!(
                "../../../schemas/reference/municipal_population.csv"
            )),
            surnames: include_str!("../../../schemas/reference/surnames.csv"),
            given_names: include_str!("../../../schemas/reference/given_names.csv"),
            towns: Some(include_str!("../../../schemas/reference/postal_towns.csv")),
        })
    }

    /// [`Reference::embedded`], parsed once per process and shared: for callers that
    /// regenerate datasets repeatedly (`verify`, `scan`, the fuzz targets), where parsing the
    /// 5.8 MB of reference text each time would cost more than the work itself.
    pub fn shared() -> Result<&'static Reference, Error> {
        static SHARED: std::sync::OnceLock<Result<Reference, Error>> = std::sync::OnceLock::new();
        SHARED
            .get_or_init(Reference::embedded)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses the reference files; every error names the file and line.
    pub fn from_texts(t: ReferenceTexts<'_>) -> Result<Reference, Error> {
        // `postal_towns.csv` is most of the text: parse it on a second thread meanwhile.
        std::thread::scope(|scope| {
            let towns = t
                .towns
                .map(|text| scope.spawn(move || Table::parse("postal_towns.csv", text)));
            let towns = move || -> Result<Option<Table>, Error> {
                match towns {
                    None => Ok(None),
                    Some(handle) => match handle.join() {
                        Ok(table) => table.map(Some),
                        Err(panic) => std::panic::resume_unwind(panic),
                    },
                }
            };
            Reference::from_parts(t, towns)
        })
    }

    /// [`Reference::from_texts`] with the town table parsed by `towns`.
    fn from_parts(
        t: ReferenceTexts<'_>,
        towns_table: impl FnOnce() -> Result<Option<Table>, Error>,
    ) -> Result<Reference, Error> {
        let mut municipalities = Vec::new();
        let table = Table::parse("municipalities.csv", t.municipalities)?;
        let (c_code, c_pref_code, c_pref, c_name, c_kana, c_insurer) = (
            table.column("lgcode")?,
            table.column("prefecture_code")?,
            table.column("prefecture")?,
            table.column("name")?,
            table.column("name_kana")?,
            table.column("nhi_insurer")?,
        );
        let mut serial_in_pref = [0u16; 48];
        // Wards (行政区) of designated cities: their code → (city code, ward name).
        let mut wards: std::collections::HashMap<String, (String, String)> = Default::default();
        let (c_kind, c_parent) = (table.column("kind")?, table.column("parent_lgcode")?);
        for (ordinal, (line, row)) in table.rows().enumerate() {
            if table.get(row, c_kind, line)? == "ward" {
                wards.insert(
                    table.get(row, c_code, line)?.to_owned(),
                    (
                        table.get(row, c_parent, line)?.to_owned(),
                        table.get(row, c_name, line)?.to_owned(),
                    ),
                );
            }
            if table.get(row, c_insurer, line)? != "1" {
                continue;
            }
            let lgcode = table.get(row, c_code, line)?.to_owned();
            if let Err(e) = lgcode.parse::<nhikit_core::id::LgCode>() {
                return Err(Error::Reference {
                    source_name: "municipalities.csv".into(),
                    line,
                    reason: e.to_string(),
                });
            }
            let prefecture_code = table.number(row, c_pref_code, line)?;
            let prefecture_code = u8::try_from(prefecture_code)
                .ok()
                .filter(|p| (1..=47).contains(p))
                .ok_or_else(|| Error::Reference {
                    source_name: "municipalities.csv".into(),
                    line,
                    reason: format!("prefecture_code {prefecture_code} is not 1–47"),
                })?;
            serial_in_pref[prefecture_code as usize] += 1;
            municipalities.push(Municipality {
                lgcode,
                prefecture_code,
                prefecture: table.get(row, c_pref, line)?.to_owned(),
                name: table.get(row, c_name, line)?.to_owned(),
                name_kana: table.get(row, c_kana, line)?.to_owned(),
                weight: 1,
                ordinal: ordinal as u32,
                insurer_serial: serial_in_pref[prefecture_code as usize],
            });
        }
        if let Some(text) = t.population {
            let table = Table::parse("municipal_population.csv", text)?;
            let (c_code, c_pop) = (table.column("lgcode")?, table.column("population")?);
            let mut index: std::collections::HashMap<String, usize> = Default::default();
            for (i, m) in municipalities.iter().enumerate() {
                index.entry(m.lgcode.clone()).or_insert(i);
            }
            for (line, row) in table.rows() {
                let code = table.get(row, c_code, line)?;
                let pop = table.number(row, c_pop, line)?;
                if let Some(&i) = index.get(code) {
                    municipalities[i].weight = pop;
                }
            }
        }
        let surnames = parse_names("surnames.csv", t.surnames, false)?.0;
        let (male, female) = parse_given(t.given_names)?;
        let mut towns = vec![Vec::new(); municipalities.len()];
        if let Some(table) = towns_table()? {
            let (c_code, c_postal, c_town, c_chome) = (
                table.column("lgcode6")?,
                table.column("postal_code")?,
                table.column("town")?,
                table.column("has_chome")?,
            );
            let index: std::collections::HashMap<&str, usize> = municipalities
                .iter()
                .enumerate()
                .map(|(i, m)| (m.lgcode.as_str(), i))
                .collect();
            for (line, row) in table.rows() {
                let code = table.get(row, c_code, line)?;
                let town = table.get(row, c_town, line)?;
                // A ward's 町域 belong to its city, written after the ward name. Codes not in
                // municipalities.csv (e.g. a ward renumbered after the list was made) are skipped.
                let (i, name) = match (index.get(code), wards.get(code)) {
                    (Some(&i), _) => (i, town.to_owned()),
                    (None, Some((city, ward))) => match index.get(city.as_str()) {
                        Some(&i) => (i, format!("{ward}{town}")),
                        None => continue,
                    },
                    (None, None) => continue,
                };
                towns[i].push(Town {
                    postal_code: table.get(row, c_postal, line)?.to_owned(),
                    name,
                    has_chome: table.get(row, c_chome, line)? == "1",
                });
            }
        }
        Ok(Reference {
            municipalities,
            surnames,
            given: [male, female],
            towns,
        })
    }

    /// The derived 保険者番号 of a municipality: 都道府県番号 + 保険者別番号 (its serial in the
    /// prefecture) + 検証番号 by the rule of the 保険者番号設定要領. Real numbers are not published
    /// as a list, so every number is marked derived in `docs/generator.md`.
    pub fn insurer_number(
        &self,
        m: &Municipality,
    ) -> Result<nhikit_core::id::InsurerNumber, Error> {
        nhikit_core::id::InsurerNumber::from_body(None, m.prefecture_code, m.insurer_serial)
            .map_err(|e| Error::Config(format!("保険者番号 of {}: {e}", m.lgcode)))
    }
}

/// Parses `kanji,reading,weight` rows.
fn parse_names(source: &str, text: &str, _given: bool) -> Result<(Vec<Name>, ()), Error> {
    let table = Table::parse(source, text)?;
    let (c_kanji, c_reading, c_weight) = (
        table.column("kanji")?,
        table.column("reading")?,
        table.column("weight")?,
    );
    let mut names = Vec::new();
    for (line, row) in table.rows() {
        let name = Name {
            kanji: table.get(row, c_kanji, line)?.to_owned(),
            reading: table.get(row, c_reading, line)?.to_owned(),
            weight: table.milli(row, c_weight, line)?,
        };
        check_reading(source, line, &name.reading)?;
        if name.weight > 0 {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(Error::Reference {
            source_name: source.into(),
            line: 1,
            reason: "no names with a positive weight".into(),
        });
    }
    Ok((names, ()))
}

fn check_reading(source: &str, line: usize, reading: &str) -> Result<(), Error> {
    nhikit_core::chars::CharClass::Katakana
        .check(reading)
        .map_err(|e| Error::Reference {
            source_name: source.into(),
            line,
            reason: format!("reading {reading:?}: {e}"),
        })
}

/// Parses `kanji,reading,sex,decade,weight` rows; `decade` is a year like `1950` or `*`.
fn parse_given(text: &str) -> Result<(GivenNames, GivenNames), Error> {
    let source = "given_names.csv";
    let table = Table::parse(source, text)?;
    let (c_kanji, c_reading, c_sex, c_decade, c_weight) = (
        table.column("kanji")?,
        table.column("reading")?,
        table.column("sex")?,
        table.column("decade")?,
        table.column("weight")?,
    );
    let mut out = [GivenNames::default(), GivenNames::default()];
    let mut index: [std::collections::HashMap<(String, String), usize>; 2] = Default::default();
    for (line, row) in table.rows() {
        let sex = match table.get(row, c_sex, line)? {
            "1" | "m" | "M" | "male" | "男" => 0,
            "2" | "f" | "F" | "female" | "女" => 1,
            other => {
                return Err(Error::Reference {
                    source_name: source.into(),
                    line,
                    reason: format!("sex {other:?}: expected 1 (男) or 2 (女)"),
                });
            }
        };
        let kanji = table.get(row, c_kanji, line)?.to_owned();
        let reading = table.get(row, c_reading, line)?.to_owned();
        check_reading(source, line, &reading)?;
        let weight = table.milli(row, c_weight, line)?;
        let decade = table.get(row, c_decade, line)?;
        let decades: Vec<usize> = if decade == "*" {
            (0..DECADES).collect()
        } else {
            let year: i32 = decade
                .trim_end_matches('s')
                .parse()
                .map_err(|_| Error::Reference {
                    source_name: source.into(),
                    line,
                    reason: format!("decade {decade:?}: expected a year like 1950 or *"),
                })?;
            vec![decade_index(year)]
        };
        let g = &mut out[sex];
        let i = *index[sex]
            .entry((kanji.clone(), reading.clone()))
            .or_insert_with(|| {
                g.names.push(Name {
                    kanji,
                    reading,
                    weight: 0,
                });
                g.weights_by_decade.iter_mut().for_each(|w| w.push(0));
                g.names.len() - 1
            });
        if g.weights_by_decade.is_empty() {
            g.weights_by_decade = vec![vec![0; g.names.len()]; DECADES];
        }
        for d in decades {
            g.weights_by_decade[d][i] += weight;
        }
        g.names[i].weight += weight;
    }
    for (sex, g) in out.iter().enumerate() {
        for (d, w) in g.weights_by_decade.iter().enumerate() {
            if w.iter().all(|&x| x == 0) {
                return Err(Error::Reference {
                    source_name: source.into(),
                    line: 1,
                    reason: format!(
                        "no {} given names for the {}s",
                        if sex == 0 { "male" } else { "female" },
                        1900 + 10 * d
                    ),
                });
            }
        }
    }
    let [m, f] = out;
    Ok((m, f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_reference_is_parsed_once() {
        let a = Reference::shared().expect("the embedded reference data");
        let b = Reference::shared().expect("the embedded reference data");
        assert!(std::ptr::eq(a, b));
        assert_eq!(a.municipalities.len(), 1_741);
    }

    #[test]
    fn table_keeps_quoted_cells_short_rows_and_line_numbers() {
        let text = "a,b,c\n1,\"x, \"\"y\"\"\",3\n4,5\n\"東京\",,\n";
        let t = Table::parse("t.csv", text).unwrap();
        let (b, c) = (t.column("b").unwrap(), t.column("c").unwrap());
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].0, 2);
        assert_eq!(t.get(rows[0].1, b, rows[0].0).unwrap(), "x, \"y\"");
        assert_eq!(t.number(rows[0].1, c, rows[0].0).unwrap(), 3);
        // A row with fewer cells: the error names the file, the line and the column.
        let e = t.get(rows[1].1, c, rows[1].0).unwrap_err().to_string();
        assert_eq!(e, "t.csv:3: missing column 3 (`c`)");
        assert_eq!(t.cell(rows[2].1, 0), Some("東京"));
        assert_eq!(t.cell(rows[2].1, 1), Some(""));
        assert!(t.column("d").is_err());
    }

    #[test]
    fn table_needs_a_header() {
        let e = Table::parse("empty.csv", "").err().unwrap().to_string();
        assert_eq!(e, "empty.csv:1: empty file: a header line is required");
    }
}
