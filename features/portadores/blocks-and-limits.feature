@portadores @blocks @limits
Feature: Portadores — bloqueios, desbloqueios e limites
  A block's type comes from GET /bloqueios/tipos; the account and its card follow it, and every
  look-up shows it. An account holds one block at a time, a definitive block (a lost card) can
  neither be lifted nor replaced, and unblocking needs a block. Limits stay within the product's
  bounds; a blocked account's limit may be lowered but never raised.

  Background:
    Given a card-holder token with every scope
    And a card holder with a PF account

  Scenario: a temporary block blocks the account and unblocking restores it
    When I block the account with a temporary block
    Then the status is 201
    And the field "statusCliente" is "BLOQUEADO"
    And the field "statusCartao" is "BLOQUEADO"
    And the account's status is "BLOQUEADO"
    When I unblock the account
    Then the status is 200
    And the field "statusCliente" is "ATIVO"
    And the account's status is "ATIVO"

  Scenario: unblocking needs a block
    When I unblock the account
    Then the status is 422
    And the card-holder error code is "PORTADOR_NAO_BLOQUEADO"
    And the account's status is "ATIVO"

  Scenario: a blocked account is not blocked again with a temporary block
    When I block the account with a temporary block
    Then the status is 201
    When I block the account with a temporary block
    Then the status is 409
    And the card-holder error code is "PORTADOR_JA_BLOQUEADO"

  Scenario: a definitive block replaces a temporary one and cannot be lifted
    When I block the account with a temporary block
    Then the status is 201
    When I block the account with a definitive block
    Then the status is 201
    And the field "statusCartao" is "CANCELADO"
    When I unblock the account
    Then the status is 422
    And the card-holder error code is "BLOQUEIO_DEFINITIVO"
    When I block the account with a temporary block
    Then the status is 422
    And the card-holder error code is "BLOQUEIO_DEFINITIVO"

  Scenario: a block type the issuer does not have is refused
    When I POST "/portadores/api/v1/portadores/bloqueios" with the body:
      """
      {"idPortador": {{idPortador}}, "idTipoBloqueio": 9999}
      """
    Then the status is 400
    And the card-holder error names the field "idTipoBloqueio"
    And the account's status is "ATIVO"

  Scenario: blocking an account that does not exist is refused
    When I POST "/portadores/api/v1/portadores/bloqueios" with the body:
      """
      {"idPortador": 999999999, "idTipoBloqueio": 1}
      """
    Then the status is one of "400, 404"

  Scenario: a limit within the product's bounds is the account's limit everywhere
    When I raise the account's limit by 100
    Then the status is 200
    And the account's limit is the one asked for

  Scenario: a blocked account's limit cannot be raised
    When I block the account with a temporary block
    And I raise the account's limit by 100
    Then the status is 422
    And the card-holder error code is "PORTADOR_BLOQUEADO"
    And the account's limit is unchanged

  Scenario: a blocked account's limit can be lowered
    When I block the account with a temporary block
    And I lower the account's limit by 100
    Then the status is 200
    And the account's limit is the one asked for

  Scenario: a limit past the product's bounds is refused and changes nothing
    When I raise the account's limit by 9000000
    Then the status is 400
    And the card-holder error names the field "limiteRotativo"
    And the account's limit is unchanged

  Scenario: installments above the revolving limit are refused
    When I PATCH "/portadores/api/v1/portadores/{{idPortador}}/limites" with the body:
      """
      {"limiteRotativo": 1000, "limiteParcelado": 1000.01}
      """
    Then the status is 400
    And the card-holder error names the field "limiteParcelado"

  Scenario: a product change issues a new card and is refused while blocked
    When I move the account to another product
    Then the status is 200
    And the field "produtoAtual.id" is "{{idProdutoNovo}}"
    And every look-up agrees with the account
    When I block the account with a temporary block
    And I PATCH "/portadores/api/v1/portadores/produto" with the body:
      """
      {"idPortador": {{idPortador}}, "idProduto": {{idProduto}}}
      """
    Then the status is 422
    And the card-holder error code is "PORTADOR_BLOQUEADO"
