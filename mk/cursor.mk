# mk/cursor.mk: sandbox paging faults and write replay under faults (issue 5).
