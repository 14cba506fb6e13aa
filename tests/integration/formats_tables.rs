//! CSV/TSV and JSON/JSONL: row, column, record and path locations, column and path keywords.
