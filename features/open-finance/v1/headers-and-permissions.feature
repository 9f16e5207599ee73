@open-finance @v1 @customers
Feature: Cabeçalhos e permissões — Customers API v1
  In version 1 the x-fapi-interaction-id is optional (echoed when sent, in its older alphanumeric
  form); the permissions work as in version 2.

  Scenario: v1 echoes the interaction id it is sent
    Given a personal consent token in the state "authorised"
    When I GET "/open-banking/customers/v1/personal/identifications"
    Then the status is 200
    And the response echoes the interaction id
    And the Date header is within 5 minutes of now

  Scenario: v1 answers without an interaction id
    Given a personal consent token in the state "authorised"
    And the request header "x-fapi-interaction-id" is not sent
    When I GET "/open-banking/customers/v1/personal/financial-relations"
    Then the status is 200
    And the body matches its schema

  Scenario Outline: v1 <state> token on <endpoint> gets 403
    Given a <kind> consent token in the state "<state>"
    When I GET "/open-banking/customers/v1<endpoint>"
    Then the status is 403
    And the body matches its schema

    Examples:
      | kind     | state                | endpoint                       |
      | personal | only-additional-info | /personal/identifications      |
      | personal | only-identifications | /personal/qualifications       |
      | business | only-identifications | /business/financial-relations  |
      | personal | authorised           | /business/identifications      |
