/*
 * test_api_reply.c - the Runtime API answer parser (lambda/api_reply.c):
 * what it makes of the answers the API gives, and each limit's error.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "error.h"
#include "lambda/api_reply.h"

typedef struct {
    FlApiParse rc;
    FlApiReply r;
    gsize used;
    gboolean reusable;
    GError *err;
} Got;

static void
got_clear(Got *g)
{
    fl_api_reply_clear(&g->r);
    g_clear_error(&g->err);
}

static void
parse(const char *text, gsize len, gboolean closed, gsize max, Got *g)
{
    memset(g, 0, sizeof *g);
    g->rc = fl_api_reply_parse((const guint8 *)text, len, closed, max,
                               &g->r, &g->used, &g->reusable, &g->err);
}

static void
parse_s(const char *text, gboolean closed, gsize max, Got *g)
{
    parse(text, strlen(text), closed, max, g);
}

static gchar *
body_str(const Got *g)
{
    gsize n;
    const char *p = g_bytes_get_data(g->r.body, &n);

    return g_strndup(p, n);
}

static void
test_next(void)
{
    const char *a = "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        "Lambda-Runtime-Aws-Request-Id: 8476a536\r\n"
        "Lambda-Runtime-Deadline-Ms: 1542409706888\r\n"
        "lambda-runtime-trace-id:  Root=1-5bef4de7  \r\n"
        "Content-Length: 13\r\n\r\n{\"awslogs\":1}";
    g_autofree char *b = NULL;
    Got g;

    /* Every prefix is MORE, asking for more than it has. */
    for (gsize n = 0; n < strlen(a); n++) {
        parse(a, n, FALSE, 1024, &g);
        g_assert_cmpint(g.rc, ==, FL_API_PARSE_MORE);
        g_assert_cmpuint(g.used, >, n);
        g_assert_null(g.r.headers);
        got_clear(&g);
    }
    parse_s(a, FALSE, 1024, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_DONE);
    g_assert_cmpint(g.r.status, ==, 200);
    g_assert_cmpuint(g.used, ==, strlen(a));
    g_assert_true(g.reusable);
    g_assert_cmpstr(fl_api_reply_header(&g.r,
                    "lambda-runtime-aws-request-id"), ==, "8476a536");
    g_assert_cmpstr(fl_api_reply_header(&g.r,
                    "lambda-runtime-deadline-ms"), ==, "1542409706888");
    g_assert_cmpstr(fl_api_reply_header(&g.r, "lambda-runtime-trace-id"),
                    ==, "Root=1-5bef4de7");
    b = body_str(&g);
    g_assert_cmpstr(b, ==, "{\"awslogs\":1}");
    got_clear(&g);
}

static void
test_chunked(void)
{
    const char *a = "HTTP/1.1 500 Internal Server Error\r\n"
        "Transfer-Encoding: gzip, chunked\r\n\r\n"
        "5;ext=1\r\nhello\r\nA \r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n"
        "HTTP/1.1 202";
    g_autofree char *b = NULL;
    Got g;

    parse_s(a, FALSE, 1024, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_DONE);
    g_assert_cmpint(g.r.status, ==, 500);
    b = body_str(&g);
    g_assert_cmpstr(b, ==, "hello0123456789");
    /* What follows is the next answer's. */
    g_assert_cmpstr(a + g.used, ==, "HTTP/1.1 202");
    got_clear(&g);
}

static void
test_to_close(void)
{
    const char *a = "HTTP/1.1 200 OK\r\nX: y\r\n\r\nabc";
    gsize head = strlen(a) - 3;
    g_autofree char *b = NULL;
    Got g;

    parse_s(a, FALSE, 10, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_MORE);
    g_assert_cmpuint(g.used, ==, head + 11);     /* where it is too big */
    got_clear(&g);
    parse_s(a, TRUE, 10, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_DONE);
    g_assert_false(g.reusable);
    b = body_str(&g);
    g_assert_cmpstr(b, ==, "abc");
    got_clear(&g);
}

static void
test_reuse(void)
{
    Got g;

    parse_s("HTTP/1.1 202 Accepted\r\nConnection: close\r\n"
            "Content-Length: 0\r\n\r\n", FALSE, 10, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_DONE);
    g_assert_false(g.reusable);
    got_clear(&g);
    parse_s("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", FALSE, 10, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_DONE);
    g_assert_false(g.reusable);
    got_clear(&g);
    parse_s("HTTP/1.1 204 No Content\r\n\r\n", FALSE, 10, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_DONE);
    g_assert_true(g.reusable);
    g_assert_cmpuint(g_bytes_get_size(g.r.body), ==, 0);
    got_clear(&g);
}

/* text (closed or not) fails with code and a message holding what. */
static void
fails(const char *text, gsize len, gboolean closed, gsize max, int code,
      const char *what)
{
    Got g;

    parse(text, len, closed, max, &g);
    g_assert_cmpint(g.rc, ==, FL_API_PARSE_ERROR);
    g_assert_error(g.err, FL_ERROR, code);
    if (strstr(g.err->message, what) == NULL)
        g_error("\"%s\" does not say \"%s\"", g.err->message, what);
    g_assert_null(g.r.headers);
    g_assert_null(g.r.body);
    g_assert_false(g.reusable);
    got_clear(&g);
}

static void
fails_s(const char *text, gboolean closed, gsize max, int code,
        const char *what)
{
    fails(text, strlen(text), closed, max, code, what);
}

static void
test_limits(void)
{
    GString *s = g_string_new("HTTP/1.1 200 OK\r\nX-Big: ");

    while (s->len <= FL_API_HEAD_MAX)
        g_string_append(s, "aaaaaaaaaaaaaaaa");
    fails(s->str, s->len, FALSE, 10, FL_ERROR_REMOTE,
          "headers of more than 65536 bytes");
    g_string_assign(s, "HTTP/1.1 200 OK\r\n");
    for (guint i = 0; i <= FL_API_HEADERS_MAX; i++)
        g_string_append_printf(s, "X-%u: v\r\n", i);
    g_string_append(s, "\r\n");
    fails(s->str, s->len, FALSE, 10, FL_ERROR_REMOTE,
          "more than 100 header lines");
    g_string_free(s, TRUE);

    fails_s("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", FALSE, 10,
            FL_ERROR_REMOTE, "more than 10 bytes");
    fails_s("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "6\r\nabcdef\r\n5\r\n", FALSE, 10, FL_ERROR_REMOTE,
            "more than 10 bytes");
    fails_s("HTTP/1.1 200 OK\r\n\r\n0123456789a", FALSE, 10,
            FL_ERROR_REMOTE, "more than 10 bytes");
    fails_s("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3"
            "\r\n\r\nabc", FALSE, 10, FL_ERROR_REMOTE, "conflicting");
    fails_s("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", FALSE, 10,
            FL_ERROR_REMOTE, "bad Content-Length");
    fails_s("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            FALSE, 10, FL_ERROR_REMOTE, "bad chunk size");
    fails_s("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            "3\r\nabcXY", FALSE, 10, FL_ERROR_REMOTE, "not followed by CRLF");
    fails_s("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", FALSE, 10,
            FL_ERROR_REMOTE, "Transfer-Encoding");
    fails_s("HTTP/1.1 100 Continue\r\n\r\n", FALSE, 10, FL_ERROR_REMOTE,
            "interim");
    fails_s("\r\n\r\n", FALSE, 10, FL_ERROR_REMOTE, "not an HTTP answer");
    fails_s("SSH-2.0-OpenSSH_9.2\r\n\r\n", FALSE, 10, FL_ERROR_REMOTE,
            "not an HTTP answer");
    fails("HTTP/1.1 200 OK\r\nX: \0\r\n\r\n", 25, FALSE, 10,
          FL_ERROR_REMOTE, "NUL");
    fails_s("", TRUE, 10, FL_ERROR_NETWORK, "closed before the answer");
    fails_s("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", TRUE, 10,
            FL_ERROR_NETWORK, "closed in the middle");
    fails_s("HTTP/1.1 200", TRUE, 10, FL_ERROR_NETWORK,
            "closed in the middle");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/api_reply/next", test_next);
    g_test_add_func("/api_reply/chunked", test_chunked);
    g_test_add_func("/api_reply/to_close", test_to_close);
    g_test_add_func("/api_reply/reuse", test_reuse);
    g_test_add_func("/api_reply/limits", test_limits);
    return g_test_run();
}
