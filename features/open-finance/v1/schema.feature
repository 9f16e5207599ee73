@open-finance @v1 @customers
Feature: Conformidade de schema — Customers API v1 (1.0.3)
  Version 1 closes every object (no unknown field anywhere), says "not applicable" with NA and the
  NAO_* / SEM_* members, carries numeric amounts, and counts records in meta. Every body must match
  the 1.0.3 schema of its operation and status, formats checked.

  Scenario Outline: v1 <endpoint> returns data that matches its schema
    Given a <kind> consent token in the state "authorised"
    When I GET "/open-banking/customers/v1<endpoint>"
    Then the status is 200
    And the body matches its schema
    And the content type is JSON
    And the field "meta.totalPages" is "1"

    Examples:
      | endpoint                       | kind     |
      | /personal/identifications      | personal |
      | /personal/qualifications       | personal |
      | /personal/financial-relations  | personal |
      | /business/identifications      | business |
      | /business/qualifications       | business |
      | /business/financial-relations  | business |

  Scenario Outline: v1 error body of <endpoint> without a token matches ResponseError
    When I GET "/open-banking/customers/v1<endpoint>" without a token
    Then the status is 401
    And the body matches its schema

    Examples:
      | endpoint                       |
      | /personal/identifications      |
      | /business/financial-relations  |

  Scenario: v1 has no paging: every record comes on one page, counted in meta
    Given a personal consent token in the state "paging"
    When I GET "/open-banking/customers/v1/personal/identifications"
    Then the status is 200
    And the body matches its schema
    And the field "meta.totalRecords" equals the number of items in "data"
    And the field "links.next" is absent
