/*
 * creds_static.h - a test-only stand-in for credentials.c: fixed keys.
 *
 * Linked into tests only (never into src/), so the HTTP layer can be
 * tested while the real credentials module is written elsewhere.
 */
#ifndef FL_TEST_CREDS_STATIC_H
#define FL_TEST_CREDS_STATIC_H

#include "aws/credentials.h"

/* access_key_id NULL: every fl_aws_credentials_get() fails with
 * FL_ERROR_AUTH.  session_token may be NULL. */
FlAwsCredentials *fl_test_credentials_new(const char *access_key_id,
                                          const char *secret_access_key,
                                          const char *session_token);

/* How many times fl_aws_credentials_get() was called. */
guint fl_test_credentials_calls(const FlAwsCredentials *c);

#endif
