@zarv @auth
Feature: Zarv ID — login, refresh and token rules
  A user trades e-mail and password for a signed JWT (sub, workspaceId, iat, exp) valid expiresIn
  seconds and a refresh token that works once. Every other operation needs the access token:
  missing, malformed, tampered, expired or refresh-instead-of-access tokens get 401 in the error
  body {error, message}.

  Scenario: login answers a token pair that matches its schema
    When I log in to Zarv
    Then the status is 200
    And the body matches its schema
    And the field "tokenType" is "Bearer"
    And the access token is a JWT of the user's workspace, valid for expiresIn seconds

  Scenario: a wrong password gets 401 with the error body
    When I log in to Zarv with a wrong password
    Then the status is 401
    And the body matches its schema
    And the field "error" is present

  Scenario: a login body that is not an e-mail and a password gets 400
    When I POST "/zarv/api/v1/authentication" with the body:
      """
      {"username": "not-an-email", "password": 1234}
      """
    Then the status is 400
    And the body matches its schema
    And the field "details" is present

  Scenario: a refresh token works once
    Given I am logged in to Zarv
    When I refresh the Zarv token
    Then the status is 200
    And the body matches its schema
    When I GET "/zarv/api/v2/verifications"
    Then the status is 200
    When I refresh the Zarv token again with the refresh token already used
    Then the status is 401
    And the body matches its schema

  Scenario: an access token is not a refresh token
    Given I am logged in to Zarv
    When I refresh the Zarv token with the access token
    Then the status is 401
    And the body matches its schema

  Scenario: no token gets 401
    When I GET "/zarv/api/v2/verifications" without a token
    Then the status is 401
    And the body matches its schema

  Scenario: a tampered token gets 401
    Given I am logged in to Zarv
    And the Zarv access token is tampered with
    When I GET "/zarv/api/v2/verifications"
    Then the status is 401
    And the body matches its schema

  Scenario: a refresh token used as the access token gets 401
    Given I am logged in to Zarv
    And the Zarv access token is replaced by the refresh token
    When I GET "/zarv/api/v2/verifications"
    Then the status is 401
    And the body matches its schema

  @serial
  Scenario: an expired token gets 401
    Given I am logged in to Zarv
    And the Zarv access token has expired
    When I GET "/zarv/api/v2/verifications"
    Then the status is 401
    And the body matches its schema
