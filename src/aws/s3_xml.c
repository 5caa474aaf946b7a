/*
 * s3_xml.c - ListBucketResult and Error documents through GMarkup.
 *
 * GMarkup parses well-formed XML without DTDs, which is what S3 sends.  We
 * keep only the path of open elements and the text of the current leaf,
 * and act when a leaf closes.  Text is bounded per element: S3 keys are at
 * most 1,024 bytes, so a longer leaf is a hostile or broken answer.  The
 * path holds our own static names (the elements we read, else UNKNOWN):
 * names from the answer are neither copied nor interned, since interned
 * strings are never freed and every new name would grow the process for
 * good.
 */
#include "config.h"

#include <string.h>

#include "aws/http.h"
#include "aws/s3_xml.h"
#include "error.h"
#include "sources/s3_walk.h"

/* A 1,024-byte key is up to 3,072 bytes url-encoded (encoding-type=url
 * makes every non-ASCII byte %XX); the decoded key is checked against
 * 1,024 separately. */
#define MAX_TEXT (3 * 1024 + 64)
#define MAX_DEPTH 8
#define UNKNOWN "?"             /* not an XML name: matches none below */

/* The element names acted upon. */
static const char *const names[] = {
    "ListBucketResult", "Contents", "Key", "Size", "ETag", "CommonPrefixes",
    "Prefix", "IsTruncated", "NextContinuationToken", "EncodingType",
    "Error", "Code", "Message",
};

typedef struct {
    const char *path[MAX_DEPTH];
    guint depth;
    GString *text;
    gboolean text_too_long;
    FlS3Listing *out;
    FlS3Key *cur;               /* inside <Contents> */
    /* for <Error> */
    char *code, *message;
    gboolean is_error;
    gboolean root_seen;
    guint keys_at_start, prefixes_at_start;
} XmlState;

static gboolean
in(const XmlState *st, const char *parent, const char *leaf)
{
    return st->depth >= 2 && !strcmp(st->path[st->depth - 1], leaf)
           && !strcmp(st->path[st->depth - 2], parent);
}

static const char *
known_name(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(name, names[i]) == 0)
            return names[i];
    return UNKNOWN;
}

static void
on_start(GMarkupParseContext *ctx, const char *name, const char **an,
         const char **av, gpointer data, GError **err)
{
    XmlState *st = data;

    (void)ctx; (void)an; (void)av;
    if (st->depth == 0) {
        st->root_seen = TRUE;
        st->is_error = !strcmp(name, "Error");
    }
    if (st->depth == MAX_DEPTH) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "XML nested deeper than %d elements", MAX_DEPTH);
        return;
    }
    st->path[st->depth++] = known_name(name);
    g_string_truncate(st->text, 0);
    st->text_too_long = FALSE;
    if (st->out && st->depth == 2 && !strcmp(name, "Contents")) {
        st->cur = g_new0(FlS3Key, 1);
    }
}

static void
on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
        GError **err)
{
    XmlState *st = data;

    (void)ctx; (void)err;
    if (st->text->len + len > MAX_TEXT) {
        st->text_too_long = TRUE;
        return;
    }
    g_string_append_len(st->text, text, (gssize)len);
}

static char *
take_text(XmlState *st, gboolean decode, GError **err)
{
    if (st->text_too_long || memchr(st->text->str, '\0', st->text->len)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "<%s> longer than %d bytes or with a NUL byte",
                    st->path[st->depth - 1], MAX_TEXT);
        return NULL;
    }
    if (decode)
        /* Form decoding ('+' is a space), as botocore does
         * (unquote_plus): a literal '+' comes as %2B either way. */
        return fl_uri_decode(st->text->str, TRUE, err);
    return g_strndup(st->text->str, st->text->len);
}

static gboolean
parse_size(const char *s, guint64 *out, GError **err)
{
    if (g_ascii_string_to_unsigned(s, 10, 0, G_MAXUINT64, out, NULL))
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "<Size> '%.40s' is not a "
                "number", s);
    return FALSE;
}

/* A closing leaf of a ListBucketResult. */
static void
listing_leaf(XmlState *st, GError **err)
{
    FlS3Listing *o = st->out;
    gboolean dec = o->url_encoded;

    if (st->cur && in(st, "Contents", "Key")) {
        g_free(st->cur->key);
        st->cur->key = take_text(st, dec, err);
        /* S3 keys are 1 to 1,024 bytes; an empty one would make the
         * GetObject URL the bucket's own (a listing). */
        if (st->cur->key && (strlen(st->cur->key) > 1024 ||
                             *st->cur->key == '\0'))
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "a key that is empty or longer than 1024 bytes");
    } else if (st->cur && in(st, "Contents", "Size")) {
        parse_size(st->text->str, &st->cur->size, err);
    } else if (st->cur && in(st, "Contents", "ETag")) {
        g_free(st->cur->etag);
        st->cur->etag = g_strdup(st->text->str);
        g_strstrip(g_strdelimit(st->cur->etag, "\"", ' '));
    } else if (in(st, "CommonPrefixes", "Prefix")) {
        char *p = take_text(st, dec, err);
        if (p)
            g_ptr_array_add(o->prefixes, p);
    } else if (st->depth == 2 && !strcmp(st->path[1], "IsTruncated")) {
        o->truncated = !strcmp(st->text->str, "true");
    } else if (st->depth == 2 && !strcmp(st->path[1], "NextContinuationToken")) {
        g_free(o->next_token);
        o->next_token = take_text(st, FALSE, err);
    } else if (st->depth == 2 && !strcmp(st->path[1], "EncodingType")) {
        o->url_encoded = !strcmp(st->text->str, "url");
    }
}

static void
on_end(GMarkupParseContext *ctx, const char *name, gpointer data,
       GError **err)
{
    XmlState *st = data;

    (void)ctx; (void)name;
    /* Code and Message only for fl_s3_xml_error(): a listing that turns
     * out to be an <Error> fails without them.  A repeated one replaces
     * the earlier. */
    if (st->out) {
        if (!st->is_error)
            listing_leaf(st, err);
    } else if (st->depth == 2 && !strcmp(st->path[1], "Code")) {
        g_free(st->code);
        st->code = take_text(st, FALSE, NULL);
    } else if (st->depth == 2 && !strcmp(st->path[1], "Message")) {
        g_free(st->message);
        st->message = take_text(st, FALSE, NULL);
    }
    if (st->cur && st->depth == 2) {    /* </Contents> */
        if (st->cur->key == NULL && (err == NULL || *err == NULL))
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "<Contents> without a <Key>");
        if (st->cur->key)
            g_ptr_array_add(st->out->keys, st->cur);
        else
            fl_s3_key_free(st->cur);
        st->cur = NULL;
    }
    st->depth--;
    g_string_truncate(st->text, 0);
}

static const GMarkupParser parser = {
    .start_element = on_start, .end_element = on_end, .text = on_text,
};

static gboolean
run_parser(XmlState *st, const char *xml, gsize len, GError **err)
{
    GMarkupParseContext *ctx;
    gboolean ok;

    st->text = g_string_new(NULL);
    ctx = g_markup_parse_context_new(&parser, 0, st, NULL);
    ok = g_markup_parse_context_parse(ctx, xml, (gssize)len, err)
         && g_markup_parse_context_end_parse(ctx, err);
    g_markup_parse_context_free(ctx);
    g_string_free(st->text, TRUE);
    if (st->cur)
        fl_s3_key_free(st->cur);
    return ok;
}

gboolean
fl_s3_xml_listing(const char *xml, gsize len, FlS3Listing *out, GError **err)
{
    XmlState st;
    GError *local = NULL;

    memset(&st, 0, sizeof st);
    st.out = out;
    st.keys_at_start = out->keys->len;
    st.prefixes_at_start = out->prefixes->len;
    if (run_parser(&st, xml, len, &local) && !st.is_error && st.root_seen
        && !strcmp(st.path[0], "ListBucketResult"))
        return TRUE;
    if (local == NULL) {
        g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT,
                    "not a ListBucketResult document");
    } else if (local->domain != FL_ERROR) {
        /* GMarkup's own errors (not well-formed, empty) are corrupt
         * answers too: callers sort errors by our codes only. */
        local->domain = FL_ERROR;
        local->code = FL_ERROR_CORRUPT;
    }
    g_propagate_prefixed_error(err, local, "bad listing: ");
    g_ptr_array_set_size(out->keys, st.keys_at_start);
    g_ptr_array_set_size(out->prefixes, st.prefixes_at_start);
    g_clear_pointer(&out->next_token, g_free);
    return FALSE;
}

void
fl_s3_xml_error(const char *xml, gsize len, char **code, char **message)
{
    XmlState st;

    memset(&st, 0, sizeof st);
    (void)run_parser(&st, xml, len, NULL);
    if (!st.is_error) {
        g_clear_pointer(&st.code, g_free);
        g_clear_pointer(&st.message, g_free);
    }
    *code = st.code;
    *message = st.message;
}
