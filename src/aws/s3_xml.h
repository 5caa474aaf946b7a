/*
 * s3_xml.h - reading S3's XML answers with GLib's GMarkup.
 */
#ifndef FL_AWS_S3_XML_H
#define FL_AWS_S3_XML_H

#include <glib.h>

typedef struct {
    GPtrArray *keys;            /* FlS3Key *, appended */
    GPtrArray *prefixes;        /* char *, appended */
    gboolean truncated;
    char *next_token;
    gboolean url_encoded;       /* <EncodingType>url</EncodingType> */
} FlS3Listing;

/*
 * Parses a ListBucketResult (ListObjectsV2) document.  FALSE with
 * FL_ERROR_CORRUPT when it is not well-formed, not a ListBucketResult, or
 * has a key that is empty or longer than 1,024 bytes or a size that is not
 * a number.  With
 * url_encoded set the keys and prefixes come back decoded.  On FALSE what
 * was appended is removed again.
 */
gboolean fl_s3_xml_listing(const char *xml, gsize len, FlS3Listing *out,
                           GError **err);

/* The Code and Message of an S3 <Error> document (either may be NULL;
 * g_free both).  Never fails: a body that is not one gives two NULLs. */
void fl_s3_xml_error(const char *xml, gsize len, char **code, char **message);

#endif
