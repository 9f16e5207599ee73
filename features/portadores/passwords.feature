@portadores @passwords
Feature: Portadores — senhas
  A password is changed with the current one, is 4 to 6 digits and neither a sequence nor one
  digit repeated nor two alternating; it is kept only hashed and never answered. The issuer
  cannot resend a hash: POST /senhas/sms sends a new provisional password to the phone confirmed
  for SMS, and without one it refuses clearly. Three wrong current passwords in a row lock it
  until a new one comes by SMS. Reading the SMS needs the sandbox's outbox (control API): on a
  real issuer the scenarios that need it are skipped.

  Background:
    Given a card-holder token with every scope
    And a card holder with a PF account

  Scenario: a holder without a phone confirmed for SMS gets no password by SMS
    When I delete the holder's SMS phone
    Then the status is 204
    And the deleted phone is gone from the holder's phones
    When I send POST to "/portadores/api/v1/portadores/{{idPortador}}/senhas/sms"
    Then the status is 422
    And the card-holder error code is "SEM_TELEFONE_SMS"

  Scenario: a password cannot be changed before the holder has one
    When I change the password from "583920" to "740295"
    Then the status is 422
    And the card-holder error code is "SENHA_NAO_CADASTRADA"

  Scenario: a password of letters is refused naming the field
    When I change the password from "58a9" to "740295"
    Then the status is 400
    And the card-holder error names the field "senhaAtual"

  Scenario: the current password is required
    Given the holder has a password sent by SMS
    When I change the password from "583920" to "740295"
    Then the status is 422
    And the card-holder error code is "SENHA_INCORRETA"
    And the history has no new event

  Scenario Outline: a trivial new password <pin> is refused
    Given the holder has a password sent by SMS
    When I change the password to "<pin>"
    Then the status is 400
    And the card-holder error names the field "novaSenha"
    And the history has no new event

    Examples:
      | pin    |
      | 1234   |
      | 987654 |
      | 8901   |
      | 1111   |
      | 1212   |
      | 373737 |
      | 12345  |

  Scenario: a changed password is the one that works and is never shown
    Given the holder has a password sent by SMS
    When I change the password to "730518"
    Then the status is 204
    And neither the record nor the history shows the password
    When I GET "/portadores/api/v1/portadores/{{idPortador}}"
    Then the field "senhaExpirada" is "false"
    When I change the password to "482057"
    Then the status is 204

  Scenario: three wrong current passwords in a row lock the password
    Given the holder has a password sent by SMS
    When I change the password with a wrong current one 3 times
    Then the status is 422
    And the card-holder error code is "SENHA_BLOQUEADA"
    When I change the password to "730518"
    Then the status is 422
    And the card-holder error code is "SENHA_BLOQUEADA"
    Given the holder has a password sent by SMS
    When I change the password to "730518"
    Then the status is 204
