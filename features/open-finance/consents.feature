@open-finance @consents
Feature: Consentimentos — criação, leitura e revogação (Consents API v3)
  Creating a consent for customer data: whole permission groups with RESOURCES_READ, personal and
  business never together, businessEntity exactly when business data is asked, a sane expiration;
  each wrong combination has its own 422 code.

  Scenario: a valid consent is created awaiting authorisation
    Given a client credentials token for the Consents API
    When I request a personal consent with the permissions "CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ, CUSTOMERS_PERSONAL_ADITTIONALINFO_READ, RESOURCES_READ"
    Then the status is 201
    And the body matches its schema
    And the field "data.status" is "AWAITING_AUTHORISATION"
    And the response echoes the interaction id
    And the response header "x-v" is a version

  Scenario Outline: <code>
    Given a client credentials token for the Consents API
    When I request a <kind> consent with the permissions "<permissions>"
    Then the status is 422 with the error code one of "<accepted>"
    And the body matches its schema

    Examples:
      | code                             | kind     | permissions                                                                              | accepted                                                          |
      | PERMISSAO_PF_PJ_EM_CONJUNTO      | business | CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ, CUSTOMERS_BUSINESS_IDENTIFICATIONS_READ, RESOURCES_READ | PERMISSAO_PF_PJ_EM_CONJUNTO, PERMISSOES_PF_PJ_EM_CONJUNTO, PERMISSOES_PJ_INCORRETAS |
      | INFORMACOES_PJ_NAO_INFORMADAS    | personal | CUSTOMERS_BUSINESS_IDENTIFICATIONS_READ, RESOURCES_READ                                  | INFORMACOES_PJ_NAO_INFORMADAS                                     |
      | PERMISSOES_PJ_INCORRETAS         | business | CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ, RESOURCES_READ                                  | PERMISSOES_PJ_INCORRETAS                                          |
      | COMBINACAO_PERMISSOES_INCORRETA  | personal | CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ                                                  | COMBINACAO_PERMISSOES_INCORRETA, COMBINACOES_DE_PERMISSOES_INCORRETA |

  Scenario: an expiration in the past gets DATA_EXPIRACAO_INVALIDA
    Given a client credentials token for the Consents API
    When I create the consent:
      """
      {"data": {"loggedUser": {"document": {"identification": "{{cpf}}", "rel": "CPF"}},
                "permissions": ["CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ", "RESOURCES_READ"],
                "expirationDateTime": "{{now-1d}}"}}
      """
    Then the status is 422 with the error code one of "DATA_EXPIRACAO_INVALIDA"
    And the body matches its schema

  Scenario: a revoked consent reads REJECTED by the user, and cannot be revoked again
    Given a personal consent token in the state "authorised"
    When I revoke the consent
    Then the status is 204
    When I read the consent
    Then the status is 200
    And the body matches its schema
    And the field "data.status" is "REJECTED"
    And the field "data.rejection.rejectedBy" is "USER"
    And the field "data.rejection.reason.code" is "CUSTOMER_MANUALLY_REVOKED"
    When I revoke the consent
    Then the status is 422 with the error code one of "CONSENTIMENTO_EM_STATUS_REJEITADO, CONSENTIMENTO_JA_REJEITADO"

  @serial
  Scenario: a consent not authorised within 60 minutes is rejected
    Given a client credentials token for the Consents API
    When I request a personal consent with the permissions "CUSTOMERS_PERSONAL_IDENTIFICATIONS_READ, RESOURCES_READ"
    Then the status is 201
    When the sandbox clock moves forward 3601 seconds
    And I read the consent
    Then the field "data.status" is "REJECTED"
    And the field "data.rejection.reason.code" is "CONSENT_EXPIRED"
