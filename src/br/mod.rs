//! Brazilian document and registry rules shared by every layer: the spec's semantic checks, the
//! generators and the families' request validation all read them here.

pub mod docs;

pub use docs::*;
