/*
 * cred_process.h - credential_process: a command of the user's that
 * prints credentials as JSON on its standard output:
 *
 *   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
 *    "SessionToken": "...", "Expiration": "2024-05-25T12:00:00Z"}
 *
 * (SessionToken and Expiration optional).  The command runs through
 * /bin/sh -c, as the Go and Java SDKs do on Unix, with stdin from
 * /dev/null and our stderr, so its own messages reach the user.
 */
#ifndef FL_AWS_CRED_PROCESS_H
#define FL_AWS_CRED_PROCESS_H

#include <glib.h>

#include "aws/credentials.h"

/* Output larger than this is refused (real answers are ~1 KiB). */
#define FL_AWS_PROCESS_OUTPUT_MAX (64 * 1024)
/* A command that has not finished its output by then is killed. */
#define FL_AWS_PROCESS_TIMEOUT_S 60

/*
 * Runs command and parses its output into *out.  FALSE with
 * FL_ERROR_AUTH (cannot start, non-zero exit, killed by a signal, no
 * output within FL_AWS_PROCESS_TIMEOUT_S, bad output) or FL_ERROR_LIMIT
 * (output over FL_AWS_PROCESS_OUTPUT_MAX); a command that overran is
 * killed.  Messages never quote the output or the command (either may
 * hold secrets).
 */
gboolean fl_aws_cred_process_run(const char *command, FlAwsKeys *out,
                                 GError **err);

/*
 * Parses one answer.  FALSE with FL_ERROR_AUTH when it is not a JSON
 * object, Version is not 1, or a member is missing or malformed.
 */
gboolean fl_aws_cred_process_parse(const char *json, gsize len,
                                   FlAwsKeys *out, GError **err);

#endif
