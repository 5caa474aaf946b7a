/*
 * pipeline_reader.c - the reader: objects into line-aligned chunks.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "error.h"
#include "log.h"
#include "pipeline/pipeline_int.h"


void
pl_reader_close_object(Pipeline *p)
{
    if (p->obj && p->info)
        p->info->done = fl_object_steal_done(p->obj);
    g_clear_pointer(&p->obj, fl_object_free);
    g_clear_pointer(&p->info, pl_obj_unref);
    p->carry_len = 0;
    p->skipping = FALSE;
}

static void
add_counters(FlSourceCounters *to, const FlSourceCounters *n)
{
    to->skipped_done += n->skipped_done;
    to->skipped_keys += n->skipped_keys;
    to->list_requests += n->list_requests;
    to->messages += n->messages;
    to->messages_cut += n->messages_cut;
}

void
pl_reader_close_source(Pipeline *p)
{
    if (p->src == NULL)
        return;
    add_counters(&p->src_total, &p->src->n);
    g_clear_pointer(&p->src, fl_source_free);
}

/*
 * Opens the next input: the locations in order, then --s3-event, then
 * --sqs-queue, then --listen-pubsub.  FALSE when there is none left; TRUE
 * with p->src set, or with *err and *loc naming what failed.
 */
static gboolean
open_next_source(Pipeline *p, const char **loc, GError **err)
{
    const FlPipelineConfig *cfg = p->cfg;

    *loc = cfg->inputs ? cfg->inputs[p->next_input] : NULL;
    if (*loc != NULL) {
        p->next_input++;
        p->src = fl_source_open(*loc, cfg->sources, err);
        return TRUE;
    }
    if (p->next_extra == 0 && cfg->s3_event) {
        p->next_extra = 1;
        *loc = cfg->s3_event;
        p->src = fl_source_open_type(&fl_source_type_s3_event, *loc,
                                     cfg->sources, err);
        return TRUE;
    }
    if (p->next_extra < 2 && cfg->sqs_queue) {
        p->next_extra = 2;
        *loc = cfg->sqs_queue;
        p->src = fl_source_open_type(&fl_source_type_sqs, *loc, cfg->sources,
                                     err);
        return TRUE;
    }
    if (p->next_extra < 3 && cfg->listen_pubsub) {
        p->next_extra = 3;
        *loc = cfg->listen_pubsub;
        p->src = fl_source_open_type(&fl_source_type_pubsub, *loc,
                                     cfg->sources, err);
        return TRUE;
    }
    return FALSE;
}

/* A chunk that only reports that an object (or a location) failed. */
static void
fill_error_chunk(Chunk *c, const char *name, GError *err)
{
    c->obj = pl_obj_new(name);
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
    o->plan.owner = o->owner;
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

void
pl_name_error(GError **err, const char *name)
{
    gsize n = strlen(name);

    if (strncmp((*err)->message, name, n) != 0
        || strncmp((*err)->message + n, ": ", 2) != 0)
        g_prefix_error(err, "%s: ", name);
}

/* What every new object needs. */
static void
start_object(Pipeline *p)
{
    FlObject *obj = p->obj;

    obj->stop = p->cfg->stop;
    if (obj->labels)
        p->info->labels = fl_labels_ref(obj->labels);
    p->info->owner = g_strdup(obj->owner);
    p->obj_first = TRUE;
    try_map(p);
}

/*
 * Fills c with the next run of complete lines.  Returns FALSE when every
 * input is done (or a stop was requested).
 */
gboolean
pl_reader_fill(Pipeline *p, Chunk *c)
{
    GError *err = NULL;
    gboolean eof = FALSE;

    for (;;) {
        FlNext next;
        FlObject *obj = NULL;

        if (g_atomic_int_get(&p->abort)
            || (p->cfg->stop && g_atomic_int_get(p->cfg->stop)))
            return FALSE;
        if (pl_reader_next_group(p, c))     /* parquet hook */
            return TRUE;
        if (p->obj)
            break;
        if (p->src == NULL) {
            const char *loc;

            if (!open_next_source(p, &loc, &err))
                return FALSE;
            if (p->src == NULL) {
                fill_error_chunk(c, loc, err);
                return TRUE;
            }
        }
        next = fl_source_next(p->src, &obj, &err);
        if (next == FL_NEXT_END) {
            pl_reader_close_source(p);
            continue;
        }
        if (next == FL_NEXT_ERROR) {
            fill_error_chunk(c, p->src->location, err);
            return TRUE;
        }
        p->obj = obj;
        p->info = pl_obj_new(obj->name);
        start_object(p);
        if (pl_reader_try_whole(p, c))
            return TRUE;
        if (pl_reader_try_parquet(p, c))    /* parquet hook */
            return TRUE;
    }

    c->obj = pl_obj_ref(p->info);
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
            pl_name_error(&err, p->obj->name);
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
                             NULL)) {
            p->info->plan.owner = p->info->owner;
            p->info->plan_ok = TRUE;
        }
    }
    if (c->last_of_object)
        pl_reader_close_object(p);
    return TRUE;
}
