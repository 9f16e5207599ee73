//! Zarv's `[zarv]` section of `target.toml`: where a Zarv-compatible target lives and who the
//! harness logs in as. A second user of another workspace lets the isolation scenarios run; a user
//! whose workspace has no credit lets the "not enough credit" one run.

use serde::Deserialize;

use crate::harness::world::RunContext;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ZarvTarget {
    /// Where Zarv's paths live (`https://services.zarv.dev`); paths are called without `/zarv`.
    pub base_url: Option<String>,
    pub email: Option<String>,
    pub password: Option<String>,
    /// A user of another workspace (workspace isolation).
    pub other_email: Option<String>,
    pub other_password: Option<String>,
    /// A user whose workspace has no credit left.
    pub no_credit_email: Option<String>,
    pub no_credit_password: Option<String>,
}

/// Checks a `[zarv]` section: its keys, a URL that is one, and e-mails that come with passwords.
pub fn check(section: &toml::Value) -> Result<(), String> {
    let t: ZarvTarget = section.clone().try_into().map_err(|e| e.to_string())?;
    if let Some(u) = &t.base_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        return Err(format!("base-url \"{u}\" must be an http or https URL"));
    }
    for (email, password, name) in [
        (&t.email, &t.password, "email and password"),
        (
            &t.other_email,
            &t.other_password,
            "other-email and other-password",
        ),
        (
            &t.no_credit_email,
            &t.no_credit_password,
            "no-credit-email and no-credit-password",
        ),
    ] {
        if email.is_some() != password.is_some() {
            return Err(format!("{name} go together: give both or neither"));
        }
    }
    Ok(())
}

/// The family's section of the run's target (its default when the target has none).
pub fn zarv_target(ctx: &RunContext) -> ZarvTarget {
    ctx.target.section(super::super::NAME)
}

#[cfg(test)]
mod tests {
    use super::check;

    fn section(text: &str) -> toml::Value {
        toml::from_str(text).expect("toml")
    }

    #[test]
    fn sections_are_checked() {
        assert!(
            check(&section(
                "base-url = \"https://z.example\"\nemail = \"a@b.c\"\npassword = \"x\""
            ))
            .is_ok()
        );
        let e = check(&section("emial = \"a@b.c\"")).unwrap_err();
        assert!(e.contains("emial"), "{e}");
        let e = check(&section("email = \"a@b.c\"")).unwrap_err();
        assert!(e.contains("go together"), "{e}");
        let e = check(&section("base-url = \"z.example\"")).unwrap_err();
        assert!(e.contains("http"), "{e}");
    }
}
