@zarv @errors @faults
Feature: Zarv ID — erros injetados
  The errors a client of Zarv ID meets when the service or its gateway fails, each declared status
  of each operation injected once through the sandbox control API and judged against the response
  the document declares for it (status, body, headers): 400 to 415 and the 500 of a failing service.
  A real Zarv cannot be made to fail on demand: there the scenario is skipped, saying so.

  Scenario: every declared error status of every operation, injected, is answered as declared
    When each declared error status of each operation under "/zarv" is injected
    Then every injected answer has the injected status
    And every injected answer matches its declared response, body and headers
