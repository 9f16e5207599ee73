//! Results of a `finsandbox check` run and every format they are reported in.
//!
//! The harness builds one [`model::RunReport`]; [`waivers`] and [`mask`] rewrite it in place; the
//! writers ([`console`], [`json`], [`junit`], [`html`], [`snapshot`]) are pure functions from the
//! model to text, so a new format never needs the harness to record anything extra. Masking is a
//! separate pass rather than a writer concern so that no writer can forget it.

pub mod console;
pub mod html;
pub mod json;
pub mod junit;
pub mod mask;
pub mod model;
mod render;
pub mod snapshot;
pub mod waivers;

#[cfg(test)]
mod testdata;

pub use model::{
    Counts, Exchange, Failure, FeatureReport, Finding, HttpRequestRecord, HttpResponseRecord,
    RunReport, ScenarioReport, Status, StepReport,
};
