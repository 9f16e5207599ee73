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
}

/// A set of families a sandbox runs: the registry's by default ([`Plugins::registry`]); a test
/// may add a family of its own ([`Plugins::with`]) without touching the registry.
#[derive(Clone)]
pub struct Plugins(pub Vec<&'static dyn Plugin>);

impl Plugins {
    pub fn registry() -> Plugins {
        Plugins(PLUGINS.to_vec())
    }

    /// These families and one more.
    pub fn with(mut self, plugin: &'static dyn Plugin) -> Plugins {
        self.0.push(plugin);
        self
    }

    pub fn get(&self, name: &str) -> Option<&'static dyn Plugin> {
        self.0.iter().copied().find(|p| p.name() == name)
    }
}

impl Default for Plugins {
    fn default() -> Self {
        Plugins::registry()
    }
}

impl std::fmt::Debug for Plugins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|p| p.name()))
            .finish()
    }
}

impl Catalog for Plugins {
    fn known(&self, family: &str) -> bool {
        self.get(family).is_some()
    }

    fn recognise(&self, base_path: &str) -> Option<(String, String)> {
        self.0.iter().find_map(|p| {
            p.recognise(base_path)
                .map(|api| (p.name().to_string(), api))
        })
    }

    fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.0.iter().map(|p| p.name()).collect();
        names.push(GENERIC);
        names
    }
}

/// The registry seen by the spec layer: which family names exist and which family an official
/// document (no `x-finsandbox`) belongs to.
pub struct Registry;

impl Catalog for Registry {
    fn known(&self, family: &str) -> bool {
        PLUGINS.iter().any(|p| p.name() == family)
    }

    fn recognise(&self, base_path: &str) -> Option<(String, String)> {
        Plugins::registry().recognise(base_path)
    }

    fn names(&self) -> Vec<&'static str> {
        Plugins::registry().names()
    }
}

/// The plugin of a family, by name.
pub fn plugin(name: &str) -> Option<&'static dyn Plugin> {
    PLUGINS.iter().copied().find(|p| p.name() == name)
}
