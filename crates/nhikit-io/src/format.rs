//! Output formats.

use crate::error::Error;
use std::fmt;
use std::str::FromStr;

/// A dataset file format.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet, zstd-compressed.
    Parquet,
    /// Arrow IPC file format (`.arrow`), zstd-compressed buffers.
    Arrow,
    /// Delimited text in each of the entity's layouts.
    Csv,
    /// JSON Lines: one object per record.
    Jsonl,
}

impl Format {
    /// Every format, in the order files are listed.
    pub const ALL: [Format; 4] = [Format::Parquet, Format::Arrow, Format::Csv, Format::Jsonl];

    /// The name used on the command line, in paths and in the manifest.
    pub fn name(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Arrow => "arrow",
            Format::Csv => "csv",
            Format::Jsonl => "jsonl",
        }
    }

    /// The file extension (without the dot).
    pub fn extension(self) -> &'static str {
        self.name()
    }

    /// A data file's path in a dataset: `FORMAT/TABLE/STEM.EXT`, where the table is the
    /// entity (or for CSV the layout) and the stem [`crate::part_stem`].
    pub fn part_path(self, table: &str, stem: &str) -> String {
        format!("{}/{table}/{stem}.{}", self.name(), self.extension())
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    fn from_str(s: &str) -> Result<Format, Error> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| Error::UnknownFormat { name: s.to_owned() })
    }
}

/// Parses a comma-separated list such as `parquet,csv` (duplicates removed, order kept).
pub fn parse_format_list(s: &str) -> Result<Vec<Format>, Error> {
    let mut out = Vec::new();
    for name in s.split(',').filter(|n| !n.trim().is_empty()) {
        let format: Format = name.parse()?;
        if !out.contains(&format) {
            out.push(format);
        }
    }
    if out.is_empty() {
        return Err(Error::NoFormats);
    }
    Ok(out)
}

/// Parses a text encoding name as in layout files and `--encoding`: `utf-8` (or `utf8`) or
/// `cp932` (also `shift_jis`, `sjis`, `windows-31j`).
pub fn parse_encoding(s: &str) -> Result<nhikit_schema::Encoding, Error> {
    match s.trim().to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => Ok(nhikit_schema::Encoding::Utf8),
        "cp932" | "shift_jis" | "sjis" | "windows-31j" => Ok(nhikit_schema::Encoding::Cp932),
        _ => Err(Error::UnknownEncoding { name: s.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_parse() {
        assert_eq!(
            parse_encoding("CP932").ok(),
            Some(nhikit_schema::Encoding::Cp932)
        );
        assert_eq!(
            parse_encoding("utf-8").ok(),
            Some(nhikit_schema::Encoding::Utf8)
        );
        assert!(parse_encoding("euc-jp").is_err());
    }

    #[test]
    fn names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().ok(), Some(f));
        }
        assert!("xlsx".parse::<Format>().is_err());
        assert_eq!(
            parse_format_list("csv, parquet,csv").ok(),
            Some(vec![Format::Csv, Format::Parquet])
        );
        assert!(matches!(parse_format_list(""), Err(Error::NoFormats)));
    }
}
