@portadores @figures
Feature: Portadores — dados gerados e coerentes
  What the issuer computes agrees with the account: the billing cycle (cut-off before the due
  day, the best day to buy right after it, the next dates) with the record, delinquencies with
  the account's due day and with estaEmAtraso, and occurrences fall within the period asked.

  Scenario: a new account's cycle and delinquencies agree with its record
    Given a card-holder token with every scope
    And a card holder with a PF account
    Then the billing cycle agrees with the account
    And every delinquency falls on a due date of the account and agrees with the record

  Scenario: a new account's occurrences fall within the period asked
    Given a card-holder token with every scope
    And a card holder with a PF account
    When I ask for the account's occurrences of the last 92 days
    Then the status is 200
    And every occurrence falls within the period asked

  Scenario: a generated holder's figures agree with its record
    Given a card-holder token with every scope
    And a CPF nobody opened an account for
    Then the billing cycle agrees with the account
    And every delinquency falls on a due date of the account and agrees with the record
    When I ask for the account's occurrences of the last 60 days
    Then the status is 200
    And the body matches its schema
    And every occurrence falls within the period asked
