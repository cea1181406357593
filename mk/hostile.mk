# mk/hostile.mk: hostile ids, tags and text end to end; field limits (issue 5).
