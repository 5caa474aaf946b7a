/*
 * blob_xml.c - EnumerationResults, BlockList and Error documents through
 * GMarkup (blob_xml.h).
 *
 * As in aws/s3_xml.c: only the path of open elements (our own static
 * names, UNKNOWN for the rest, so nothing from the answer is interned)
 * and the text of the current leaf are kept, bounded, and a leaf is acted
 * upon when it closes.  Depths are fixed by the documents' shapes, so a
 * <Name> anywhere else is ignored.
 */
#include "config.h"

#include <string.h>

#include "azure/blob_xml.h"
#include "error.h"

#define MAX_TEXT (FL_AZBLOB_MAX_NAME + 64)
#define MAX_DEPTH 8
#define UNKNOWN "?"

static const char *const names[] = {
    "EnumerationResults", "Blobs", "Blob", "BlobPrefix", "Name",
    "Properties", "Content-Length", "Etag", "NextMarker",
    "BlockList", "CommittedBlocks", "Block", "Size",
    "Error", "Code", "Message",
};

typedef enum { DOC_LISTING, DOC_BLOCKS, DOC_ERROR } DocKind;

typedef struct {
    DocKind kind;
    const char *path[MAX_DEPTH];
    guint depth;
    GString *text;
    gboolean text_too_long;
    gboolean root_ok;
    guint items;
    /* listing */
    FlAzBlobListing *list;
    FlAzBlobItem *blob;         /* inside <Blob> */
    gboolean in_prefix;         /* inside <BlobPrefix> */
    /* blocks */
    GPtrArray *blocks;
    FlAzBlock *block;
    gboolean block_sized;
    /* error */
    char *code, *message;
} XmlState;

void
fl_azblob_item_free(FlAzBlobItem *b)
{
    if (b == NULL)
        return;
    g_free(b->name);
    g_free(b->etag);
    g_free(b);
}

void
fl_azblob_block_free(FlAzBlock *b)
{
    if (b == NULL)
        return;
    g_free(b->id);
    g_free(b);
}

static const char *
known_name(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(name, names[i]) == 0)
            return names[i];
    return UNKNOWN;
}

/* The open path is exactly a/b/c... (n names). */
static gboolean
at(const XmlState *st, guint n, const char *const *want)
{
    if (st->depth != n)
        return FALSE;
    for (guint i = 0; i < n; i++)
        if (strcmp(st->path[i], want[i]) != 0)
            return FALSE;
    return TRUE;
}

#define AT(st, ...) at(st, G_N_ELEMENTS(((const char *[]){ __VA_ARGS__ })), \
                       (const char *[]){ __VA_ARGS__ })

static const char *const roots[] = {
    [DOC_LISTING] = "EnumerationResults",
    [DOC_BLOCKS] = "BlockList",
    [DOC_ERROR] = "Error",
};

static void
on_start(GMarkupParseContext *ctx, const char *name, const char **an,
         const char **av, gpointer data, GError **err)
{
    XmlState *st = data;

    (void)ctx; (void)an; (void)av;
    if (st->depth == 0)
        st->root_ok = strcmp(name, roots[st->kind]) == 0;
    if (st->depth == MAX_DEPTH) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "XML nested deeper than %d elements", MAX_DEPTH);
        return;
    }
    st->path[st->depth++] = known_name(name);
    g_string_truncate(st->text, 0);
    st->text_too_long = FALSE;
    if (!st->root_ok)
        return;
    if (st->kind == DOC_LISTING && (AT(st, "EnumerationResults", "Blobs",
                                       "Blob") ||
                                    AT(st, "EnumerationResults", "Blobs",
                                       "BlobPrefix"))) {
        if (++st->items > FL_AZBLOB_MAX_PAGE) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "more than %d "
                        "items in one page", FL_AZBLOB_MAX_PAGE);
            return;
        }
        if (!strcmp(st->path[2], "Blob"))
            st->blob = g_new0(FlAzBlobItem, 1);
        else
            st->in_prefix = TRUE;
    } else if (st->kind == DOC_BLOCKS &&
               AT(st, "BlockList", "CommittedBlocks", "Block")) {
        if (++st->items > FL_AZBLOB_MAX_BLOCKS) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "more than %d "
                        "committed blocks", FL_AZBLOB_MAX_BLOCKS);
            return;
        }
        st->block = g_new0(FlAzBlock, 1);
        st->block_sized = FALSE;
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

/* The leaf's text, at most max bytes, no NUL; NULL with *err. */
static char *
take_text(XmlState *st, gsize max, GError **err)
{
    if (st->text_too_long || st->text->len > max ||
        memchr(st->text->str, '\0', st->text->len)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "<%s> longer than %" G_GSIZE_FORMAT " bytes or with a "
                    "NUL byte", st->path[st->depth - 1], max);
        return NULL;
    }
    return g_strndup(st->text->str, st->text->len);
}

static gboolean
parse_size(XmlState *st, guint64 *out, GError **err)
{
    if (g_ascii_string_to_unsigned(st->text->str, 10, 0, G_MAXINT64, out,
                                   NULL))
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "<%s> '%.40s' is not a "
                "number", st->path[st->depth - 1], st->text->str);
    return FALSE;
}

static char *
take_name(XmlState *st, GError **err)
{
    char *s = take_text(st, FL_AZBLOB_MAX_NAME, err);

    if (s != NULL && *s == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "an empty <Name>");
        g_clear_pointer(&s, g_free);
    }
    return s;
}

static void
listing_end(XmlState *st, GError **err)
{
    if (st->blob && AT(st, "EnumerationResults", "Blobs", "Blob", "Name")) {
        g_free(st->blob->name);
        st->blob->name = take_name(st, err);
    } else if (st->blob && AT(st, "EnumerationResults", "Blobs", "Blob",
                              "Properties", "Content-Length")) {
        parse_size(st, &st->blob->size, err);
    } else if (st->blob && AT(st, "EnumerationResults", "Blobs", "Blob",
                              "Properties", "Etag")) {
        g_free(st->blob->etag);
        st->blob->etag = take_text(st, 256, err);
        if (st->blob->etag)
            g_strstrip(g_strdelimit(st->blob->etag, "\"", ' '));
    } else if (st->in_prefix && AT(st, "EnumerationResults", "Blobs",
                                   "BlobPrefix", "Name")) {
        char *p = take_name(st, err);

        if (p)
            g_ptr_array_add(st->list->prefixes, p);
    } else if (AT(st, "EnumerationResults", "NextMarker")) {
        g_free(st->list->next_marker);
        st->list->next_marker = take_text(st, MAX_TEXT, err);
    } else if (st->blob && AT(st, "EnumerationResults", "Blobs", "Blob")) {
        if (st->blob->name == NULL && (err == NULL || *err == NULL))
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "<Blob> without a <Name>");
        if (st->blob->name)
            g_ptr_array_add(st->list->blobs, st->blob);
        else
            fl_azblob_item_free(st->blob);
        st->blob = NULL;
    } else if (AT(st, "EnumerationResults", "Blobs", "BlobPrefix")) {
        st->in_prefix = FALSE;
    }
}

static void
blocks_end(XmlState *st, GError **err)
{
    if (st->block && AT(st, "BlockList", "CommittedBlocks", "Block",
                        "Name")) {
        g_free(st->block->id);
        st->block->id = take_text(st, FL_AZBLOB_MAX_BLOCK_ID, err);
    } else if (st->block && AT(st, "BlockList", "CommittedBlocks", "Block",
                               "Size")) {
        st->block_sized = parse_size(st, &st->block->size, err);
    } else if (st->block && AT(st, "BlockList", "CommittedBlocks",
                               "Block")) {
        if ((st->block->id == NULL || !st->block_sized)
            && (err == NULL || *err == NULL))
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "<Block> without a <Name> or <Size>");
        if (st->block->id && st->block_sized)
            g_ptr_array_add(st->blocks, st->block);
        else
            fl_azblob_block_free(st->block);
        st->block = NULL;
    }
}

static void
error_end(XmlState *st)
{
    if (AT(st, "Error", "Code")) {
        g_free(st->code);
        st->code = take_text(st, 256, NULL);
    } else if (AT(st, "Error", "Message")) {
        g_free(st->message);
        st->message = take_text(st, 1024, NULL);
        if (st->message)
            st->message[strcspn(st->message, "\r\n")] = '\0';
    }
}

static void
on_end(GMarkupParseContext *ctx, const char *name, gpointer data,
       GError **err)
{
    XmlState *st = data;

    (void)ctx; (void)name;
    if (st->root_ok) {
        switch (st->kind) {
        case DOC_LISTING: listing_end(st, err); break;
        case DOC_BLOCKS: blocks_end(st, err); break;
        case DOC_ERROR: error_end(st); break;
        }
    }
    st->depth--;
    g_string_truncate(st->text, 0);
}

static const GMarkupParser parser = {
    .start_element = on_start, .end_element = on_end, .text = on_text,
};

/* FALSE with FL_ERROR_CORRUPT, prefixed "bad WHAT: ". */
static gboolean
run_parser(XmlState *st, const char *xml, gsize len, const char *what,
           GError **err)
{
    GMarkupParseContext *ctx;
    GError *local = NULL;
    gboolean ok;

    st->text = g_string_new(NULL);
    ctx = g_markup_parse_context_new(&parser, 0, st, NULL);
    ok = g_markup_parse_context_parse(ctx, xml, (gssize)len, &local)
         && g_markup_parse_context_end_parse(ctx, &local);
    g_markup_parse_context_free(ctx);
    g_string_free(st->text, TRUE);
    g_clear_pointer(&st->blob, fl_azblob_item_free);
    g_clear_pointer(&st->block, fl_azblob_block_free);
    if (ok && !st->root_ok)
        g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT, "not a %s document",
                    roots[st->kind]);
    if (local == NULL)
        return TRUE;
    if (local->domain != FL_ERROR) {
        /* GMarkup's own errors are corrupt answers too. */
        local->domain = FL_ERROR;
        local->code = FL_ERROR_CORRUPT;
    }
    g_propagate_prefixed_error(err, local, "bad %s: ", what);
    return FALSE;
}

gboolean
fl_azblob_xml_listing(const char *xml, gsize len, FlAzBlobListing *out,
                      GError **err)
{
    XmlState st;
    guint nb = out->blobs->len, np = out->prefixes->len;

    memset(&st, 0, sizeof st);
    st.kind = DOC_LISTING;
    st.list = out;
    if (run_parser(&st, xml, len, "blob listing", err))
        return TRUE;
    g_ptr_array_set_size(out->blobs, nb);
    g_ptr_array_set_size(out->prefixes, np);
    g_clear_pointer(&out->next_marker, g_free);
    return FALSE;
}

gboolean
fl_azblob_xml_blocks(const char *xml, gsize len, GPtrArray *blocks,
                     GError **err)
{
    XmlState st;
    guint n = blocks->len;

    memset(&st, 0, sizeof st);
    st.kind = DOC_BLOCKS;
    st.blocks = blocks;
    if (run_parser(&st, xml, len, "block list", err))
        return TRUE;
    g_ptr_array_set_size(blocks, n);
    return FALSE;
}

void
fl_azblob_xml_error(const char *xml, gsize len, char **code, char **message)
{
    XmlState st;

    memset(&st, 0, sizeof st);
    st.kind = DOC_ERROR;
    (void)run_parser(&st, xml, len, "error", NULL);
    *code = st.code;
    *message = st.message;
}
