/*
 * cloud_json.h - the JSON walk shared by the Google Cloud and Oracle Cloud
 * flow-log decoders (gcp_flow.c, oci_flow.c).
 *
 * A document is JSON values written one after the other, usually one per
 * line (JSON lines: Cloud Logging's Cloud Storage export, Pub/Sub push
 * bodies saved one a line, OCI Service Connector objects), or a JSON array
 * of them (what `gcloud logging read --format=json` and `oci logging
 * search` print, pretty-printed over many lines).  Every object at the top
 * level, or directly in a top-level array, is an entry.
 *
 * yajl streams the text (no tree); a schema (a table of dotted paths, each
 * with a slot) says which leaves are kept: every other value is passed
 * over without being copied.  Several paths may share a slot, so one
 * schema reads an entry with or without a wrapper ("logContent.data.x"
 * and "data.x").  Kept values are copied into an arena that is reset for
 * each entry, so memory is bounded by the longest line, not the document.
 *
 * Errors: a value that cannot be parsed, a line longer than
 * FL_CJ_MAX_LINE, nesting deeper than FL_CJ_MAX_DEPTH, or a top-level
 * value that is not an object is reported through the bad callback with
 * its line and skipped; the walk goes on at the next line.  When the
 * damage is inside a value that began on an earlier line (a pretty-printed
 * array), the rest cannot be found again: the walk fails, naming the
 * line.
 */
#ifndef FL_CLOUD_JSON_H
#define FL_CLOUD_JSON_H

#include <glib.h>

#include "decoders/decode.h"

#define FL_CJ_MAX_DEPTH 32
/* Cloud Logging entries are at most 256 KiB, Pub/Sub messages 10 MB
 * (base64 makes that 13.4 MB), OCI log entries 1 MB. */
#ifndef FL_CJ_MAX_LINE
#define FL_CJ_MAX_LINE (16 * 1024 * 1024)
#endif
#define FL_CJ_MAX_SLOTS 64

typedef enum {
    FL_CJ_ABSENT = 0,
    FL_CJ_NULL,
    FL_CJ_BOOL,
    FL_CJ_NUMBER,               /* text as written */
    FL_CJ_STRING,
    FL_CJ_OBJECT,               /* where a leaf was expected */
    FL_CJ_ARRAY,                /* where a leaf was expected */
    FL_CJ_TOO_LONG              /* a string longer than its path allows */
} FlCjType;

/* A schema row: "a.b.c", the slot its value goes to, and the longest
 * string kept (0: 1024 bytes). */
typedef struct {
    const char *path;
    guint slot;
    gsize max_len;
} FlCjPath;

typedef struct {
    FlCjType type;
    guint32 off, len;           /* into FlCjEntry.text; NUL-terminated */
    gsize full_len;             /* FL_CJ_TOO_LONG: the string's length */
} FlCjValue;

typedef struct {
    const FlCjValue *v;         /* indexed by slot */
    const char *text;
    guint64 line;               /* where the entry starts, from 1 */
} FlCjEntry;

static inline const char *
fl_cj_str(const FlCjEntry *e, guint slot)
{
    return e->text + e->v[slot].off;
}

/* Called for each entry; FALSE with *err stops the walk, which then fails
 * with that error. */
typedef gboolean (*FlCjEntryFunc)(const FlCjEntry *e, gpointer data,
                                  GError **err);
/* Called for each line or value skipped as bad. */
typedef void (*FlCjBadFunc)(guint64 line, FlReject reason, const char *why,
                            gpointer data);

typedef struct FlCjWalker FlCjWalker;

/*
 * A walker for the schema's paths (the table must outlive it).  Not
 * thread-safe: one per thread.  Cannot fail (a bad table is a bug).
 */
FlCjWalker *fl_cj_walker_new(const FlCjPath *paths, guint n_paths,
                             guint n_slots);
void fl_cj_walker_free(FlCjWalker *w);

/*
 * Whether a line that is one plain object may be read by the fast scanner
 * (the default) rather than yajl.  The results are the same either way:
 * only tests and benchmarks turn it off, to compare the two.
 */
void fl_cj_walker_set_fast(FlCjWalker *w, gboolean fast);

/*
 * Walks the len bytes at buf (need not be NUL-terminated).  TRUE when
 * the document was read to its end (bad lines included: each went to
 * on_bad); FALSE with FL_ERROR_CORRUPT naming the line when the rest of
 * the document could not be read, or with on_entry's error.
 */
gboolean fl_cj_walk(FlCjWalker *w, const char *buf, gsize len,
                    FlCjEntryFunc on_entry, FlCjBadFunc on_bad,
                    gpointer data, GError **err);

/* For decoders: the value's kind in words ("a string", "an object"). */
const char *fl_cj_type_name(FlCjType t);

/*
 * Reads an unsigned decimal number at most max from a number or a string
 * of digits (proto3 JSON writes 64-bit integers as strings).  FALSE with
 * *why (static text) when the value has another type or is out of range.
 */
gboolean fl_cj_uint(const FlCjEntry *e, guint slot, guint64 max,
                    guint64 *out, const char **why);

/*
 * The number at slot into field f of r (fl_cj_uint's rules).  Absent or
 * null is 0 when zero_if_absent (proto3 JSON leaves zeros out), else
 * FL_REJECT_MISSING.  FALSE with *reason and *why (static text).
 */
gboolean fl_cj_set_num(const FlCjEntry *e, guint slot, FlRecord *r,
                       FlField f, guint64 max, gboolean zero_if_absent,
                       FlReject *reason, const char **why);

/* An IPv4 or IPv6 address in text.  FALSE when it is not one. */
gboolean fl_cj_addr(const char *s, gsize len, guint8 *family,
                    guint8 bytes[16]);

/*
 * RFC 3339 ("2024-05-25T12:00:00.123456789Z", offsets allowed) to
 * milliseconds since the epoch (fractions past the millisecond dropped).
 * FALSE when it is not such a time or is before 1970.
 */
gboolean fl_cj_rfc3339_ms(const char *s, gsize len, guint64 *out);

/*
 * For sniffing: the name of the first member of the first object in buf
 * (an object, or an array whose first element is one), and the first
 * byte of its value (0 when buf ends first).  FALSE when buf does not
 * start that way or the name is not within buf.  Cannot fail.
 */
gboolean fl_cj_first_member(const guint8 *buf, gsize len, const char **name,
                            gsize *name_len, guint8 *value_start);

/* TRUE when the first member's name is one of names (NULL-terminated). */
gboolean fl_cj_sniff_names(const guint8 *buf, gsize len,
                           const char *const *names);

/*
 * What the cloud decoders hand out: one record, with strings valid until
 * the callback returns.  where says where the entry is ("line 12", "line
 * 3, Pub/Sub message 42"); sampled says the counts come from sampled
 * packets (Google), not from every packet.
 */
typedef struct {
    const FlRecord *rec;
    const char *where;
    gboolean sampled;
} FlCloudRecord;

/* A record; FALSE with *err stops the decoding (the decoder fails with
 * that error). */
typedef gboolean (*FlCloudRecordFunc)(const FlCloudRecord *r, gpointer data,
                                      GError **err);
/* An entry or line skipped as bad: where, the reason (the statistics'
 * word) and why in words ("jsonPayload.connection.src_port: out of
 * range"). */
typedef void (*FlCloudBadFunc)(const char *where, FlReject reason,
                               const char *why, gpointer data);

/* Sets field f of r to the len bytes at s (kept, not copied). */
static inline void
fl_cloud_set_str(FlRecord *r, FlField f, const char *s, gsize len)
{
    r->v[f].s.ptr = s;
    r->v[f].s.len = (guint32)len;
    fl_record_set_present(r, f);
}

static inline void
fl_cloud_set_uint(FlRecord *r, FlField f, guint64 u)
{
    r->v[f].u = u;
    fl_record_set_present(r, f);
}

#endif
