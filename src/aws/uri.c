/*
 * uri.c - percent-encoding for URLs and SigV4 (declared in http.h).
 *
 * Kept apart from http.c so that sigv4.c and its tests can use it without
 * pulling libcurl and the credentials module into the link.
 */
#include "config.h"

#include <string.h>

#include "aws/http.h"
#include "error.h"

static gboolean
is_unreserved(guchar c)
{
    return g_ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

char *
fl_uri_encode(const char *s, gboolean keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    GString *out = g_string_sized_new(strlen(s) + 16);

    for (const guchar *p = (const guchar *)s; *p != '\0'; p++) {
        if (is_unreserved(*p) || (keep_slash && *p == '/')) {
            g_string_append_c(out, (char)*p);
        } else {
            g_string_append_c(out, '%');
            g_string_append_c(out, hex[*p >> 4]);
            g_string_append_c(out, hex[*p & 0x0f]);
        }
    }
    return g_string_free(out, FALSE);
}

char *
fl_uri_decode(const char *s, gboolean form, GError **err)
{
    GString *out = g_string_sized_new(strlen(s));

    for (const char *p = s; *p != '\0'; p++) {
        int hi, lo;

        if (form && *p == '+') {
            g_string_append_c(out, ' ');
            continue;
        }
        if (*p != '%') {
            g_string_append_c(out, *p);
            continue;
        }
        /* g_ascii_xdigit_value() stops at the NUL, so p[2] is never
         * read past the end. */
        if ((hi = g_ascii_xdigit_value(p[1])) < 0 ||
            (lo = g_ascii_xdigit_value(p[2])) < 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "bad percent escape at offset %td in \"%s\"",
                        p - s, s);
            goto fail;
        }
        if (hi == 0 && lo == 0) {
            /* A NUL would silently cut the C string short. */
            g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                        "%%00 at offset %td in \"%s\"", p - s, s);
            goto fail;
        }
        g_string_append_c(out, (char)(hi << 4 | lo));
        p += 2;
    }
    return g_string_free(out, FALSE);

fail:
    g_string_free(out, TRUE);
    return NULL;
}
