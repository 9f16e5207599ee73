//! finsandbox: a mock sandbox and a conformance harness for Brazilian financial APIs (Open Finance
//! Brasil Customers and Consents, Bankly customers/KYC), sharing one model of the APIs.
//!
//! Data flows one way: [`spec`] knows shapes -> [`datagen`] makes values -> [`sandbox`] serves and
//! keeps state -> the wire -> [`harness`] judges with the spec's validators and reports.

pub mod datagen;
pub mod sandbox;
pub mod spec;
