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
 * The object streams the range with a client of its own, taken from a
 * pool that keeps the clients (and so their connections, kept alive) of
 * finished objects for the next ones, while the source's client stays
 * free for listing.  A body cut short is asked for again from where it
 * stopped (a Range request), up to --max-attempts times in a row without
 * progress; then the read fails with FL_ERROR_NETWORK and the object
 * fails (not committed: the next poll or run reads the range again).
 */
#ifndef FL_AZBLOB_OBJECT_H
#define FL_AZBLOB_OBJECT_H

#include <glib.h>
#include "azure/azure.h"
#include "sources/source.h"

/* Idle clients for the objects of one source.  Thread-safe: an object
 * may be freed on another thread than the one that opened it.  Cannot
 * fail; the last unref frees the clients. */
typedef struct FlAzPool FlAzPool;
FlAzPool *fl_azpool_new(FlAzure *az, const char *account);
FlAzPool *fl_azpool_ref(FlAzPool *pool);
void      fl_azpool_unref(FlAzPool *pool);

typedef struct {
    FlAzPool *pool;
    const char *account, *container, *blob;
    guint64 from, to;           /* [from, to), to > from */
    gboolean fragment;          /* wrap as above */
} FlAzObjectSpec;

/* Opens the range (the request is made here, so a refusal is reported
 * before anything is read).  NULL with *err naming the blob. */
FlObject *fl_azblob_object_open(const FlAzObjectSpec *spec, GError **err);

#endif
