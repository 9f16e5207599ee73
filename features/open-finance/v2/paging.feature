@open-finance @v2 @customers @paging
Feature: Paginação — /identifications
  Walking every page by its next links visits every record once; on every page the links follow
  the Open Finance paging rules (first and prev only off the first page, next and last only off
  the last, self showing the page size applied); a page past the end gets 422 PAGE_NOT_FOUND.

  Scenario: walking the pages of a customer with many records
    Given a personal consent token in the state "paging"
    When I walk every page of "/open-banking/customers/v2/personal/identifications"
    Then every page follows the paging rules
    And the pages hold distinct records
    When I GET the page after the last
    Then the status is 422 with the error code one of "PAGE_NOT_FOUND"
    And the body matches its schema

  Scenario: walking with a page size of 10
    Given a personal consent token in the state "paging"
    When I walk every page of "/open-banking/customers/v2/personal/identifications?page-size=10"
    Then every page follows the paging rules
    And the pages hold distinct records

  Scenario: a single page has only its self link
    Given a personal consent token in the state "authorised"
    When I walk every page of "/open-banking/customers/v2/personal/identifications"
    Then every page follows the paging rules
    When I GET the page after the last
    Then the status is 422 with the error code one of "PAGE_NOT_FOUND"
