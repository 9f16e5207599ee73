@zarv @pdf
Feature: Zarv ID — the PDF report
  A finished verification has a PDF report (application/pdf bytes) with the holder's name, the
  masked national id, the status, the score and each rule that fired. Before it finishes there is
  no report (409).

  @serial @magic
  Scenario: the report opens and holds the verification's data
    Given I am logged in to Zarv
    And a finished "full" verification of the magic document "55500000403" with "restrictions"
    When I download the verification's PDF
    Then the status is 200
    And the body matches its schema
    And the PDF holds the verification's data

  @serial @magic
  Scenario: a FAILED verification's report says so
    Given I am logged in to Zarv
    And a finished "light" verification of the magic document "55500000756" with ""
    When I download the verification's PDF
    Then the status is 200
    And the body matches its schema
    And the PDF holds the verification's data

  Scenario: no report before the verification finishes
    Given I am logged in to Zarv
    When I ask Zarv for a "light" verification of "{{zarvCpf}}"
    And I download the verification's PDF
    Then the status is one of "200, 409"
    And the body matches its schema
