//! A small schema with every item type, two CSV layouts, a whole-dataset table, and rows.

use nhikit_core::date::NaiveDate;
use nhikit_io::{DatasetWriter, ManifestInfo, Partition, WriterOptions};
use nhikit_schema::{RowWriter, Schema};
use std::path::Path;

pub fn schema() -> Schema {
    nhikit_schema::load_texts([
        (
            "nhikit-schema.toml",
            "[schema]\nname = \"io-test\"\nversion = \"7\"\n",
        ),
        (
            "codes/sex.toml",
            "[code_table]\nid = \"sex\"\nlabel = \"性別\"\n\
             [[code]]\nvalue = \"1\"\nlabel = \"男\"\n[[code]]\nvalue = \"2\"\nlabel = \"女\"\n",
        ),
        (
            "entities/resident.toml",
            r#"
[entity]
id = "resident"
label = "住民"
primary_key = ["address_number"]

[[item]]
id = "address_number"
label = "宛名番号"
type = "string"
length = 10
chars = "digits"

[[item]]
id = "name"
label = "氏名"
type = "string"
length = 30
chars = "jis0213"

[[item]]
id = "sex"
label = "性別"
type = "code"
code = "sex"

[[item]]
id = "birth_date"
label = "生年月日"
type = "date"

[[item]]
id = "income"
label = "総所得金額等"
type = "yen"
min = 0
nullable = true

[[item]]
id = "foreign"
label = "外国人"
type = "boolean"

[[item]]
id = "note"
label = "備考"
type = "string"
length = 100
chars = "jis0213"
nullable = true
"#,
        ),
        (
            "entities/insurer.toml",
            r#"
[entity]
id = "insurer"
label = "保険者"
primary_key = ["insurer_number"]

[[item]]
id = "insurer_number"
label = "保険者番号"
type = "string"
length = 6
chars = "digits"

[[item]]
id = "name"
label = "名称"
type = "string"
length = 30
chars = "jis0213"
"#,
        ),
        (
            "layouts/resident_csv.toml",
            r#"
[layout]
id = "resident_csv"
label = "住民CSV"
entity = "resident"
encoding = "utf-8"
header = true
delimiter = ","
line_ending = "crlf"
columns = ["address_number", "name", "sex", "birth_date", "income", "foreign", "note"]
"#,
        ),
        (
            "layouts/resident_sjis.toml",
            r#"
[layout]
id = "resident_sjis"
label = "住民(SJIS)"
entity = "resident"
encoding = "cp932"
header = true
delimiter = "	"
line_ending = "lf"
columns = ["name", "address_number", "birth_date"]
"#,
        ),
    ])
    .unwrap()
}

/// A resident row as plain data.
#[derive(Clone, Debug)]
pub struct Resident {
    pub address_number: &'static str,
    pub name: &'static str,
    pub sex: &'static str,
    pub birth_date: NaiveDate,
    pub income: Option<i64>,
    pub foreign: bool,
    pub note: Option<&'static str>,
}

impl Resident {
    pub fn write(&self, w: &mut impl RowWriter) {
        w.str(self.address_number);
        w.str(self.name);
        w.str(self.sex);
        w.date(self.birth_date);
        match self.income {
            Some(v) => w.int(v),
            None => w.null(),
        }
        w.bool(self.foreign);
        match self.note {
            Some(v) => w.str(v),
            None => w.null(),
        }
        w.end_row();
    }
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Three residents: quoting (delimiter, quote, LF), a null yen, a null string, an IBM
/// extension kanji (髙, in CP932 but not JIS X 0208).
pub fn residents() -> Vec<Resident> {
    vec![
        Resident {
            address_number: "0000000001",
            name: "山田 太郎",
            sex: "1",
            birth_date: d(1980, 4, 1),
            income: Some(3_500_000),
            foreign: false,
            note: Some("a,b"),
        },
        Resident {
            address_number: "0000000002",
            name: "佐藤 \"花子\"",
            sex: "2",
            birth_date: d(1975, 12, 31),
            income: None,
            foreign: true,
            note: Some("line1\nline2"),
        },
        Resident {
            address_number: "0000000003",
            name: "髙橋 一",
            sex: "1",
            birth_date: d(2001, 2, 28),
            income: Some(0),
            foreign: false,
            note: None,
        },
    ]
}

pub fn chiyoda() -> Partition {
    Partition {
        prefecture: 13,
        municipality: Some("131016".to_owned()),
    }
}

pub fn info() -> ManifestInfo {
    ManifestInfo {
        generator: nhikit_io::GeneratorInfo {
            name: "test".to_owned(),
            output_version: 3,
        },
        seed: 42,
        options: serde_json::json!({"households": 3, "formats": ["parquet", "csv"]}),
        shard: None,
        created: None,
    }
}

/// Writes the residents (one part in Chiyoda) and one insurer row, and finishes.
pub fn write_dataset(
    out: &Path,
    schema: &Schema,
    options: WriterOptions,
) -> nhikit_io::Result<nhikit_io::Manifest> {
    let dataset = DatasetWriter::create(out, schema, options)?;
    let mut part = dataset.part("resident", &chiyoda(), 0)?;
    for r in residents() {
        r.write(&mut part);
    }
    part.finish()?;
    let mut table = dataset.table_part("insurer", 0)?;
    table.str("138016");
    table.str("千代田区");
    table.end_row();
    table.finish()?;
    dataset.finish(info())
}

/// The records the residents should read back as (what the schema's collector makes).
pub fn expected_records(schema: &Schema) -> Vec<nhikit_schema::Record> {
    let entity = schema.entity("resident").unwrap();
    let mut c = nhikit_schema::RecordCollector::new(entity);
    for r in residents() {
        r.write(&mut c);
    }
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    c.records
}

/// Names of the entries of a directory, sorted.
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
