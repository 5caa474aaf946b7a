/*
 * cwl_envelope_int.h - private to cwl_envelope.c, cwl_fast.c and
 * cwl_gzip.c: the decoder's context and the functions they share.
 */
#ifndef FL_CWL_ENVELOPE_INT_H
#define FL_CWL_ENVELOPE_INT_H

#include <glib.h>
#include <json-glib/json-glib.h>

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#define ZLIB_CONST                      /* next_in is const in zlib.h */
#include <zlib.h>
#endif

#include "error.h"
#include "decoders/cwl_envelope.h"

typedef enum {
    RES_OK,
    RES_BAD,          /* this record is bad; *err says why */
    RES_STOP          /* the payload callback failed; *err is its error */
} Res;

/* Where a record is; formatted only when a message or a payload needs it. */
typedef struct {
    const char *list;       /* NULL: the top-level document itself */
    gboolean ordinal;       /* "member 2" (counted from 1), not "x[1]" */
    guint index;
    const char *id;         /* a Firehose recordId, or NULL */
} Where;

#define WHERE_MAX 128

typedef struct {
    gsize off;              /* into run_text */
    gsize len;
} RunMsg;

typedef struct {
    FlCwlPayloadFunc on_payload;
    FlCwlBadFunc on_bad;
    gpointer data;
    FlCwlCounts *n;
    JsonParser *outer;      /* the top-level document */
    JsonParser *inner;      /* the record being decoded */
    GArray *events;         /* FlCwlEvent, reused for every payload */
    GArray *events_spare;   /* for a run flushed while events is full */
    GArray *nuls;           /* char *: where the fast path ends strings */
    char *arena;            /* the fast path's strings */
    gsize arena_alloc;
    guint8 *raw;            /* decoded base64 */
    gsize raw_alloc;
    guint8 *plain;          /* one inflated member */
    gsize plain_alloc;
#ifdef HAVE_ISAL
    struct inflate_state *isal;
#else
    z_stream zs;
    gboolean zs_ready;
#endif
    gsize peak[3];          /* the largest arena, raw, plain asked for */
    guint idle[4];          /* calls in a row that needed far less */
    guint events_peak;      /* the most events of a payload in this call */
    guint events_hw;        /* the same since the arrays were made */
    GString *run_text;      /* direct messages, each followed by a NUL */
    GArray *run;            /* RunMsg */
    char run_where[WHERE_MAX];
    gboolean run_where_set;
    const volatile gint *stop;  /* set: end the call (FL_ERROR_STOPPED) */
} Ctx;

/* cwl_fast_record()'s answer when the json-glib path must decide. */
typedef enum { FAST_NO = RES_STOP + 1 } FastRes;

/* cwl_envelope.c */
gsize cwl_headroom(gsize n);
Res cwl_bad(GError **err, FlError code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
/* The stop flag is set: FL_ERROR_STOPPED in *err; else FALSE.  One
 * atomic read: cheap enough between megabytes. */
gboolean cwl_stopped(const Ctx *c, GError **err);
/* Output inflated between two looks at the stop flag. */
#define CWL_STOP_SLICE (4 * 1024 * 1024)
const char *cwl_where_format(const Where *w, char *buf, gsize size);
gsize cwl_line_length(Ctx *c, const char *m);
Res cwl_emit(Ctx *c, const FlCwlPayload *p, GError **err);
Res cwl_run_flush(Ctx *c, GError **err);
Res cwl_direct_message(Ctx *c, const char *m, const Where *w, GError **err);
Res cwl_payload_out(Ctx *c, const char *owner, const char *group,
                    const char *stream, const Where *w, guint64 cut_before,
                    GError **err);
Res cwl_base64_data(Ctx *c, const char *b64, gsize len, const Where *w,
                    GError **err);

/* cwl_fast.c (not built with FL_CWL_NO_FAST) */
int cwl_fast_record(Ctx *c, const guint8 *s, gsize len, const Where *w,
                    gboolean top, gboolean ours, GError **err);

/* cwl_scan.c (not built with FL_CWL_NO_FAST): the same contract */
int cwl_scan_record(Ctx *c, const guint8 *s, gsize len, const Where *w,
                    gboolean top, gboolean ours, GError **err);

/* cwl_gzip.c */
Res cwl_inflate_member(Ctx *c, const guint8 *in, gsize len, gsize *used,
                       gsize *out_len, GError **err);

#endif
