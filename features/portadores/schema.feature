@portadores @schema
Feature: Portadores — cada operação responde no schema declarado
  Every operation of the card-holder API answers in the shape its spec declares, judged by the one
  judge (status declared, content type, body, formats, CPF/CNPJ check digits, dates that exist)
  together with the headers it declares; every answer echoes the client's X-Request-Id. Errors
  come in the family's one body, Erro, whatever refused the request.

  Scenario: the token endpoint answers a bearer token in its schema
    When I ask for a card-holder token with the scopes "portadores.leitura"
    Then the status is 200
    And the body matches the schema of emitirToken
    And the field "token_type" is "Bearer"
    And the field "scope" is "portadores.leitura"
    And the response header "Cache-Control" is "no-store"

  Scenario: opening a PF account answers the seed's 201
    Given a card-holder token with every scope
    When I open the PF account
    Then the status is 201
    And the body matches its schema
    And the response headers match its spec
    And the response echoes the request id
    And the field "contaCartao" is "{{idPortador}}"

  Scenario: opening a PJ account answers the seed's 201
    Given a card-holder token with every scope
    When I open the PJ account
    Then the status is 201
    And the body matches its schema
    And the response echoes the request id

  Scenario Outline: the read <operation> answers in its schema
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I GET "<path>"
    Then the status is 200
    And the content type is JSON
    And the body matches the schema of <operation>
    And the response headers match its spec
    And the response echoes the request id

    Examples:
      | operation                    | path                                                                          |
      | consultarPortador            | /portadores/api/v1/portadores/{{idPortador}}                                  |
      | consultarInformacoesPortador | /portadores/api/v1/portadores/{{idPortador}}/informacoes                      |
      | listarContasPorDocumento     | /portadores/api/v1/portadores/contas?cpf={{cpfPortador}}                      |
      | listarContasPorRg            | /portadores/api/v1/portadores/rg?rg={{rgPortador}}                            |
      | consultarCompletoPorCpf      | /portadores/api/v1/portadores/completo/cpf?cpf={{cpfPortador}}                |
      | consultarSimplificadoPorCpf  | /portadores/api/v1/portadores/simplificado/cpf?cpf={{cpfPortador}}            |
      | consultarLote                | /portadores/api/v1/portadores/lote?ids={{idPortador}},999999999               |
      | consultarCiclo               | /portadores/api/v1/portadores/{{idPortador}}/ciclo                            |
      | listarDependentes            | /portadores/api/v1/portadores/{{idPortador}}/dependentes                      |
      | listarDependentesPorCpf      | /portadores/api/v1/portadores/dependentes/cpf?cpf={{cpfPortador}}             |
      | listarHistorico              | /portadores/api/v1/portadores/{{idPortador}}/historico                        |
      | listarHistoricoLimites       | /portadores/api/v1/portadores/{{idPortador}}/limites/historico                |
      | listarInadimplencias         | /portadores/api/v1/portadores/{{idPortador}}/inadimplencias                   |
      | listarTelefones              | /portadores/api/v1/portadores/{{idPortador}}/telefones                        |
      | listarTiposBloqueio          | /portadores/api/v1/portadores/bloqueios/tipos                                 |
      | listarEscolaridades          | /portadores/api/v1/portadores/escolaridade                                    |
      | listarOcupacoes              | /portadores/api/v1/portadores/ocupacoes                                       |

  Scenario: the name search answers a page in its schema
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I search the holder by part of the name in lower case without accents
    Then the status is 200
    And the body matches the schema of buscarContasPorNome
    And the response headers match its spec
    And the answer lists the scenario's account

  Scenario: the accounts of a CNPJ answer in their schema
    Given a card-holder token with every scope
    And a card holder with a PJ account
    When I GET "/portadores/api/v1/portadores/cnpj?cnpj={{cnpjPortador}}"
    Then the status is 200
    And the body matches the schema of listarContasPorCnpj
    And the response echoes the request id

  Scenario: the occurrences of a period answer in their schema
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I ask for the account's occurrences of the last 30 days
    Then the status is 200
    And the body matches the schema of listarOcorrencias
    And the response headers match its spec

  Scenario: a registration change answers the registration data
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I PATCH "/portadores/api/v1/portadores/{{idPortador}}" with the body:
      """
      {"email": "portador.alterado@example.com.br", "inibirEnvioFaturaGrafica": true}
      """
    Then the status is 200
    And the body matches the schema of alterarPortador
    And the response headers match its spec
    And the field "email" is "portador.alterado@example.com.br"

  Scenario: a limit change answers the limits
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I raise the account's limit by 100
    Then the status is 200
    And the body matches the schema of alterarLimites
    And the response headers match its spec

  Scenario: a product change answers the new card
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I move the account to another product
    Then the status is 200
    And the body matches the schema of alterarProduto
    And the response headers match its spec
    And the field "produtoAtual.id" is "{{idProdutoNovo}}"

  Scenario: blocking and unblocking answer in their schemas
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I block the account with a temporary block
    Then the status is 201
    And the body matches the schema of bloquearPortador
    And the response headers match its spec
    When I unblock the account
    Then the status is 200
    And the body matches the schema of desbloquearPortador
    And the response headers match its spec

  Scenario: the VIP classification answers in its schema
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/vipagem" with the body:
      """
      {"vip": true, "motivo": "Cliente prioritário"}
      """
    Then the status is 200
    And the body matches the schema of alterarVipagem
    And the response headers match its spec
    And the field "vip" is "true"

  Scenario: adding a dependent answers the dependent
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/dependentes" with the body:
      """
      {"nome": "Clara Mendes Rocha", "cpf": "{{cpfDependente}}", "dataNascimento": "2001-04-12",
       "sexo": "FEMININO", "grauParentesco": "FILHO", "nomeMae": "Helena Mendes Rocha"}
      """
    Then the status is 201
    And the body matches the schema of cadastrarDependente
    And the response headers match its spec
    And the field "cpf" is "{{cpfDependente}}"

  Scenario: adding, confirming and deleting phones answer in their schemas
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/telefones" with the body:
      """
      {"tipo": "CELULAR", "area": "11", "telefone": "987650001", "faturaDigital": true}
      """
    Then the status is 201
    And the body matches the schema of cadastrarTelefone
    And the response headers match its spec
    When I confirm the holder's newest phone for SMS
    Then the status is 200
    And the body matches the schema of confirmarTelefoneSms
    And the field "receberSMS" is "true"
    When I delete the holder's SMS phone
    Then the status is 204
    And the body matches the schema of excluirTelefone
    And the response headers match its spec

  Scenario: sending a password by SMS answers the masked phone
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I send POST to "/portadores/api/v1/portadores/{{idPortador}}/senhas/sms"
    Then the status is 202
    And the body matches the schema of enviarSenhaSms
    And the response headers match its spec

  Scenario: a password change answers 204 without a body
    Given a card-holder token with every scope
    And a card holder with a PF account
    And the holder has a password sent by SMS
    When I change the password to "730518"
    Then the status is 204
    And the body matches the schema of alterarSenha
    And the response headers match its spec

  Scenario Outline: the error <status> comes in the Erro body of its schema
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I <method> "<path>" with the body:
      """
      <body>
      """
    Then the status is <status>
    And the body matches its schema
    And the response headers match its spec
    And the card-holder error code is "<code>"
    And the response echoes the request id

    Examples:
      | status | method | path                                                         | body                                             | code                   |
      | 400    | PATCH  | /portadores/api/v1/portadores/{{idPortador}}/limites         | {"limiteRotativo": "muito"}                       | REQUISICAO_INVALIDA    |
      | 404    | PATCH  | /portadores/api/v1/portadores/999999999/limites              | {"limiteRotativo": 1000}                          | PORTADOR_NAO_ENCONTRADO |
      | 422    | POST   | /portadores/api/v1/portadores/desbloqueios                   | {"idPortador": {{idPortador}}}                    | PORTADOR_NAO_BLOQUEADO |
      | 422    | PATCH  | /portadores/api/v1/portadores/{{idPortador}}/senha           | {"senhaAtual": "583920", "novaSenha": "740295"}   | SENHA_NAO_CADASTRADA   |
      | 422    | PATCH  | /portadores/api/v1/portadores/produto                        | {"idPortador": {{idPortador}}, "idProduto": {{idProduto}}} | PRODUTO_ATUAL |

  Scenario: a second account of the same document is a 409 in the Erro body
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I open the same account again
    Then the status is 409
    And the body matches its schema
    And the card-holder error code is "CONTA_JA_EXISTENTE"

  Scenario: a request without a token gets 401 in the Erro body
    When I GET "/portadores/api/v1/portadores/escolaridade" without a token
    Then the status is 401
    And the body matches its schema
    And the response headers match its spec
    And the card-holder error code is "NAO_AUTENTICADO"

  Scenario: a token without the operation's scope gets 403 in the Erro body
    Given a card-holder token with the scopes "portadores.leitura"
    When I POST "/portadores/api/v1/portadores/bloqueios" with the body:
      """
      {"idPortador": 999999999, "idTipoBloqueio": 1}
      """
    Then the status is 403
    And the body matches its schema
    And the card-holder error code is "ACESSO_NEGADO"

  Scenario: a method the path does not serve gets 405 with Allow
    Given a card-holder token with every scope
    When I send DELETE to "/portadores/api/v1/portadores/escolaridade"
    Then the status is 405
    And the body matches the schema of listarEscolaridades
    And the card-holder error code is "METODO_NAO_PERMITIDO"
    And the response header "Allow" is "GET"

  Scenario: an Accept without JSON gets 406
    Given a card-holder token with every scope
    And the request header "Accept" is "text/csv"
    When I GET "/portadores/api/v1/portadores/ocupacoes"
    Then the status is 406
    And the body matches its schema
    And the card-holder error code is "FORMATO_NAO_ACEITO"
