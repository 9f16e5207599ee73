@zarv @verifications
Feature: Zarv ID — verifications
  A verification of a CPF or CNPJ (check digits, the alphanumeric CNPJ too) is charged to the
  token's workspace and answered 201 CREATED; it then moves CREATED -> PROCESSING -> COMPLETED or
  FAILED and never back. Its result follows the data of the document: the magic documents give each
  outcome on demand (sandbox only). Another workspace's verification is not found.

  Scenario Outline: a <type> verification of a <what> is created
    Given I am logged in to Zarv
    When I ask Zarv for a "<type>" verification of "<document>"
    Then the status is 201
    And the body matches its schema
    And the field "status" is "CREATED"
    And the field "nationalId" is "<document>"
    When I read the verification
    Then the status is 200
    And the body matches its schema

    Examples:
      | type  | what                | document                 |
      | full  | CPF                 | {{zarvCpf}}              |
      | light | CNPJ                | {{zarvCnpj}}             |
      | full  | alphanumeric CNPJ   | {{zarvAlphanumericCnpj}} |

  @serial
  Scenario: a verification goes CREATED -> PROCESSING -> COMPLETED, timestamps in order
    Given I am logged in to Zarv
    When I ask Zarv for a "full" verification of "{{zarvCpf}}" with "restrictions, serasa"
    Then the status is 201
    When I follow the verification until it finishes
    Then the statuses seen follow the lifecycle and end in "COMPLETED"
    And the verification's timestamps are in order
    When I read the verification
    Then the body matches its schema
    And the field "name" is present
    And the field "verification.result.score" is present

  @serial @magic
  Scenario Outline: the magic document <document> gives <outcome>
    Given I am logged in to Zarv
    And a finished "full" verification of the magic document "<document>" with "restrictions"
    When I read the verification
    Then the status is 200
    And the body matches its schema
    And the field "status" is "<outcome>"
    And the verification's rules are "<rules>"

    Examples:
      | document       | outcome   | rules                                                                                                   |
      | 55500000160    | COMPLETED | none                                                                                                    |
      | 55500000241    | COMPLETED | PROFILE_SUSPECTED_PERSON_BLACKLIST                                                                      |
      | 55500000322    | COMPLETED | PROFILE_OBIT                                                                                            |
      | 55500000403    | COMPLETED | FINANCE_NEGATIVE_RESTRICTIONS, FINANCE_COLLECTIONS                                                      |
      | 55500000594    | COMPLETED | LAWSUIT_PROCESS_REDFLAG_L1, LAWSUIT_SUSPECT_PROCESS_L2                                                  |
      | 55500000675    | COMPLETED | FINANCE_SOCIAL_ASSISTANCES                                                                              |
      | 55500000756    | FAILED    | none                                                                                                    |
      | 55500000918    | COMPLETED | FINANCE_NEGATIVE_RESTRICTIONS, FINANCE_COLLECTIONS, FINANCE_SOCIAL_ASSISTANCES, LAWSUIT_PROCESS_REDFLAG_L1, LAWSUIT_SUSPECT_PROCESS_L2 |
      | 55500001000197 | COMPLETED | none                                                                                                    |
      | ZV555000000164 | COMPLETED | none                                                                                                    |

  @serial @magic
  Scenario: the deceased holder is flagged and scores zero
    Given I am logged in to Zarv
    And a finished "full" verification of the magic document "55500000322" with "serasa"
    When I read the verification
    Then the field "verification.person.profile.obitFlag" is "true"
    And the field "verification.person.profile.fiscalStatus" is "SUSPECTED"
    And the field "verification.result.score" is "0"
    And the field "verification.serasa.identification.cpfStatus" is "TITULAR FALECIDO"

  @serial @magic
  Scenario: the score falls as risk rises
    Given I am logged in to Zarv
    Then the score of "55500000918" is below the score of "55500000160"

  @serial
  Scenario: light is a strict subset of full, with the same verdict
    Given I am logged in to Zarv
    Then a "light" verification of "{{zarvCpf}}" is a strict subset of a "full" one

  Scenario Outline: a bad request gets 400: <case>
    Given I am logged in to Zarv
    When I POST "/zarv/api/v2/verifications" with the body:
      """
      <body>
      """
    Then the status is 400
    And the body matches its schema

    Examples:
      | case                     | body                                                                   |
      | CPF check digits         | {"nationalId": "55500000404", "verifications": {"type": "full"}}       |
      | the official 12 chars    | {"nationalId": "012345678900", "verifications": {"type": "full"}}      |
      | masked CPF               | {"nationalId": "555.000.001-60", "verifications": {"type": "full"}}    |
      | unknown type             | {"nationalId": "{{zarvCpf}}", "verifications": {"type": "FULL"}}       |
      | no verifications         | {"nationalId": "{{zarvCpf}}"}                                          |
      | wrong type of value      | {"nationalId": 55500000160, "verifications": {"type": "full"}}         |
      | malformed JSON           | {"nationalId": "{{zarvCpf}}", "verifications":                         |
      | callback not http(s)     | {"nationalId": "{{zarvCpf}}", "verifications": {"type": "full"}, "callback": {"url": "ftp://hooks.example/z", "method": "POST"}} |
      | callback method          | {"nationalId": "{{zarvCpf}}", "verifications": {"type": "full"}, "callback": {"url": "https://hooks.example/z", "method": "GET"}} |

  Scenario: a verification id that is not a UUID gets 400, an unknown one 404
    Given I am logged in to Zarv
    When I GET "/zarv/api/v2/verifications/not-a-uuid"
    Then the status is 400
    And the body matches its schema
    When I GET "/zarv/api/v2/verifications/6a1f0c3e-8b27-4d59-a1e4-3c9b7f20d815"
    Then the status is 404
    And the body matches its schema

  Scenario: a workspace without credit gets 402 and nothing is created
    Given I am logged in to Zarv as a user without credit
    When I ask Zarv for a "full" verification of "{{zarvCpf}}"
    Then the status is 402
    And the body matches its schema
    When I GET "/zarv/api/v2/verifications?nationalId={{zarvCpf}}"
    Then the status is 200
    And the field "total" is "0"

  Scenario: the list filters by national id and pages within its limits
    Given I am logged in to Zarv
    When I ask Zarv for a "light" verification of "{{zarvCpf}}"
    And I ask Zarv for a "full" verification of "{{zarvCpf}}"
    And I GET "/zarv/api/v2/verifications?nationalId={{zarvCpf}}&limit=1"
    Then the status is 200
    And the body matches its schema
    And the field "total" is "2"
    And the field "verifications" has 1 item
    And every verification listed is of "{{zarvCpf}}"
    When I GET "/zarv/api/v2/verifications?page=0"
    Then the status is 400
    And the body matches its schema
    When I GET "/zarv/api/v2/verifications?limit=26"
    Then the status is 400
    When I GET "/zarv/api/v2/verifications?status=DONE"
    Then the status is 400

  Scenario: another workspace's verification is not found
    Given I am logged in to Zarv
    When I ask Zarv for a "light" verification of "{{zarvCpf}}"
    Then the status is 201
    When the user of the other workspace reads the verification
    Then the status is 404
    And the body matches its schema

  Scenario: feedback on a verification, and the body's id must be the path's
    Given I am logged in to Zarv
    When I ask Zarv for a "light" verification of "{{zarvCpf}}"
    And I POST "/zarv/api/v2/verifications/{{verificationId}}/feedbacks" with the body:
      """
      {"verificationId": "{{verificationId}}", "status": "APPROVED", "comment": "documentos conferidos"}
      """
    Then the status is 201
    And the body matches its schema
    And the field "status" is "APPROVED"
    When I POST "/zarv/api/v2/verifications/{{verificationId}}/feedbacks" with the body:
      """
      {"verificationId": "6a1f0c3e-8b27-4d59-a1e4-3c9b7f20d815", "status": "REPROVED"}
      """
    Then the status is 400
    And the body matches its schema
