@open-finance @v2 @customers
Feature: Cabeçalhos — Customers API v2
  The headers a client relies on: the x-fapi-interaction-id it sent comes back unchanged (and a
  missing or invalid one is refused with a freshly generated id), a Date within five minutes, a
  JSON content type, and the headers the spec declares — from 2.3.0 on, x-v with the version of the
  API that answered.

  Scenario: a successful response echoes the interaction id and carries Date, JSON and x-v
    Given a personal consent token in the state "authorised"
    When I GET "/open-banking/customers/v2/personal/qualifications"
    Then the status is 200
    And the response echoes the interaction id
    And the response header "x-fapi-interaction-id" is a UUID
    And the Date header is within 5 minutes of now
    And the content type is JSON
    And the response headers match the spec

  Scenario: a missing x-fapi-interaction-id gets 400 and a generated one
    Given a personal consent token in the state "authorised"
    And the request header "x-fapi-interaction-id" is not sent
    When I GET "/open-banking/customers/v2/personal/identifications"
    Then the status is 400
    And the response carries a new interaction id
    And the body matches its schema

  Scenario: an x-fapi-interaction-id that is not a UUID gets 400 and a generated one
    Given a personal consent token in the state "authorised"
    And the request header "x-fapi-interaction-id" is "not-a-uuid"
    When I GET "/open-banking/customers/v2/personal/financial-relations"
    Then the status is 400
    And the response carries a new interaction id
    And the body matches its schema

  Scenario: error responses carry the headers too
    When I GET "/open-banking/customers/v2/business/identifications" without a token
    Then the status is 401
    And the response echoes the interaction id
    And the Date header is within 5 minutes of now
    And the content type is JSON

  Scenario: an Accept that excludes JSON gets 406
    Given a personal consent token in the state "authorised"
    And the request header "accept" is "application/xml"
    When I GET "/open-banking/customers/v2/personal/identifications"
    Then the status is 406
    And the body matches its schema
