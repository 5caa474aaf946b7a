# Unit tests (GLib g_test, TAP) and integration tests (scripts; exit 77 = skip).
UNIT_TESTS += tests/unit/test_source
tests_unit_test_source_SOURCES = tests/unit/test_source.c
tests_unit_test_source_LDADD = src/libflowlog.a $(FL_LIBS)
