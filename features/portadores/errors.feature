@portadores @errors
Feature: Portadores — entradas inválidas em cada escrita
  Every bad input gets the family's Erro body with the field it is about in `erros[].campo`, and
  creates or changes nothing: the check digits of a CPF, a CEP of another state, a DDD nobody uses,
  a date that does not exist, a minor holder, a product or store that does not exist, a limit out
  of the product's bounds, a second account of the same document and product, the holder as their
  own dependent, an unknown phone, and periods of occurrences that are inverted or too long.

  Background:
    Given a card-holder token with every scope

  Scenario Outline: an opening with <what> is refused naming <campo>
    When I open the PF account with the field "<field>" set to "<value>"
    Then the status is 400
    And the body matches its schema
    And the card-holder error code is "REQUISICAO_INVALIDA"
    And the card-holder error names the field "<campo>"

    Examples:
      | what                             | field                  | value       | campo                  |
      | a CPF with wrong check digits    | cpf                    | 52998224726 | cpf                    |
      | a UF that does not exist         | enderecoResidencial.uf | XX          | enderecoResidencial.uf |
      | a DDD nobody uses                | telefones.0.area       | 20          | telefones[0].area      |
      | a birth date that does not exist | dataNascimento         | 1990-02-30  | dataNascimento         |
      | a minor holder                   | dataNascimento         | 2020-01-15  | dataNascimento         |
      | a sex the issuer does not know   | sexo                   | X           | sexo                   |
      | a one-word name                  | nome                   | Ana         | nome                   |

  Scenario Outline: an opening with <what> is refused naming <field>
    When I open the PF account with the field "<field>" set to the JSON '<value>'
    Then the status is 400
    And the card-holder error names the field "<field>"

    Examples:
      | what                         | field          | value    |
      | a product that does not exist | idProduto     | 999      |
      | a store that does not exist  | idLoja         | 99999    |
      | a limit past every product   | limiteRotativo | 99999999 |
      | a product id as text         | idProduto      | "1"      |

  Scenario: an opening with a CEP of another state is refused naming it
    When I open the PF account with a CEP of another state
    Then the status is 400
    And the card-holder error names the field "enderecoResidencial.cep"

  Scenario: an opening without the mother's name is refused naming it
    When I open the PF account without the field "nomeMae"
    Then the status is 400
    And the card-holder error names the field "nomeMae"

  Scenario: a second account of a CPF on the same product is a conflict
    Given a card holder with a PF account
    When I open the same account again
    Then the status is 409
    And the card-holder error code is "CONTA_JA_EXISTENTE"

  Scenario: a body that is not JSON is refused
    When I POST "/portadores/api/v1/portadores/contas/pf" with the body:
      """
      {"nome": "Ana Lima",
      """
    Then the status is 400
    And the body matches its schema
    And the card-holder error code is "REQUISICAO_INVALIDA"

  Scenario: a bad registration change names every field at once
    Given a card holder with a PF account
    When I PATCH "/portadores/api/v1/portadores/{{idPortador}}" with the body:
      """
      {"estadoNatal": "XX", "email": "sem-arroba", "conjuge": {"nome": "Paulo Souza", "cpf": "52998224726"},
       "estadoCivil": "CASADO"}
      """
    Then the status is 400
    And the card-holder error names the field "estadoNatal"
    And the card-holder error names the field "email"
    And the card-holder error names the field "conjuge.cpf"
    And the history has no new event

  Scenario: the holder cannot be their own dependent
    Given a card holder with a PF account
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/dependentes" with the body:
      """
      {"nome": "Rafael Mendes Rocha", "cpf": "{{cpfPortador}}", "dataNascimento": "1999-08-30",
       "sexo": "MASCULINO", "grauParentesco": "FILHO", "nomeMae": "Helena Mendes Rocha"}
      """
    Then the status is 422
    And the card-holder error code is "DEPENDENTE_E_TITULAR"

  Scenario: a dependent under 16 is refused
    Given a card holder with a PF account
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/dependentes" with the body:
      """
      {"nome": "Lia Mendes Rocha", "cpf": "{{cpfDependente}}", "dataNascimento": "2019-03-01",
       "sexo": "FEMININO", "grauParentesco": "FILHO", "nomeMae": "Helena Mendes Rocha"}
      """
    Then the status is 400
    And the card-holder error names the field "dataNascimento"

  Scenario: a dependent added twice is a conflict
    Given a card holder with a PF account
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/dependentes" with the body:
      """
      {"nome": "Lia Mendes Rocha", "cpf": "{{cpfDependente}}", "dataNascimento": "2000-03-01",
       "sexo": "FEMININO", "grauParentesco": "FILHO", "nomeMae": "Helena Mendes Rocha"}
      """
    Then the status is 201
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/dependentes" with the body:
      """
      {"nome": "Lia Mendes Rocha", "cpf": "{{cpfDependente}}", "dataNascimento": "2000-03-01",
       "sexo": "FEMININO", "grauParentesco": "FILHO", "nomeMae": "Helena Mendes Rocha"}
      """
    Then the status is 409
    And the card-holder error code is "DEPENDENTE_JA_CADASTRADO"

  Scenario: a phone with a DDD nobody uses is refused
    Given a card holder with a PF account
    When I POST "/portadores/api/v1/portadores/{{idPortador}}/telefones" with the body:
      """
      {"tipo": "CELULAR", "area": "20", "telefone": "987650004"}
      """
    Then the status is 400
    And the card-holder error names the field "area"

  Scenario: a phone the holder does not have cannot be deleted
    Given a card holder with a PF account
    When I send DELETE to "/portadores/api/v1/portadores/{{idPortador}}/telefones/999999"
    Then the status is 404
    And the body matches its schema
    And the card-holder error code is "TELEFONE_NAO_ENCONTRADO"

  Scenario: a holder that does not exist gets 404
    When I GET "/portadores/api/v1/portadores/999999999"
    Then the status is 404
    And the body matches its schema
    And the card-holder error code is "PORTADOR_NAO_ENCONTRADO"

  Scenario: an id that is not a number gets 400 naming it
    When I GET "/portadores/api/v1/portadores/abc/ciclo"
    Then the status is 400
    And the card-holder error names the field "idPortador"

  Scenario: a CPF with wrong check digits in a query gets 400 naming it
    When I GET "/portadores/api/v1/portadores/contas?cpf=52998224726"
    Then the status is 400
    And the card-holder error names the field "cpf"

  Scenario: a batch with an id that is not a number gets 400
    When I GET "/portadores/api/v1/portadores/lote?ids=12,abc"
    Then the status is 400
    And the card-holder error names the field "ids"

  Scenario: occurrences of a period that ends before it starts are refused
    Given a card holder with a PF account
    When I ask for the account's occurrences of a period that ends before it starts
    Then the status is 400
    And the card-holder error names the field "dataFim"

  Scenario: occurrences of a period longer than allowed are refused
    Given a card holder with a PF account
    When I ask for the account's occurrences of a period one day longer than allowed
    Then the status is 400
    And the card-holder error names the field "dataFim"

  Scenario: a token the issuer never issued gets 401
    Given the request header "Authorization" is "Bearer nao-e-um-token"
    When I GET "/portadores/api/v1/portadores/escolaridade"
    Then the status is 401
    And the card-holder error code is "NAO_AUTENTICADO"

  Scenario: a grant other than client_credentials is refused in OAuth2's body
    When I send the card-holder token endpoint the form "grant_type=password&username=a&password=b"
    Then the status is 400
    And the OAuth error is "unsupported_grant_type"

  Scenario: a request id with spaces gets 400 and one of the target's own
    Given the request header "X-Request-Id" is "two words"
    When I GET "/portadores/api/v1/portadores/escolaridade"
    Then the status is 400
    And the card-holder error names the field "X-Request-Id"
    And the response header "X-Request-Id" is a UUID

  # Errors a gateway or service failure gives, injected through the sandbox control API (each
  # declared error status of each operation, once; 429 with a Retry-After); skipped on a target
  # without one.
  @faults
  Scenario: every declared error status of every operation, injected, is answered as declared
    When each declared error status of each operation under "/portadores" is injected
    Then every injected answer has the injected status
    And every injected answer matches its declared response, body and headers
    And every injected answer announces the Retry-After asked for
