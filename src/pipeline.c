/*
 * pipeline.c - reader, workers and writer (see pipeline.h for the picture).
 *
 * Memory is bounded by the chunk pool: a chunk is at most CHUNK_TEXT bytes
 * of complete lines, and the reader blocks when every chunk is in use.  A
 * line longer than a chunk is skipped without being buffered.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encode.h"
#include "error.h"
#include "log.h"
#include "pipeline.h"
#include "source.h"

/* 1 MiB: 256 KiB measured 16 % slower; 2-4 MiB no faster beyond noise
 * and 12-35 MiB more resident memory. */
#define CHUNK_TEXT (1024 * 1024)
#define TICK_EVERY 4096             /* records between clock checks */

typedef struct {
    gint ref;
    char *name;
    FlFormat *format;
    FlMapPlan plan;
    gboolean plan_ok;
    guint header_lines;
    /* A plain regular file is mapped, not read: chunks point into the
     * mapping, which lives as long as the last chunk that uses it.  The
     * writer gives back pages it has finished with (released), so the
     * resident size stays that of the chunks in flight. */
    const char *map;
    gsize map_len;
    gsize released;
} ObjInfo;

typedef struct {
    guint idx;                  /* line within the chunk */
    FlReject reason;
    guint where;                /* column, or field ID when is_field */
    gboolean is_field;
    guint n_words;              /* FL_REJECT_FIELD_COUNT */
} LineError;

typedef struct {
    gboolean eos;
    ObjInfo *obj;
    gboolean first_of_object, last_of_object;
    gboolean long_line;         /* the chunk is one over-long line */
    gboolean short_read;        /* input is slow: flush after writing */
    GError *obj_error;
    char *buf;                  /* owned, cap + 1 bytes */
    char *text;                 /* buf, or into the object's mapping */
    gsize start, len, cap;
    gsize map_end;              /* mapped: offset of the end of text */
    /* filled by a worker */
    FlIpfixRec *recs;
    guint8 *variants;
    guint n_recs, cap_recs;
    guint n_lines;
    guint64 nodata, skipdata, v4, v6, rejects[FL_REJECT_COUNT];
    GArray *errors;             /* LineError, at most max_errors */
    GArray *new_names;          /* FlNewName */
    GPtrArray *skip_ifaces;     /* char *, interfaces with SKIPDATA */
    GByteArray *msgs;           /* the records as IPFIX messages, when
                                   workers encode (file outputs) */
    GError *enc_error;
    gint done;
} Chunk;

typedef struct {
    const FlPipelineConfig *cfg;
    FlExporter *exp;
    FlStats *stats;
    FlIdRegistry *reg;
    /* threading */
    GAsyncQueue *free_q, *work_q, *order_q;
    GMutex lock;
    GCond cond;
    gint abort;                 /* writer failed: stop reading */
    gboolean encode;            /* workers encode records into messages */
    Chunk sentinel;
    /* reader state (reader thread only) */
    guint next_input;
    FlSource *src;
    FlObject *obj;
    ObjInfo *info;
    gboolean obj_first;
    gboolean skipping;
    char *carry;
    gsize carry_len;
    gsize map_pos;              /* mapped object: next byte to hand out */
    /* writer state */
    guint64 obj_line_base;
    guint64 errors_shown;
    guint generation;
    gint64 last_options_us;
    gint64 rate_start_us;
    guint64 rate_count;
} Pipeline;

/* ------------------------------------------------------------------ */
/* objects and chunks                                                  */

static ObjInfo *
obj_new(const char *name)
{
    ObjInfo *o = g_new0(ObjInfo, 1);

    o->ref = 1;
    o->name = g_strdup(name);
    return o;
}

static ObjInfo *
obj_ref(ObjInfo *o)
{
    g_atomic_int_inc(&o->ref);
    return o;
}

static void
obj_unref(ObjInfo *o)
{
    if (o == NULL || !g_atomic_int_dec_and_test(&o->ref))
        return;
    g_free(o->name);
    if (o->format)
        fl_format_unref(o->format);
    if (o->map)
        munmap((void *)o->map, o->map_len);
    g_free(o);
}

static Chunk *
chunk_new(void)
{
    Chunk *c = g_new0(Chunk, 1);

    c->cap = CHUNK_TEXT;
    c->buf = g_malloc(CHUNK_TEXT + 1);      /* +1: a missing last '\n' */
    c->text = c->buf;
    c->errors = g_array_new(FALSE, FALSE, sizeof(LineError));
    c->new_names = g_array_new(FALSE, FALSE, sizeof(FlNewName));
    g_array_set_clear_func(c->new_names, fl_new_name_clear);
    c->skip_ifaces = g_ptr_array_new_with_free_func(g_free);
    c->msgs = g_byte_array_new();
    return c;
}

static void
chunk_reset(Chunk *c)
{
    c->eos = FALSE;
    g_clear_pointer(&c->obj, obj_unref);
    c->first_of_object = c->last_of_object = FALSE;
    c->long_line = c->short_read = FALSE;
    g_clear_error(&c->obj_error);
    c->text = c->buf;
    c->map_end = 0;
    c->start = c->len = 0;
    c->n_recs = c->n_lines = 0;
    c->nodata = c->skipdata = c->v4 = c->v6 = 0;
    memset(c->rejects, 0, sizeof c->rejects);
    g_array_set_size(c->errors, 0);
    g_array_set_size(c->new_names, 0);
    g_ptr_array_set_size(c->skip_ifaces, 0);
    g_byte_array_set_size(c->msgs, 0);
    g_clear_error(&c->enc_error);
    c->done = 0;
}

static void
chunk_free(Chunk *c)
{
    if (c == NULL)
        return;
    chunk_reset(c);
    g_free(c->buf);
    g_free(c->recs);
    g_free(c->variants);
    g_array_unref(c->errors);
    g_array_unref(c->new_names);
    g_ptr_array_unref(c->skip_ifaces);
    g_byte_array_unref(c->msgs);
    g_free(c);
}

/* ------------------------------------------------------------------ */
/* reader                                                              */

static void
reader_close_object(Pipeline *p)
{
    g_clear_pointer(&p->obj, fl_object_free);
    g_clear_pointer(&p->info, obj_unref);
    p->carry_len = 0;
    p->skipping = FALSE;
}

/* A chunk that only reports that an object (or a location) failed. */
static void
fill_error_chunk(Chunk *c, const char *name, GError *err)
{
    c->obj = obj_new(name);
    c->first_of_object = c->last_of_object = TRUE;
    c->obj_error = err;
}

/*
 * Looks at the first line of an object: decoder type, header line, format
 * and mapping plan.  FALSE with *err set when the object cannot be read.
 */
static gboolean
reader_start_object(Pipeline *p, Chunk *c, GError **err)
{
    const FlDecoderType *dt;
    const char *nl;
    ObjInfo *o = p->info;

    dt = fl_decoder_sniff((const guint8 *)c->text, c->len);
    if (!dt->built_in) {
        g_set_error(err, FL_ERROR, FL_ERROR_UNSUPPORTED,
                    "%s input: not built in", dt->name);
        return FALSE;
    }
    nl = memchr(c->text, '\n', c->len);
    if (nl && fl_format_is_header(c->text, (gsize)(nl - c->text))) {
        gsize hl = (gsize)(nl - c->text);

        if (hl && c->text[hl - 1] == '\r')
            hl--;
        o->format = fl_format_parse(c->text, (gssize)hl, err);
        if (o->format == NULL) {
            g_prefix_error(err, "header line: ");
            return FALSE;
        }
        o->header_lines = 1;
        c->start = (gsize)(nl - c->text) + 1;
        if (p->cfg->format_given
            && !fl_format_equal(p->cfg->format, o->format))
            fl_log_info("%s: the header line differs from --format; using "
                        "the header", o->name);
    } else {
        o->format = fl_format_ref(p->cfg->format);
    }
    if (o->format->n_unknown) {
        g_autoptr(GString) u = g_string_new(NULL);
        for (guint i = 0; i < o->format->n_columns; i++) {
            if (o->format->column[i] != FL_F_UNKNOWN)
                continue;
            g_string_append_printf(u, "%s%s", u->len ? ", " : "",
                                   o->format->names[i]);
        }
        fl_log_info("%s: unknown field(s) kept as opaque strings: %s",
                    o->name, u->str);
    }
    if (!fl_map_plan_init(&o->plan, o->format, &p->cfg->map, err))
        return FALSE;
    o->plan_ok = TRUE;
    return TRUE;
}

/*
 * Maps a plain regular file instead of reading it: read(2) would copy
 * every byte once more (a fifth of the CPU time on text input).  gzip
 * files are read and inflated as before.  Failing to map is not an error:
 * the object is then read.
 */
static void
try_map(Pipeline *p)
{
    int fd = fl_object_map_fd(p->obj);
    struct stat st;
    void *m;

    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 2)
        return;
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED)
        return;
    if (((const guint8 *)m)[0] == 0x1f && ((const guint8 *)m)[1] == 0x8b) {
        munmap(m, (size_t)st.st_size);
        return;
    }
    (void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
    p->info->map = m;
    p->info->map_len = (gsize)st.st_size;
    p->map_pos = 0;
}

/* The next run of complete lines of a mapped object, without a copy. */
static void
fill_mapped(Pipeline *p, Chunk *c)
{
    const ObjInfo *o = p->info;
    gsize pos = p->map_pos;
    gsize end = MIN(pos + c->cap, o->map_len);
    const char *base = o->map + pos;
    const char *nl = memrchr(base, '\n', end - pos);

    if (nl != NULL) {
        c->text = (char *)base;
        c->len = (gsize)(nl - base) + 1;
        p->map_pos = pos + c->len;
    } else if (end == o->map_len) {
        /* The last line has no '\n': copy it so that it gets one (the
         * decoder needs a byte after every line). */
        memcpy(c->buf, base, end - pos);
        c->text = c->buf;
        c->len = end - pos;
        c->buf[c->len++] = '\n';
        p->map_pos = end;
    } else {
        /* One line longer than a chunk: report it, skip to its end. */
        const char *next = memchr(o->map + end, '\n', o->map_len - end);

        c->long_line = TRUE;
        c->len = 0;
        p->map_pos = next ? (gsize)(next - o->map) + 1 : o->map_len;
    }
    c->map_end = p->map_pos;
    if (p->map_pos == o->map_len)
        c->last_of_object = TRUE;
}

/*
 * Fills c with the next run of complete lines.  Returns FALSE when every
 * input is done (or a stop was requested).
 */
static gboolean
reader_fill(Pipeline *p, Chunk *c)
{
    GError *err = NULL;
    gboolean eof = FALSE;

    for (;;) {
        FlNext next;
        FlObject *obj = NULL;

        if (g_atomic_int_get(&p->abort)
            || (p->cfg->stop && g_atomic_int_get(p->cfg->stop)))
            return FALSE;
        if (p->obj)
            break;
        if (p->src == NULL) {
            const char *loc = p->cfg->inputs[p->next_input];

            if (loc == NULL)
                return FALSE;
            p->next_input++;
            p->src = fl_source_open(loc, &err);
            if (p->src == NULL) {
                fill_error_chunk(c, loc, err);
                return TRUE;
            }
        }
        next = fl_source_next(p->src, &obj, &err);
        if (next == FL_NEXT_END) {
            g_clear_pointer(&p->src, fl_source_free);
            continue;
        }
        if (next == FL_NEXT_ERROR) {
            fill_error_chunk(c, p->src->location, err);
            return TRUE;
        }
        p->obj = obj;
        p->obj->stop = p->cfg->stop;
        p->info = obj_new(obj->name);
        p->obj_first = TRUE;
        try_map(p);
    }

    c->obj = obj_ref(p->info);
    c->first_of_object = p->obj_first;
    if (p->info->map) {
        fill_mapped(p, c);
        goto filled;
    }
    memcpy(c->text, p->carry, p->carry_len);
    c->len = p->carry_len;
    p->carry_len = 0;

    while (c->len < c->cap) {
        gsize want = c->cap - c->len;
        gssize n = fl_object_read(p->obj, (guint8 *)c->text + c->len, want,
                                  &err);

        if (n < 0) {
            g_prefix_error(&err, "%s: ", p->obj->name);
            break;
        }
        if (n == 0) {
            eof = TRUE;
            break;
        }
        if (p->skipping) {
            char *nl = memchr(c->text + c->len, '\n', (gsize)n);
            if (nl == NULL)
                continue;               /* still inside the long line */
            n -= (nl + 1) - (c->text + c->len);
            memmove(c->text + c->len, nl + 1, (gsize)n);
            p->skipping = FALSE;
        }
        c->len += (gsize)n;
        /* A pipe that gives less than asked is slow: hand on what we
         * have, so records do not wait for a full chunk.  (A gzip file
         * gives less too, at its own buffer's edge: that means nothing.) */
        if (p->obj->interactive && (gsize)n < want
            && memchr(c->text, '\n', c->len)) {
            c->short_read = TRUE;
            break;
        }
    }

    if (err) {
        char *nl = c->len ? memrchr(c->text, '\n', c->len) : NULL;
        c->len = nl ? (gsize)(nl - c->text) + 1 : 0;   /* drop partial line */
        c->last_of_object = TRUE;
        c->obj_error = err;
    } else if (eof) {
        if (c->len && c->text[c->len - 1] != '\n')
            c->text[c->len++] = '\n';   /* no newline at the end */
        c->last_of_object = TRUE;
    } else {
        char *nl = memrchr(c->text, '\n', c->len);

        if (nl == NULL) {
            /* One line fills the chunk: far past FL_MAX_LINE.  Report it
             * once and drop bytes until its end. */
            c->len = 0;
            c->long_line = TRUE;
            p->skipping = TRUE;
        } else {
            gsize keep = (gsize)(nl - c->text) + 1;
            p->carry_len = c->len - keep;
            memcpy(p->carry, c->text + keep, p->carry_len);
            c->len = keep;
        }
    }

filled:
    if (p->obj_first && !c->long_line && c->obj_error == NULL) {
        p->obj_first = FALSE;
        if (!reader_start_object(p, c, &err)) {
            g_prefix_error(&err, "%s: ", p->info->name);
            c->obj_error = err;
            c->last_of_object = TRUE;
            c->start = c->len = 0;
        }
    } else if (p->obj_first) {
        p->obj_first = FALSE;
        /* An object that fails or starts with an over-long line: no
         * header, so the configured format applies. */
        p->info->format = fl_format_ref(p->cfg->format);
        if (fl_map_plan_init(&p->info->plan, p->info->format, &p->cfg->map,
                             NULL))
            p->info->plan_ok = TRUE;
    }
    if (c->last_of_object)
        reader_close_object(p);
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* worker                                                              */

typedef struct {
    Pipeline *p;
    FlRecord *rec;
    FlMapperThread mt;
    FlEncoder *enc;             /* when p->encode */
} Worker;

static void
chunk_reject(Pipeline *p, Chunk *c, guint idx, FlReject reason, guint where,
             gboolean is_field, guint n_words)
{
    c->rejects[reason]++;
    if (c->errors->len < p->cfg->max_errors) {
        LineError e = { idx, reason, where, is_field, n_words };
        g_array_append_val(c->errors, e);
    }
}

static void
process_chunk(Worker *w, Chunk *c)
{
    Pipeline *p = w->p;
    const ObjInfo *o = c->obj;
    const char *s = c->text + c->start, *end = c->text + c->len;

    if (c->long_line) {
        c->n_lines = 1;
        chunk_reject(p, c, 0, FL_REJECT_TOO_LONG, 0, FALSE, 0);
        return;
    }
    if (!o->plan_ok)
        return;
    w->mt.new_names = c->new_names;
    if (w->enc)
        fl_encoder_begin(w->enc, c->msgs);
    while (s < end) {
        const char *nl = memchr(s, '\n', (gsize)(end - s));
        gsize ll = (gsize)(nl - s);
        guint idx = c->n_lines++;
        FlReject reason;
        guint col, variant;
        FlMapResult r;

        if (ll == 0 || (ll == 1 && s[0] == '\r')) {
            s = nl + 1;
            continue;                   /* blank line: nothing to say */
        }
        if (!fl_decode_line(o->format, s, ll, w->rec, &reason, &col)) {
            /* Only spaces: as blank as an empty line. */
            if (reason != FL_REJECT_FIELD_COUNT || col != 0)
                chunk_reject(p, c, idx, reason, col, FALSE, col);
            s = nl + 1;
            continue;
        }
        s = nl + 1;
        if (G_UNLIKELY(c->n_recs == c->cap_recs)) {
            c->cap_recs = c->cap_recs ? c->cap_recs * 2 : 4096;
            c->recs = g_renew(FlIpfixRec, c->recs, c->cap_recs);
            c->variants = g_renew(guint8, c->variants, c->cap_recs);
        }
        r = fl_map_record(&o->plan, &p->cfg->map, &w->mt, w->rec,
                          &c->recs[c->n_recs], &variant, &reason, &col);
        switch (r) {
        case FL_MAP_RECORD:
            /* libfixbuf's encoding is the heaviest step of the writer:
             * here it runs in parallel, in the worker. */
            if (w->enc && c->enc_error == NULL
                && !fl_encoder_append(w->enc, variant, &c->recs[c->n_recs],
                                      &c->enc_error))
                g_prefix_error(&c->enc_error, "encoding: ");
            c->variants[c->n_recs++] = (guint8)variant;
            if (variant & FL_V_IPV6)
                c->v6++;
            else
                c->v4++;
            break;
        case FL_MAP_NODATA:
            c->nodata++;
            break;
        case FL_MAP_SKIPDATA:
            c->skipdata++;
            if (fl_record_has(w->rec, o->plan.if_field)) {
                const FlStr *n = &w->rec->v[o->plan.if_field].s;
                g_ptr_array_add(c->skip_ifaces, g_strndup(n->ptr, n->len));
            }
            break;
        case FL_MAP_REJECT:
            chunk_reject(p, c, idx, reason, col, TRUE, 0);
            break;
        }
    }
    w->mt.new_names = NULL;
    if (w->enc && !fl_encoder_end(w->enc, c->enc_error ? NULL
                                                        : &c->enc_error))
        g_prefix_error(&c->enc_error, "encoding: ");
}

/* Runs in the calling thread: an encoder that cannot be made is a
 * start-up error, reported before any thread exists. */
static gboolean
worker_init(Worker *w, Pipeline *p, GError **err)
{
    memset(w, 0, sizeof *w);
    w->p = p;
    if (p->encode) {
        const char *dir;
        guint32 domain;

        fl_exporter_encoder_settings(p->exp, &dir, &domain);
        w->enc = fl_encoder_new(dir, domain, err);
        if (w->enc == NULL)
            return FALSE;
    }
    w->rec = g_new0(FlRecord, 1);
    fl_mapper_thread_init(&w->mt, &p->cfg->map);
    /* Chunks bring their own array; this one is never used. */
    g_clear_pointer(&w->mt.new_names, g_array_unref);
    return TRUE;
}

static void
worker_clear(Worker *w)
{
    g_free(w->rec);
    fl_mapper_thread_clear(&w->mt);
    g_clear_pointer(&w->enc, fl_encoder_free);
}

static gpointer
worker_thread(gpointer data)
{
    Worker *w = data;
    Pipeline *p = w->p;

    for (;;) {
        Chunk *c = g_async_queue_pop(p->work_q);

        if (c == &p->sentinel)
            break;
        process_chunk(w, c);
        g_mutex_lock(&p->lock);
        c->done = 1;
        g_cond_broadcast(&p->cond);
        g_mutex_unlock(&p->lock);
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* writer                                                              */

static void
report_reject(Pipeline *p, const Chunk *c, const LineError *e)
{
    const ObjInfo *o = c->obj;
    guint64 line = p->obj_line_base + e->idx + 1;
    const char *why = fl_reject_name(e->reason);

    if (e->reason == FL_REJECT_FIELD_COUNT)
        fl_log_warnx("%s:%" G_GUINT64_FORMAT ": %s: %u fields, the format "
                     "has %u", o->name, line, why, e->n_words,
                     o->format->n_columns);
    else if (e->reason == FL_REJECT_TOO_LONG)
        fl_log_warnx("%s:%" G_GUINT64_FORMAT ": %s: line longer than %d "
                     "bytes", o->name, line, why, FL_MAX_LINE);
    else if (e->is_field && e->reason == FL_REJECT_MISSING)
        fl_log_warnx("%s:%" G_GUINT64_FORMAT ": %s: mandatory field '%s' "
                     "is '-'", o->name, line, why,
                     fl_field_info((FlField)e->where)->name);
    else if (e->is_field)
        fl_log_warnx("%s:%" G_GUINT64_FORMAT ": %s: field '%s'", o->name,
                     line, why, fl_field_info((FlField)e->where)->name);
    else if (e->reason == FL_REJECT_BINARY)
        fl_log_warnx("%s:%" G_GUINT64_FORMAT ": %s: control or NUL bytes "
                     "in field %u", o->name, line, why, e->where + 1);
    else
        fl_log_warnx("%s:%" G_GUINT64_FORMAT ": %s: field '%s' (column "
                     "%u)", o->name, line, why,
                     e->where < o->format->n_columns
                     ? o->format->names[e->where] : "?", e->where + 1);
}

/* Chunks finish in order, so every page before the end of this one is
 * done with: drop it from our resident set (the page cache keeps it). */
static void
release_mapped(ObjInfo *o, gsize upto)
{
    gsize page = (gsize)sysconf(_SC_PAGESIZE);
    gsize to = upto / page * page;

    if (to > o->released) {
        (void)madvise((void *)(o->map + o->released), to - o->released,
                      MADV_DONTNEED);
        o->released = to;
    }
}

/* Sends the options record for id unless it went out in this epoch. */
static FlExportResult
ensure_option(Pipeline *p, FlIdKind kind, guint32 id, GError **err)
{
    const char *name, *desc;
    FlExportResult r;

    if (fl_id_registry_sent(p->reg, kind, id))
        return FL_EXPORT_OK;
    if (!fl_id_registry_mark_sent(p->reg, kind, id, &name, &desc))
        return FL_EXPORT_OK;    /* never learned: nothing to describe */
    r = fl_exporter_append_option(p->exp, kind, id, name, desc, err);
    if (r == FL_EXPORT_OK)
        p->stats->options_records++;
    return r;
}

static void
check_generation(Pipeline *p)
{
    guint g = fl_exporter_generation(p->exp);

    if (g != p->generation) {
        p->generation = g;
        fl_id_registry_new_epoch(p->reg);
    }
}

static gboolean
writer_tick(Pipeline *p, GError **err)
{
    gint64 now = g_get_monotonic_time();

    if (p->cfg->options_interval
        && now - p->last_options_us
           >= (gint64)p->cfg->options_interval * G_USEC_PER_SEC) {
        p->last_options_us = now;
        fl_id_registry_new_epoch(p->reg);
    }
    if (fl_exporter_tick(p->exp, now, err) == FL_EXPORT_FAILED)
        return FALSE;
    check_generation(p);
    return TRUE;
}

static void
pace(Pipeline *p)
{
    gint64 due = p->rate_start_us
                 + (gint64)(p->rate_count * G_USEC_PER_SEC / p->cfg->max_rate);
    gint64 now = g_get_monotonic_time();

    if (due > now)
        g_usleep((gulong)(due - now));
}

/* The options records a data record needs before it goes out. */
static FlExportResult
ensure_options(Pipeline *p, guint variant, const FlIpfixRec *r,
               GError **err)
{
    FlExportResult x;

    if (!fl_exporter_options_enabled(p->exp))
        return FL_EXPORT_OK;
    x = ensure_option(p, FL_ID_INTERFACE, r->ingressInterface, err);
    if (x == FL_EXPORT_OK && (variant & FL_V_EGRESS))
        x = ensure_option(p, FL_ID_INTERFACE, r->egressInterface, err);
    if (x == FL_EXPORT_OK && (variant & FL_V_VRF) && r->ingressVRFID)
        x = ensure_option(p, FL_ID_VRF, r->ingressVRFID, err);
    return x;
}

static gboolean
write_record(Pipeline *p, guint variant, FlIpfixRec *r, GError **err)
{
    for (;;) {
        FlExportResult x = ensure_options(p, variant, r, err);

        if (x == FL_EXPORT_OK)
            x = fl_exporter_append_data(p->exp, variant, r, err);
        if (x == FL_EXPORT_OK)
            return TRUE;
        if (x == FL_EXPORT_FAILED)
            return FALSE;
        check_generation(p);    /* RETRY: a new connection; options again */
    }
}

static inline guint32
be32(const guint8 *b)
{
    return (guint32)b[0] << 24 | (guint32)b[1] << 16 | (guint32)b[2] << 8
           | b[3];
}

/*
 * Writes the messages a worker encoded.  Each message header's sequence
 * number is, as the encoder left it, the index of its first record in the
 * chunk: the options records and data templates those records need go out
 * first, then the message with its real sequence number.
 */
static gboolean
write_messages(Pipeline *p, Chunk *c, GError **err)
{
    guint8 *m = c->msgs->data, *end = m + c->msgs->len;

    while (m < end) {
        gsize len = (gsize)m[2] << 8 | m[3];
        guint8 *next = m + len;
        guint32 first = be32(m + 8);
        guint32 last = next < end ? be32(next + 8) : c->n_recs;
        FlExportResult x;

        g_assert(len >= 16 && next <= end && first <= last
                 && last <= c->n_recs);
        do {
            x = FL_EXPORT_OK;
            for (guint32 i = first; x == FL_EXPORT_OK && i < last; i++) {
                x = ensure_options(p, c->variants[i], &c->recs[i], err);
                if (x == FL_EXPORT_OK)
                    x = fl_exporter_ensure_variant(p->exp, c->variants[i],
                                                   err);
            }
            if (x == FL_EXPORT_OK)
                x = fl_exporter_write_message(p->exp, m, len, last - first,
                                              err);
            if (x == FL_EXPORT_FAILED)
                return FALSE;
            /* RETRY: a new TCP connection.  Its options and templates
             * first, then this message again. */
            if (x == FL_EXPORT_RETRY)
                check_generation(p);
        } while (x == FL_EXPORT_RETRY);
        if (G_UNLIKELY(p->cfg->max_rate)) {
            p->rate_count += last - first;
            pace(p);
        }
        m = next;
    }
    return TRUE;
}

static gboolean
write_chunk(Pipeline *p, Chunk *c, GError **err)
{
    FlStats *st = p->stats;
    const ObjInfo *o = c->obj;

    if (c->first_of_object) {
        st->objects++;
        p->obj_line_base = o->header_lines;
        st->lines_read += o->header_lines;
    }
    for (guint i = 0; i < c->new_names->len; i++) {
        FlNewName *n = &g_array_index(c->new_names, FlNewName, i);
        const char *first = NULL;

        if (fl_id_registry_learn(p->reg, n->kind, n->id, n->name,
                                 strlen(n->name), n->desc, &first)) {
            /* Counted always, told ten times: --id-bits 16 with many
             * ENIs collides often. */
            if (++st->id_collisions > 10)
                continue;
            fl_log_warnx("%s: generated %s ID %u of '%s' is also the ID of "
                         "'%s'; both are exported with it (see --id-bits)",
                         o->name, n->kind == FL_ID_VRF ? "VRF" : "interface",
                         n->id, n->name, first);
        }
    }
    for (guint i = 0; i < c->errors->len; i++) {
        if (p->errors_shown >= p->cfg->max_errors)
            break;
        report_reject(p, c, &g_array_index(c->errors, LineError, i));
        p->errors_shown++;
    }
    for (guint i = 0; i < c->skip_ifaces->len; i++) {
        char *name = g_ptr_array_index(c->skip_ifaces, i);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(
                      st->skipdata_by_interface, name));
        g_hash_table_insert(st->skipdata_by_interface, g_strdup(name),
                            GUINT_TO_POINTER(n + 1));
    }
    st->lines_read += c->n_lines;
    st->nodata += c->nodata;
    st->skipdata += c->skipdata;
    for (int i = 0; i < FL_REJECT_COUNT; i++) {
        st->rejected_by[i] += c->rejects[i];
        st->rejected += c->rejects[i];
    }
    p->obj_line_base += c->n_lines;

    if (c->enc_error) {
        g_propagate_prefixed_error(err, g_steal_pointer(&c->enc_error),
                                   "%s: ", o->name);
        return FALSE;
    }
    if (p->encode && !write_messages(p, c, err))
        return FALSE;
    for (guint i = 0; !p->encode && i < c->n_recs; i++) {
        if (!write_record(p, c->variants[i], &c->recs[i], err))
            return FALSE;
        if (G_UNLIKELY(p->cfg->max_rate)) {
            p->rate_count++;
            if ((p->rate_count & 63) == 0)
                pace(p);
        }
        if (G_UNLIKELY((i & (TICK_EVERY - 1)) == TICK_EVERY - 1)
            && !writer_tick(p, err))
            return FALSE;
    }
    st->records_out += c->n_recs;
    st->records_ipv4 += c->v4;
    st->records_ipv6 += c->v6;
    if (c->obj_error) {
        st->objects_failed++;
        fl_log_warnx("%s", c->obj_error->message);
    }
    if (!writer_tick(p, err))
        return FALSE;
    if (c->short_read && fl_exporter_flush(p->exp, err) == FL_EXPORT_FAILED)
        return FALSE;
    if (c->map_end)
        release_mapped(c->obj, c->map_end);
    check_generation(p);
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* driving                                                             */

static gboolean
run_inline(Pipeline *p, GError **err)
{
    Chunk *c;
    Worker w;
    gboolean ok = TRUE;

    if (!worker_init(&w, p, err)) {
        worker_clear(&w);
        return FALSE;
    }
    c = chunk_new();
    while (reader_fill(p, c)) {
        process_chunk(&w, c);
        if (!write_chunk(p, c, err)) {
            ok = FALSE;
            break;
        }
        chunk_reset(c);
    }
    worker_clear(&w);
    chunk_free(c);
    return ok;
}

static gpointer
reader_thread(gpointer data)
{
    Pipeline *p = data;

    for (;;) {
        Chunk *c = g_async_queue_pop(p->free_q);

        if (!reader_fill(p, c)) {
            c->eos = TRUE;
            g_async_queue_push(p->order_q, c);
            break;
        }
        g_async_queue_push(p->order_q, c);
        g_async_queue_push(p->work_q, c);
    }
    for (guint i = 0; i < p->cfg->threads; i++)
        g_async_queue_push(p->work_q, &p->sentinel);
    return NULL;
}

static gboolean
run_threaded(Pipeline *p, GError **err)
{
    guint n_chunks = p->cfg->threads * 2 + 2;
    GThread *reader, **workers;
    Worker *ws;
    gboolean ok = TRUE;

    ws = g_new0(Worker, p->cfg->threads);
    for (guint i = 0; i < p->cfg->threads; i++) {
        if (!worker_init(&ws[i], p, err)) {
            for (guint k = 0; k <= i; k++)
                worker_clear(&ws[k]);
            g_free(ws);
            return FALSE;
        }
    }
    p->free_q = g_async_queue_new();
    p->work_q = g_async_queue_new();
    p->order_q = g_async_queue_new();
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    for (guint i = 0; i < n_chunks; i++)
        g_async_queue_push(p->free_q, chunk_new());

    workers = g_new0(GThread *, p->cfg->threads);
    for (guint i = 0; i < p->cfg->threads; i++)
        workers[i] = g_thread_new("worker", worker_thread, &ws[i]);
    reader = g_thread_new("reader", reader_thread, p);

    for (;;) {
        Chunk *c = g_async_queue_timeout_pop(p->order_q, 200000);

        if (c == NULL) {
            if (ok && !writer_tick(p, err))
                ok = FALSE;
            if (!ok)
                g_atomic_int_set(&p->abort, 1);
            continue;
        }
        if (c->eos) {
            chunk_free(c);
            break;
        }
        g_mutex_lock(&p->lock);
        while (!c->done) {
            gint64 until = g_get_monotonic_time() + 200000;
            if (!g_cond_wait_until(&p->cond, &p->lock, until)) {
                g_mutex_unlock(&p->lock);
                if (ok && !writer_tick(p, err))
                    ok = FALSE;
                g_mutex_lock(&p->lock);
            }
        }
        g_mutex_unlock(&p->lock);
        if (ok && !write_chunk(p, c, err))
            ok = FALSE;
        if (!ok)
            g_atomic_int_set(&p->abort, 1);   /* drain, write nothing */
        chunk_reset(c);
        g_async_queue_push(p->free_q, c);
    }
    g_thread_join(reader);
    for (guint i = 0; i < p->cfg->threads; i++) {
        g_thread_join(workers[i]);
        worker_clear(&ws[i]);
    }
    g_free(workers);
    g_free(ws);
    {
        Chunk *c;
        while ((c = g_async_queue_try_pop(p->free_q)))
            chunk_free(c);
    }
    g_async_queue_unref(p->free_q);
    g_async_queue_unref(p->work_q);
    g_async_queue_unref(p->order_q);
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
    return ok;
}

/* A pinned name with a description is described by the map; one without
 * gets the description of its first line, like any other name. */
static void
pin_in_registry(FlIdKind kind, guint32 id, const char *name,
                const char *desc, gpointer data)
{
    if (*desc)
        fl_id_registry_pin(data, kind, id, name, desc);
}

gboolean
fl_pipeline_run(const FlPipelineConfig *cfg, FlExporter *exp,
                FlStats *stats, GError **err)
{
    Pipeline p;
    gboolean ok;
    gint64 t0 = g_get_monotonic_time();

    memset(&p, 0, sizeof p);
    p.cfg = cfg;
    p.exp = exp;
    p.stats = stats;
    p.reg = fl_id_registry_new();
    p.carry = g_malloc(CHUNK_TEXT);
    p.generation = fl_exporter_generation(exp);
    p.encode = fl_exporter_takes_messages(exp);
    p.last_options_us = p.rate_start_us = t0;
    if (cfg->map.pins)
        fl_id_pins_foreach(cfg->map.pins, pin_in_registry, p.reg);
    fl_id_registry_pin(p.reg, FL_ID_INTERFACE, FL_ID_ACCEPT, "ACCEPT",
                       "flow log action ACCEPT");
    fl_id_registry_pin(p.reg, FL_ID_INTERFACE, FL_ID_REJECT, "REJECT",
                       "flow log action REJECT");

    ok = cfg->threads <= 1 ? run_inline(&p, err) : run_threaded(&p, err);

    if (stats->rejected > p.errors_shown)
        fl_log_warnx("%" G_GUINT64_FORMAT " more rejected line(s) not shown "
                     "(--max-errors %u)", stats->rejected - p.errors_shown,
                     cfg->max_errors);
    if (fl_id_registry_untracked(p.reg))
        fl_log_warnx("more than %d distinct interface or VPC names: %"
                     G_GUINT64_FORMAT " name(s) exported without options "
                     "records", FL_ID_MAX_NAMES,
                     fl_id_registry_untracked(p.reg));
    g_clear_pointer(&p.src, fl_source_free);
    reader_close_object(&p);
    g_free(p.carry);
    fl_id_registry_free(p.reg);
    stats->elapsed_s = (double)(g_get_monotonic_time() - t0) / 1e6;
    return ok;
}
