//! The value a field's meaning asks for: persona data, a document with valid check digits, a field
//! of this object's address or phone, a bank, a date in a sensible range.

use chrono::{Datelike, Duration};
use rand::RngExt;
use rand::rngs::ChaCha8Rng;
use serde_json::{Map, Value};

use super::{Walker, fmt_date, fmt_datetime};
use crate::datagen::persona::DocKind;
use crate::datagen::{DATA_EPOCH, br, pattern};
use crate::spec::hints::Hint;

impl Walker<'_, '_> {
    pub(super) fn pattern_allows(schema: &Value, sample: &str) -> bool {
        match schema.get("pattern").and_then(Value::as_str) {
            Some(p) => pattern::get(p).is_match(sample),
            None => true,
        }
    }

    pub(super) fn cnpj(&mut self, schema: &Value) -> String {
        // Alphanumeric CNPJs exist for registrations since July 2026: a minority, and only where the
        // version's pattern admits them.
        let alnum = self.ctx.alphanumeric_cnpj
            && Self::pattern_allows(schema, "12ABC34501DE35")
            && self.rng.random_bool(0.15);
        br::gen_cnpj(self.rng, alnum)
    }

    pub(super) fn hinted(
        &mut self,
        hint: Hint,
        schema: &Value,
        siblings: &Map<String, Value>,
    ) -> Option<String> {
        let persona = self.ctx.persona;
        let epoch = DATA_EPOCH;
        Some(match hint {
            Hint::PersonaCpf => match persona.kind {
                DocKind::Cpf => persona.document.clone(),
                DocKind::Cnpj => persona.representative_cpf.clone(),
            },
            Hint::PersonaCnpj => match persona.kind {
                DocKind::Cnpj => persona.document.clone(),
                DocKind::Cpf => self.cnpj(schema),
            },
            Hint::PersonaId => persona.record_id(self.ctx.record),
            Hint::PersonaCivilName => persona.civil_name.clone(),
            Hint::PersonaSocialName => persona
                .social_name
                .clone()
                .unwrap_or_else(|| persona.civil_name.clone()),
            Hint::PersonaBirthDate => persona.birth_date.format("%Y-%m-%d").to_string(),
            Hint::PersonaMotherName => persona.mother_name.clone(),
            Hint::PersonaFatherName => persona.father_name.clone(),
            Hint::PersonaEmail => {
                let i = match self.scope().container.as_deref() {
                    Some("emails") => self.scope().index.unwrap_or(0),
                    _ => 0,
                };
                persona.emails.get(i).or(persona.emails.first()).cloned()?
            }
            Hint::PersonaCompanyName => match &persona.company {
                Some(c) => c.legal_name.clone(),
                None => self.company().legal_name,
            },
            Hint::PersonaTradeName => match &persona.company {
                Some(c) => c.trade_name.clone(),
                None => self.company().trade_name,
            },
            Hint::PersonaIncorporationDate => fmt_datetime(persona.incorporation),
            Hint::PersonaStartDate => fmt_datetime(persona.relationship_start),
            Hint::PersonaOccupation => persona.occupation.clone(),
            Hint::PersonaOccupationCode => persona.occupation_code.clone(),
            Hint::PersonaIncome => persona.income.clone(),
            Hint::Brand => self.ctx.brand.to_string(),
            Hint::InstitutionCnpj => {
                let list = self.ctx.institution_cnpjs;
                let i = self.item_index.unwrap_or(0);
                list.get(i % list.len().max(1)).cloned()?
            }
            Hint::BankCnpj => {
                // A bank's CNPJ root is its ISPB; its head office is branch 0001.
                let body = format!("{}0001", self.bank().ispb);
                let dv = br::cnpj_check_digits(&body)?;
                format!("{body}{}{}", dv[0], dv[1])
            }
            Hint::Cpf => br::gen_cpf(self.rng),
            Hint::Cnpj => self.cnpj(schema),
            Hint::CpfOrCnpj => {
                if self.rng.random_bool(0.6) {
                    self.cnpj(schema)
                } else {
                    br::gen_cpf(self.rng)
                }
            }
            Hint::PersonCivilName => match (
                self.scope().container.as_deref(),
                siblings.get("type").and_then(Value::as_str),
            ) {
                (Some("filiation"), Some("MAE")) => persona.mother_name.clone(),
                (Some("filiation"), Some("PAI")) => persona.father_name.clone(),
                _ => self.person().0,
            },
            // Someone without a social name is known by the civil name.
            Hint::PersonSocialName => match siblings.get("civilName").and_then(Value::as_str) {
                Some(civil) => civil.to_string(),
                None => self.person().0,
            },
            Hint::CompanyName => self.company().legal_name,
            Hint::CompanyTradeName => self.company().trade_name,
            Hint::AddressLine => self.address().line.clone(),
            Hint::AddressStreet => self.address().street.clone(),
            Hint::AddressNumber => self.address().number.clone(),
            Hint::AddressComplement => self.address().complement.clone()?,
            Hint::AddressDistrict => self.address().district.clone(),
            Hint::AddressTown => self.address().town.clone(),
            Hint::AddressIbge => self.address().ibge.clone(),
            Hint::AddressUf => self.address().uf.to_string(),
            Hint::AddressCep => self.address().cep.clone(),
            Hint::AddressCountry => "Brasil".into(),
            Hint::AddressCountryCode => "BRA".into(),
            Hint::AddressLatitude => self.address().latitude.clone(),
            Hint::AddressLongitude => self.address().longitude.clone(),
            Hint::PhoneCountryCallingCode => self.phone().country_code.clone(),
            Hint::PhoneAreaCode => self.phone().area_code.clone(),
            Hint::PhoneNumber => self.phone().number.clone(),
            Hint::PhoneFull => {
                let p = self.phone();
                format!("{}{}", p.area_code, p.number)
            }
            Hint::PhoneExtension => self.rng.random_range(10..9999).to_string(),
            Hint::Email => {
                let (name, _) = self.person();
                br::email_for(self.rng, &name)
            }
            Hint::Amount => amount_for(self.rng, schema),
            Hint::Currency => "BRL".into(),
            // A Brazilian's passport is Brazilian.
            Hint::CountryAlpha3
                if persona.brazilian
                    && (self.scope().container.as_deref() == Some("passport")
                        || siblings.contains_key("passportNumber")) =>
            {
                "BRA".to_string()
            }
            Hint::CountryAlpha3 => br::gen_foreign_country(self.rng).alpha3.to_string(),
            Hint::CountryName => br::gen_foreign_country(self.rng).name_pt.to_string(),
            Hint::DatePast => {
                let d = self.rng.random_range(30..3650);
                fmt_date(epoch - Duration::days(d))
            }
            Hint::DateFuture => {
                let d = self.rng.random_range(365..3650);
                fmt_date(epoch + Duration::days(d))
            }
            Hint::DatetimeRecent => {
                let s = self.rng.random_range(3600..90 * 86400);
                fmt_datetime(epoch - Duration::seconds(s))
            }
            Hint::DatetimePast => {
                let d = self.rng.random_range(365..15 * 365);
                fmt_datetime(epoch - Duration::days(d) + Duration::seconds(9 * 3600))
            }
            Hint::YearPast => (epoch.year() - self.rng.random_range(0..4)).to_string(),
            Hint::BankCompe => self.bank().compe.to_string(),
            Hint::BankIspb => self.bank().ispb.to_string(),
            Hint::BankBranch => self.account().0,
            Hint::BankAccount => self.account().1,
            Hint::BankCheckDigit => self.account().2,
            Hint::Cnae => br::gen_cnae(self.rng).code.to_string(),
            Hint::DocumentNumber => {
                let kind = siblings
                    .get("documentType")
                    .or_else(|| siblings.get("type"))
                    .or_else(|| siblings.get("kind"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                match kind {
                    "CPF" => br::gen_cpf(self.rng),
                    "CNPJ" => self.cnpj(schema),
                    "CNH" => br::gen_cnh(self.rng),
                    "PASSAPORTE" | "OUTRO_DOCUMENTO_VIAGEM" => br::gen_passport(self.rng),
                    "RG" => br::gen_rg(self.rng),
                    _ => {
                        if self.scope().container.as_deref() == Some("passport") {
                            br::gen_passport(self.rng)
                        } else {
                            br::gen_rg(self.rng)
                        }
                    }
                }
            }
            Hint::DocumentIssuer => match siblings.get("type").and_then(Value::as_str) {
                Some("CNH") => format!("DETRAN/{}", persona.addresses[0].uf),
                Some("RNE") => "PF/DPMAF".to_string(),
                _ => format!("SSP/{}", persona.addresses[0].uf),
            },
            Hint::IsMain => (self.scope().index.unwrap_or(0) == 0).to_string(),
            // Enum-valued meanings are chosen in `enum_choice`; a free-text field with this meaning
            // gets the same words.
            Hint::PersonaSex => match persona.sex {
                br::Sex::Female => "FEMININO".into(),
                br::Sex::Male => "MASCULINO".into(),
            },
            Hint::PersonaMaritalStatus => persona.marital_status.to_string(),
            Hint::Text => return None,
            // Open-world meanings: their values come from `open::open_hinted`; a curated
            // document naming one with `x-datagen` gets the plain form here.
            Hint::PersonaDocument => persona.document.clone(),
            Hint::PersonBirthDate => persona.birth_date.format("%Y-%m-%d").to_string(),
            Hint::FirstName => self.person().0.split_whitespace().next()?.to_string(),
            Hint::LastName => self.person().0.split_whitespace().last()?.to_string(),
            Hint::CountryCode => "BR".into(),
            Hint::Locale => "pt-BR".into(),
            Hint::Timezone => "America/Sao_Paulo".into(),
            Hint::Url => format!(
                "https://api.exemplo.com.br/v1/recursos/{}",
                self.rng.random_range(1000..99999)
            ),
            Hint::Username
            | Hint::Age
            | Hint::Page
            | Hint::PageSize
            | Hint::Count
            | Hint::UnixTime
            | Hint::Percentage
            | Hint::AccessToken
            | Hint::Password
            | Hint::Ip
            | Hint::Identifier
            | Hint::Sentence => return None,
        })
    }
}

/// A BRL amount with as many decimals as the pattern wants (`^\d{1,15}\.\d{2,4}$` -> 2).
pub(super) fn amount_for(rng: &mut ChaCha8Rng, schema: &Value) -> String {
    let decimals = match schema.get("pattern").and_then(Value::as_str) {
        Some(p) if p.contains(r"\.\d{4}") => 4,
        _ => 2,
    };
    br::amount(rng, 5_000, 25_000_000, decimals)
}
