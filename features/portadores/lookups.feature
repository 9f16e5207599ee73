@portadores @lookups
Feature: Portadores — as consultas concordam com o que foi cadastrado e entre si
  An account opened with the seed's body is found by its id, its CPF or CNPJ, its RG, its name
  (partial, in any case, without accents) and in a batch, and every one of those answers shows the
  same holder, card, product and status as the record of GET /{idPortador}. A change shows
  everywhere at once. A CPF nobody opened an account for is the holder of an account the sandbox
  generates from that CPF's persona (the same person every family shows), so read-only clients
  can start without writing.

  Scenario: a PF account is the same in every look-up
    Given a card-holder token with every scope
    And a card holder with a PF account
    Then every look-up agrees with the account

  Scenario: a PJ account is the same in every look-up
    Given a card-holder token with every scope
    And a card holder with a PJ account
    Then every look-up agrees with the account

  Scenario: a new name shows in every look-up
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I change the holder's name to "Marta Regina Albuquerque Vasconcelos"
    Then the status is 200
    And every look-up agrees with the account
    When I GET "/portadores/api/v1/portadores/nomes?nome=albuquerque%20vasconcelos"
    Then the status is 200
    And the answer lists the scenario's account

  Scenario: the name search is partial, case- and accent-insensitive
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I search the holder by part of the name in lower case without accents
    Then the status is 200
    And the answer lists the scenario's account

  Scenario: a search by name needs three letters
    Given a card-holder token with every scope
    When I GET "/portadores/api/v1/portadores/nomes?nome=ab"
    Then the status is 400
    And the card-holder error names the field "nome"

  Scenario: a batch look-up reports unknown ids per item
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I GET "/portadores/api/v1/portadores/lote?ids={{idPortador}},999999999"
    Then the status is 200
    And the body matches its schema
    And the field "encontrados" is "1"
    And the field "naoEncontrados" is "1"
    And the field "itens.0.encontrado" is "true"
    And the field "itens.1.encontrado" is "false"
    And the field "itens.1.erro.codigo" is "PORTADOR_NAO_ENCONTRADO"

  Scenario: the accounts of a CPF list the opened one
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I GET "/portadores/api/v1/portadores/contas?cpf={{cpfPortador}}"
    Then the status is 200
    And the answer lists the scenario's account

  Scenario: a CPF nobody opened an account for is a holder generated from its persona
    Given a card-holder token with every scope
    And a CPF nobody opened an account for
    When I GET "/portadores/api/v1/portadores/{{idPortador}}"
    Then the status is 200
    And the body matches its schema
    And the field "cpf" is "{{cpfPortador}}"
    When I GET "/portadores/api/v1/portadores/simplificado/cpf?cpf={{cpfPortador}}"
    Then the status is 200
    And the answer lists the scenario's account
    When I GET "/portadores/api/v1/portadores/completo/cpf?cpf={{cpfPortador}}"
    Then the status is 200
    And the body matches its schema
    And the field "0.cpf" is "{{cpfPortador}}"
