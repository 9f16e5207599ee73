@zarv @blacklist
Feature: Zarv ID — the workspace's blacklist
  Each workspace keeps its own restrictive list: the type goes in lower case and comes out upper
  case, a listed id cannot be added twice (409), removing an unlisted one is 404. Only the token's
  workspace may be named (403). New verifications of a listed id show it
  (PROFILE_SUSPECTED_PERSON_BLACKLIST, fiscalStatus BLACKLISTED); older ones do not change.

  Scenario: add, list and remove an entry
    Given I am logged in to Zarv
    When I add "{{zarvCpf}}" to the workspace's blacklist as "fraud"
    Then the status is 201
    And the body matches its schema
    And the field "type" is "FRAUD"
    And the field "nationalId" is "{{zarvCpf}}"
    And the workspace's blacklist holds "{{zarvCpf}}"
    When I add "{{zarvCpf}}" to the workspace's blacklist as "credit"
    Then the status is 409
    And the body matches its schema
    When I GET "/zarv/api/v2/blacklist?workspaceId={{workspaceId}}&limit=5"
    Then the status is 200
    And the body matches its schema
    When I remove "{{zarvCpf}}" from the workspace's blacklist
    Then the status is 204
    And the workspace's blacklist does not hold "{{zarvCpf}}"
    When I remove "{{zarvCpf}}" from the workspace's blacklist
    Then the status is 404
    And the body matches its schema

  Scenario Outline: a bad entry gets 400: <case>
    Given I am logged in to Zarv
    When I POST "/zarv/api/v2/blacklist?workspaceId={{workspaceId}}" with the body:
      """
      <body>
      """
    Then the status is 400
    And the body matches its schema

    Examples:
      | case             | body                                                                   |
      | upper-case type  | {"nationalId": "{{zarvCpf}}", "type": "FRAUD", "description": "x"}     |
      | check digits     | {"nationalId": "55500000404", "type": "fraud", "description": "x"}     |
      | no description   | {"nationalId": "{{zarvCpf}}", "type": "other"}                         |

  Scenario: another workspace's list is forbidden
    Given I am logged in to Zarv as the user of another workspace
    And I am logged in to Zarv
    When I GET "/zarv/api/v2/blacklist?workspaceId={{otherWorkspaceId}}"
    Then the status is 403
    And the body matches its schema
    When I add "{{zarvCpf}}" to the workspace's blacklist as "fraud"
    Then the status is 201
    When I send DELETE to "/zarv/api/v2/blacklist/{{zarvCpf}}?workspaceId={{otherWorkspaceId}}"
    Then the status is 403
    When I remove "{{zarvCpf}}" from the workspace's blacklist
    Then the status is 204

  @serial
  Scenario: new verifications of a listed id show it, older ones do not change
    Given I am logged in to Zarv
    And a finished "full" verification of "{{zarvCpf}}"
    When I keep the verification as it is
    And I add "{{zarvCpf}}" to the workspace's blacklist as "fraud"
    Then the status is 201
    Given a finished "full" verification of "{{zarvCpf}}"
    Then the verification's rules include "PROFILE_SUSPECTED_PERSON_BLACKLIST"
    When I read the verification
    Then the field "verification.person.profile.fiscalStatus" is "BLACKLISTED"
    And the kept verification is unchanged
    When I remove "{{zarvCpf}}" from the workspace's blacklist
    Then the status is 204
    Given a finished "full" verification of "{{zarvCpf}}"
    Then the verification's rules leave out "PROFILE_SUSPECTED_PERSON_BLACKLIST"
