/*
 * source_file.c - the "file" source: a file, a directory tree or stdin.
 *
 * A directory is walked once, at open, into a list of regular files sorted
 * by full path with strcmp(), so a run is repeatable whatever order the
 * file system returns.  Hidden files count.  Symlinks to files are followed;
 * symlinks to directories are not, which also rules out loops.  Something
 * that cannot be read (an unreadable subdirectory, a dangling symlink, a
 * file gone or locked by the time its turn comes) becomes one object error
 * at its place in the order, and the walk goes on.  Anything named
 * directly that is not a directory (a FIFO, /dev/stdin) is read as a file.
 *
 * With --watch a directory is not walked but watched (file_watch.c): it
 * never ends, and each file comes when it is complete, with a done hook
 * for the journal and --after-processing.
 *
 * It does not look at the contents: gzip detection happens in source.c
 * for every source alike.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "sources/file_watch.h"
#include "sources/source.h"

typedef enum {
    ENTRY_FILE,         /* to be opened by next() */
    ENTRY_BAD_FILE,     /* could not be examined during the walk */
    ENTRY_BAD_DIR       /* a subdirectory that could not be read */
} EntryKind;

typedef struct {
    char *path;
    EntryKind kind;
    int err_no;         /* for the BAD kinds */
} Entry;

typedef struct {
    GPtrArray *entries; /* Entry *, in the order next() hands them out */
    guint pos;
    gboolean is_stdin;
    FlFileWatch *watch;         /* --watch and a directory */
} FileSource;

typedef struct {
    int fd;
    gboolean owned;     /* FALSE for stdin: the process keeps fd 0 */
} FileObject;

static void
entry_free(gpointer p)
{
    Entry *e = p;

    g_free(e->path);
    g_free(e);
}

static void
add_entry(FileSource *fs, char *path, EntryKind kind, int err_no)
{
    Entry *e = g_new0(Entry, 1);

    e->path = path;                     /* takes ownership */
    e->kind = kind;
    e->err_no = err_no;
    g_ptr_array_add(fs->entries, e);
}

static gint
entry_cmp(gconstpointer a, gconstpointer b)
{
    const Entry *ea = *(const Entry *const *)a;
    const Entry *eb = *(const Entry *const *)b;

    return strcmp(ea->path, eb->path);
}

/*
 * Files one directory entry: regular files (directly or through a symlink)
 * are listed, real subdirectories queued, everything else left out.  path
 * is consumed.
 */
static void
add_dirent(FileSource *fs, GQueue *todo, char *path, unsigned char d_type)
{
    struct stat st;

#ifdef DT_UNKNOWN
    if (d_type == DT_REG) {
        add_entry(fs, path, ENTRY_FILE, 0);
        return;
    }
    if (d_type == DT_DIR) {
        g_queue_push_tail(todo, path);
        return;
    }
    if (d_type != DT_LNK && d_type != DT_UNKNOWN) {
        g_free(path);
        return;
    }
#else
    (void)d_type;
#endif
    if (lstat(path, &st) == -1) {
        /* Removed since readdir() saw it: there is nothing to miss. */
        if (errno == ENOENT)
            g_free(path);
        else
            add_entry(fs, path, ENTRY_BAD_FILE, errno);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        /*
         * A dangling link names a file someone meant to be read, so it is
         * reported rather than skipped.  A link to a directory is skipped.
         */
        if (stat(path, &st) == -1)
            add_entry(fs, path, ENTRY_BAD_FILE, errno);
        else if (S_ISREG(st.st_mode))
            add_entry(fs, path, ENTRY_FILE, 0);
        else
            g_free(path);
    } else if (S_ISDIR(st.st_mode)) {
        g_queue_push_tail(todo, path);
    } else if (S_ISREG(st.st_mode)) {
        add_entry(fs, path, ENTRY_FILE, 0);
    } else {
        g_free(path);
    }
}

/*
 * Lists one directory.  The top directory must be readable (a typo or a
 * permission problem there fails at start-up); a subdirectory that is not
 * becomes an ENTRY_BAD_DIR.  Returns FALSE with *err set only for the top.
 */
static gboolean
read_dir(FileSource *fs, GQueue *todo, const char *dir, gboolean top,
         GError **err)
{
    struct dirent *de;
    DIR *d;
    int e;

    if ((d = opendir(dir)) == NULL) {
        e = errno;
    } else {
        for (;;) {
            unsigned char d_type = 0;

            errno = 0;
            if ((de = readdir(d)) == NULL)
                break;
            if (strcmp(de->d_name, ".") == 0 ||
                strcmp(de->d_name, "..") == 0)
                continue;
#ifdef DT_UNKNOWN
            d_type = de->d_type;
#endif
            add_dirent(fs, todo, g_build_filename(dir, de->d_name, NULL),
                       d_type);
        }
        e = errno;
        closedir(d);
    }
    if (e == 0)
        return TRUE;
    if (top) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", dir, g_strerror(e));
        return FALSE;
    }
    add_entry(fs, g_strdup(dir), ENTRY_BAD_DIR, e);
    return TRUE;
}

static gboolean
walk(FileSource *fs, const char *top, GError **err)
{
    GQueue todo = G_QUEUE_INIT;
    gboolean ok;
    char *dir;

    ok = read_dir(fs, &todo, top, TRUE, err);
    while (ok && (dir = g_queue_pop_head(&todo)) != NULL) {
        ok = read_dir(fs, &todo, dir, FALSE, err);
        g_free(dir);
    }
    while ((dir = g_queue_pop_head(&todo)) != NULL)
        g_free(dir);
    if (ok)
        g_ptr_array_sort(fs->entries, entry_cmp);
    return ok;
}

static gboolean
file_open(FlSource *src, const char *path, const FlSourceConfig *cfg,
          GError **err)
{
    FileSource *fs = g_new0(FileSource, 1);
    struct stat st;

    fs->entries = g_ptr_array_new_with_free_func(entry_free);
    src->ctx = fs;

    if (strcmp(path, "-") == 0) {
        fs->is_stdin = TRUE;
        add_entry(fs, g_strdup("(stdin)"), ENTRY_FILE, 0);
        return TRUE;
    }
    if (stat(path, &st) == -1) {
        int e = errno;

        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", path,
                    g_strerror(e));
        return FALSE;
    }
    if (S_ISDIR(st.st_mode) && cfg != NULL && cfg->watch) {
        fs->watch = fl_file_watch_new(path, cfg, &src->n, err);
        return fs->watch != NULL;
    }
    if (S_ISDIR(st.st_mode))
        return walk(fs, path, err);
    add_entry(fs, g_strdup(path), ENTRY_FILE, 0);
    return TRUE;
}

static gssize
file_read(FlObject *obj, guint8 *buf, gsize len, GError **err)
{
    FileObject *fo = obj->ctx;
    ssize_t n;
    int e;

    for (;;) {
        /* A pipe can stay silent for ever: wait in slices so that a stop
         * request (SIGTERM, in whichever thread it landed) is seen. */
        if (obj->interactive && obj->stop) {
            struct pollfd pfd = { .fd = fo->fd, .events = POLLIN };
            int r;

            while ((r = poll(&pfd, 1, 200)) == 0 || (r < 0 && errno == EINTR))
                if (g_atomic_int_get(obj->stop))
                    return 0;
        }
        n = read(fo->fd, buf, MIN(len, (gsize)G_MAXSSIZE));
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        /* An inherited non-blocking stdin: wait rather than fail. */
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd pfd = { .fd = fo->fd, .events = POLLIN };

            if (poll(&pfd, 1, -1) >= 0 || errno == EINTR)
                continue;
        }
        break;
    }
    e = errno;
    g_set_error(err, FL_ERROR, FL_ERROR_IO, "read error: %s", g_strerror(e));
    return -1;
}

static void
file_close(FlObject *obj)
{
    FileObject *fo = obj->ctx;

    /* Read-only descriptor: close() has nothing to report worth failing. */
    if (fo != NULL && fo->owned)
        (void)close(fo->fd);
    g_free(fo);
}

static int
file_map_fd(FlObject *obj)
{
    FileObject *fo = obj->ctx;
    struct stat st;

    return fstat(fo->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0
           ? fo->fd : -1;
}

static void file_source_close(FlSource *src);

static const FlObjectType file_object_type = {
    .read = file_read,
    .close = file_close,
    .map_fd = file_map_fd,
};

/* Opens path as an object (fd 0 for stdin); *st is its fstat(). */
static FlNext
open_object(const char *path, gboolean is_stdin, FlObject **obj,
            struct stat *st, GError **err)
{
    FileObject *fo;
    int fd;

    if (is_stdin) {
        fd = STDIN_FILENO;
    } else {
        do {
            fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        } while (fd == -1 && errno == EINTR);
        if (fd == -1) {
            int errsv = errno;

            g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", path,
                        g_strerror(errsv));
            return FL_NEXT_ERROR;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        /* Only a hint for read-ahead; a FIFO just says ESPIPE. */
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    fo = g_new0(FileObject, 1);
    fo->fd = fd;
    fo->owned = !is_stdin;
    *obj = fl_object_new(&file_object_type, path, fo);
    (*obj)->interactive = fstat(fd, st) != 0 || !S_ISREG(st->st_mode);
    return FL_NEXT_OK;
}

/* The next complete file of a watched directory; END once stopped. */
static FlNext
watch_next(FileSource *fs, FlObject **obj, GError **err)
{
    g_autofree char *path = fl_file_watch_next(fs->watch);
    struct stat st;

    if (path == NULL)
        return FL_NEXT_END;
    if (open_object(path, FALSE, obj, &st, err) != FL_NEXT_OK)
        return FL_NEXT_ERROR;
    (*obj)->on_done = fl_file_watch_hook(fs->watch, path, &st);
    return FL_NEXT_OK;
}

static FlNext
file_next(FlSource *src, FlObject **obj, GError **err)
{
    FileSource *fs = src->ctx;
    struct stat st;
    Entry *e;

    if (fs->watch)
        return watch_next(fs, obj, err);
    if (fs->pos >= fs->entries->len)
        return FL_NEXT_END;
    e = g_ptr_array_index(fs->entries, fs->pos++);

    switch (e->kind) {
    case ENTRY_BAD_DIR:
        g_set_error(err, FL_ERROR, FL_ERROR_IO,
                    "%s: cannot read directory: %s", e->path,
                    g_strerror(e->err_no));
        return FL_NEXT_ERROR;
    case ENTRY_BAD_FILE:
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", e->path,
                    g_strerror(e->err_no));
        return FL_NEXT_ERROR;
    case ENTRY_FILE:
        break;
    }
    return open_object(e->path, fs->is_stdin, obj, &st, err);
}

gint64
fl_source_count_local(const char *location)
{
    FlSource src = { 0 };
    FileSource *fs;
    gint64 n;

    if (g_ascii_strncasecmp(location, "file://", 7) == 0)
        location += 7;
    else if (strstr(location, "://") != NULL)
        return -1;
    if (!file_open(&src, location, NULL, NULL)) {
        file_source_close(&src);
        return -1;
    }
    fs = src.ctx;
    n = fs->entries->len;
    file_source_close(&src);
    return n;
}

static void
file_source_close(FlSource *src)
{
    FileSource *fs = src->ctx;

    if (fs == NULL)
        return;
    fl_file_watch_free(fs->watch);
    g_ptr_array_unref(fs->entries);
    g_free(fs);
}

const FlSourceType fl_source_type_file = {
    .scheme = "file",
    .open = file_open,
    .next = file_next,
    .close = file_source_close,
};
