/*
 * cred_process.c - runs a profile's credential_process and reads its JSON.
 *
 * g_spawn_sync() would read an unbounded output and wait forever, so the
 * child is spawned with a pipe that is read here with a byte limit and a
 * deadline; a child that overruns either is killed.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-glib/json-glib.h>

#include "aws/cred_process.h"
#include "aws/keys.h"
#include "error.h"

static gboolean
check_version(JsonObject *o, GError **err)
{
    JsonNode *v = json_object_get_member(o, "Version");

    if (v == NULL || !JSON_NODE_HOLDS_VALUE(v) ||
        json_node_get_value_type(v) != G_TYPE_INT64) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "output has no integer Version");
        return FALSE;
    }
    if (json_node_get_int(v) != 1) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "output has Version %" G_GINT64_FORMAT
                    ", only Version 1 is known", json_node_get_int(v));
        return FALSE;
    }
    return TRUE;
}

gboolean
fl_aws_cred_process_parse(const char *json, gsize len, FlAwsKeys *out,
                          GError **err)
{
    JsonParser *parser = json_parser_new();
    JsonNode *root;
    gboolean ok = FALSE;
    gsize blank = 0;

    memset(out, 0, sizeof(*out));
    /* Bounded by len: json need not be NUL-terminated. */
    while (blank < len && json[blank] != '\0' &&
           strchr(" \t\r\n", json[blank]) != NULL)
        blank++;
    if (blank == len) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "output is empty");
        goto out;
    }
    /* The parser's message may quote the text: keep it to ourselves. */
    if (len > G_MAXSSIZE ||
        !json_parser_load_from_data(parser, json, (gssize)len, NULL)) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "output is not JSON");
        goto out;
    }
    root = json_parser_get_root(parser);
    if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                    "output is not a JSON object");
        goto out;
    }
    if (!check_version(json_node_get_object(root), err))
        goto out;
    ok = fl_aws_keys_from_json(json_node_get_object(root), "SessionToken",
                               out, err);
    if (!ok)
        g_prefix_error(err, "output: ");
out:
    g_object_unref(parser);
    return ok;
}

/*
 * Reads the child's output until EOF, the limit or the deadline.  FALSE
 * with *err on the last two (the caller kills the child).
 */
static gboolean
read_output(int fd, GString *buf, GError **err)
{
    gint64 deadline = g_get_monotonic_time() +
                      (gint64)FL_AWS_PROCESS_TIMEOUT_S * G_USEC_PER_SEC;
    char chunk[4096];

    for (;;) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        gint64 left = deadline - g_get_monotonic_time();
        ssize_t n;
        int r;

        if (left <= 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_AUTH,
                        "no answer within %d s", FL_AWS_PROCESS_TIMEOUT_S);
            return FALSE;
        }
        r = poll(&pfd, 1, (int)MIN(left / 1000 + 1, G_MAXINT));
        if (r < 0 && errno != EINTR) {
            g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "poll: %s",
                        g_strerror(errno));
            return FALSE;
        }
        if (r <= 0)
            continue;
        n = read(fd, chunk, sizeof(chunk));
        if (n == 0)
            return TRUE;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "reading output: %s",
                        g_strerror(errno));
            return FALSE;
        }
        g_string_append_len(buf, chunk, n);
        if (buf->len > FL_AWS_PROCESS_OUTPUT_MAX) {
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                        "output longer than %d bytes",
                        FL_AWS_PROCESS_OUTPUT_MAX);
            return FALSE;
        }
    }
}

static gboolean
check_status(int status, GError **err)
{
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return TRUE;
    if (WIFEXITED(status))
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "exited with status %d",
                    WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "killed by signal %d",
                    WTERMSIG(status));
    else
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "ended with status 0x%x",
                    (unsigned)status);
    return FALSE;
}

static void
reap(GPid pid, int *status)
{
    while (waitpid(pid, status, 0) == -1 && errno == EINTR)
        ;
}

gboolean
fl_aws_cred_process_run(const char *command, FlAwsKeys *out, GError **err)
{
    char *argv[] = { "/bin/sh", "-c", (char *)command, NULL };
    GString *buf = g_string_new(NULL);
    GError *e = NULL;
    gboolean ok = FALSE;
    int fd = -1, status = 0;
    GPid pid;

    memset(out, 0, sizeof(*out));
    if (!g_spawn_async_with_pipes(NULL, argv, NULL,
                                  G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                  &pid, NULL, &fd, NULL, &e)) {
        g_set_error(err, FL_ERROR, FL_ERROR_AUTH, "cannot run: %s",
                    e->message);
        g_error_free(e);
        goto out;
    }
    if (!read_output(fd, buf, err)) {
        kill(pid, SIGKILL);
        close(fd);
        reap(pid, &status);
        goto out;
    }
    close(fd);
    /* After EOF the child is normally exiting; one that closed stdout and
     * went on running is waited for, as the AWS CLI does. */
    reap(pid, &status);
    ok = check_status(status, err) &&
         fl_aws_cred_process_parse(buf->str, buf->len, out, err);
out:
    memset(buf->str, 0, buf->len);
    g_string_free(buf, TRUE);
    return ok;
}
