//! What a field means, beyond its JSON type: "this string is the customer's CPF", "this one is a town
//! name of the same address as that IBGE code". The data generator uses the meaning to produce realistic
//! values, the validator to run the checks no schema states (check digits, dates that exist).
//!
//! A schema names its meaning with `x-datagen`; without it the meaning is inferred from the property
//! name and the name of the enclosing property, so official documents (which carry no extensions) get
//! the same treatment as ours.

use serde_json::Value;

/// The meaning of a field. See `specs/README.md` for the user-facing table of `x-datagen` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Hint {
    PersonaCpf,
    PersonaCnpj,
    PersonaId,
    PersonaCivilName,
    PersonaSocialName,
    PersonaBirthDate,
    PersonaSex,
    PersonaMaritalStatus,
    PersonaMotherName,
    PersonaFatherName,
    PersonaEmail,
    PersonaCompanyName,
    PersonaTradeName,
    PersonaIncorporationDate,
    PersonaStartDate,
    PersonaOccupation,
    PersonaOccupationCode,
    PersonaIncome,
    Brand,
    InstitutionCnpj,
    BankCnpj,
    Cpf,
    Cnpj,
    CpfOrCnpj,
    PersonCivilName,
    PersonSocialName,
    CompanyName,
    CompanyTradeName,
    AddressLine,
    AddressStreet,
    AddressNumber,
    AddressComplement,
    AddressDistrict,
    AddressTown,
    AddressIbge,
    AddressUf,
    AddressCep,
    AddressCountry,
    AddressCountryCode,
    AddressLatitude,
    AddressLongitude,
    PhoneCountryCallingCode,
    PhoneAreaCode,
    PhoneNumber,
    PhoneFull,
    PhoneExtension,
    Email,
    Amount,
    Currency,
    CountryAlpha3,
    CountryName,
    DatePast,
    DateFuture,
    DatetimeRecent,
    DatetimePast,
    YearPast,
    BankCompe,
    BankIspb,
    BankBranch,
    BankAccount,
    BankCheckDigit,
    Cnae,
    DocumentNumber,
    DocumentIssuer,
    IsMain,
    Text,
    // Meanings read from documents of no known family (see `spec::meaning`).
    /// The customer's own document, CPF or CNPJ as the persona is.
    PersonaDocument,
    PersonBirthDate,
    FirstName,
    LastName,
    Username,
    Age,
    Page,
    PageSize,
    Count,
    UnixTime,
    Percentage,
    CountryCode,
    AccessToken,
    Password,
    Ip,
    Url,
    Locale,
    Timezone,
    Identifier,
    Sentence,
}

/// Which check-digit rule applies to a field, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Cpf,
    Cnpj,
    CpfOrCnpj,
}

impl Hint {
    /// Parses an `x-datagen` value.
    pub fn parse(name: &str) -> Option<Hint> {
        use Hint::*;
        Some(match name {
            "persona.cpf" => PersonaCpf,
            "persona.cnpj" => PersonaCnpj,
            "persona.id" => PersonaId,
            "persona.civilName" => PersonaCivilName,
            "persona.socialName" => PersonaSocialName,
            "persona.birthDate" => PersonaBirthDate,
            "persona.sex" => PersonaSex,
            "persona.maritalStatus" => PersonaMaritalStatus,
            "persona.motherName" => PersonaMotherName,
            "persona.fatherName" => PersonaFatherName,
            "persona.email" => PersonaEmail,
            "persona.companyName" => PersonaCompanyName,
            "persona.tradeName" => PersonaTradeName,
            "persona.incorporationDate" => PersonaIncorporationDate,
            "persona.startDate" => PersonaStartDate,
            "persona.occupation" => PersonaOccupation,
            "persona.occupationCode" => PersonaOccupationCode,
            "persona.income" => PersonaIncome,
            "brand" => Brand,
            "institution.cnpj" => InstitutionCnpj,
            "bank.cnpj" => BankCnpj,
            "cpf" => Cpf,
            "cnpj" => Cnpj,
            "cpf-or-cnpj" => CpfOrCnpj,
            "person.civilName" => PersonCivilName,
            "person.socialName" => PersonSocialName,
            "company.name" => CompanyName,
            "company.tradeName" => CompanyTradeName,
            "address.line" => AddressLine,
            "address.street" => AddressStreet,
            "address.number" => AddressNumber,
            "address.complement" => AddressComplement,
            "address.district" => AddressDistrict,
            "address.town" => AddressTown,
            "address.ibge" => AddressIbge,
            "address.uf" => AddressUf,
            "address.cep" => AddressCep,
            "address.country" => AddressCountry,
            "address.countryCode" => AddressCountryCode,
            "address.latitude" => AddressLatitude,
            "address.longitude" => AddressLongitude,
            "phone.countryCallingCode" => PhoneCountryCallingCode,
            "phone.areaCode" => PhoneAreaCode,
            "phone.number" => PhoneNumber,
            "phone.full" => PhoneFull,
            "phone.extension" => PhoneExtension,
            "email" => Email,
            "amount" => Amount,
            "currency" => Currency,
            "country.alpha3" => CountryAlpha3,
            "country.name" => CountryName,
            "date.past" => DatePast,
            "date.future" => DateFuture,
            "datetime.recent" => DatetimeRecent,
            "datetime.past" => DatetimePast,
            "year.past" => YearPast,
            "bank.compe" => BankCompe,
            "bank.ispb" => BankIspb,
            "bank.branch" => BankBranch,
            "bank.account" => BankAccount,
            "bank.checkDigit" => BankCheckDigit,
            "cnae" => Cnae,
            "document.number" => DocumentNumber,
            "document.issuer" => DocumentIssuer,
            "is-main" => IsMain,
            "text" => Text,
            "persona.document" => PersonaDocument,
            "person.birthDate" => PersonBirthDate,
            "person.firstName" => FirstName,
            "person.lastName" => LastName,
            "username" => Username,
            "age" => Age,
            "page" => Page,
            "page.size" => PageSize,
            "count" => Count,
            "unix-time" => UnixTime,
            "percentage" => Percentage,
            "country.code" => CountryCode,
            "access-token" => AccessToken,
            "password" => Password,
            "ip" => Ip,
            "url" => Url,
            "locale" => Locale,
            "timezone" => Timezone,
            "id" => Identifier,
            "sentence" => Sentence,
            _ => return None,
        })
    }

    /// The check-digit rule a value with this meaning must pass.
    pub fn document_kind(self) -> Option<DocumentKind> {
        match self {
            Hint::PersonaCpf | Hint::Cpf => Some(DocumentKind::Cpf),
            Hint::PersonaCnpj | Hint::Cnpj | Hint::InstitutionCnpj | Hint::BankCnpj => {
                Some(DocumentKind::Cnpj)
            }
            Hint::CpfOrCnpj | Hint::PersonaDocument => Some(DocumentKind::CpfOrCnpj),
            _ => None,
        }
    }
}

/// The meaning of `schema`, found at property `prop` of an object that is itself the value (or the array
/// item) of property `parent` (`data` for the top-level records).
pub fn hint_for(schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Option<Hint> {
    if let Some(name) = schema.get("x-datagen").and_then(Value::as_str) {
        return Hint::parse(name);
    }
    infer(prop?, parent)
}

/// The meaning of a field of a document of no known family: `x-datagen`, then the open-world
/// reading of its name ([`super::meaning`]), then the exact names of our families where they do
/// not depend on those families' structure.
pub fn hint_for_open(schema: &Value, prop: Option<&str>, parent: Option<&str>) -> Option<Hint> {
    if let Some(name) = schema.get("x-datagen").and_then(Value::as_str) {
        return Hint::parse(name);
    }
    let prop = prop?;
    if let Some(h) = super::meaning::infer_open(schema, prop, parent) {
        return Some(h);
    }
    match infer(prop, parent)? {
        // Open Finance's list structures give these their meaning; elsewhere `number` or `sex`
        // say too little.
        Hint::DocumentNumber
        | Hint::DocumentIssuer
        | Hint::PersonaSex
        | Hint::PersonaMaritalStatus
        | Hint::PersonaId => None,
        h => Some(h),
    }
}

/// Name-based inference, written against the Open Finance Customers (v1 and v2) and Bankly field names.
pub fn infer(prop: &str, parent: Option<&str>) -> Option<Hint> {
    use Hint::*;
    let parent = parent.unwrap_or("");
    // The customer's own record sits at the top (`data` or the root); names further down belong to
    // other people: parents, procurators, partners.
    let own = matches!(parent, "" | "data");
    Some(match prop {
        "cpfNumber" if parent == "documents" => PersonaCpf,
        "cpfNumber" => Cpf,
        "cnpjNumber" => PersonaCnpj,
        "companyCnpj" | "companiesCnpj" | "companyCnpjNumber" => InstitutionCnpj,
        "paycheckBankCnpj" | "paycheckBankDetainerCnpj" => BankCnpj,
        "cnpj" => Cnpj,
        "cnpjCpfNumber" | "employerCnpjCpf" | "cnpjCpf" => CpfOrCnpj,
        "cpf" | "loggedUserCpf" => Cpf,
        "personalId" | "businessId" => PersonaId,
        "brandName" => Brand,
        "civilName" | "registerName" if own => PersonaCivilName,
        "civilName" | "registerName" => PersonCivilName,
        "socialName" if own => PersonaSocialName,
        "socialName" => PersonSocialName,
        "birthDate" => PersonaBirthDate,
        "sex" => PersonaSex,
        "maritalStatusCode" => PersonaMaritalStatus,
        "motherName" => PersonaMotherName,
        "companyName" if own => PersonaCompanyName,
        "companyName" | "employerName" => CompanyName,
        "tradeName" if own => PersonaTradeName,
        "tradeName" => CompanyTradeName,
        "incorporationDate" => PersonaIncorporationDate,
        "startDate" if own => PersonaStartDate,
        "startDate" => DatetimePast,
        "occupationDescription" => PersonaOccupation,
        "email" if parent == "emails" || own => PersonaEmail,
        "email" => Email,
        "address" if parent == "postalAddresses" => AddressLine,
        "addressLine" => AddressStreet,
        "buildingNumber" => AddressNumber,
        "additionalInfo" if parent == "otherDocuments" => DocumentIssuer,
        "additionalInfo" | "complement" if parent == "postalAddresses" || parent == "address" => {
            AddressComplement
        }
        "districtName" | "neighborhood" => AddressDistrict,
        "townName" | "city" => AddressTown,
        "ibgeTownCode" => AddressIbge,
        "countrySubDivision" | "state" => AddressUf,
        "postCode" | "zipCode" | "zipcode" => AddressCep,
        "country" if parent == "postalAddresses" || parent == "address" => AddressCountry,
        "countryCode" if parent == "postalAddresses" => AddressCountryCode,
        "country" | "documentCountry" => CountryAlpha3,
        "latitude" => AddressLatitude,
        "longitude" => AddressLongitude,
        "countryCallingCode" => PhoneCountryCallingCode,
        "areaCode" => PhoneAreaCode,
        "number" if parent == "phones" => PhoneNumber,
        "number" if parent == "phone" => PhoneFull,
        "countryCode" if parent == "phone" => PhoneCountryCallingCode,
        "phoneExtension" => PhoneExtension,
        "isMain" => IsMain,
        "updateDateTime" | "requestDateTime" | "statusUpdateDateTime" => DatetimeRecent,
        "compeCode" => BankCompe,
        "branchCode" => BankBranch,
        "number" if parent == "accounts" => BankAccount,
        // Accounts and identity documents alike carry a one- or two-character numeric check digit.
        "checkDigit" => BankCheckDigit,
        "paycheckBankIspb" | "paycheckBankDetainerIspb" | "ispb" => BankIspb,
        "amount" if parent == "informedIncome" => PersonaIncome,
        "amount" => Amount,
        "currency" => Currency,
        "code" if parent == "economicActivities" => Cnae,
        "otherNationalitiesInfo" => CountryAlpha3,
        "number" | "documentNumber" => DocumentNumber,
        "expirationDate" | "documentExpirationDate" => DateFuture,
        "issueDate"
        | "documentIssueDate"
        | "portabilityApprovalDate"
        | "accountOpeningDate"
        | "date" => DatePast,
        "year" => YearPast,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extension_wins_over_the_name() {
        let schema = json!({"type": "string", "x-datagen": "cnpj"});
        assert_eq!(
            hint_for(&schema, Some("cpfNumber"), Some("documents")),
            Some(Hint::Cnpj)
        );
    }

    #[test]
    fn own_names_and_other_peoples_names_differ() {
        assert_eq!(
            infer("civilName", Some("data")),
            Some(Hint::PersonaCivilName)
        );
        assert_eq!(
            infer("civilName", Some("procurators")),
            Some(Hint::PersonCivilName)
        );
        assert_eq!(
            infer("cpfNumber", Some("documents")),
            Some(Hint::PersonaCpf)
        );
        assert_eq!(infer("cpfNumber", Some("procurators")), Some(Hint::Cpf));
    }

    #[test]
    fn unknown_extension_value_gives_no_hint() {
        let schema = json!({"x-datagen": "no-such-generator"});
        assert_eq!(hint_for(&schema, Some("civilName"), None), None);
    }
}
