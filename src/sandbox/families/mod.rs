//! The registry: the one place in `src/` that names the provider families. A family is its own
//! folders (`src/sandbox/families/<name>/`, `src/harness/steps/<name>/`, `specs/<name>/`,
//! `fixtures/<name>.yaml`, `features/<name>/`) plus one line here. Everything else asks this
//! registry through [`PLUGINS`] and [`Registry`]; see ARCHITECTURE.md for the contract.

use crate::spec::{Catalog, GENERIC};

use super::family::Plugin;

/// Declares the family modules and lists their plugins, in one line per family.
macro_rules! registry {
    ($($family:ident),* $(,)?) => {
        $(pub mod $family;)*

        /// Every provider family, in the order they are built and listed.
        pub static PLUGINS: &[&'static dyn Plugin] = &[$(&$family::PLUGIN),*];
    };
}

registry! {
    open_finance,
    bankly,
    portadores,
}

/// The registry seen by the spec layer: which family names exist and which family an official
/// document (no `x-finsandbox`) belongs to.
pub struct Registry;

impl Catalog for Registry {
    fn known(&self, family: &str) -> bool {
        PLUGINS.iter().any(|p| p.name() == family)
    }

    fn recognise(&self, base_path: &str) -> Option<(String, String)> {
        PLUGINS.iter().find_map(|p| {
            p.recognise(base_path)
                .map(|api| (p.name().to_string(), api))
        })
    }

    fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = PLUGINS.iter().map(|p| p.name()).collect();
        names.push(GENERIC);
        names
    }
}

/// The plugin of a family, by name.
pub fn plugin(name: &str) -> Option<&'static dyn Plugin> {
    PLUGINS.iter().copied().find(|p| p.name() == name)
}
