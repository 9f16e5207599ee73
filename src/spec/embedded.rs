//! The documents compiled into the binary, so `finsandbox serve` works from any directory and offline.

/// (path under the repository, text).
pub const SPECS: &[(&str, &str)] = &[
    (
        "specs/open-finance/customers-v2.yaml",
        include_str!("../../specs/open-finance/customers-v2.yaml"),
    ),
    (
        "specs/open-finance/customers-v2.2.1.yaml",
        include_str!("../../specs/open-finance/customers-v2.2.1.yaml"),
    ),
    (
        "specs/open-finance/customers-v1.yaml",
        include_str!("../../specs/open-finance/customers-v1.yaml"),
    ),
    (
        "specs/open-finance/consents-v3.yaml",
        include_str!("../../specs/open-finance/consents-v3.yaml"),
    ),
    (
        "specs/bankly/customers.yaml",
        include_str!("../../specs/bankly/customers.yaml"),
    ),
];
