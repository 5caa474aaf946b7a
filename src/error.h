/*
 * error.h - the FL_ERROR domain shared by every module.
 *
 * Runtime failures travel as GError in this domain; layers add context with
 * g_prefix_error().  Programmer errors are assertions, never GErrors.
 */
#ifndef FL_ERROR_H
#define FL_ERROR_H

#include <glib.h>

#define FL_ERROR fl_error_quark()

typedef enum {
    FL_ERROR_CONFIG,      /* bad option, config file or format string */
    FL_ERROR_IO,          /* an input could not be opened or read */
    FL_ERROR_CORRUPT,     /* an input is damaged (bad gzip, binary data) */
    FL_ERROR_LIMIT,       /* an input exceeds a safety limit */
    FL_ERROR_FORMAT,      /* a flow log format cannot be transcoded */
    FL_ERROR_UNSUPPORTED, /* a feature this build or libfixbuf lacks */
    FL_ERROR_EXPORT,      /* the IPFIX output failed */
    FL_ERROR_AUTH,        /* no, wrong or expired cloud credentials */
    FL_ERROR_NETWORK,     /* a cloud service could not be reached */
    FL_ERROR_REMOTE,      /* a cloud service refused a request */
    FL_ERROR_STOPPED      /* an object left unfinished by SIGINT/SIGTERM:
                             not a failure, and not committed either */
} FlError;

GQuark fl_error_quark(void);

#endif
