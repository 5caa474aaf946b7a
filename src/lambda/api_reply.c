/*
 * api_reply.c - parses one Runtime API answer from bytes (api_reply.h).
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "lambda/api_reply.h"

#define CHUNK_LINE_MAX 1024

/* Not all of the answer is there: MORE with the length worth waiting
 * for, or an error if nothing more will come. */
static FlApiParse
more(gsize len, guint64 need, gboolean closed, gsize *used, GError **err)
{
    if (closed) {
        g_set_error(err, FL_ERROR, FL_ERROR_NETWORK, "%s", len == 0
                    ? "the connection was closed before the answer"
                    : "the connection was closed in the middle of the "
                      "answer");
        return FL_API_PARSE_ERROR;
    }
    *used = need > G_MAXSIZE ? G_MAXSIZE : (gsize)need;
    return FL_API_PARSE_MORE;
}

static gboolean
too_big(guint64 n, gsize max, GError **err)
{
    if (n <= max)
        return FALSE;
    g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "an answer body of more "
                "than %" G_GSIZE_FORMAT " bytes", max);
    return TRUE;
}

/* Offset of the first CRLF in data[from, limit), or -1. */
static gssize
crlf(const guint8 *data, gsize from, gsize limit)
{
    for (gsize i = from; i + 1 < limit; i++)
        if (data[i] == '\r' && data[i + 1] == '\n')
            return (gssize)i;
    return -1;
}

/* "HTTP/1.x NNN[ reason]" into *status and *v10 (HTTP/1.0). */
static gboolean
status_line(const char *line, int *status, gboolean *v10, GError **err)
{
    if (!g_str_has_prefix(line, "HTTP/1.") || !g_ascii_isdigit(line[7])
        || line[8] != ' ' || !g_ascii_isdigit(line[9])
        || !g_ascii_isdigit(line[10]) || !g_ascii_isdigit(line[11])
        || (line[12] != ' ' && line[12] != '\0') || line[9] == '0') {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "not an HTTP answer");
        return FALSE;
    }
    *status = (line[9] - '0') * 100 + (line[10] - '0') * 10
              + (line[11] - '0');
    *v10 = line[7] == '0';
    return TRUE;
}

/* One "Name: value" line into headers; a second Content-Length must say
 * the same as the first (else the body's end is ambiguous). */
static gboolean
header_line(GHashTable *headers, const char *line, GError **err)
{
    const char *colon = strchr(line, ':');
    char *name, *value;
    const char *old;

    if (colon == NULL || colon == line)
        return TRUE;
    name = g_ascii_strdown(line, colon - line);
    value = g_strstrip(g_strdup(colon + 1));
    old = g_hash_table_lookup(headers, name);
    if (old && strcmp(name, "content-length") == 0
        && strcmp(old, value) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "conflicting "
                    "Content-Length headers (%s, %s)", old, value);
        g_free(name);
        g_free(value);
        return FALSE;
    }
    g_hash_table_replace(headers, name, value);
    return TRUE;
}

/* The status line and headers of head[0, n) (no final CRLF CRLF). */
static gboolean
parse_head(const guint8 *head, gsize n, FlApiReply *out, gboolean *v10,
           GError **err)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    guint count;

    if (memchr(head, '\0', n) != NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "a NUL byte in the "
                    "answer's headers");
        return FALSE;
    }
    text = g_strndup((const char *)head, n);
    lines = g_strsplit(text, "\r\n", -1);
    count = g_strv_length(lines);       /* 0 for an empty head */
    if (!status_line(count ? lines[0] : "", &out->status, v10, err))
        return FALSE;
    if (count - 1 > FL_API_HEADERS_MAX) {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "an answer with more "
                    "than %u header lines", FL_API_HEADERS_MAX);
        return FALSE;
    }
    out->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                         g_free);
    for (guint i = 1; lines[i] != NULL; i++)
        if (!header_line(out->headers, lines[i], err))
            return FALSE;
    return TRUE;
}

/*
 * A chunked body from data[off]: DONE with *end past the trailers and,
 * if body is not NULL, the chunks appended to it.  Walked once without
 * body to see whether all of it is there, once with to copy it.
 */
static FlApiParse
chunked(const guint8 *data, gsize len, gsize off, gboolean closed,
        gsize max, GByteArray *body, gsize *end, GError **err)
{
    guint64 total = 0;
    gsize pos = off, trailers;
    gssize eol;

    for (;;) {
        char line[CHUNK_LINE_MAX + 1];
        guint64 size;
        gsize n;

        eol = crlf(data, pos, MIN(len, pos + CHUNK_LINE_MAX + 2));
        if (eol < 0) {
            if (len - pos > CHUNK_LINE_MAX + 1) {
                g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "a chunk size "
                            "line of more than %u bytes", CHUNK_LINE_MAX);
                return FL_API_PARSE_ERROR;
            }
            return more(len, (guint64)len + 1, closed, end, err);
        }
        n = (gsize)eol - pos;
        memcpy(line, data + pos, n);
        line[n] = '\0';
        line[strcspn(line, "; \t")] = '\0';     /* chunk extensions */
        if (line[0] == '\0' || strlen(line) > 8
            || strspn(line, "0123456789abcdefABCDEF") != strlen(line)) {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "a bad chunk size");
            return FL_API_PARSE_ERROR;
        }
        size = g_ascii_strtoull(line, NULL, 16);
        pos = (gsize)eol + 2;
        if (size == 0)
            break;
        if (too_big(total + size, max, err))
            return FL_API_PARSE_ERROR;
        if ((guint64)len < (guint64)pos + size + 2)
            return more(len, (guint64)pos + size + 2, closed, end, err);
        if (data[pos + size] != '\r' || data[pos + size + 1] != '\n') {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "a chunk not "
                        "followed by CRLF");
            return FL_API_PARSE_ERROR;
        }
        if (body)
            g_byte_array_append(body, data + pos, (guint)size);
        total += size;
        pos += size + 2;
    }
    /* Trailers, up to the empty line. */
    trailers = pos;
    while ((eol = crlf(data, pos, len)) != (gssize)pos) {
        if (eol < 0) {
            if (len - trailers > FL_API_HEAD_MAX) {
                g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "trailers of "
                            "more than %u bytes", FL_API_HEAD_MAX);
                return FL_API_PARSE_ERROR;
            }
            return more(len, (guint64)len + 1, closed, end, err);
        }
        pos = (gsize)eol + 2;
    }
    *end = pos + 2;
    return FL_API_PARSE_DONE;
}

/* The body after the head (head ends at off), by the framing headers. */
static FlApiParse
body(const guint8 *data, gsize len, gsize off, gboolean closed, gsize max,
     FlApiReply *out, gsize *used, gboolean *reusable, GError **err)
{
    const char *te = fl_api_reply_header(out, "transfer-encoding");
    const char *cl = fl_api_reply_header(out, "content-length");
    GByteArray *b;
    FlApiParse rc;
    gsize end = 0;
    guint64 n;

    if (out->status < 200) {
        g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "an interim answer "
                    "(%d) where none was asked for", out->status);
        return FL_API_PARSE_ERROR;
    }
    if (out->status == 204 || out->status == 304) {
        out->body = g_bytes_new(NULL, 0);
        *used = off;
        return FL_API_PARSE_DONE;
    }
    if (te && g_ascii_strcasecmp(te, "identity") != 0) {
        const char *last = strrchr(te, ',');

        last = last ? last + 1 : te;
        while (*last == ' ' || *last == '\t')
            last++;
        if (g_ascii_strcasecmp(last, "chunked") != 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "an answer with "
                        "Transfer-Encoding \"%s\"", te);
            return FL_API_PARSE_ERROR;
        }
        rc = chunked(data, len, off, closed, max, NULL, &end, err);
        if (rc != FL_API_PARSE_DONE) {
            *used = end;
            return rc;
        }
        b = g_byte_array_new();
        (void)chunked(data, len, off, closed, max, b, &end, NULL);
        out->body = g_byte_array_free_to_bytes(b);
        *used = end;
        return FL_API_PARSE_DONE;
    }
    if (cl) {
        if (cl[0] == '\0' || strlen(cl) > 19
            || strspn(cl, "0123456789") != strlen(cl)) {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "a bad "
                        "Content-Length \"%s\"", cl);
            return FL_API_PARSE_ERROR;
        }
        n = g_ascii_strtoull(cl, NULL, 10);
        if (too_big(n, max, err))
            return FL_API_PARSE_ERROR;
        if ((guint64)len - off < n)
            return more(len, (guint64)off + n, closed, used, err);
        out->body = g_bytes_new(data + off, (gsize)n);
        *used = off + (gsize)n;
        return FL_API_PARSE_DONE;
    }
    /* To the end of the connection. */
    if (too_big(len - off, max, err))
        return FL_API_PARSE_ERROR;
    if (!closed) {
        *used = off + max + 1 < off ? G_MAXSIZE : off + max + 1;
        return FL_API_PARSE_MORE;
    }
    out->body = g_bytes_new(data + off, len - off);
    *used = len;
    *reusable = FALSE;
    return FL_API_PARSE_DONE;
}

FlApiParse
fl_api_reply_parse(const guint8 *data, gsize len, gboolean closed,
                   gsize max_body, FlApiReply *out, gsize *used,
                   gboolean *reusable, GError **err)
{
    gsize scan = MIN(len, FL_API_HEAD_MAX + 4), head_len;
    const guint8 *end;
    const char *conn;
    gboolean v10 = FALSE;
    FlApiParse rc;

    memset(out, 0, sizeof *out);
    *used = 0;
    *reusable = FALSE;
    end = scan >= 4 ? memmem(data, scan, "\r\n\r\n", 4) : NULL;
    if (end == NULL) {
        if (len > FL_API_HEAD_MAX) {
            g_set_error(err, FL_ERROR, FL_ERROR_REMOTE, "headers of more "
                        "than %u bytes", FL_API_HEAD_MAX);
            return FL_API_PARSE_ERROR;
        }
        return more(len, (guint64)len + 1, closed, used, err);
    }
    head_len = (gsize)(end - data);
    if (!parse_head(data, head_len, out, &v10, err)) {
        fl_api_reply_clear(out);
        return FL_API_PARSE_ERROR;
    }
    conn = fl_api_reply_header(out, "connection");
    /* HTTP/1.1 keeps the connection unless told; 1.0 only if told. */
    if (v10)
        *reusable = conn && g_ascii_strcasecmp(conn, "keep-alive") == 0;
    else
        *reusable = !(conn && g_ascii_strcasecmp(conn, "close") == 0);
    rc = body(data, len, head_len + 4, closed, max_body, out, used,
              reusable, err);
    if (rc != FL_API_PARSE_DONE) {
        fl_api_reply_clear(out);
        *reusable = FALSE;
    }
    return rc;
}
