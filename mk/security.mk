# mk/security.mk: TLS verification and body-size limit tests (issue 5).
