@portadores @history
Feature: Portadores — toda alteração aparece no histórico
  Every change made through the API is one event of GET /{idPortador}/historico, newest first,
  naming the fields it changed; a request that is refused, or that changes nothing, leaves no
  event, and reads never do. Limit changes are also entries of /limites/historico.

  Background:
    Given a card-holder token with every scope
    And a card holder with a PF account

  Scenario: a registration change is an ALTERACAO_CADASTRAL naming its fields
    When I PATCH "/portadores/api/v1/portadores/{{idPortador}}" with the body:
      """
      {"email": "novo.email@example.com.br", "estadoCivil": "SOLTEIRO"}
      """
    Then the status is 200
    And the history has a new "ALTERACAO_CADASTRAL" event
    And the history's newest event changed the fields "email"

  Scenario: the same registration data again leaves no event
    When I PATCH "/portadores/api/v1/portadores/{{idPortador}}" with the body:
      """
      {"email": "mesmo.email@example.com.br"}
      """
    Then the status is 200
    And the history has a new "ALTERACAO_CADASTRAL" event
    When I PATCH "/portadores/api/v1/portadores/{{idPortador}}" with the body:
      """
      {"email": "mesmo.email@example.com.br"}
      """
    Then the status is 200
    And the history has no new event

  Scenario: a limit change is an ALTERACAO_LIMITE and a limit-history entry
    When I raise the account's limit by 100
    Then the status is 200
    And the history has a new "ALTERACAO_LIMITE" event
    And the account's limit is the one asked for

  Scenario: a block and an unblock are one event each
    When I block the account with a temporary block
    Then the status is 201
    And the history has a new "BLOQUEIO" event
    When I unblock the account
    Then the status is 200
    And the history has a new "DESBLOQUEIO" event

  Scenario: the VIP classification is an event once
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/vipagem" with the body:
      """
      {"vip": true}
      """
    Then the status is 200
    And the history has a new "VIPAGEM" event
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/vipagem" with the body:
      """
      {"vip": true}
      """
    Then the status is 200
    And the history has no new event

  Scenario: a dependent is an INCLUSAO_DEPENDENTE
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/dependentes" with the body:
      """
      {"nome": "Rafael Mendes Rocha", "cpf": "{{cpfDependente}}", "dataNascimento": "1999-08-30",
       "sexo": "MASCULINO", "grauParentesco": "FILHO", "nomeMae": "Helena Mendes Rocha"}
      """
    Then the status is 201
    And the history has a new "INCLUSAO_DEPENDENTE" event

  Scenario: phones added, confirmed for SMS and deleted are events
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/telefones" with the body:
      """
      {"tipo": "CELULAR", "area": "21", "telefone": "987650003"}
      """
    Then the status is 201
    And the history has a new "INCLUSAO_TELEFONE" event
    When I confirm the holder's newest phone for SMS
    Then the status is 200
    And the history has a new "HABILITACAO_SMS" event
    When I delete the holder's SMS phone
    Then the status is 204
    And the history has a new "EXCLUSAO_TELEFONE" event

  Scenario: a password sent by SMS is an event that shows no password
    When I send POST to "/portadores/api/v1/portadores/{{idPortador}}/senhas/sms"
    Then the status is 202
    And the history has a new "ENVIO_SENHA_SMS" event

  Scenario: a password change is an event that shows no password
    Given the holder has a password sent by SMS
    When I change the password to "730518"
    Then the status is 204
    And the history has a new "ALTERACAO_SENHA" event
    And neither the record nor the history shows the password

  Scenario: a product change is a TROCA_PRODUTO
    When I move the account to another product
    Then the status is 200
    And the history has a new "TROCA_PRODUTO" event

  Scenario: refused changes leave no event
    When I unblock the account
    Then the status is 422
    And the history has no new event
    When I PATCH "/portadores/api/v1/portadores/{{idPortador}}" with the body:
      """
      {"estadoNatal": "XX", "email": "sem-arroba"}
      """
    Then the status is 400
    And the history has no new event
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/dependentes" with the body:
      """
      {"nome": "Rafael Mendes Rocha", "cpf": "{{cpfPortador}}", "dataNascimento": "1999-08-30",
       "sexo": "MASCULINO", "grauParentesco": "FILHO", "nomeMae": "Helena Mendes Rocha"}
      """
    Then the status is 422
    And the history has no new event

  Scenario: reads leave no event
    When I GET "/portadores/api/v1/portadores/{{idPortador}}"
    And I GET "/portadores/api/v1/portadores/{{idPortador}}/ciclo"
    And I GET "/portadores/api/v1/portadores/{{idPortador}}/telefones"
    Then the history has no new event
