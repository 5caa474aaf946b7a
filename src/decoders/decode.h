/*
 * decode.h - bytes to FlRecords.
 *
 * A decoder type is chosen per object by sniffing its first bytes: Parquet
 * ("PAR1", parquet.h; the pipeline reads it by row groups) or text
 * (space-separated flow log lines, optionally headed by the S3 header
 * line).
 *
 * An FlFormat is a compiled column list: made once per object from its
 * header line, the --format string or the default, then shared read-only
 * by every thread that decodes that object's lines.
 */
#ifndef FL_DECODE_H
#define FL_DECODE_H

#include <glib.h>
#include "record.h"

/* What --input-format names; AUTO sniffs each object's first bytes. */
typedef enum {
    FL_INPUT_AUTO, FL_INPUT_AWS_TEXT, FL_INPUT_PARQUET, FL_INPUT_CWL,
    FL_INPUT_AZURE, FL_INPUT_GCP, FL_INPUT_OCI
} FlInputFormat;

typedef struct FlDecoderType {
    const char *name;           /* the --input-format word */
    FlInputFormat input;
    /* TRUE when the first bytes of an object look like this type. */
    gboolean (*sniff)(const guint8 *buf, gsize len);
    gboolean built_in;
} FlDecoderType;

/*
 * The decoder for an object whose first bytes are buf (at least 4 bytes
 * unless the object is shorter; the whole-object types see 64); text
 * when nothing else matches.  Tried in order: Parquet, Azure, Google
 * Cloud, CloudWatch envelopes, Oracle Cloud, then AWS text.  Formats this
 * build lacks keep their row, so that they are "not built in", not text.
 */
const FlDecoderType *fl_decoder_sniff(const guint8 *buf, gsize len);

/* The word of --input-format into *out.  FALSE with FL_ERROR_CONFIG for
 * an unknown word, FL_ERROR_UNSUPPORTED for a format not built in. */
gboolean fl_input_format_parse(const char *word, FlInputFormat *out,
                               GError **err);

typedef struct FlFormat {
    gint     ref;
    guint    n_columns;
    FlField  column[FL_MAX_COLUMNS];   /* FL_F_UNKNOWN for unknown names */
    guint8   kind[FL_MAX_COLUMNS];     /* FlKind of each column */
    guint64  max[FL_MAX_COLUMNS];      /* FL_KIND_UINT upper bounds */
    char    *names[FL_MAX_COLUMNS];    /* as written, for messages */
    guint64  has[2];                   /* known fields present */
    guint    n_unknown;
    /* Set by a decoder whose source has no accept/reject verdict
     * (Google): a VPC format without action is then complete, and its
     * records have no egressInterface (mapper.c).  Never set from text. */
    gboolean no_action;
} FlFormat;

static inline gboolean
fl_format_has(const FlFormat *f, FlField id)
{
    return (f->has[id >> 6] >> (id & 63)) & 1;
}

/*
 * Compiles "${version} ${account-id} ..." (or the same names without ${}),
 * separated by runs of spaces.  Unknown names are kept as opaque columns
 * (logged once by the caller, never fatal).  Errors (FL_ERROR_CONFIG): no
 * fields, more than FL_MAX_COLUMNS, a name repeated, a malformed ${...}.
 * Caller owns the result (fl_format_unref).
 */
FlFormat *fl_format_parse(const char *spec, gssize len, GError **err);

/* The default (version 2) format.  Cannot fail. */
FlFormat *fl_format_new_default(void);

/*
 * TRUE if a line is an S3 header line: every word is a lower-case name
 * ([a-z][a-z0-9_-]*) and at least one is a known field.  A data line always
 * has a number or an ID with digits early on, so the test is cheap and
 * safe.
 */
gboolean fl_format_is_header(const char *line, gsize len);

FlFormat *fl_format_ref(FlFormat *f);
void      fl_format_unref(FlFormat *f);
gboolean  fl_format_equal(const FlFormat *a, const FlFormat *b);
/* "name name ..." as in a header line; caller frees. */
char     *fl_format_to_string(const FlFormat *f);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlFormat, fl_format_unref)

/* Why a line was rejected; names are stable (statistics keys). */
typedef enum {
    FL_REJECT_FIELD_COUNT,  /* not as many words as the format has */
    FL_REJECT_NUMBER,       /* not a number, or out of range */
    FL_REJECT_ADDRESS,      /* not an IPv4 or IPv6 address */
    FL_REJECT_VALUE,        /* an enumerated field with an unknown value */
    FL_REJECT_MISSING,      /* "-" in a field the mapping needs */
    FL_REJECT_TOO_LONG,     /* longer than the line-length cap */
    FL_REJECT_BINARY,       /* control bytes or NUL in the line */
    FL_REJECT_COUNT
} FlReject;

const char *fl_reject_name(FlReject r);

/* Longest line accepted, in bytes (longer ones are rejected, skipped
 * without being buffered whole). */
#define FL_MAX_LINE 65536

/*
 * Decodes one line (without its '\n'; a trailing '\r' is ignored) into rec.
 * String values point into line.  Returns TRUE, or FALSE with *reason and
 * *column (0-based; the column count for FL_REJECT_FIELD_COUNT) set.
 * Thread-safe for a shared fmt.
 *
 * line[len] must be readable and hold a byte <= ' ' (the '\n' that ended
 * the line, or a NUL): the scanners use it as a sentinel instead of
 * checking bounds on every byte.
 */
gboolean fl_decode_line(const FlFormat *fmt, const char *line, gsize len,
                        FlRecord *rec, FlReject *reason, guint *column);

/*
 * Decodes one value of a field of the given kind from its text (a string
 * column of a Parquet file): the rules of a word of a line (numbers up
 * to max, IPv4/IPv6 addresses, the enumerated words), except that "-"
 * is the caller's to treat as absent.  FALSE with *reason (control bytes
 * are FL_REJECT_BINARY).  String values point into p.  Thread-safe.
 */
gboolean fl_decode_value(FlKind kind, guint64 max, const char *p, gsize len,
                         FlValue *v, FlReject *reason);

#endif
