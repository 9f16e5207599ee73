@open-finance @v2 @customers
Feature: Permissões, revogação e expiração — Customers API v2
  A valid token whose consent lacks an endpoint's permission gets 403 there; a token issued before
  its consent was revoked or expired gets 401.

  Scenario Outline: <state> token on <endpoint> gets 403
    Given a <kind> consent token in the state "<state>"
    When I GET "/open-banking/customers/v2<endpoint>"
    Then the status is 403
    And the body matches its schema

    Examples:
      | kind     | state                | endpoint                       |
      | personal | only-additional-info | /personal/identifications      |
      | personal | only-identifications | /personal/qualifications       |
      | personal | only-identifications | /personal/financial-relations  |
      | business | only-additional-info | /business/identifications      |
      | business | only-identifications | /business/qualifications       |
      | business | only-identifications | /business/financial-relations  |
      | personal | authorised           | /business/identifications      |
      | business | authorised           | /personal/qualifications       |

  Scenario: a token issued before the consent was revoked gets 401
    Given a personal consent token in the state "authorised"
    When I GET "/open-banking/customers/v2/personal/identifications"
    Then the status is 200
    When I revoke the consent
    Then the status is 204
    When I GET "/open-banking/customers/v2/personal/identifications"
    Then the status is 401
    And the body matches its schema
    When I refresh the access token
    Then the status is 400
    And the OAuth error is "invalid_grant"

  @serial
  Scenario: a token of an expired consent gets 401
    Given a personal consent token in the state "expired"
    When I GET "/open-banking/customers/v2/personal/qualifications"
    Then the status is 401
    And the body matches its schema
