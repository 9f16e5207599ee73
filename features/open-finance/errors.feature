@open-finance @errors @faults
Feature: Erros injetados — Open Finance
  A client must survive the errors a provider answers when its gateway or service fails: 423,
  429, 500, 504, 529 and every other status the APIs declare. On a target with the sandbox
  control API, each declared error status of each operation is injected once through
  POST /sandbox/faults (a rule pinned to that one request) and the answer is judged against the
  response declared for that status: the status itself, the body (ResponseError with its code, or
  the OAuth2 error of the token endpoint) and the headers, x-fapi-interaction-id included.
  429, 503 and 529 are injected with a Retry-After, which must come back. A real provider cannot
  be made to fail on demand: there these scenarios are skipped, saying so.

  @v1 @customers
  Scenario: every declared error of Customers API v1 is answered as declared
    When each declared error status of each operation under "/open-banking/customers/v1" is injected
    Then every injected answer has the injected status
    And every injected answer matches its declared response, body and headers
    And every injected answer announces the Retry-After asked for

  @v2 @customers
  Scenario: every declared error of Customers API v2 is answered as declared
    When each declared error status of each operation under "/open-banking/customers/v2" is injected
    Then every injected answer has the injected status
    And every injected answer matches its declared response, body and headers
    And every injected answer announces the Retry-After asked for

  @consents
  Scenario: every declared error of Consents API v3 is answered as declared
    When each declared error status of each operation under "/open-banking/consents/v3" is injected
    Then every injected answer has the injected status
    And every injected answer matches its declared response, body and headers
    And every injected answer announces the Retry-After asked for

  @auth
  Scenario: every declared error of the token endpoint is answered as declared
    When each declared error status of each operation under "/auth" is injected
    Then every injected answer has the injected status
    And every injected answer matches its declared response, body and headers
    And every injected answer announces the Retry-After asked for
