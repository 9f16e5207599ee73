//! Bankly preconditions and checks (customers, KYC transitions, webhooks).

/// What a Bankly scenario keeps between steps.
#[derive(Debug, Default)]
pub struct BanklyState {
    pub token: Option<String>,
}
