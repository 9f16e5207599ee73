//! finsandbox: a mock sandbox and a conformance harness for Brazilian financial APIs (Open Finance
//! Brasil Customers and Consents, Bankly customers/KYC), sharing one model of the APIs.
//!
//! Data flows one way: [`spec`] knows shapes -> [`datagen`] makes values -> [`sandbox`] serves and
//! keeps state -> the wire -> [`harness`] judges with the spec's validators and reports.

// Handlers return the response they would send as their `Err` (early return on a refusal); it is
// built once per request, so its size on the stack does not matter.
#![allow(clippy::result_large_err)]

pub mod br;
pub mod datagen;
pub mod harness;
pub mod sandbox;
pub mod spec;
