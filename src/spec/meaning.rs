//! Meaning of fields in documents no one wrote for us (a participant's or another provider's API):
//! inferred from the words of the property name, of its parent's name, and from the schema's type
//! and format. `nationalId`, `taxId`, `document` are a CPF or CNPJ; `customerName` a person's name;
//! `createdAt` a recent instant; `birthDate` an adult's birthday; `zipCode` a CEP.
//!
//! [`super::hints::infer`] knows the exact names of our own families' documents and stays as it is;
//! this looser reading is used only for documents of no known family, so the curated families'
//! data never changes because a word rule matched.

use serde_json::Value;

use super::hints::Hint;

/// Splits `nationalID`, `postal_code`, `zip-code`, `Address1` into lowercase words.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_uppercase() && (p.is_lowercase() || p.is_ascii_digit()) => true,
            // `HTTPServer` -> `http`, `server`.
            Some(p)
                if c.is_uppercase() && p.is_uppercase() && next.is_some_and(char::is_lowercase) =>
            {
                true
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The kind of JSON value a schema holds, for rules that depend on it.
fn json_type(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    }
}

const PERSON_PARENTS: &[&str] = &[
    "customer",
    "user",
    "person",
    "holder",
    "owner",
    "profile",
    "contact",
    "payer",
    "payee",
    "beneficiary",
    "recipient",
    "sender",
    "employee",
    "member",
    "client",
    "cliente",
    "titular",
    "partner",
    "representative",
    "driver",
    "patient",
    "debtor",
    "creditor",
    "guarantor",
    "signer",
    "applicant",
    "individual",
    "pessoa",
    "portador",
    "cardholder",
    "responsible",
    "author",
    "mother",
    "father",
    "spouse",
    "dependent",
    "attorney",
    "procurator",
];

const COMPANY_PARENTS: &[&str] = &[
    "company",
    "merchant",
    "business",
    "organization",
    "organisation",
    "employer",
    "bank",
    "institution",
    "store",
    "seller",
    "empresa",
    "provider",
    "vendor",
    "supplier",
    "issuer",
    "acquirer",
    "corporate",
    "legal",
    "establishment",
];

/// Whether a word (or its singular: `emails`, `phones`) is in `set`.
fn any(ws: &[String], set: &[&str]) -> bool {
    ws.iter().any(|w| {
        set.contains(&w.as_str())
            || w.strip_suffix('s')
                .is_some_and(|single| set.contains(&single))
    })
}

fn has(ws: &[String], w: &str) -> bool {
    ws.iter().any(|x| x == w)
}

/// Whether an instant field is in the future (expiry, due date) rather than the past.
fn future_words(ws: &[String]) -> bool {
    any(
        ws,
        &[
            "expiration",
            "expiry",
            "expires",
            "expire",
            "expiresat",
            "due",
            "until",
            "validity",
            "vencimento",
            "next",
            "deadline",
            "end",
            "ends",
            "scheduled",
        ],
    )
}

/// Whether an object with these field names describes a person: it carries a personal
/// document, an e-mail, a phone or a birth date.
pub fn describes_person<'k>(keys: impl IntoIterator<Item = &'k String>) -> bool {
    let probe = Value::Object(serde_json::Map::new());
    keys.into_iter().any(|k| {
        matches!(
            infer_open(&probe, k, Some("item")),
            Some(
                Hint::CpfOrCnpj | Hint::Cpf | Hint::Email | Hint::PhoneFull | Hint::PersonBirthDate
            )
        )
    })
}

/// The meaning of a field of an open-world document, if its name says one.
pub fn infer_open(schema: &Value, prop: &str, parent: Option<&str>) -> Option<Hint> {
    use Hint::*;
    let ws = words(prop);
    let pw = parent.map(words).unwrap_or_default();
    let joined: String = ws.concat();
    let ty = json_type(schema);
    let format = schema.get("format").and_then(Value::as_str).unwrap_or("");
    let own = parent.is_none() || matches!(parent, Some("data" | "result" | "profile"));
    let person_parent = any(&pw, PERSON_PARENTS) || own;
    let company_parent = any(&pw, COMPANY_PARENTS);

    if ty == "object" || ty == "array" {
        return None;
    }
    if ty == "boolean" {
        return None;
    }
    if ty == "integer" || ty == "number" {
        return Some(match () {
            _ if any(&ws, &["age", "idade"]) => Age,
            _ if has(&ws, "year") || has(&ws, "ano") => YearPast,
            _ if joined == "page" || joined == "pagenumber" || joined == "currentpage" => Page,
            _ if matches!(
                joined.as_str(),
                "limit" | "pagesize" | "perpage" | "size" | "pagelimit" | "itemsperpage"
            ) =>
            {
                PageSize
            }
            _ if any(&ws, &["total", "count", "quantity", "qty", "pages"])
                && !any(&ws, &["amount", "value", "price"]) =>
            {
                Count
            }
            _ if any(&ws, &["created", "updated", "modified", "timestamp"])
                || (ty == "integer" && has(&ws, "at")) =>
            {
                UnixTime
            }
            _ if any(
                &ws,
                &[
                    "amount", "price", "balance", "salary", "income", "fee", "cost", "valor",
                    "saldo", "debt", "payment", "paid", "revenue", "subtotal", "discount",
                ],
            ) =>
            {
                Amount
            }
            _ if any(&ws, &["latitude", "lat"]) => AddressLatitude,
            _ if any(&ws, &["longitude", "lng", "lon"]) => AddressLongitude,
            _ if any(&ws, &["percent", "percentage", "rate", "ratio"]) => Percentage,
            _ => return None,
        });
    }

    // Strings from here on.
    Some(match () {
        _ if has(&ws, "cpf") && has(&ws, "cnpj") => CpfOrCnpj,
        _ if has(&ws, "cpf") => {
            if own {
                PersonaCpf
            } else {
                Cpf
            }
        }
        _ if has(&ws, "cnpj") => Cnpj,
        _ if joined == "nationalid"
            || joined == "nationalidentifier"
            || joined == "taxid"
            || joined == "taxnumber"
            || joined == "taxidnumber"
            || joined == "federaltaxnumber"
            || joined == "federaltaxid"
            || joined == "documentnumber"
            || joined == "document"
            || joined == "documento"
            || joined == "documentid"
            || joined == "nationaldocument"
            || joined == "registrationnumber" && person_parent =>
        {
            if own {
                PersonaDocument
            } else {
                CpfOrCnpj
            }
        }
        _ if format == "email" || format == "idn-email" || any(&ws, &["email", "mail"]) => {
            if own {
                PersonaEmail
            } else {
                Email
            }
        }
        _ if any(
            &ws,
            &[
                "phone",
                "telephone",
                "mobile",
                "cellphone",
                "celular",
                "telefone",
                "msisdn",
                "whatsapp",
            ],
        ) =>
        {
            PhoneFull
        }
        _ if has(&ws, "number") && any(&pw, &["phone", "phones", "telephone", "telephones"]) => {
            PhoneNumber
        }
        _ if any(&ws, &["area", "ddd"]) && any(&pw, &["phone", "phones"]) => PhoneAreaCode,
        _ if has(&ws, "country") && any(&pw, &["phone", "phones"]) => PhoneCountryCallingCode,
        _ if any(&ws, &["birth", "birthday", "nascimento", "dob"]) || joined == "dateofbirth" => {
            if own {
                PersonaBirthDate
            } else {
                PersonBirthDate
            }
        }
        _ if joined == "firstname" || joined == "givenname" || joined == "forename" => FirstName,
        _ if joined == "lastname" || joined == "surname" || joined == "familyname" => LastName,
        _ if any(&ws, &["username", "login", "nickname", "handle"]) || joined == "username" => {
            Username
        }
        _ if any(&ws, &["mother", "mae"]) && any(&ws, &["name", "nome"]) => {
            if own {
                PersonaMotherName
            } else {
                PersonCivilName
            }
        }
        _ if (has(&ws, "trade") || has(&ws, "fantasy") || has(&ws, "fantasia"))
            && any(&ws, &["name", "nome"]) =>
        {
            CompanyTradeName
        }
        _ if (any(
            &ws,
            &[
                "company",
                "business",
                "merchant",
                "legal",
                "corporate",
                "razao",
                "employer",
                "bank",
            ],
        )) && any(&ws, &["name", "nome", "social"]) =>
        {
            CompanyName
        }
        _ if any(&ws, &["name", "nome", "fullname", "holder"]) && ws.len() <= 3 => {
            if company_parent {
                CompanyName
            } else if own
                && !any(
                    &ws,
                    &["display", "file", "product", "plan", "event", "type", "tag"],
                )
            {
                PersonaCivilName
            } else if person_parent
                || any(
                    &ws,
                    &[
                        "customer",
                        "holder",
                        "owner",
                        "full",
                        "person",
                        "client",
                        "payer",
                        "payee",
                        "beneficiary",
                        "recipient",
                        "sender",
                        "user",
                    ],
                )
            {
                PersonCivilName
            } else {
                return None;
            }
        }
        _ if any(&ws, &["zip", "zipcode", "cep", "postcode", "postal"]) => AddressCep,
        _ if any(&ws, &["street", "logradouro", "line1", "address1"])
            || joined == "addressline"
            || joined == "addressline1" =>
        {
            AddressStreet
        }
        _ if any(
            &ws,
            &["neighborhood", "neighbourhood", "district", "bairro"],
        ) =>
        {
            AddressDistrict
        }
        _ if any(
            &ws,
            &[
                "city",
                "town",
                "cidade",
                "municipality",
                "municipio",
                "locality",
            ],
        ) =>
        {
            AddressTown
        }
        _ if (any(&ws, &["state", "uf", "province", "estado"])
            && !any(&ws, &["status", "statement"]))
            && (schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_none_or(|m| m >= 2))
            && (own
                || any(
                    &pw,
                    &[
                        "address",
                        "addresses",
                        "endereco",
                        "location",
                        "billing",
                        "shipping",
                    ],
                )
                || schema.get("maxLength").and_then(Value::as_u64) == Some(2)) =>
        {
            AddressUf
        }
        _ if (has(&ws, "complement")
            || has(&ws, "complemento")
            || joined == "addressline2"
            || joined == "line2") =>
        {
            AddressComplement
        }
        _ if has(&ws, "number")
            && any(
                &pw,
                &[
                    "address",
                    "addresses",
                    "endereco",
                    "location",
                    "billing",
                    "shipping",
                ],
            ) =>
        {
            AddressNumber
        }
        _ if joined == "address" || joined == "fulladdress" || joined == "endereco" => AddressLine,
        _ if any(&ws, &["number", "numero"])
            && any(&pw, &["document", "documento", "identification"]) =>
        {
            DocumentNumber
        }
        _ if has(&ws, "country") => CountryCode,
        _ if any(&ws, &["currency", "moeda"]) => Currency,
        _ if any(&ws, &["latitude", "lat"]) => AddressLatitude,
        _ if any(&ws, &["longitude", "lng", "lon"]) => AddressLongitude,
        _ if any(&ws, &["ispb"]) => BankIspb,
        _ if any(&ws, &["agencia", "branch"]) => BankBranch,
        _ if has(&ws, "account") && any(&ws, &["number", "numero"]) => BankAccount,
        _ if (has(&ws, "bank") || has(&ws, "compe")) && has(&ws, "code") => BankCompe,
        _ if any(
            &ws,
            &[
                "amount", "price", "balance", "salary", "valor", "saldo", "fee", "cost",
            ],
        ) =>
        {
            Amount
        }
        _ if any(&ws, &["token", "jwt"]) && !any(&ws, &["type", "expires", "expiration"]) => {
            AccessToken
        }
        _ if any(&ws, &["password", "secret", "senha", "passphrase"]) || format == "password" => {
            Password
        }
        _ if any(&ws, &["ip"]) || format == "ipv4" => Ip,
        _ if any(
            &ws,
            &[
                "url", "uri", "link", "href", "website", "site", "webhook", "callback", "redirect",
                "homepage",
            ],
        ) =>
        {
            Url
        }
        _ if any(&ws, &["locale", "language", "lang", "idioma"]) => Locale,
        _ if any(&ws, &["timezone", "tz"]) => Timezone,
        _ if format == "date"
            || format == "date-time"
            || any(&ws, &["date", "data", "at", "time", "timestamp", "on"]) =>
        {
            let past_instant = any(
                &ws,
                &[
                    "created",
                    "updated",
                    "modified",
                    "started",
                    "ended",
                    "reported",
                    "registered",
                    "issued",
                    "processed",
                    "paid",
                    "last",
                    "sent",
                    "received",
                    "timestamp",
                    "at",
                    "deleted",
                    "approved",
                    "completed",
                ],
            );
            if future_words(&ws) {
                DateFuture
            } else if past_instant || format == "date-time" {
                DatetimeRecent
            } else {
                DatePast
            }
        }
        _ if joined == "id"
            || ws
                .last()
                .is_some_and(|w| w == "id" || w == "uuid" || w == "guid") =>
        {
            Identifier
        }
        _ if any(
            &ws,
            &[
                "description",
                "descricao",
                "comment",
                "comments",
                "note",
                "notes",
                "message",
                "reason",
                "observation",
                "details",
                "memo",
                "remarks",
            ],
        ) =>
        {
            Sentence
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("nationalID"), ["national", "id"]);
        assert_eq!(words("postal_code"), ["postal", "code"]);
        assert_eq!(words("HTTPServer"), ["http", "server"]);
        assert_eq!(words("address1"), ["address1"]);
    }

    #[test]
    fn national_ids_are_documents() {
        let s = json!({"type": "string"});
        assert_eq!(
            infer_open(&s, "nationalId", None),
            Some(Hint::PersonaDocument)
        );
        assert_eq!(
            infer_open(&s, "nationalId", Some("items")),
            Some(Hint::CpfOrCnpj)
        );
        assert_eq!(
            infer_open(&s, "taxId", Some("merchant")),
            Some(Hint::CpfOrCnpj)
        );
        assert_eq!(
            infer_open(&s, "customerCpf", Some("order")),
            Some(Hint::Cpf)
        );
    }

    #[test]
    fn names_dates_and_places_are_recognised() {
        let s = json!({"type": "string"});
        assert_eq!(
            infer_open(&s, "name", Some("profile")),
            Some(Hint::PersonaCivilName)
        );
        assert_eq!(
            infer_open(&s, "name", Some("merchant")),
            Some(Hint::CompanyName)
        );
        assert_eq!(infer_open(&s, "name", Some("programs")), None);
        assert_eq!(
            infer_open(&s, "birthDate", Some("partners")),
            Some(Hint::PersonBirthDate)
        );
        assert_eq!(
            infer_open(
                &json!({"type": "string", "format": "date-time"}),
                "createdAt",
                Some("x")
            ),
            Some(Hint::DatetimeRecent)
        );
        assert_eq!(
            infer_open(&s, "expirationDate", Some("card")),
            Some(Hint::DateFuture)
        );
        assert_eq!(
            infer_open(&s, "zipCode", Some("address")),
            Some(Hint::AddressCep)
        );
        assert_eq!(
            infer_open(&s, "state", Some("address")),
            Some(Hint::AddressUf)
        );
        assert_eq!(infer_open(&s, "status", Some("address")), None);
    }

    #[test]
    fn numbers_by_name() {
        let n = json!({"type": "number"});
        let i = json!({"type": "integer"});
        assert_eq!(
            infer_open(&n, "totalAmount", Some("order")),
            Some(Hint::Amount)
        );
        assert_eq!(infer_open(&i, "total", Some("list")), Some(Hint::Count));
        assert_eq!(infer_open(&i, "age", Some("profile")), Some(Hint::Age));
        assert_eq!(
            infer_open(&i, "created", Some("charge")),
            Some(Hint::UnixTime)
        );
    }
}
