//! Compressed streams, archives, Parquet and Avro.
