@zarv @batch
Feature: Zarv ID — batches and their callbacks
  A batch applies one configuration to every national id of a list; each item is validated and
  charged on its own and keyed by the id as sent (a repeated id keeps its last attempt), so
  success + errors = total. With a callback, each verification's final state is delivered once to
  the harness's loopback receiver as {id, status, metadata} with the headers given, and retried 1,
  5, 15, 30 and 60 minutes later while the receiver fails.

  Scenario: the batch's counts add up and an invalid id fails alone
    Given I am logged in to Zarv
    When I send a Zarv batch of "{{zarvCpf}}, 12345678900, {{zarvCnpj}}, {{zarvCpf}}"
    Then the status is 202
    And the body matches its schema
    And the field "total" is "4"
    And the field "errors" is "1"
    And the batch's counts add up
    And the batch item of "12345678900" is an error

  Scenario: a batch without credit fails every item, not the request
    Given I am logged in to Zarv as a user without credit
    When I send a Zarv batch of "{{zarvCpf}}, {{zarvCnpj}}"
    Then the status is 202
    And the body matches its schema
    And the field "success" is "0"
    And the batch's counts add up

  Scenario: an empty batch gets 400
    Given I am logged in to Zarv
    When I POST "/zarv/api/v2/verifications/batch" with the body:
      """
      {"nationalId": [], "verifications": {"type": "light"}}
      """
    Then the status is 400
    And the body matches its schema

  @serial @callbacks
  Scenario: each verification of the batch is delivered once, as declared
    Given I am logged in to Zarv
    And a Zarv callback receiver
    When I send a Zarv batch of "{{zarvCpf}}, {{zarvCnpj}}" with a callback to the receiver
    Then the status is 202
    When the batch's verifications finish
    Then the receiver gets exactly one callback per verification of the batch
    And each callback matches its schema and carries the metadata and headers sent

  @serial @callbacks
  Scenario: a failing receiver gets the callback again 1 and 5 minutes later
    Given I am logged in to Zarv
    And the callback receiver fails the next 2 deliveries
    When I send a Zarv batch of "{{zarvCpf}}" with a callback to the receiver
    Then the status is 202
    When the batch's verifications finish
    Then the callback of "{{zarvCpf}}" is retried after "1, 5" minutes until the receiver takes it
