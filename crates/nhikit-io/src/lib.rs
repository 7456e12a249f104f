//! Sinks and sources for nhikit datasets: Parquet, Arrow IPC, CSV in the schema's layouts and
//! JSON Lines, written in one pass per part, partitioned by municipality, listed with SHA-256
//! in `manifest.json`, and completed atomically (temporary directory, then rename).
//!
//! The generator writes records through [`nhikit_schema::RowWriter`] into a [`PartWriter`],
//! which fans each value out to every requested format. [`DatasetWriter::finish`] writes the
//! manifest and renames the directory into place; readers ([`read_parquet`], [`read_csv`], …)
//! and [`verify_files`] serve `nhikit validate` and `nhikit verify`; [`merge_shards`] joins the
//! directories of a run split with `--shard I/N` into one dataset. The directory layout and
//! manifest fields are documented in `docs/dataset-format.md` (sharding: `docs/scale-out.md`).

pub mod archive;
mod columnar;
pub mod contain;
mod dataset;
mod error;
mod format;
mod hash;
mod manifest;
mod plan;
mod protect;
mod read;
mod text;

pub use dataset::{
    DatasetWriter, NHIKIT_VERSION, OutputLock, PartSummary, PartWriter, Partition, PartitionLevel,
    UnknownPartitionLevel, WriterOptions, part_paths, part_stem, register_partial, remove_partials,
    unregister_partial,
};
pub use error::{Error, Result};
pub use format::{Format, parse_encoding, parse_format_list};
pub use hash::hex;
pub use manifest::{
    EntityCount, FileEntry, GeneratorInfo, MANIFEST_FILE, MANIFEST_VERSION, Manifest, ManifestInfo,
    MergeError, MergeOptions, Merged, Mismatch, SchemaInfo, Shard, merge_shards, verify_files,
};
pub use nhikit_schema::Encoding;
pub use protect::{
    CipherOut, EncryptedManifest, EncryptingWriter, Encryption, FileEncryptor, seal_dir, unseal_dir,
};
pub use read::{
    DataFile, read_arrow, read_arrow_rows, read_csv, read_csv_rows, read_file, read_jsonl,
    read_jsonl_rows, read_parquet, read_parquet_records, read_parquet_rows,
};
