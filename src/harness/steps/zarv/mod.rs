//! Zarv ID steps (placeholder while the family lands).

use crate::sandbox::family::ScenarioSeed;

pub mod target;

pub fn scenario_values(_s: &ScenarioSeed<'_>) -> Vec<(String, String)> {
    Vec::new()
}

pub fn request_headers() -> Vec<(String, String)> {
    Vec::new()
}
