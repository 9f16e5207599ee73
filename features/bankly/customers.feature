@bankly @customers
Feature: Cadastro de clientes Bankly — conformidade de schema
  Every operation of the customers API answers in the shape its spec declares: the token, the
  registration (202 without a body), the read at both result levels, the update of an approved
  customer, the offboarding and the webhook configuration. resultLevel=BASIC is a summary;
  resultLevel=DETAILED adds everything that was registered and the reasons of the analysis.

  Scenario: a client-credentials token matches its schema and is never cached
    When I ask for a Bankly token with the scopes "customer.read customer.write"
    Then the status is 200
    And the body matches the schema of banklyToken
    And the field "token_type" is "Bearer"
    And the response header "Cache-Control" is "no-store"

  Scenario: registering a valid customer answers 202 without a body
    Given a Bankly token with every scope
    And a Bankly customer nobody registered
    When I register the customer
    Then the status is 202
    And the body matches its schema
    And the response headers match its spec
    And the response echoes the correlation id
    And the customer's KYC status is "PENDING_APPROVAL"

  Scenario: resultLevel=BASIC is the default and shows the summary only
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "PENDING_APPROVAL"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 200
    And the content type is JSON
    And the body matches its schema
    And the response headers match its spec
    And the body holds the BASIC fields only
    And the field "document.value" is "{{documentNumber}}"
    And the field "document.type" is "CPF"
    And the field "status" is "PENDING_APPROVAL"

  Scenario: resultLevel=BASIC asked by name shows the summary only
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "APPROVED"
    When I GET "/bankly/customers/{{documentNumber}}?resultLevel=BASIC"
    Then the status is 200
    And the body matches its schema
    And the body holds the BASIC fields only
    And the field "status" is "APPROVED"

  Scenario: resultLevel=DETAILED adds what was registered
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "PENDING_APPROVAL"
    When I GET "/bankly/customers/{{documentNumber}}?resultLevel=DETAILED"
    Then the status is 200
    And the body matches its schema
    And the response headers match its spec
    And the body holds the DETAILED fields of the registration
    And the field "reasons" has 0 items

  Scenario: a reproved registration shows its reasons in DETAILED only
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "REPROVED"
    When I GET "/bankly/customers/{{documentNumber}}?resultLevel=DETAILED"
    Then the status is 200
    And the body matches its schema
    And the field "reasons.0" is "DOCUMENT_MISMATCH"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 200
    And the body holds the BASIC fields only

  Scenario: a blacklisted registration carries NOT_RETRY
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "BLACKLISTED"
    When I GET "/bankly/customers/{{documentNumber}}?resultLevel=DETAILED"
    Then the status is 200
    And the body matches its schema
    And the field "status" is "BLACKLISTED"
    And the field "reasons.0" is "NOT_RETRY"

  Scenario: a running analysis is cached for 30 seconds
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "IN_ANALYSIS"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 200
    And the response header "Cache-Control" is "private, max-age=30"

  Scenario: a finished analysis is cached for an hour
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "APPROVED"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 200
    And the response header "Cache-Control" is "private, max-age=3600"

  Scenario: an approved customer's contact data can be updated
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "APPROVED"
    When I PATCH "/bankly/customers/{{documentNumber}}" with the body:
      """
      {"data": {"email": "novo.contato@example.com.br"}}
      """
    Then the status is 202
    And the body matches its schema
    And the response headers match its spec
    When I GET "/bankly/customers/{{documentNumber}}?resultLevel=DETAILED"
    Then the field "email" is "novo.contato@example.com.br"
    And the field "status" is "APPROVED"

  Scenario: a customer still under analysis cannot be updated
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "PENDING_APPROVAL"
    When I PATCH "/bankly/customers/{{documentNumber}}" with the body:
      """
      {"data": {"email": "novo.contato@example.com.br"}}
      """
    Then the status is 405
    And the error code is "METHOD_NOT_ALLOWED"
    And the body matches its schema
    And the customer's KYC status is "PENDING_APPROVAL"

  Scenario: identity fields cannot be updated
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "APPROVED"
    When I PATCH "/bankly/customers/{{documentNumber}}" with the body:
      """
      {"data": {"registerName": "Outra Pessoa da Silva"}}
      """
    Then the status is 400
    And the error code is "INVALID_PARAMETER"
    And the body matches its schema

  Scenario: offboarding an approved customer
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "APPROVED"
    When I PATCH "/bankly/customers/{{documentNumber}}/cancel" with the body:
      """
      {"reason": "HOLDER_REQUEST"}
      """
    Then the status is 202
    And the body matches its schema
    And the response echoes the correlation id
    And the customer's KYC status is "CANCELED"

  Scenario: offboarding needs one of the documented reasons
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "APPROVED"
    When I PATCH "/bankly/customers/{{documentNumber}}/cancel" with the body:
      """
      {"reason": "CHANGED_MY_MIND"}
      """
    Then the status is 400
    And the error names the property "reason"
    And the body matches its schema
    And the customer's KYC status is "APPROVED"

  Scenario: a webhook configuration is registered and its privateKey is never returned
    Given a Bankly token with every scope
    When I register a webhook receiver for the event "CUSTOMER_WAS_APPROVED"
    Then the status is 201
    And the body matches its schema
    And the response headers match its spec
    And the field "data.eventName" is "CUSTOMER_WAS_APPROVED"
    And the field "data.context" is "Customer"
    And the field "data.privateKey" is absent
