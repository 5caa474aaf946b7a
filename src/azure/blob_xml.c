/*
 * blob_xml.c - EnumerationResults, BlockList and Error documents through
 * GMarkup (blob_xml.h).
 *
 * As in aws/s3_xml.c, through the bounded reader of xml_leaf.h: a leaf
 * is acted upon when it closes.  Depths are fixed by the documents'
 * shapes, so a <Name> anywhere else is ignored.
 */
#include "config.h"

#include <string.h>

#include "azure/blob_xml.h"
#include "error.h"
#include "xml_leaf.h"

#define MAX_TEXT (FL_AZBLOB_MAX_NAME + 64)

static const char *const names[] = {
    "EnumerationResults", "Blobs", "Blob", "BlobPrefix", "Name",
    "Properties", "Content-Length", "Etag", "NextMarker",
    "BlockList", "CommittedBlocks", "Block", "Size",
    "Error", "Code", "Message",
};

typedef enum { DOC_LISTING, DOC_BLOCKS, DOC_ERROR } DocKind;

typedef struct {
    DocKind kind;
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

#define AT FL_XML_AT            /* the open path is exactly ... */

static const char *const roots[] = {
    [DOC_LISTING] = "EnumerationResults",
    [DOC_BLOCKS] = "BlockList",
    [DOC_ERROR] = "Error",
};

static void
on_open(FlXmlLeaf *x, gpointer data, GError **err)
{
    XmlState *st = data;

    if (x->depth == 1)
        st->root_ok = strcmp(x->path[0], roots[st->kind]) == 0;
    if (!st->root_ok)
        return;
    if (st->kind == DOC_LISTING
        && (AT(x, "EnumerationResults", "Blobs", "Blob")
            || AT(x, "EnumerationResults", "Blobs", "BlobPrefix"))) {
        if (++st->items > FL_AZBLOB_MAX_PAGE) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "more than %d "
                        "items in one page", FL_AZBLOB_MAX_PAGE);
            return;
        }
        if (!strcmp(x->path[2], "Blob"))
            st->blob = g_new0(FlAzBlobItem, 1);
        else
            st->in_prefix = TRUE;
    } else if (st->kind == DOC_BLOCKS &&
               AT(x, "BlockList", "CommittedBlocks", "Block")) {
        if (++st->items > FL_AZBLOB_MAX_BLOCKS) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "more than %d "
                        "committed blocks", FL_AZBLOB_MAX_BLOCKS);
            return;
        }
        st->block = g_new0(FlAzBlock, 1);
        st->block_sized = FALSE;
    }
}

static gboolean
parse_size(const FlXmlLeaf *x, guint64 *out, GError **err)
{
    if (g_ascii_string_to_unsigned(x->text->str, 10, 0, G_MAXINT64, out,
                                   NULL))
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "<%s> '%.40s' is not a "
                "number", x->path[x->depth - 1], x->text->str);
    return FALSE;
}

static char *
take_name(const FlXmlLeaf *x, GError **err)
{
    char *s = fl_xml_leaf_take(x, FL_AZBLOB_MAX_NAME, err);

    if (s != NULL && *s == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "an empty <Name>");
        g_clear_pointer(&s, g_free);
    }
    return s;
}

static void
listing_end(XmlState *st, const FlXmlLeaf *x, GError **err)
{
    if (st->blob && AT(x, "EnumerationResults", "Blobs", "Blob", "Name")) {
        g_free(st->blob->name);
        st->blob->name = take_name(x, err);
    } else if (st->blob && AT(x, "EnumerationResults", "Blobs", "Blob",
                              "Properties", "Content-Length")) {
        parse_size(x, &st->blob->size, err);
    } else if (st->blob && AT(x, "EnumerationResults", "Blobs", "Blob",
                              "Properties", "Etag")) {
        g_free(st->blob->etag);
        st->blob->etag = fl_xml_leaf_take(x, 256, err);
        if (st->blob->etag)
            g_strstrip(g_strdelimit(st->blob->etag, "\"", ' '));
    } else if (st->in_prefix && AT(x, "EnumerationResults", "Blobs",
                                   "BlobPrefix", "Name")) {
        char *p = take_name(x, err);

        if (p)
            g_ptr_array_add(st->list->prefixes, p);
    } else if (AT(x, "EnumerationResults", "NextMarker")) {
        g_free(st->list->next_marker);
        st->list->next_marker = fl_xml_leaf_take(x, MAX_TEXT, err);
    } else if (st->blob && AT(x, "EnumerationResults", "Blobs", "Blob")) {
        if (st->blob->name == NULL && (err == NULL || *err == NULL))
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "<Blob> without a <Name>");
        if (st->blob->name)
            g_ptr_array_add(st->list->blobs, st->blob);
        else
            fl_azblob_item_free(st->blob);
        st->blob = NULL;
    } else if (AT(x, "EnumerationResults", "Blobs", "BlobPrefix")) {
        st->in_prefix = FALSE;
    }
}

static void
blocks_end(XmlState *st, const FlXmlLeaf *x, GError **err)
{
    if (st->block && AT(x, "BlockList", "CommittedBlocks", "Block",
                        "Name")) {
        g_free(st->block->id);
        st->block->id = fl_xml_leaf_take(x, FL_AZBLOB_MAX_BLOCK_ID, err);
    } else if (st->block && AT(x, "BlockList", "CommittedBlocks", "Block",
                               "Size")) {
        st->block_sized = parse_size(x, &st->block->size, err);
    } else if (st->block && AT(x, "BlockList", "CommittedBlocks",
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
error_end(XmlState *st, const FlXmlLeaf *x)
{
    if (AT(x, "Error", "Code")) {
        g_free(st->code);
        st->code = fl_xml_leaf_take(x, 256, NULL);
    } else if (AT(x, "Error", "Message")) {
        g_free(st->message);
        st->message = fl_xml_leaf_take(x, 1024, NULL);
        if (st->message)
            st->message[strcspn(st->message, "\r\n")] = '\0';
    }
}

static void
on_close(FlXmlLeaf *x, gpointer data, GError **err)
{
    XmlState *st = data;

    if (!st->root_ok)
        return;
    switch (st->kind) {
    case DOC_LISTING: listing_end(st, x, err); break;
    case DOC_BLOCKS: blocks_end(st, x, err); break;
    case DOC_ERROR: error_end(st, x); break;
    }
}

static const FlXmlReader reader = {
    .names = names, .n_names = G_N_ELEMENTS(names), .max_text = MAX_TEXT,
    .open = on_open, .close = on_close,
};

/* FALSE with FL_ERROR_CORRUPT, prefixed "bad WHAT: ". */
static gboolean
run_parser(XmlState *st, const char *xml, gsize len, const char *what,
           GError **err)
{
    GError *local = NULL;
    gboolean ok = fl_xml_leaf_parse(&reader, st, xml, len, &local);

    g_clear_pointer(&st->blob, fl_azblob_item_free);
    g_clear_pointer(&st->block, fl_azblob_block_free);
    if (ok && !st->root_ok)
        g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT, "not a %s document",
                    roots[st->kind]);
    if (local == NULL)
        return TRUE;
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
