@open-finance @v2 @customers
Feature: Tabela de cenários do consentimento — Customers API v2
  The answer of the Customers API for each state of the consent behind the access token, row for
  row as the "Informações Gerais — Dados Cadastrais v2.3.0" table prescribes. The two families of
  403 codes found in the official documents (STATUS_* and STATUS_RESOURCE_*) are both accepted.

  Scenario Outline: <cenário>
    Given a personal consent token in the state "<state>"
    When I GET "/open-banking/customers/v2/personal/identifications"
    Then the status is <status> with the error code one of "<codes>"
    And the body matches its schema

    Examples:
      | cenário                                                   | state                      | status | codes                                                                  |
      | sem consentimento                                         | none                       | 401    | -                                                                      |
      | consentimento recusado (REJECTED)                         | rejected                   | 401    | -                                                                      |
      | autorizado, múltipla alçada pendente                      | pending-multiple-approval  | 403    | STATUS_PENDING_AUTHORISATION, STATUS_RESOURCE_PENDING_AUTHORISATION    |
      | autorizado, múltipla alçada aprovada                      | authorised                 | 200    | -                                                                      |
      | aprovado, cliente com bloqueio temporário                 | customer-blocked           | 403    | STATUS_TEMPORARY_UNAVAILABLE, STATUS_RESOURCE_TEMPORARILY_UNAVAILABLE  |
      | aprovado, cliente encerrou o relacionamento               | relationship-closed        | 403    | STATUS_UNAVAILABLE, STATUS_RESOURCE_UNAVAILABLE                        |
      | autorizado, múltipla alçada recusada                      | multiple-approval-rejected | 403    | STATUS_UNAVAILABLE, STATUS_RESOURCE_UNAVAILABLE                        |
      | consentimento revogado ou expirado                        | revoked                    | 401    | -                                                                      |
