//! trawl's end-to-end tests: one test binary, one module per area.

mod accuracy;
mod cli;
mod formats_containers;
mod formats_email;
mod formats_office;
mod formats_pdf;
mod formats_tables;
mod read_paths;
mod rules;
mod s3;
mod util;
