# mk/security.mk: TLS verification and body-size limit tests (issue 5).
# tls_get makes one request through the real libcurl transport trusting a
# given CA file, for the host-name and good-certificate cases of 002-tls.sh.
check_PROGRAMS += tests/security/tls_get
tests_security_tls_get_SOURCES = tests/security/tls_get.c
tests_security_tls_get_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS)
tests_security_tls_get_LDADD = $(CORE_LIBS)

TESTS += tests/security/002-tls.sh
EXTRA_DIST += tests/security/002-tls.sh
