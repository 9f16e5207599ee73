//! Checks of binary content shared by the integration tests: a PDF reader's view of a PDF, a PNG
//! decoder's view of a PNG. Written here so the tests depend on no reader crate.
#![allow(dead_code)]

pub mod openapi_client;
pub mod pdf_check;
pub mod png_check;
