/*
 * azblob_object.h - the bytes of one azblob:// read as an FlObject.
 *
 * A read is a byte range of a blob.  The first read of a blob is the
 * whole document as it is.  A later read of a blob that grew is the new
 * records only: Azure appends to a PT1H.json by committing new blocks
 * before its last one (the "]}" footer), so the bytes between where the
 * last read's records ended and where the footer now starts are the new
 * records, "," before each (Microsoft's documented incremental read).
 * That fragment is handed on wrapped as a document of its own:
 * {"records":[ + the fragment without its leading comma + ]}, which the
 * Azure decoder reads with its usual limits.
 *
 * The object streams the range (it owns its own FlAzBlob, so the
 * source's client stays free for listing); a body that ends before the
 * range does is an FL_ERROR_NETWORK error naming the blob and the byte,
 * and the object fails (not committed: the next run or poll reads the
 * range again).
 */
#ifndef FL_AZBLOB_OBJECT_H
#define FL_AZBLOB_OBJECT_H

#include <glib.h>
#include "azure/azure.h"
#include "sources/source.h"

typedef struct {
    const char *account, *container, *blob;
    guint64 from, to;           /* [from, to), to > from */
    gboolean fragment;          /* wrap as above */
} FlAzObjectSpec;

/* Opens the range (the request is made here, so a refusal is reported
 * before anything is read).  NULL with *err naming the blob. */
FlObject *fl_azblob_object_open(FlAzure *az, const FlAzObjectSpec *spec,
                                GError **err);

#endif
