/*
 * azure.h - what every Azure Blob Storage source shares for one run: the
 * credential, the endpoint and the HTTP settings.
 *
 * Made once by main() when an input is azblob://, so that a missing or
 * malformed credential fails at start-up, not at the first blob.  The
 * credential is, in this order: --azure-key-file (a Shared Key, base64,
 * as the portal shows it), --azure-sas-file (a SAS token), the variable
 * AZURE_STORAGE_KEY, the variable AZURE_STORAGE_SAS_TOKEN (the variables
 * Azure's own tools read).  Read-only after fl_azure_new(), so any thread
 * may use it; each thread makes its own FlHttp with fl_azure_http_new().
 * Secrets are never logged: messages name the option or variable a
 * credential came from, never its value.
 */
#ifndef FL_AZURE_H
#define FL_AZURE_H

#include <glib.h>
#include "aws/http.h"

typedef struct {
    const char *endpoint_url;   /* --endpoint-url: the emulator or another
                                   blob endpoint, addressed path-style
                                   (ENDPOINT/CONTAINER/BLOB); NULL:
                                   https://ACCOUNT.blob.core.windows.net */
    const char *key_file;       /* --azure-key-file */
    const char *sas_file;       /* --azure-sas-file */
    const char *ca_bundle;      /* --ca-bundle */
    guint low_speed_time;       /* 0: the FlHttpConfig default */
    guint max_attempts;         /* 0: the FlHttpConfig default */
    const volatile gint *stop;
} FlAzureConfig;

typedef struct FlAzure {
    char *endpoint_url;         /* without a trailing '/'; NULL: Azure */
    GBytes *key;                /* Shared Key, decoded; NULL: SAS */
    char *sas;                  /* SAS query without '?'; NULL: key */
    char *cred_source;          /* where it came from, for messages */
    FlHttpConfig http;
    char *ca_bundle;
    gint ref;
} FlAzure;

/*
 * Finds the credential.  NULL with *err: FL_ERROR_AUTH when there is none
 * or a key is not base64, FL_ERROR_IO when a file cannot be read,
 * FL_ERROR_CONFIG for a malformed --endpoint-url or both files given.
 */
FlAzure *fl_azure_new(const FlAzureConfig *cfg, GError **err);
FlAzure *fl_azure_ref(FlAzure *az);
void     fl_azure_unref(FlAzure *az);

/* An FlHttp with the run's HTTP settings.  Cannot fail. */
FlHttp *fl_azure_http_new(const FlAzure *az);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAzure, fl_azure_unref)

#endif
