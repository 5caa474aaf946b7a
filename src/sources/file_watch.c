/*
 * file_watch.c - --watch: files handed out as they become complete (see
 * file_watch.h for the rules).
 *
 * inotify directly, not GLib's GFileMonitor: GFileMonitor sends a
 * "changes done" hint of its own after two quiet seconds, which would
 * take a slow writer's half-written file, and it needs a main loop in the
 * reader thread; the reader here waits in poll(2) in slices of 200 ms so
 * that a stop request is seen.  Without inotify (another system, or the
 * watch limit reached) the rescans and --settle do the whole job.
 *
 * Each file the watch has seen is tracked by path:
 *   WRITING   an event said someone writes it: wait for its close
 *   SETTLING  found by a scan: wait until it has kept its size and time
 *             for --settle seconds
 *   QUEUED    complete, waiting to be handed out
 *   HANDED    handed out (or found done in the journal), with the version
 *             (size, time) it had: only a new version is handed out again
 * An entry goes when its file is deleted or moved away, or when a rescan
 * no longer finds it, so the table holds no more than the directory.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_SYS_INOTIFY_H
#include <sys/inotify.h>
#endif

#include "error.h"
#include "log.h"
#include "sources/checkpoint.h"
#include "sources/file_watch.h"

#define RESCAN_US (60 * G_USEC_PER_SEC)     /* the safety net */
#define POLL_MS 200                         /* stop checks */
/* A file an event said was being written but that has not changed for
 * this long is looked at as a scan would (a hard link, a lost close). */
#define WRITING_IDLE_S 300

typedef enum { T_WRITING, T_SETTLING, T_QUEUED, T_HANDED } TrackState;

typedef struct {
    TrackState state;
    gint64 size, mtime_s, mtime_ns;
    gint64 stable_since_us;     /* size and time unchanged since */
    guint scan;                 /* the last scan that saw it */
} Tracked;

struct FlFileWatch {
    const FlSourceConfig *cfg;
    FlSourceCounters *n;
    char *root;                 /* absolute, no trailing '/' */
    char *after_dir;            /* absolute; FL_AFTER_MOVE only */
    int ifd;                    /* inotify, -1 without */
    gboolean lossy;             /* a watch could not be added: poll */
    GHashTable *wd_dir;         /* wd -> dir path */
    GHashTable *dir_wd;         /* dir path -> wd */
    GHashTable *tracked;        /* path -> Tracked */
    GQueue ready;               /* paths (owned) in hand-out order */
    guint scan;
    gint64 next_rescan_us, next_settle_us;
};

/* ---- names and versions ----------------------------------------------- */

static gboolean
is_input_name(const char *name)
{
    return name[0] != '.' && !g_str_has_suffix(name, ".tmp")
           && !g_str_has_suffix(name, ".part");
}

static char *
version_of(const struct stat *st)
{
    return g_strdup_printf("%" G_GINT64_FORMAT " %" G_GINT64_FORMAT ".%09ld",
                           (gint64)st->st_size, (gint64)st->st_mtim.tv_sec,
                           (long)st->st_mtim.tv_nsec);
}

static gboolean
same_version(const Tracked *t, const struct stat *st)
{
    return t->size == (gint64)st->st_size
           && t->mtime_s == (gint64)st->st_mtim.tv_sec
           && t->mtime_ns == (gint64)st->st_mtim.tv_nsec;
}

static void
set_version(Tracked *t, const struct stat *st)
{
    t->size = (gint64)st->st_size;
    t->mtime_s = (gint64)st->st_mtim.tv_sec;
    t->mtime_ns = (gint64)st->st_mtim.tv_nsec;
}

/* A regular file, directly or through a symlink; FALSE if gone. */
static gboolean
stat_file(const char *path, struct stat *st)
{
    return stat(path, st) == 0 && S_ISREG(st->st_mode);
}

static Tracked *
track(FlFileWatch *w, const char *path, TrackState state)
{
    Tracked *t = g_hash_table_lookup(w->tracked, path);

    if (t == NULL) {
        t = g_new0(Tracked, 1);
        t->state = state;
        t->size = -1;
        t->stable_since_us = g_get_monotonic_time();
        g_hash_table_insert(w->tracked, g_strdup(path), t);
    }
    return t;
}

/* ---- after processing --------------------------------------------------- */

/* path's place below root, for move:DIR. */
static const char *
relative(const FlFileWatch *w, const char *path)
{
    gsize n = strlen(w->root);

    if (strncmp(path, w->root, n) == 0 && path[n] == '/')
        return path + n + 1;
    return path;
}

typedef struct {
    char *path, *version;
    char *move_to;              /* NULL: no move */
    gboolean delete;
    FlCheckpoint *cp;
} Done;

static gboolean
act(const Done *d, GError **err)
{
    if (d->delete && unlink(d->path) != 0 && errno != ENOENT) {
        int e = errno;

        g_set_error(err, FL_ERROR, FL_ERROR_IO, "--after-processing "
                    "delete: %s", g_strerror(e));
        return FALSE;
    }
    if (d->move_to) {
        g_autofree char *dir = g_path_get_dirname(d->move_to);

        if (g_mkdir_with_parents(dir, 0755) != 0
            || rename(d->path, d->move_to) != 0) {
            int e = errno;

            g_set_error(err, FL_ERROR, FL_ERROR_IO, "--after-processing "
                        "move to %s: %s%s", d->move_to, g_strerror(e),
                        e == EXDEV ? " (it must be on the same file "
                        "system)" : "");
            return FALSE;
        }
    }
    return TRUE;
}

/* On the writer thread, once the file's records are out. */
static gboolean
done_cb(gpointer data, gboolean ok, GError **err)
{
    Done *d = data;

    if (!ok)
        return TRUE;            /* kept for a retry after a restart */
    if (d->cp && !fl_checkpoint_record(d->cp, "file", d->path, d->version,
                                       err))
        return FALSE;           /* not acted on: it may be read again */
    return act(d, err);
}

static void
done_free(gpointer data)
{
    Done *d = data;

    g_clear_pointer(&d->cp, fl_checkpoint_unref);
    g_free(d->path);
    g_free(d->version);
    g_free(d->move_to);
    g_free(d);
}

static Done *
done_new(FlFileWatch *w, const char *path, const struct stat *st)
{
    Done *d = g_new0(Done, 1);

    d->path = g_strdup(path);
    d->version = version_of(st);
    d->delete = w->cfg->after == FL_AFTER_DELETE;
    if (w->cfg->after == FL_AFTER_MOVE)
        d->move_to = g_build_filename(w->after_dir, relative(w, path), NULL);
    if (w->cfg->checkpoint)
        d->cp = fl_checkpoint_ref(w->cfg->checkpoint);
    return d;
}

FlObjectDone *
fl_file_watch_hook(FlFileWatch *w, const char *path, const struct stat *st)
{
    FlObjectDone *h = g_new0(FlObjectDone, 1);

    h->done = done_cb;
    h->free = done_free;
    h->data = done_new(w, path, st);
    return h;
}

/* ---- readiness ---------------------------------------------------------- */

/*
 * t's file is complete: queue it, unless this version was handed out
 * already or the journal has it (then a delete or move an earlier run
 * did not get to is done now).
 */
static void
make_ready(FlFileWatch *w, const char *path, Tracked *t,
           const struct stat *st)
{
    g_autofree char *v = NULL;

    if (t->state == T_QUEUED)
        return;
    if (t->state == T_HANDED && same_version(t, st))
        return;
    set_version(t, st);
    v = version_of(st);
    if (w->cfg->checkpoint
        && fl_checkpoint_done(w->cfg->checkpoint, "file", path, v)) {
        GError *err = NULL;
        Done *d = done_new(w, path, st);

        t->state = T_HANDED;
        w->n->skipped_done++;
        fl_log_debug("%s: done already (--state)", path);
        if (!act(d, &err)) {
            fl_log_warnx("%s: %s", path, err->message);
            g_clear_error(&err);
        }
        done_free(d);
        return;
    }
    t->state = T_QUEUED;
    g_queue_push_tail(&w->ready, g_strdup(path));
}

static gboolean
settled(const FlFileWatch *w, const Tracked *t, gint64 now_us)
{
    gint64 settle_us = (gint64)w->cfg->settle * G_USEC_PER_SEC;

    return now_us - t->stable_since_us >= settle_us
           || g_get_real_time() - t->mtime_s * G_USEC_PER_SEC >= settle_us;
}

/*
 * A scan saw path (st).  complete: it came with a directory that was
 * renamed into place, so it is whole already.
 */
static void
scan_saw(FlFileWatch *w, const char *path, const struct stat *st,
         gboolean complete)
{
    Tracked *t = track(w, path, T_SETTLING);
    gint64 now = g_get_monotonic_time();

    t->scan = w->scan;
    if (t->state == T_QUEUED)
        return;
    if (t->state == T_HANDED && same_version(t, st))
        return;
    if (t->state == T_WRITING) {
        /* Waiting for a close; unless nothing moved for long. */
        if (!same_version(t, st) || g_get_real_time()
            - (gint64)st->st_mtim.tv_sec * G_USEC_PER_SEC
            < (gint64)MAX(w->cfg->settle, WRITING_IDLE_S) * G_USEC_PER_SEC) {
            set_version(t, st);
            return;
        }
        t->state = T_SETTLING;
    }
    if (t->state == T_HANDED) {
        t->state = T_SETTLING;              /* rewritten behind our back */
        t->stable_since_us = now;
    }
    if (!same_version(t, st)) {
        set_version(t, st);
        t->stable_since_us = now;
    }
    if (complete || settled(w, t, now))
        make_ready(w, path, t, st);
}

static void add_dir(FlFileWatch *w, const char *dir, gboolean complete);

static gint
name_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Lists dir: files to scan_saw(), subdirectories recursively (each with
 * an inotify watch, added before it is listed so nothing falls between).
 * The --after-processing directory is left out.
 */
static void
scan_dir(FlFileWatch *w, const char *dir, gboolean complete)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    struct dirent *de;
    DIR *d;

    if ((d = opendir(dir)) == NULL) {
        if (errno != ENOENT)
            fl_log_warn("--watch: cannot read directory %s", dir);
        return;
    }
    while ((de = readdir(d)) != NULL)
        if (is_input_name(de->d_name))
            g_ptr_array_add(names, g_strdup(de->d_name));
    closedir(d);
    /* Sorted, as a batch run reads a directory. */
    g_ptr_array_sort(names, name_cmp);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *path = g_build_filename(
            dir, (char *)g_ptr_array_index(names, i), NULL);
        struct stat st;

        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            add_dir(w, path, complete);
        else if (stat_file(path, &st))
            scan_saw(w, path, &st, complete);
    }
}

static void
add_dir(FlFileWatch *w, const char *dir, gboolean complete)
{
    if (w->after_dir && strcmp(dir, w->after_dir) == 0)
        return;
#ifdef HAVE_SYS_INOTIFY_H
    if (w->ifd >= 0 && !g_hash_table_contains(w->dir_wd, dir)) {
        int wd = inotify_add_watch(w->ifd, dir, IN_CREATE | IN_MODIFY
                                   | IN_CLOSE_WRITE | IN_MOVED_TO
                                   | IN_MOVED_FROM | IN_DELETE
                                   | IN_ONLYDIR | IN_DONT_FOLLOW);

        if (wd < 0 && !w->lossy) {
            fl_log_warn("--watch: %s: cannot watch for new files (rescans "
                        "every second instead)", dir);
            w->lossy = TRUE;
        } else if (wd >= 0) {
            g_hash_table_insert(w->wd_dir, GINT_TO_POINTER(wd),
                                g_strdup(dir));
            g_hash_table_insert(w->dir_wd, g_strdup(dir),
                                GINT_TO_POINTER(wd));
        }
    }
#endif
    scan_dir(w, dir, complete);
}

/* Forgets dir's watch and those below it (it was moved or deleted). */
static void
drop_dirs(FlFileWatch *w, const char *dir)
{
    g_autofree char *prefix = g_strconcat(dir, "/", NULL);
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, w->dir_wd);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        if (strcmp(k, dir) != 0 && !g_str_has_prefix(k, prefix))
            continue;
#ifdef HAVE_SYS_INOTIFY_H
        (void)inotify_rm_watch(w->ifd, GPOINTER_TO_INT(v));
#endif
        g_hash_table_remove(w->wd_dir, v);
        g_hash_table_iter_remove(&it);
    }
}

/* A full scan; entries of files no longer there go. */
static void
rescan(FlFileWatch *w)
{
    GHashTableIter it;
    gpointer k, v;

    w->scan++;
    add_dir(w, w->root, FALSE);
    g_hash_table_iter_init(&it, w->tracked);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (((Tracked *)v)->scan != w->scan)
            g_hash_table_iter_remove(&it);
}

/* Files found by scans: ready once settled. */
static void
check_settling(FlFileWatch *w)
{
    gint64 now = g_get_monotonic_time();
    GHashTableIter it;
    gpointer k, v;

    g_hash_table_iter_init(&it, w->tracked);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        Tracked *t = v;
        struct stat st;

        if (t->state != T_SETTLING)
            continue;
        if (!stat_file(k, &st))
            continue;                   /* the next rescan drops it */
        if (!same_version(t, &st)) {
            set_version(t, &st);
            t->stable_since_us = now;
        } else if (settled(w, t, now)) {
            make_ready(w, k, t, &st);
        }
    }
}

/* ---- inotify events ----------------------------------------------------- */

#ifdef HAVE_SYS_INOTIFY_H
static void
file_event(FlFileWatch *w, const char *path, guint32 mask)
{
    struct stat st;
    Tracked *t;

    if (mask & (IN_DELETE | IN_MOVED_FROM)) {
        g_hash_table_remove(w->tracked, path);
        return;
    }
    if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
        if (stat_file(path, &st))
            make_ready(w, path, track(w, path, T_WRITING), &st);
        return;
    }
    /* IN_CREATE, IN_MODIFY: being written.  A symlink made to a file is
     * complete at once: no close will come for it. */
    if ((mask & IN_CREATE) && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        if (stat_file(path, &st))
            make_ready(w, path, track(w, path, T_WRITING), &st);
        return;
    }
    t = track(w, path, T_WRITING);
    if (t->state != T_QUEUED || (mask & IN_CREATE))
        t->state = T_WRITING;
}

static void
handle_event(FlFileWatch *w, const struct inotify_event *ev)
{
    const char *dir;
    g_autofree char *path = NULL;

    if (ev->mask & IN_Q_OVERFLOW) {
        GHashTableIter it;
        gpointer k, v;

        /* Closes may be lost: what waited for one now settles. */
        fl_log_info("--watch: too many events at once; rescanning");
        g_hash_table_iter_init(&it, w->tracked);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            Tracked *t = v;

            if (t->state == T_WRITING) {
                t->state = T_SETTLING;
                t->stable_since_us = g_get_monotonic_time();
            }
        }
        w->next_rescan_us = 0;
        return;
    }
    if (ev->mask & IN_IGNORED) {
        dir = g_hash_table_lookup(w->wd_dir, GINT_TO_POINTER(ev->wd));
        if (dir)
            g_hash_table_remove(w->dir_wd, dir);
        g_hash_table_remove(w->wd_dir, GINT_TO_POINTER(ev->wd));
        return;
    }
    dir = g_hash_table_lookup(w->wd_dir, GINT_TO_POINTER(ev->wd));
    if (dir == NULL || ev->len == 0 || !is_input_name(ev->name))
        return;
    path = g_build_filename(dir, ev->name, NULL);
    if (!(ev->mask & IN_ISDIR)) {
        file_event(w, path, ev->mask);
    } else if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
        /* A directory renamed into place holds complete files; a new
         * one is being filled. */
        add_dir(w, path, (ev->mask & IN_MOVED_TO) != 0);
    } else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
        drop_dirs(w, path);
    }
}

/* Waits up to POLL_MS for events and handles them. */
static void
wait_events(FlFileWatch *w)
{
    /* Aligned as struct inotify_event requires. */
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    struct pollfd pfd = { .fd = w->ifd, .events = POLLIN };
    ssize_t n;

    if (poll(&pfd, 1, POLL_MS) <= 0)
        return;
    while ((n = read(w->ifd, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const void *)p;

            handle_event(w, ev);
            p += sizeof *ev + ev->len;
        }
    }
}
#endif

/* ---- the public side ---------------------------------------------------- */

static void
tracked_free(gpointer p)
{
    g_free(p);
}

FlFileWatch *
fl_file_watch_new(const char *dir, const FlSourceConfig *cfg,
                  FlSourceCounters *n, GError **err)
{
    FlFileWatch *w = g_new0(FlFileWatch, 1);
    char *real;

    w->cfg = cfg;
    w->n = n;
    w->ifd = -1;
    g_queue_init(&w->ready);
    w->wd_dir = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                      g_free);
    w->dir_wd = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w->tracked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       tracked_free);
    /* Absolute: journal keys must not depend on the working directory. */
    if ((real = realpath(dir, NULL)) == NULL) {
        int e = errno;

        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", dir, g_strerror(e));
        goto fail;
    }
    w->root = g_strdup(real);
    free(real);
    if (cfg->after == FL_AFTER_MOVE) {
        if (g_mkdir_with_parents(cfg->after_dir, 0755) != 0
            || (real = realpath(cfg->after_dir, NULL)) == NULL) {
            int e = errno;

            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--after-processing "
                        "move:%s: %s", cfg->after_dir, g_strerror(e));
            goto fail;
        }
        w->after_dir = g_strdup(real);
        free(real);
    }
    if (access(w->root, R_OK | X_OK) != 0) {
        int e = errno;

        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", dir, g_strerror(e));
        goto fail;
    }
#ifdef HAVE_SYS_INOTIFY_H
    w->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->ifd < 0)
        fl_log_warn("--watch: no inotify (rescans every second instead)");
#endif
    if (w->ifd < 0)
        w->lossy = TRUE;
    rescan(w);
    w->next_rescan_us = g_get_monotonic_time() + RESCAN_US;
    return w;
fail:
    fl_file_watch_free(w);
    return NULL;
}

static gboolean
stopping(const FlFileWatch *w)
{
    return w->cfg->stop && g_atomic_int_get(w->cfg->stop);
}

char *
fl_file_watch_next(FlFileWatch *w)
{
    for (;;) {
        char *path;
        gint64 now;

        if (stopping(w))
            return NULL;
        while ((path = g_queue_pop_head(&w->ready)) != NULL) {
            Tracked *t = g_hash_table_lookup(w->tracked, path);

            /* Gone or rewritten since it was queued: not now. */
            if (t && t->state == T_QUEUED) {
                t->state = T_HANDED;
                return path;
            }
            g_free(path);
        }
        now = g_get_monotonic_time();
        if (now >= w->next_rescan_us) {
            rescan(w);
            w->next_rescan_us = now + (w->lossy ? G_USEC_PER_SEC : RESCAN_US);
        }
        if (now >= w->next_settle_us) {
            check_settling(w);
            w->next_settle_us = now + MIN(G_USEC_PER_SEC,
                                          (gint64)w->cfg->settle
                                          * G_USEC_PER_SEC / 2 + 100000);
        }
        if (!g_queue_is_empty(&w->ready))
            continue;
#ifdef HAVE_SYS_INOTIFY_H
        if (w->ifd >= 0) {
            wait_events(w);
            continue;
        }
#endif
        g_usleep(POLL_MS * 1000);
    }
}

void
fl_file_watch_free(FlFileWatch *w)
{
    char *path;

    if (w == NULL)
        return;
    if (w->ifd >= 0)
        (void)close(w->ifd);
    while ((path = g_queue_pop_head(&w->ready)) != NULL)
        g_free(path);
    g_hash_table_unref(w->wd_dir);
    g_hash_table_unref(w->dir_wd);
    g_hash_table_unref(w->tracked);
    g_free(w->root);
    g_free(w->after_dir);
    g_free(w);
}
