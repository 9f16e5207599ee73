@open-finance @v2 @customers
Feature: Conformidade de schema — Customers API v2
  Every body the six endpoints send, success or error, matches the operation's schema for the
  status it came with (formats checked), plus the rules no schema states: CPF and CNPJ check
  digits, dates that exist, one isMain per list, and the dictionary's conditional fields.

  Scenario Outline: <endpoint> returns data that matches its schema
    Given a <kind> consent token in the state "authorised"
    When I GET "/open-banking/customers/v2<endpoint>"
    Then the status is 200
    And the body matches the schema of <operation>
    And the content type is JSON

    Examples:
      | endpoint                       | kind     | operation                              |
      | /personal/identifications      | personal | customersGetPersonalIdentifications    |
      | /personal/qualifications       | personal | customersGetPersonalQualifications     |
      | /personal/financial-relations  | personal | customersGetPersonalFinancialRelations |
      | /business/identifications      | business | customersGetBusinessIdentifications    |
      | /business/qualifications       | business | customersGetBusinessQualifications     |
      | /business/financial-relations  | business | customersGetBusinessFinancialRelations |

  Scenario Outline: error body of <endpoint> without a token matches ResponseError
    When I GET "/open-banking/customers/v2<endpoint>" without a token
    Then the status is 401
    And the body matches its schema
    And the content type is JSON

    Examples:
      | endpoint                       |
      | /personal/identifications      |
      | /personal/qualifications       |
      | /personal/financial-relations  |
      | /business/identifications      |
      | /business/qualifications       |
      | /business/financial-relations  |

  Scenario: an unknown resource gets 404 in the ResponseError shape
    Given a personal consent token in the state "authorised"
    When I GET "/open-banking/customers/v2/personal/nothing-here"
    Then the status is 404
    And the body matches the schema of customersGetPersonalIdentifications

  Scenario: a wrong method gets 405 in the ResponseError shape
    Given a personal consent token in the state "authorised"
    When I send POST to "/open-banking/customers/v2/personal/qualifications"
    Then the status is 405
    And the body matches the schema of customersGetPersonalQualifications
