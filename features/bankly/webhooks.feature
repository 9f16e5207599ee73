@bankly @webhooks
Feature: Webhooks de clientes — Bankly
  Each KYC transition delivers exactly one event of its name to every configuration registered for
  that name, signed with the configuration's privateKey (x-bankly-signature: sha256= and the hex
  HMAC-SHA256 of the raw body). The harness runs its own receiver on 127.0.0.1, registers it with a
  key of its choosing, and recomputes every signature; a target that is not on this machine cannot
  reach the receiver, and these scenarios are skipped there.

  Scenario Outline: <from> -> <to> delivers one signed <event>
    Given a Bankly customer in the KYC status "<from>"
    And a webhook receiver for the events "<event>"
    When the KYC status is moved to "<to>"
    Then the move is accepted
    And the receiver gets exactly one "<event>" for the customer
    And the event is signed with the registered key
    And the event matches its schema
    And the event tells the move from "<from>" to "<to>"

    Examples:
      | from             | to               | event                 |
      | PENDING_APPROVAL | IN_ANALYSIS      | CUSTOMER_IN_ANALYSIS  |
      | PENDING_APPROVAL | APPROVED         | CUSTOMER_WAS_APPROVED |
      | PENDING_APPROVAL | REPROVED         | CUSTOMER_WAS_REPROVED |
      | PENDING_APPROVAL | BLACKLISTED      | CUSTOMER_WAS_BLOCKED  |
      | IN_ANALYSIS      | APPROVED         | CUSTOMER_WAS_APPROVED |
      | IN_ANALYSIS      | REPROVED         | CUSTOMER_WAS_REPROVED |
      | REPROVED         | PENDING_APPROVAL | CUSTOMER_WAS_RECEIVED |
      | APPROVED         | CANCELED         | CUSTOMER_WAS_CANCELED |

  Scenario: a first registration delivers one signed CUSTOMER_WAS_RECEIVED
    Given a Bankly token with every scope
    And a Bankly customer nobody registered
    And a webhook receiver for the events "CUSTOMER_WAS_RECEIVED"
    When I register the customer
    Then the status is 202
    And the receiver gets exactly one "CUSTOMER_WAS_RECEIVED" for the customer
    And the event is signed with the registered key
    And the event matches its schema
    And the event tells the move from "none" to "PENDING_APPROVAL"

  Scenario: an update of an approved customer delivers one signed CUSTOMER_WAS_UPDATED
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "APPROVED"
    And a webhook receiver for the events "CUSTOMER_WAS_UPDATED"
    When I PATCH "/bankly/customers/{{documentNumber}}" with the body:
      """
      {"data": {"phone": {"countryCode": "55", "number": "11987654321"}}}
      """
    Then the status is 202
    And the receiver gets exactly one "CUSTOMER_WAS_UPDATED" for the customer
    And the event is signed with the registered key
    And the event matches its schema
    And the event tells the move from "APPROVED" to "APPROVED"

  Scenario Outline: the refused move <from> -> <to> announces nothing
    Given a Bankly customer in the KYC status "<from>"
    And a webhook receiver for the events "<event>"
    When the KYC status is moved to "<to>"
    Then the move is refused with 409 and the code "<code>"
    And the receiver gets no event for the customer

    Examples:
      | from        | to               | event                 | code                                     |
      | APPROVED    | PENDING_APPROVAL | CUSTOMER_WAS_RECEIVED | CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED |
      | BLACKLISTED | PENDING_APPROVAL | CUSTOMER_WAS_RECEIVED | NOT_RETRY                                |
      | IN_ANALYSIS | BLACKLISTED      | CUSTOMER_WAS_BLOCKED  | ILLEGAL_TRANSITION                       |
      | CANCELED    | CANCELED         | CUSTOMER_WAS_CANCELED | HOLDER_HAS_ALREADY_BEEN_CANCELED         |
