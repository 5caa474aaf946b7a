/*
 * sharedkey.h - Azure Storage Shared Key authorization (Blob service,
 * version 2009-09-19 and later), as Microsoft documents it in "Authorize
 * with Shared Key": an HMAC-SHA256, keyed with the decoded account key,
 * of
 *   VERB \n Content-Encoding \n Content-Language \n Content-Length \n
 *   Content-MD5 \n Content-Type \n Date \n If-Modified-Since \n If-Match \n
 *   If-None-Match \n If-Unmodified-Since \n Range \n
 *   CanonicalizedHeaders CanonicalizedResource
 * where Content-Length is empty when 0, CanonicalizedHeaders are the
 * x-ms-* headers, lower-case, sorted, "name:value\n" each, and
 * CanonicalizedResource is "/ACCOUNT" + the URL's path as sent, then
 * "\nname:value" for each query parameter, names lower-case and sorted,
 * values decoded (several values of one name sorted, joined by ',').
 * For the emulator's path-style URLs the account thus appears twice
 * ("/devstoreaccount1/devstoreaccount1/container"), as documented.
 *
 * No I/O: tests check it against the documented layout.
 */
#ifndef FL_AZURE_SHAREDKEY_H
#define FL_AZURE_SHAREDKEY_H

#include <glib.h>

/*
 * The string to sign for a request: method, url (scheme://host/path?
 * query, percent-encoded as sent), body length and header lines
 * ("Name: value").  NULL with FL_ERROR_CORRUPT when the URL is not
 * absolute or a query value is badly escaped.
 */
char *fl_azure_sharedkey_string(const char *account, const char *method,
                                const char *url, gsize body_len,
                                const GPtrArray *lines, GError **err);

/*
 * Appends "x-ms-date: <now, RFC 1123>" and "Authorization: SharedKey
 * ACCOUNT:SIGNATURE" to lines (which must already hold x-ms-version and
 * every other x-ms-* header).  FALSE with *err as above.
 */
gboolean fl_azure_sharedkey_sign(const char *account, GBytes *key,
                                 const char *method, const char *url,
                                 gsize body_len, gint64 now,
                                 GPtrArray *lines, GError **err);

/* "Wed, 02 Dec 2026 03:50:00 GMT" for Unix seconds now (UTC, English
 * names whatever the locale). */
char *fl_azure_http_date(gint64 now);

#endif
