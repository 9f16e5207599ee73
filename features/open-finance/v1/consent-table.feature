@open-finance @v1 @customers
Feature: Tabela de cenários do consentimento — Customers API v1
  The consent scenario table applies to version 1 as it does to version 2.

  Scenario Outline: v1 <cenário>
    Given a personal consent token in the state "<state>"
    When I GET "/open-banking/customers/v1/personal/qualifications"
    Then the status is <status> with the error code one of "<codes>"
    And the body matches its schema

    Examples:
      | cenário                                     | state                      | status | codes                                                                  |
      | sem consentimento                           | none                       | 401    | -                                                                      |
      | consentimento recusado (REJECTED)           | rejected                   | 401    | -                                                                      |
      | autorizado, múltipla alçada pendente        | pending-multiple-approval  | 403    | STATUS_PENDING_AUTHORISATION, STATUS_RESOURCE_PENDING_AUTHORISATION    |
      | autorizado, múltipla alçada aprovada        | authorised                 | 200    | -                                                                      |
      | aprovado, cliente com bloqueio temporário   | customer-blocked           | 403    | STATUS_TEMPORARY_UNAVAILABLE, STATUS_RESOURCE_TEMPORARILY_UNAVAILABLE  |
      | aprovado, cliente encerrou o relacionamento | relationship-closed        | 403    | STATUS_UNAVAILABLE, STATUS_RESOURCE_UNAVAILABLE                        |
      | autorizado, múltipla alçada recusada        | multiple-approval-rejected | 403    | STATUS_UNAVAILABLE, STATUS_RESOURCE_UNAVAILABLE                        |
      | consentimento revogado ou expirado          | revoked                    | 401    | -                                                                      |
