/*
 * s3_xml.c - ListBucketResult and Error documents through GMarkup.
 *
 * GMarkup parses well-formed XML without DTDs, which is what S3 sends.
 * The bounded reader of xml_leaf.h keeps the path of open elements and
 * the text of the current leaf; we act when a leaf closes.  S3 keys are
 * at most 1,024 bytes, so a much longer leaf is a hostile or broken
 * answer.
 */
#include "config.h"

#include <string.h>

#include "aws/http.h"
#include "aws/s3_xml.h"
#include "error.h"
#include "sources/s3_walk.h"
#include "xml_leaf.h"

/* A 1,024-byte key is up to 3,072 bytes url-encoded (encoding-type=url
 * makes every non-ASCII byte %XX); the decoded key is checked against
 * 1,024 separately. */
#define MAX_TEXT (3 * 1024 + 64)

/* The element names acted upon. */
static const char *const names[] = {
    "ListBucketResult", "Contents", "Key", "Size", "ETag", "CommonPrefixes",
    "Prefix", "IsTruncated", "NextContinuationToken", "EncodingType",
    "Error", "Code", "Message",
};

typedef struct {
    FlS3Listing *out;
    FlS3Key *cur;               /* inside <Contents> */
    /* for <Error> */
    char *code, *message;
    gboolean is_error;
    gboolean is_listing;        /* the root is <ListBucketResult> */
    guint keys_at_start, prefixes_at_start;
} XmlState;

/* The closing element is parent/leaf. */
static gboolean
in(const FlXmlLeaf *x, const char *parent, const char *leaf)
{
    return x->depth >= 2 && !strcmp(x->path[x->depth - 1], leaf)
           && !strcmp(x->path[x->depth - 2], parent);
}

/* The closing element is the root's child name. */
static gboolean
top(const FlXmlLeaf *x, const char *name)
{
    return x->depth == 2 && !strcmp(x->path[1], name);
}

static void
on_open(FlXmlLeaf *x, gpointer data, GError **err)
{
    XmlState *st = data;

    (void)err;
    if (x->depth == 1) {
        st->is_error = !strcmp(x->path[0], "Error");
        st->is_listing = !strcmp(x->path[0], "ListBucketResult");
    }
    if (st->out && x->depth == 2 && !strcmp(x->path[1], "Contents"))
        st->cur = g_new0(FlS3Key, 1);
}

/* The leaf's text, form-decoded ('+' is a space, as botocore's
 * unquote_plus; a literal '+' comes as %2B either way) when decode. */
static char *
take_text(const FlXmlLeaf *x, gboolean decode, GError **err)
{
    if (!decode)
        return fl_xml_leaf_take(x, MAX_TEXT, err);
    if (!fl_xml_leaf_check(x, MAX_TEXT, err))
        return NULL;
    return fl_uri_decode(x->text->str, TRUE, err);
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
listing_leaf(XmlState *st, const FlXmlLeaf *x, GError **err)
{
    FlS3Listing *o = st->out;
    gboolean dec = o->url_encoded;

    if (st->cur && in(x, "Contents", "Key")) {
        g_free(st->cur->key);
        st->cur->key = take_text(x, dec, err);
        /* S3 keys are 1 to 1,024 bytes; an empty one would make the
         * GetObject URL the bucket's own (a listing). */
        if (st->cur->key && (strlen(st->cur->key) > 1024 ||
                             *st->cur->key == '\0'))
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "a key that is empty or longer than 1024 bytes");
    } else if (st->cur && in(x, "Contents", "Size")) {
        parse_size(x->text->str, &st->cur->size, err);
    } else if (st->cur && in(x, "Contents", "ETag")) {
        g_free(st->cur->etag);
        st->cur->etag = g_strdup(x->text->str);
        g_strstrip(g_strdelimit(st->cur->etag, "\"", ' '));
    } else if (in(x, "CommonPrefixes", "Prefix")) {
        char *p = take_text(x, dec, err);
        if (p)
            g_ptr_array_add(o->prefixes, p);
    } else if (top(x, "IsTruncated")) {
        o->truncated = !strcmp(x->text->str, "true");
    } else if (top(x, "NextContinuationToken")) {
        g_free(o->next_token);
        o->next_token = take_text(x, FALSE, err);
    } else if (top(x, "EncodingType")) {
        o->url_encoded = !strcmp(x->text->str, "url");
    }
}

static void
on_close(FlXmlLeaf *x, gpointer data, GError **err)
{
    XmlState *st = data;

    /* Code and Message only for fl_s3_xml_error(): a listing that turns
     * out to be an <Error> fails without them.  A repeated one replaces
     * the earlier. */
    if (st->out) {
        if (!st->is_error)
            listing_leaf(st, x, err);
    } else if (top(x, "Code")) {
        g_free(st->code);
        st->code = take_text(x, FALSE, NULL);
    } else if (top(x, "Message")) {
        g_free(st->message);
        st->message = take_text(x, FALSE, NULL);
    }
    if (st->cur && x->depth == 2) {     /* </Contents> */
        if (st->cur->key == NULL && (err == NULL || *err == NULL))
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "<Contents> without a <Key>");
        if (st->cur->key)
            g_ptr_array_add(st->out->keys, st->cur);
        else
            fl_s3_key_free(st->cur);
        st->cur = NULL;
    }
}

static const FlXmlReader reader = {
    .names = names, .n_names = G_N_ELEMENTS(names), .max_text = MAX_TEXT,
    .open = on_open, .close = on_close,
};

static gboolean
run_parser(XmlState *st, const char *xml, gsize len, GError **err)
{
    gboolean ok = fl_xml_leaf_parse(&reader, st, xml, len, err);

    g_clear_pointer(&st->cur, fl_s3_key_free);
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
    if (run_parser(&st, xml, len, &local) && st.is_listing)
        return TRUE;
    if (local == NULL)
        g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT,
                    "not a ListBucketResult document");
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
