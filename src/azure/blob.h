/*
 * blob.h - the Blob service calls we need: List Blobs, Get Block List
 * (committed) and Get Blob with a range.
 *
 * Addressing: with --endpoint-url path-style, ENDPOINT/CONTAINER/BLOB
 * (the emulator: http://127.0.0.1:10000/devstoreaccount1); else
 * https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB.  Requests carry
 * x-ms-version FL_AZBLOB_VERSION and are signed with the Shared Key, or
 * carry the SAS token in their query (never logged: http.c logs URLs
 * without their query).  Throttling (503 ServerBusy, 500
 * OperationTimedOut) is retried by http.c like any 500/503.
 *
 * Errors name azblob://ACCOUNT/CONTAINER[/BLOB] and carry the service's
 * error code and the first line of its message (never the signature it
 * echoes): FL_ERROR_AUTH for refused credentials (403
 * AuthenticationFailed, AuthorizationFailure, ...), FL_ERROR_REMOTE for
 * every other refusal (ContainerNotFound, BlobNotFound, ...),
 * FL_ERROR_CORRUPT for an answer that is not the XML it should be.
 *
 * An FlAzBlob is used by one thread at a time (it holds one FlHttp).
 */
#ifndef FL_AZURE_BLOB_H
#define FL_AZURE_BLOB_H

#include <glib.h>
#include "azure/azure.h"
#include "azure/blob_xml.h"

#define FL_AZBLOB_VERSION "2020-10-02"
/* 5,000 names of up to 1,024 characters, with their properties. */
#define FL_AZBLOB_MAX_LIST_BODY (32 * 1024 * 1024)

typedef struct FlAzBlob FlAzBlob;

FlAzBlob *fl_azblob_new(FlAzure *az, const char *account);
void      fl_azblob_free(FlAzBlob *c);

/*
 * One List Blobs page of container (prefix, delimiter and marker may be
 * NULL) appended to out (fl_azblob_xml_listing); out->next_marker is the
 * marker of the next page, NULL at the last.
 */
gboolean fl_azblob_list(FlAzBlob *c, const char *container,
                        const char *prefix, const char *delimiter,
                        const char *marker, FlAzBlobListing *out,
                        GError **err);

/*
 * The committed blocks of a block blob, in order (FlAzBlock *; empty for
 * a blob written whole by Put Blob).  NULL with *err.
 */
GPtrArray *fl_azblob_blocks(FlAzBlob *c, const char *container,
                            const char *blob, GError **err);

/*
 * Starts reading bytes [from, to) of a blob (to 0: to its end; from 0
 * and to 0: the whole blob, no range).  NULL with *err.
 */
FlHttpStream *fl_azblob_get(FlAzBlob *c, const char *container,
                            const char *blob, guint64 from, guint64 to,
                            GError **err);

/* Sets *err from an error answer (any non-2xx status). */
void fl_azblob_set_error(const FlHttpResponse *resp, const char *account,
                         const char *container, const char *blob,
                         GError **err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAzBlob, fl_azblob_free)

#endif
