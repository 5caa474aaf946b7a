/*
 * pipeline_parquet.c - Parquet objects in the pipeline: one chunk per row
 * group.
 *
 * Reader: an object whose first bytes are "PAR1" is held whole in memory
 * as a mapping (a plain file is mapped where it lies; anything else, an
 * S3 object, stdin, a gzip'd file, is spooled to an unlinked temporary
 * file first, at most FL_PQ_MAX_SPOOL bytes) and its footer is checked
 * (fl_parquet_open).  It then hands out one chunk per row group, in file
 * order, with no text: the chunk names its row group.
 *
 * Worker: decodes that row group's needed columns into FlRecords (a
 * batch of rows at a time) and maps them as the text path maps lines,
 * into sub-chunks of SUB_EVENTS rows that stream to the writer while it
 * decodes on (pipeline_whole.c), so a row group's records never pile up.
 *
 * Writer: a row group that fails gives the object's one error; the row
 * groups after it are dropped and the object is not committed.  Records
 * of the row groups before it are out already, as with a damaged gzip.
 *
 * Memory: the sub-chunks that wait for the writer, SUBS_BYTES for all
 * workers together (a row is about 62 bytes when workers encode, 114 when
 * the writer does); per worker, the sub-chunk it fills, the one the
 * writer writes, and one page and dictionary per needed column
 * (parquet.h).  A row group waiting for a worker holds nothing but its
 * number.  The mapping itself is page
 * cache: the writer gives back pages of row groups it has written
 * (c->map_end).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "decoders/parquet.h"
#include "decoders/parquet_meta.h"
#include "error.h"
#include "log.h"
#include "pipeline/pipeline_int.h"

/* What may be spooled to the temporary directory for one object. */
#define FL_PQ_MAX_SPOOL (G_GUINT64_CONSTANT(16) << 30)
#define SPOOL_BLOCK (1024 * 1024)

/* ------------------------------------------------------------------ */
/* reader                                                              */

/* At least 4 first bytes, in the mapping or the carry buffer. */
static gboolean
looks_parquet(Pipeline *p, GError **err)
{
    if (p->info->map)
        return fl_pq_is_parquet((const guint8 *)p->info->map,
                                p->info->map_len);
    while (p->carry_len < 4) {
        gssize n = fl_object_read(p->obj, (guint8 *)p->carry + p->carry_len,
                                  4 - p->carry_len, err);
        if (n <= 0)
            return FALSE;       /* shorter than 4 bytes, or *err */
        p->carry_len += (gsize)n;
    }
    return fl_pq_is_parquet((const guint8 *)p->carry, p->carry_len);
}

static gboolean
write_all(int fd, const guint8 *b, gsize n, GError **err)
{
    while (n > 0) {
        gssize w = write(fd, b, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            g_set_error(err, FL_ERROR, FL_ERROR_IO, "spooling to %s: %s",
                        g_get_tmp_dir(), g_strerror(errno));
            return FALSE;
        }
        b += w;
        n -= (gsize)w;
    }
    return TRUE;
}

/*
 * Copies the object (the carry first) to an unlinked temporary file and
 * maps it: Parquet is read from its end, a stream is not.
 */
static gboolean
spool(Pipeline *p, GError **err)
{
    g_autofree char *path = NULL;
    g_autofree guint8 *buf = g_malloc(SPOOL_BLOCK);
    guint64 total = p->carry_len;
    gboolean ok = FALSE;
    void *m;
    int fd;

    fd = g_file_open_tmp("flowlog2ipfix-XXXXXX.parquet", &path, err);
    if (fd < 0)
        return FALSE;
    (void)unlink(path);
    if (!write_all(fd, (const guint8 *)p->carry, p->carry_len, err))
        goto out;
    p->carry_len = 0;
    for (;;) {
        gssize n = fl_object_read(p->obj, buf, SPOOL_BLOCK, err);

        if (n < 0) {
            pl_name_error(err, p->obj->name);
            goto out;
        }
        if (n == 0)
            break;
        total += (guint64)n;
        if (total > FL_PQ_MAX_SPOOL) {
            g_set_error(err, FL_ERROR, FL_ERROR_LIMIT, "Parquet object "
                        "larger than %" G_GUINT64_FORMAT " GiB",
                        FL_PQ_MAX_SPOOL >> 30);
            goto out;
        }
        if (!write_all(fd, buf, (gsize)n, err))
            goto out;
    }
    if (total < 12) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "not a Parquet file "
                    "(shorter than 12 bytes)");
        goto out;
    }
    m = mmap(NULL, (size_t)total, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "mapping the spooled "
                    "object: %s", g_strerror(errno));
        goto out;
    }
    p->info->map = m;
    p->info->map_len = (gsize)total;
    ok = TRUE;
out:
    close(fd);
    return ok;
}

/* Format and mapping plan of an open file, as the text path makes them
 * from a header line. */
static gboolean
plan_object(Pipeline *p, ObjInfo *o, GError **err)
{
    const FlFormat *f = fl_parquet_format(o->parquet);

    o->format = fl_format_ref((FlFormat *)f);
    if (f->n_unknown) {
        g_autoptr(GString) u = g_string_new(NULL);

        for (guint i = 0; i < f->n_columns; i++)
            if (f->column[i] == FL_F_UNKNOWN)
                g_string_append_printf(u, "%s%s", u->len ? ", " : "",
                                       f->names[i]);
        fl_log_info("%s: unknown column(s) not read: %s", o->name, u->str);
    }
    if (!fl_map_plan_init(&o->plan, f, &p->cfg->map, err))
        return FALSE;
    o->plan.owner = o->owner;
    o->plan_ok = TRUE;
    return TRUE;
}

gboolean
pl_reader_try_parquet(Pipeline *p, Chunk *c)
{
    GError *err = NULL;
    ObjInfo *o = p->info;
    FlInputFormat forced = p->cfg->input_format;

    /* --input-format names another format: not even looked at. */
    if (forced != FL_INPUT_AUTO && forced != FL_INPUT_PARQUET)
        return FALSE;
    if (!looks_parquet(p, &err) && err == NULL) {
        if (forced != FL_INPUT_PARQUET)
            return FALSE;
        g_set_error(&err, FL_ERROR, FL_ERROR_CORRUPT, "not a Parquet file "
                    "(no PAR1 at its start; --input-format parquet)");
    }
    if (err == NULL && o->map == NULL)
        spool(p, &err);
    if (err == NULL) {
        o->parquet = fl_parquet_open((const guint8 *)o->map, o->map_len,
                                     &err);
        if (o->parquet != NULL)
            plan_object(p, o, &err);
    }
    p->obj_first = FALSE;
    if (err != NULL) {
        pl_name_error(&err, o->name);
        c->obj = pl_obj_ref(o);
        c->first_of_object = c->last_of_object = TRUE;
        c->obj_error = err;
        pl_reader_close_object(p);
        return TRUE;
    }
    p->pq_info = pl_obj_ref(o);
    p->pq_next = 0;
    pl_reader_close_object(p);          /* the done hook moves to o */
    return pl_reader_next_group(p, c);
}

gboolean
pl_reader_next_group(Pipeline *p, Chunk *c)
{
    ObjInfo *o = p->pq_info;
    guint n;

    if (o == NULL)
        return FALSE;
    n = fl_parquet_n_groups(o->parquet);
    c->obj = pl_obj_ref(o);
    c->first_of_object = p->pq_next == 0;
    if (n > 0) {
        c->pq_group = p->pq_next + 1;
        c->map_end = fl_parquet_group_end(o->parquet, p->pq_next);
        p->pq_next++;
    }
    if (p->pq_next >= n) {
        c->last_of_object = TRUE;
        g_clear_pointer(&p->pq_info, pl_obj_unref);
    }
    return TRUE;
}

void
pl_reader_drop_parquet(Pipeline *p)
{
    if (p->pq_info == NULL)
        return;
    fl_log_info("%s: stopped before its end%s", p->pq_info->name,
                p->pq_info->done ? "; not committed" : "");
    g_clear_pointer(&p->pq_info, pl_obj_unref);
}

/* ------------------------------------------------------------------ */
/* worker                                                              */

static void
row_reject(Pipeline *p, Chunk *c, guint idx, FlReject reason, guint field)
{
    c->rejects[reason]++;
    if (c->errors->len < p->cfg->max_errors) {
        LineError e = { idx, reason, field, TRUE, 0, NULL, NULL };
        g_array_append_val(c->errors, e);
    }
}

/*
 * Maps the row group's pages in one call: a fault per 4 KiB page costs
 * more than decoding it (a tenth of the time on a virtual machine).  A
 * hint only; kernels before 5.14 say EINVAL, and the faults happen.
 */
static void
prefault(const ObjInfo *o, guint rg)
{
#ifdef MADV_POPULATE_READ
    gsize page = (gsize)sysconf(_SC_PAGESIZE);
    gsize from = fl_parquet_group_start_offset(o->parquet, rg) / page * page;
    gsize to = fl_parquet_group_end(o->parquet, rg);

    if (to > from)
        (void)madvise((void *)(o->map + from), to - from,
                      MADV_POPULATE_READ);
#else
    (void)o;
    (void)rg;
#endif
}

void
pl_parquet_worker_clear(Worker *w)
{
    g_clear_pointer(&w->pq, fl_parquet_group_free);
}

/*
 * Rows of the row group into sub-chunk s, at most SUB_EVENTS of them.
 * FALSE at the end of the row group, or when it is damaged (*err set).
 */
static gboolean
fill_sub(Worker *w, Chunk *s, FlParquetGroup *g, GError **err)
{
    gboolean more = TRUE;

    pl_worker_begin(w, s);
    while (s->n_lines < SUB_EVENTS) {
        FlReject reason;
        FlField field;
        FlPqNext r = fl_parquet_group_next(g, w->rec, &reason, &field, err);

        if (r == FL_PQ_END || r == FL_PQ_ERROR) {
            more = FALSE;
            break;
        }
        if (r == FL_PQ_REJECT)
            row_reject(w->p, s, s->n_lines++, reason, field);
        else
            pl_worker_record(w, s, NULL, 0);    /* the text path's step */
    }
    pl_worker_end(w, s);
    return more;
}

/*
 * A row group's records go to the writer in sub-chunks of SUB_EVENTS
 * rows (pipeline_whole.c), not in one array: DuckDB's 122,880-row groups
 * made 24 MiB of records per chunk, six chunks in flight.  The row
 * group's chunk itself ends up with no records, only its error and its
 * last_of_object; its first_of_object moves to its first sub-chunk, which
 * the writer sees first.
 */
void
pl_parquet_process(Worker *w, Chunk *c)
{
    ObjInfo *o = c->obj;
    FlParquetGroup *g;
    GError *err = NULL;
    gboolean more = TRUE, first = c->first_of_object;

    if (!o->plan_ok)
        return;
    if (w->pq == NULL)
        w->pq = fl_parquet_group_new();
    g = w->pq;
    prefault(o, c->pq_group - 1);
    if (!fl_parquet_group_start(g, o->parquet, c->pq_group - 1, &err)) {
        pl_name_error(&err, o->name);
        c->obj_error = err;
        return;
    }
    c->first_of_object = FALSE;
    while (more) {
        Chunk *s = pl_sub_get(w->p, o);

        s->pq_group = c->pq_group;
        s->first_of_object = first;
        first = FALSE;
        more = fill_sub(w, s, g, &err);
        if (err != NULL) {
            pl_name_error(&err, o->name);
            c->obj_error = g_steal_pointer(&err);
        }
        if (!pl_sub_put(w, c, s, &err)) {
            /* the output failed: the run is stopping */
            if (c->obj_error == NULL)
                c->obj_error = g_steal_pointer(&err);
            g_clear_error(&err);
            break;
        }
    }
}

/* ------------------------------------------------------------------ */
/* writer                                                              */

void
pl_writer_parquet_filter(Pipeline *p, Chunk *c)
{
    ObjInfo *o = c->obj;

    (void)p;
    if (c->pq_group == 0)
        return;
    if (o->failed) {
        /* An earlier row group failed: one error per file, and nothing
         * after it (its records may stand on the damage). */
        pl_chunk_clear_results(c);
        g_clear_error(&c->obj_error);
        return;
    }
    if (c->obj_error != NULL)
        o->failed = TRUE;
}
