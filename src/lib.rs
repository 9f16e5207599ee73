//! finsandbox: a mock sandbox and a conformance harness for Brazilian financial APIs (Open Finance
//! Brasil Customers and Consents, Bankly customers/KYC), sharing one model of the APIs.
//!
//! Data flows one way: [`spec`] knows shapes -> [`datagen`] makes values -> [`sandbox`] serves and
//! keeps state -> the wire -> [`harness`] judges with the spec's validators and reports.

// Money in cents is written `reais_cents` (`1_518_00` is R$ 1.518,00), which clippy calls inconsistent.
#![allow(clippy::inconsistent_digit_grouping)]
// Handlers return the finished error response as `Err`; it is built once per request, and boxing it
// would only add an allocation.
#![allow(clippy::result_large_err)]

pub mod datagen;
pub mod sandbox;
pub mod spec;
