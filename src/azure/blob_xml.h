/*
 * blob_xml.h - reading Azure Blob Storage's XML answers (List Blobs, Get
 * Block List, Error) with GLib's GMarkup, within bounds.
 */
#ifndef FL_AZURE_BLOB_XML_H
#define FL_AZURE_BLOB_XML_H

#include <glib.h>

/* Azure's own limits: a blob name is at most 1,024 characters (up to
 * 4 bytes each in UTF-8), a page at most 5,000 items, a block list at
 * most 50,000 committed blocks whose IDs are at most 64 bytes (88 in
 * base64). */
#define FL_AZBLOB_MAX_NAME 4096
#define FL_AZBLOB_MAX_PAGE 5000
#define FL_AZBLOB_MAX_BLOCKS 50000
#define FL_AZBLOB_MAX_BLOCK_ID 88

typedef struct {
    char *name;
    guint64 size;               /* Content-Length */
    char *etag;                 /* quotes removed; may be NULL */
} FlAzBlobItem;

/* NULL is fine. */
void fl_azblob_item_free(FlAzBlobItem *b);

typedef struct {
    GPtrArray *blobs;           /* FlAzBlobItem *, appended */
    GPtrArray *prefixes;        /* char * (BlobPrefix names), appended */
    char *next_marker;          /* NULL or empty at the last page */
} FlAzBlobListing;

/*
 * Parses an EnumerationResults document.  FALSE with FL_ERROR_CORRUPT
 * when it is not well-formed, not EnumerationResults, has a <Blob>
 * without a name, a name that is empty or longer than
 * FL_AZBLOB_MAX_NAME bytes, a Content-Length that is not a number, or
 * more than FL_AZBLOB_MAX_PAGE items.  On FALSE what was appended is
 * removed again and next_marker is NULL.
 */
gboolean fl_azblob_xml_listing(const char *xml, gsize len,
                               FlAzBlobListing *out, GError **err);

typedef struct {
    char *id;                   /* as sent: base64 */
    guint64 size;
} FlAzBlock;

/* NULL is fine. */
void fl_azblob_block_free(FlAzBlock *b);

/*
 * Parses a BlockList document: its committed blocks, in order, appended
 * to blocks (FlAzBlock *).  FALSE with FL_ERROR_CORRUPT when it is not
 * well-formed, not a BlockList, a block has no name or size, an ID is
 * longer than FL_AZBLOB_MAX_BLOCK_ID, or there are more than
 * FL_AZBLOB_MAX_BLOCKS committed blocks; blocks is then as before.
 */
gboolean fl_azblob_xml_blocks(const char *xml, gsize len, GPtrArray *blocks,
                              GError **err);

/* The Code and Message of an <Error> document (either may be NULL; g_free
 * both).  Only the first line of Message is kept: the lines after it
 * carry request IDs and, for AuthenticationFailed, a signature.  Never
 * fails: a body that is not one gives two NULLs. */
void fl_azblob_xml_error(const char *xml, gsize len, char **code,
                         char **message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAzBlobItem, fl_azblob_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAzBlock, fl_azblob_block_free)

#endif
