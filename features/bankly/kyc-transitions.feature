@bankly @kyc
Feature: Transições de status do KYC (análise cadastral) — Bankly
  A registration starts at PENDING_APPROVAL. The analysis moves it to IN_ANALYSIS, APPROVED,
  REPROVED or BLACKLISTED; IN_ANALYSIS ends APPROVED or REPROVED; a REPROVED customer may register
  again (back to PENDING_APPROVAL); an APPROVED customer may be offboarded (CANCELED). BLACKLISTED
  and CANCELED are terminal. Every legal move is accepted and shows on GET; every other one is
  refused with its documented code and leaves the record exactly as it was.

  Moves to PENDING_APPROVAL are registrations (PUT) and moves to CANCELED are offboardings
  (PATCH .../cancel), which any target accepts from a client. The other moves are the analyst's:
  the harness makes them through the sandbox control API, and a target without one skips them.

  Scenario Outline: <from> -> <to> is accepted and observable with GET
    Given a Bankly customer in the KYC status "<from>"
    When the KYC status is moved to "<to>"
    Then the move is accepted
    And the customer's KYC status is "<to>"

    Examples: decisions of the analysis
      | from             | to          |
      | PENDING_APPROVAL | IN_ANALYSIS |
      | PENDING_APPROVAL | APPROVED    |
      | PENDING_APPROVAL | REPROVED    |
      | PENDING_APPROVAL | BLACKLISTED |
      | IN_ANALYSIS      | APPROVED    |
      | IN_ANALYSIS      | REPROVED    |

    Examples: what a client does
      | from     | to               |
      | REPROVED | PENDING_APPROVAL |
      | APPROVED | CANCELED         |

  Scenario Outline: <from> -> <to> is refused with <code> and changes nothing
    Given a Bankly customer in the KYC status "<from>"
    When the KYC status is moved to "<to>"
    Then the move is refused with 409 and the code "<code>"
    And the customer's record is unchanged

    Examples:
      | from             | to               | code                                     |
      | PENDING_APPROVAL | PENDING_APPROVAL | CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED |
      | PENDING_APPROVAL | CANCELED         | CUSTOMER_CANNOT_BE_CANCELED              |
      | IN_ANALYSIS      | PENDING_APPROVAL | CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED |
      | IN_ANALYSIS      | IN_ANALYSIS      | ILLEGAL_TRANSITION                       |
      | IN_ANALYSIS      | BLACKLISTED      | ILLEGAL_TRANSITION                       |
      | IN_ANALYSIS      | CANCELED         | CUSTOMER_CANNOT_BE_CANCELED              |
      | APPROVED         | PENDING_APPROVAL | CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED |
      | APPROVED         | IN_ANALYSIS      | ILLEGAL_TRANSITION                       |
      | APPROVED         | APPROVED         | ILLEGAL_TRANSITION                       |
      | APPROVED         | REPROVED         | ILLEGAL_TRANSITION                       |
      | APPROVED         | BLACKLISTED      | ILLEGAL_TRANSITION                       |
      | REPROVED         | IN_ANALYSIS      | ILLEGAL_TRANSITION                       |
      | REPROVED         | APPROVED         | ILLEGAL_TRANSITION                       |
      | REPROVED         | REPROVED         | ILLEGAL_TRANSITION                       |
      | REPROVED         | BLACKLISTED      | ILLEGAL_TRANSITION                       |
      | REPROVED         | CANCELED         | CUSTOMER_CANNOT_BE_CANCELED              |

  Scenario Outline: <from> is terminal: -> <to> is refused with <code>
    Given a Bankly customer in the KYC status "<from>"
    When the KYC status is moved to "<to>"
    Then the move is refused with 409 and the code "<code>"
    And the customer's record is unchanged

    Examples: a blacklisted CPF never registers again
      | from        | to               | code                        |
      | BLACKLISTED | PENDING_APPROVAL | NOT_RETRY                   |
      | BLACKLISTED | IN_ANALYSIS      | ILLEGAL_TRANSITION          |
      | BLACKLISTED | APPROVED         | ILLEGAL_TRANSITION          |
      | BLACKLISTED | REPROVED         | ILLEGAL_TRANSITION          |
      | BLACKLISTED | BLACKLISTED      | ILLEGAL_TRANSITION          |
      | BLACKLISTED | CANCELED         | CUSTOMER_CANNOT_BE_CANCELED |

    Examples: an offboarded customer stays offboarded
      | from     | to               | code                                     |
      | CANCELED | PENDING_APPROVAL | CUSTOMER_REGISTRATION_CANNOT_BE_REPLACED |
      | CANCELED | IN_ANALYSIS      | ILLEGAL_TRANSITION                       |
      | CANCELED | APPROVED         | ILLEGAL_TRANSITION                       |
      | CANCELED | REPROVED         | ILLEGAL_TRANSITION                       |
      | CANCELED | BLACKLISTED      | ILLEGAL_TRANSITION                       |
      | CANCELED | CANCELED         | HOLDER_HAS_ALREADY_BEEN_CANCELED         |

  @serial
  Scenario: a terminal status does not move with time
    Given a Bankly customer in the KYC status "BLACKLISTED"
    When the sandbox clock moves forward 86400 seconds
    Then the customer's KYC status is "BLACKLISTED"

  @serial
  Scenario: a registration's analysis ends on its own
    Given a Bankly token with every scope
    And a Bankly customer in the KYC status "PENDING_APPROVAL"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the response header "Cache-Control" is "private, max-age=30"
    And within 120 seconds the customer's KYC status becomes one of "APPROVED, REPROVED"
    When I GET "/bankly/customers/{{documentNumber}}"
    Then the status is 200
    And the body matches its schema
    And the response header "Cache-Control" is "private, max-age=3600"
