//! Card-holder (Portadores) preconditions and checks.

pub mod bodies;
pub mod target;

use crate::sandbox::family::ScenarioSeed;

/// Headers of every request to the family's paths besides `accept` and the token: a fresh
/// `X-Request-Id`, which every answer must echo.
pub fn request_headers() -> Vec<(String, String)> {
    vec![("x-request-id".into(), uuid::Uuid::new_v4().to_string())]
}

pub fn scenario_values(_s: &ScenarioSeed<'_>) -> Vec<(String, String)> {
    Vec::new()
}
