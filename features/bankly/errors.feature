@bankly @errors
Feature: Erros, escopos e cabeçalhos — Bankly
  Every refusal has Bankly's error shape (errors[].code, propertyName, messages, and a reference)
  and says what was wrong: the api-version header every call needs, the CPF of the path, the
  fields of a registration (a bad request registers nothing), tokens (401) and their scopes (403),
  unknown customers (404), methods (405), Accept (406) and the rate limit (429). Every answer
  echoes the client's x-correlation-id, or carries one of its own.

  Scenario: a request without api-version gets 400 naming the header
    Given a Bankly token with every scope
    And the request header "api-version" is not sent
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 400
    And the error code is "INVALID_PARAMETER"
    And the error names the property "api-version"
    And the body matches its schema
    And the response echoes the correlation id

  Scenario: an api-version the API does not have gets 400
    Given a Bankly token with every scope
    And the request header "api-version" is "9"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 400
    And the error names the property "api-version"
    And the body matches its schema

  Scenario: a request without x-correlation-id gets one of the target's own
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "PENDING_APPROVAL"
    And the request header "x-correlation-id" is not sent
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 200
    And the response header "x-correlation-id" is a UUID

  Scenario: an x-correlation-id with spaces gets 400 and a generated one
    Given a Bankly token with every scope
    And the request header "x-correlation-id" is "two words"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 400
    And the error names the property "x-correlation-id"
    And the response header "x-correlation-id" is a UUID

  Scenario: an unknown customer gets 404
    Given a Bankly token with every scope
    And a Bankly customer nobody registered
    When I GET "/bankly/customers/{{documentNumber}}?resultLevel=DETAILED"
    Then the status is 404
    And the error code is "NOT_FOUND"
    And the body matches its schema
    And the response headers match its spec
    And the response echoes the correlation id

  Scenario: a CPF with wrong check digits gets 400 naming documentNumber
    Given a Bankly token with every scope
    When I GET "/bankly/customers/52998224726"
    Then the status is 400
    And the error names the property "documentNumber"
    And the body matches its schema

  Scenario: a resultLevel other than BASIC or DETAILED gets 400
    Given a Bankly token with every scope
    When I GET "/bankly/customers/{{documentNumber}}?resultLevel=FULL"
    Then the status is 400
    And the error names the property "resultLevel"
    And the body matches its schema

  Scenario: a phone with a DDD nobody uses gets 400 and registers nothing
    Given a Bankly token with every scope
    And a Bankly customer nobody registered
    When I register the customer with the field "phone.number" set to "20987654321"
    Then the status is 400
    And the error code is "INVALID_PARAMETER"
    And the error names the property "phone.number"
    And the body matches its schema
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 404

  Scenario: a CEP of another state gets 400 naming address.zipCode
    Given a Bankly token with every scope
    And a Bankly customer nobody registered
    When I register the customer with the fields:
      | address.state   | SP       |
      | address.zipCode | 69900000 |
    Then the status is 400
    And the error names the property "address.zipCode"
    And the body matches its schema

  Scenario: a registration without motherName gets 400 naming it
    Given a Bankly token with every scope
    And a Bankly customer nobody registered
    When I register the customer without the field "motherName"
    Then the status is 400
    And the error names the property "motherName"
    And the body matches its schema

  Scenario: a birth date that does not exist gets 400 naming birthDate
    Given a Bankly token with every scope
    And a Bankly customer nobody registered
    When I register the customer with the field "birthDate" set to "1990-02-30"
    Then the status is 400
    And the error names the property "birthDate"
    And the body matches its schema

  Scenario: a request without a token gets 401
    When I GET "/bankly/customers/{{documentNumber}}" without a token
    Then the status is 401
    And the error code is "UNAUTHORIZED"
    And the body matches its schema
    And the response echoes the correlation id

  Scenario: a token the target never issued gets 401
    Given the request header "authorization" is "Bearer finsandbox-harness-not-a-token"
    When I GET "/bankly/customers/{{documentNumber}}" without a token
    Then the status is 401
    And the error code is "UNAUTHORIZED"
    And the body matches its schema

  Scenario Outline: a token without <scope> gets 403 on <operation>
    Given a Bankly token without the scope "<scope>"
    When I send <method> to "<path>"
    Then the status is 403
    And the error code is "FORBIDDEN"
    And the body matches its schema
    And the response echoes the correlation id

    Examples:
      | operation                  | scope           | method | path                                        |
      | getCustomer                | customer.read   | GET    | /bankly/customers/{{documentNumber}}        |
      | registerCustomer           | customer.write  | PUT    | /bankly/customers/{{documentNumber}}        |
      | updateCustomer             | customer.update | PATCH  | /bankly/customers/{{documentNumber}}        |
      | cancelCustomer             | customer.cancel | PATCH  | /bankly/customers/{{documentNumber}}/cancel |
      | createWebhookConfiguration | webhook.write   | POST   | /bankly/webhooks/configurations             |

  Scenario: a token with only customer.read reads a customer
    Given a Bankly token with the scopes "customer.read"
    And a Bankly customer in the KYC status "PENDING_APPROVAL"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 200
    And the body matches its schema

  Scenario: a token asked for a scope the API does not have is refused
    When I ask for a Bankly token with the scopes "customer.read account.close"
    Then the status is 400
    And the OAuth error is "invalid_scope"
    And the body matches the schema of banklyToken

  Scenario: a grant other than client_credentials is refused
    When I send the Bankly token endpoint the form "grant_type=password&client_id=finsandbox-harness&scope=customer.read"
    Then the status is 400
    And the OAuth error is "unsupported_grant_type"
    And the body matches the schema of banklyToken

  Scenario: a method the path does not serve gets 405 with Allow
    Given a Bankly token with every scope
    When I send DELETE to "/bankly/customers/{{documentNumber}}"
    Then the status is 405
    And the error code is "METHOD_NOT_ALLOWED"
    And the body matches the schema of getCustomer
    And the response header "Allow" is "GET, PUT, PATCH"

  Scenario: an Accept that excludes JSON gets 406
    Given a Bankly token with every scope
    And the request header "accept" is "application/xml"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 406
    And the error code is "NOT_ACCEPTABLE"
    And the body matches its schema

  @rate-limit
  Scenario: more than 180 requests within 10 seconds get 429 with Retry-After
    Given a Bankly token with every scope
    When I send GET to "/bankly/customers/{{documentNumber}}" 181 times in a row
    Then the status is 429
    And the error code is "TOO_MANY_REQUESTS"
    And the body matches its schema
    And the response headers match its spec

  # Errors a gateway or service failure gives, injected through the sandbox control API (each
  # declared error status of each operation, once); skipped on a target without one.
  @faults
  Scenario: every declared error status of every operation, injected, is answered as declared
    When each declared error status of each operation under "/bankly" is injected
    Then every injected answer has the injected status
    And every injected answer matches its declared response, body and headers
    And every injected answer announces the Retry-After asked for
