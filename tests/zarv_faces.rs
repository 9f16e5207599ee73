//! One person, three faces: the Zarv verification of a CPF shows the same name, birth date,
//! addresses, phones and e-mails as Open Finance's identifications of that CPF, read over real
//! sockets from one sandbox. Both come from the persona of (seed, document), which Bankly's
//! registrations in the harness use too.

mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn zarv_profile(env: &Env, cpf: &str) -> Value {
    let login = reply(
        env.http
            .post(env.url("/zarv/api/v1/authentication"))
            .json(&json!({"username": "ana.souza@aurora.example", "password": "aurora-ana-2026"}))
            .send()
            .await
            .expect("login"),
    )
    .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.body["accessToken"].as_str().expect("token");
    let created = reply(
        env.http
            .post(env.url("/zarv/api/v2/verifications"))
            .bearer_auth(token)
            .json(&json!({"nationalId": cpf, "verifications": {"type": "full"}}))
            .send()
            .await
            .expect("verification"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let r = env
        .control(Method::POST, "/sandbox/clock", json!({"advanceSeconds": 5}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let id = created.body["id"].as_str().expect("id");
    let v = env
        .get(
            &format!("/zarv/api/v2/verifications/{id}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(v.body["status"], "COMPLETED", "{}", v.text);
    assert_eq!(
        v.body["name"],
        v.body["verification"]["person"]["profile"]["name"]
    );
    v.body["verification"]["person"]["profile"].clone()
}

fn texts(v: &Value, f: impl Fn(&Value) -> String) -> Vec<String> {
    let mut out: Vec<String> = v.as_array().into_iter().flatten().map(f).collect();
    out.sort();
    out
}

#[tokio::test]
async fn zarv_and_open_finance_describe_the_same_person() {
    let env = start().await;
    // A fixture persona, and a CPF no fixture names (its persona is drawn from the seed).
    for cpf in [HAPPY_CPF, "39053344705"] {
        let (_, token) = env.consent_token(cpf, None, PF_PERMISSIONS, None).await;
        let of = env.customers(&token, "/personal/identifications").await;
        assert_eq!(of.status, 200, "{}", of.text);
        let of = &of.body["data"][0];
        let z = zarv_profile(&env, cpf).await;

        assert_eq!(z["name"], of["civilName"], "{cpf}");
        assert_eq!(z["birthDate"], of["birthDate"], "{cpf}");
        let sex = match of["sex"].as_str() {
            Some("FEMININO") => "F",
            Some("MASCULINO") => "M",
            other => panic!("{cpf}: sex {other:?}"),
        };
        assert_eq!(z["gender"], sex, "{cpf}");

        let contacts = &of["contacts"];
        // The district is optional in Open Finance's schema and its generator leaves it out at
        // times; the rest of the address must agree line for line.
        let of_addresses = texts(&contacts["postalAddresses"], |a| {
            format!(
                "{} | {} | {} | {}",
                a["address"].as_str().unwrap_or_default(),
                a["townName"].as_str().unwrap_or_default(),
                a["countrySubDivision"].as_str().unwrap_or_default(),
                a["postCode"].as_str().unwrap_or_default()
            )
        });
        let z_addresses = texts(&z["contacts"]["addresses"], |a| {
            format!(
                "{}, {} | {} | {} | {}",
                a["street"].as_str().unwrap_or_default(),
                a["number"].as_str().unwrap_or_default(),
                a["city"].as_str().unwrap_or_default(),
                a["state"].as_str().unwrap_or_default(),
                a["postalCode"].as_str().unwrap_or_default()
            )
        });
        assert!(!z_addresses.is_empty(), "{cpf}");
        assert_eq!(z_addresses, of_addresses, "{cpf}");
        for a in contacts["postalAddresses"].as_array().into_iter().flatten() {
            if let Some(district) = a["districtName"].as_str() {
                let street = a["address"].as_str().unwrap_or_default();
                assert!(
                    z["contacts"]["addresses"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|z| z["neighborhood"] == district
                            && street.starts_with(z["street"].as_str().unwrap_or("-"))),
                    "{cpf}: {district}"
                );
            }
        }

        let of_phones = texts(&contacts["phones"], |p| {
            format!(
                "{}{}",
                p["areaCode"].as_str().unwrap_or_default(),
                p["number"].as_str().unwrap_or_default()
            )
        });
        let z_phones = texts(&z["contacts"]["phones"], |p| {
            format!(
                "{}{}",
                p["area"].as_str().unwrap_or_default(),
                p["number"].as_str().unwrap_or_default()
            )
        });
        assert!(!z_phones.is_empty(), "{cpf}");
        assert_eq!(z_phones, of_phones, "{cpf}");

        let of_emails = texts(&contacts["emails"], |e| {
            e["email"].as_str().unwrap_or_default().to_string()
        });
        let z_emails = texts(&z["contacts"]["emails"], |e| {
            e.as_str().unwrap_or_default().to_string()
        });
        assert_eq!(z_emails, of_emails, "{cpf}");
    }
    env.stop().await;
}
