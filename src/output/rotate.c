/*
 * rotate.c - rotating IPFIX files: temporary names, fsync, rename.
 *
 * Every file is written through a descriptor of ours: the stdio stream
 * on top of it (plain, or gzip through a cookie stream) is closed first,
 * then the descriptor is fsynced and the file renamed, then the directory
 * is fsynced, so that a final name always names a complete file, even
 * after a power cut.  See rotate.h for the names and the lock.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "error.h"
#include "log.h"
#include "output/recover.h"
#include "output/rotate.h"

#define DEFAULT_PREFIX "flowlog2ipfix"
/* Tries with the next sequence number when a final name is taken. */
#define MAX_NAME_TRIES 1000

typedef struct {
    gzFile gz;
    guint64 written;            /* uncompressed bytes accepted */
} GzCookie;

struct FlRotator {
    char *dir, *prefix;
    guint seconds;
    guint64 bytes;
    FlRotateCompress compress;
    int dirfd, lockfd;
    /* the current file */
    int fd;                     /* -1: none */
    FILE *fp;
    GzCookie *gz;
    char *tmp_name, *final_name;
    struct tm began;            /* UTC, for the final name */
    gint64 began_us;            /* monotonic */
    guint next_seq;
    gboolean requested;
    guint64 bytes_done;
};

gboolean
fl_rotate_parse_uri(const char *uri, char **dir)
{
    *dir = NULL;
    if (!g_str_has_prefix(uri, "dir://"))
        return FALSE;
    *dir = g_strdup(uri + strlen("dir://"));
    return TRUE;
}

/* ---- gzip through a stdio stream ----------------------------------- */

static ssize_t
gz_write(void *cookie, const char *buf, size_t n)
{
    GzCookie *c = cookie;
    int w;

    if (n == 0)
        return 0;
    w = gzwrite(c->gz, buf, (unsigned)MIN(n, G_MAXINT));
    if (w <= 0) {
        errno = errno ? errno : EIO;
        return -1;
    }
    c->written += (guint64)w;
    return w;
}

/* Writes the gzip trailer and closes the duplicate descriptor gzdopen()
 * was given; ours stays open for fsync. */
static int
gz_close(void *cookie)
{
    GzCookie *c = cookie;
    int rc = gzclose(c->gz);

    c->gz = NULL;
    if (rc != Z_OK) {
        errno = rc == Z_ERRNO && errno ? errno : EIO;
        return -1;
    }
    return 0;
}

static FILE *
open_gzip(FlRotator *r, int fd)
{
    cookie_io_functions_t io = { NULL, gz_write, NULL, gz_close };
    int dup_fd = dup(fd);

    if (dup_fd < 0)
        return NULL;
    r->gz = g_new0(GzCookie, 1);
    /* Level 3: the writer thread compresses, and on a 51 MB input
     * (flowgen v5) level 6 took 3.4 s for 4.7 MB, level 3 2.0 s for
     * 5.0 MB, level 1 1.8 s for 5.3 MB (uncompressed: 0.9 s, 11 MB). */
    r->gz->gz = gzdopen(dup_fd, "wb3");
    if (r->gz->gz == NULL) {
        close(dup_fd);
        g_clear_pointer(&r->gz, g_free);
        errno = ENOMEM;
        return NULL;
    }
    return fopencookie(r->gz, "wb", io);
}

/* ---- one file ------------------------------------------------------ */

/* "PREFIX-YYYYMMDDhhmmss-SEQ.ipfix[.gz]" */
static char *
final_name(const FlRotator *r, const struct tm *t, guint seq, gboolean gz)
{
    return g_strdup_printf("%s-%04d%02d%02d%02d%02d%02d-%05u.ipfix%s",
                           r->prefix, t->tm_year + 1900, t->tm_mon + 1,
                           t->tm_mday, t->tm_hour, t->tm_min, t->tm_sec,
                           seq, gz ? ".gz" : "");
}

static void
make_final_name(FlRotator *r, guint seq)
{
    g_free(r->final_name);
    r->final_name = final_name(r, &r->began, seq,
                               r->compress == FL_ROTATE_GZIP);
}

/* Opens ".NAME.tmp" for the next file.  FALSE with *err. */
static gboolean
begin_file(FlRotator *r, GError **err)
{
    time_t now = time(NULL);
    int fd = -1;

    gmtime_r(&now, &r->began);
    r->began_us = g_get_monotonic_time();
    for (guint i = 0; fd < 0 && i < MAX_NAME_TRIES; i++) {
        make_final_name(r, r->next_seq++);
        g_free(r->tmp_name);
        r->tmp_name = g_strconcat(".", r->final_name, ".tmp", NULL);
        fd = openat(r->dirfd, r->tmp_name,
                    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        goto fail;
    if (r->compress == FL_ROTATE_GZIP) {
        r->fp = open_gzip(r, fd);
    } else {
        int dup_fd = dup(fd);
        r->fp = dup_fd < 0 ? NULL : fdopen(dup_fd, "wb");
        if (r->fp == NULL && dup_fd >= 0)
            close(dup_fd);
    }
    if (r->fp == NULL) {
        int e = errno;
        unlinkat(r->dirfd, r->tmp_name, 0);
        close(fd);
        errno = e;
        goto fail;
    }
    setvbuf(r->fp, NULL, _IOFBF, 1 << 20);
    r->fd = fd;
    return TRUE;
fail:
    g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: %s", r->dir,
                r->tmp_name, g_strerror(errno));
    return FALSE;
}

/* rename(2) that never replaces an existing file: renameat2() where the
 * file system has RENAME_NOREPLACE, else link(2) and unlink(2). */
static int
rename_noreplace(int dirfd, const char *from, const char *to)
{
    if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        return -1;
    if (linkat(dirfd, from, dirfd, to, 0) != 0)
        return -1;
    return unlinkat(dirfd, from, 0);
}

/* The final name, with the next sequence number while it is taken. */
static gboolean
publish(FlRotator *r, GError **err)
{
    for (guint i = 0; i < MAX_NAME_TRIES; i++) {
        if (rename_noreplace(r->dirfd, r->tmp_name, r->final_name) == 0)
            return TRUE;
        if (errno != EEXIST)
            break;
        make_final_name(r, r->next_seq++);
    }
    g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: rename to %s: %s",
                r->dir, r->tmp_name, r->final_name, g_strerror(errno));
    return FALSE;
}

/* publish() for a file that is not the current one: renames from to a
 * final name with time t and a fresh sequence number; *to gets it. */
static gboolean
publish_as(FlRotator *r, const char *from, const struct tm *t, gboolean gz,
           char **to, GError **err)
{
    for (guint i = 0; i < MAX_NAME_TRIES; i++) {
        g_free(*to);
        *to = final_name(r, t, r->next_seq++, gz);
        if (rename_noreplace(r->dirfd, from, *to) == 0) {
            (void)fsync(r->dirfd);
            return TRUE;
        }
        if (errno != EEXIST)
            break;
    }
    g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: rename to %s: %s",
                r->dir, from, *to, g_strerror(errno));
    return FALSE;
}

/*
 * Completes or removes the current file.  The stream is closed even on
 * error; a file that could not be completed keeps its temporary name
 * (the next start removes it).
 */
static gboolean
end_file(FlRotator *r, gboolean keep, GError **err)
{
    struct stat st;
    int rc;

    if (r->fd < 0)
        return TRUE;
    rc = fclose(r->fp);
    r->fp = NULL;
    g_clear_pointer(&r->gz, g_free);
    if (!keep) {
        unlinkat(r->dirfd, r->tmp_name, 0);
        close(r->fd);
        r->fd = -1;
        return TRUE;
    }
    if (rc != 0 || fsync(r->fd) != 0 || fstat(r->fd, &st) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: %s", r->dir,
                    r->tmp_name, g_strerror(errno));
        close(r->fd);
        r->fd = -1;
        return FALSE;
    }
    close(r->fd);
    r->fd = -1;
    if (!publish(r, err))
        return FALSE;
    /* The rename itself must survive a crash too. */
    (void)fsync(r->dirfd);
    r->bytes_done += (guint64)st.st_size;
    fl_log_debug("%s/%s: complete, %jd bytes", r->dir, r->final_name,
                 (intmax_t)st.st_size);
    return TRUE;
}

/* ---- the directory --------------------------------------------------- */

/* Another process with the same directory and prefix would remove our
 * temporary files at its start, and we its: refuse instead. */
static gboolean
take_lock(FlRotator *r, GError **err)
{
    g_autofree char *name = g_strconcat(".", r->prefix, ".lock", NULL);

    r->lockfd = openat(r->dirfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (r->lockfd < 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: %s", r->dir,
                    name, g_strerror(errno));
        return FALSE;
    }
    if (flock(r->lockfd, LOCK_EX | LOCK_NB) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: another process "
                    "writes files with the prefix '%s' there (%s is "
                    "locked)", r->dir, r->prefix, name);
        return FALSE;
    }
    return TRUE;
}

/* ---- leftovers of a run that did not finish ------------------------ */

/* ".PREFIX-....tmp": a file of ours that was never completed. */
static gboolean
is_leftover(const FlRotator *r, const char *name)
{
    gsize lp = strlen(r->prefix);

    return name[0] == '.' && strncmp(name + 1, r->prefix, lp) == 0
           && name[1 + lp] == '-' && g_str_has_suffix(name, ".tmp");
}

typedef gboolean (*ChunkFn)(const guint8 *buf, gsize len, gpointer data);

/*
 * Hands fn the bytes of the file at fd from its start, gunzipped when gz,
 * until fn returns FALSE or the data ends.  A gzip stream that is cut
 * short or damaged ends where inflate stops producing.  FALSE (errno set)
 * on a read error.
 */
static gboolean
read_leftover(int fd, gboolean gz, ChunkFn fn, gpointer data)
{
    enum { CHUNK = 1 << 16 };
    g_autofree guint8 *in = g_malloc(CHUNK);
    g_autofree guint8 *out = g_malloc(CHUNK);
    z_stream z = { 0 };
    off_t pos = 0;
    gboolean ok = TRUE, more = TRUE;

    if (gz && inflateInit2(&z, 15 + 16) != Z_OK) {
        errno = ENOMEM;
        return FALSE;
    }
    while (more) {
        ssize_t n = pread(fd, in, CHUNK, pos);

        if (n <= 0) {
            ok = n == 0;
            break;
        }
        pos += n;
        if (!gz) {
            more = fn(in, (gsize)n, data);
            continue;
        }
        z.next_in = in;
        z.avail_in = (uInt)n;
        do {
            int rc;

            z.next_out = out;
            z.avail_out = CHUNK;
            rc = inflate(&z, Z_NO_FLUSH);
            if (z.avail_out < CHUNK)
                more = fn(out, CHUNK - z.avail_out, data);
            if (rc != Z_OK)     /* end of the stream, damage, no progress */
                more = more && rc == Z_BUF_ERROR && z.avail_in == 0;
        } while (more && (z.avail_in > 0 || z.avail_out == 0));
    }
    if (gz)
        inflateEnd(&z);
    return ok;
}

static gboolean
scan_chunk(const guint8 *buf, gsize len, gpointer data)
{
    return fl_ipfix_scan_feed(data, buf, len);
}

typedef struct {
    gzFile gz;
    guint64 left;               /* bytes still to copy */
    gboolean failed;
} GzCopy;

static gboolean
copy_chunk(const guint8 *buf, gsize len, gpointer data)
{
    GzCopy *c = data;
    gsize n = (gsize)MIN((guint64)len, c->left);

    if (n > 0 && gzwrite(c->gz, buf, (unsigned)n) != (int)n) {
        c->failed = TRUE;
        return FALSE;
    }
    c->left -= n;
    return c->left > 0;
}

/*
 * The kept part of a gzip leftover, compressed again into a new temporary
 * file (a hidden ".PREFIX-recovered-N.tmp": should this run be killed
 * too, the next start completes it as well; the original is removed only
 * after this one has its final name).  *tmp: its name.  FALSE with *err.
 */
static gboolean
recompress(FlRotator *r, int src, guint64 kept, char **tmp, GError **err)
{
    GzCopy c = { NULL, kept, FALSE };
    int fd = -1, dup_fd;
    gboolean ok;

    for (guint i = 0; fd < 0 && i < MAX_NAME_TRIES; i++) {
        g_free(*tmp);
        *tmp = g_strdup_printf(".%s-recovered-%u.tmp", r->prefix, i);
        fd = openat(r->dirfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                    0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        goto fail;
    dup_fd = dup(fd);
    c.gz = dup_fd < 0 ? NULL : gzdopen(dup_fd, "wb3");
    if (c.gz == NULL) {
        if (dup_fd >= 0)
            close(dup_fd);
        goto fail_unlink;
    }
    ok = read_leftover(src, TRUE, copy_chunk, &c);
    if (gzclose(c.gz) != Z_OK || !ok || c.failed || c.left > 0) {
        errno = errno ? errno : EIO;
        goto fail_unlink;
    }
    if (fsync(fd) != 0)
        goto fail_unlink;
    close(fd);
    return TRUE;
fail_unlink:
    unlinkat(r->dirfd, *tmp, 0);
fail:
    g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: %s", r->dir,
                *tmp ? *tmp : "", g_strerror(errno));
    if (fd >= 0)
        close(fd);
    return FALSE;
}

/*
 * Completes one leftover: keeps its whole messages (recover.h), plain
 * ones cut in place, gzip ones compressed again into a new file, and
 * gives it a final name with its last-modified time and a fresh sequence
 * number.  Without a flow record in its whole messages it is removed.
 */
static gboolean
complete_leftover(FlRotator *r, const char *name, GError **err)
{
    g_autoptr(FlIpfixScan) scan = fl_ipfix_scan_new();
    g_autofree char *tmp = NULL, *to = NULL;
    const char *why, *from = name;
    guint8 magic[2] = { 0, 0 };
    struct stat st;
    struct tm t;
    gboolean gz, ok = FALSE;
    guint64 kept, cut;
    int fd = openat(r->dirfd, name, O_RDWR | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0)
        goto fail;
    /* What the file holds, not what today's options would write. */
    gz = pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (!read_leftover(fd, gz, scan_chunk, scan))
        goto fail;
    kept = fl_ipfix_scan_kept(scan);
    cut = (gz ? fl_ipfix_scan_seen(scan) : (guint64)st.st_size) - kept;
    why = fl_ipfix_scan_why(scan);
    if (fl_ipfix_scan_flow_sets(scan) == 0) {
        if (unlinkat(r->dirfd, name, 0) != 0)
            goto fail;
        (void)fsync(r->dirfd);
        fl_log_warnx("%s/%s: removed an incomplete file left by a run that "
                     "did not finish: no flow record in its %u whole "
                     "message(s) (%" G_GUINT64_FORMAT " bytes)", r->dir,
                     name, fl_ipfix_scan_messages(scan), kept + cut);
        ok = TRUE;
        goto out;
    }
    if (gz) {
        if (!recompress(r, fd, kept, &tmp, err))
            goto out;
        from = tmp;
    } else if (ftruncate(fd, (off_t)kept) != 0 || fsync(fd) != 0) {
        goto fail;
    }
    gmtime_r(&st.st_mtime, &t);
    if (!publish_as(r, from, &t, gz, &to, err))
        goto out;
    if (gz && unlinkat(r->dirfd, name, 0) == 0)
        (void)fsync(r->dirfd);
    fl_log_warnx("%s/%s: completed an incomplete file left by a run that "
                 "did not finish, as %s: kept %u message(s) / %"
                 G_GUINT64_FORMAT " bytes%s, cut %" G_GUINT64_FORMAT
                 " bytes%s%s", r->dir, name, to, fl_ipfix_scan_messages(scan),
                 kept, gz ? " uncompressed" : "", cut, why ? ": " : "",
                 why ? why : "");
    ok = TRUE;
    goto out;
fail:
    g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: %s", r->dir, name,
                g_strerror(errno));
out:
    if (fd >= 0)
        close(fd);
    return ok;
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A run killed before it could complete its file leaves it under its
 * temporary name, and its records may be committed already (a commit
 * waits for fl_rotator_sync): each is completed.  One that cannot be is
 * left in place, with a warning, for the next start to try again.
 */
static void
complete_leftovers(FlRotator *r)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    int fd = dup(r->dirfd);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    struct dirent *de;

    if (d == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    /* Listed first: completing one adds and renames files. */
    while ((de = readdir(d)) != NULL)
        if (is_leftover(r, de->d_name))
            g_ptr_array_add(names, g_strdup(de->d_name));
    closedir(d);
    g_ptr_array_sort(names, cmp_names);
    for (guint i = 0; i < names->len; i++) {
        g_autoptr(GError) err = NULL;

        if (!complete_leftover(r, names->pdata[i], &err))
            fl_log_warnx("could not complete a file left by a run that did "
                         "not finish (kept for the next start): %s",
                         err->message);
    }
}

static void
rotator_free(FlRotator *r)
{
    if (r->fp)
        fclose(r->fp);
    g_free(r->gz);
    if (r->fd >= 0)
        close(r->fd);
    if (r->lockfd >= 0)
        close(r->lockfd);       /* releases the lock */
    if (r->dirfd >= 0)
        close(r->dirfd);
    g_free(r->tmp_name);
    g_free(r->final_name);
    g_free(r->dir);
    g_free(r->prefix);
    g_free(r);
}

FlRotator *
fl_rotator_open(const FlRotateConfig *cfg, GError **err)
{
    FlRotator *r = g_new0(FlRotator, 1);

    r->dir = g_strdup(cfg->dir);
    r->prefix = g_strdup(cfg->prefix ? cfg->prefix : DEFAULT_PREFIX);
    r->seconds = cfg->seconds;
    r->bytes = cfg->bytes;
    r->compress = cfg->compress;
    r->fd = r->lockfd = -1;
    if (*r->prefix == '\0' || strchr(r->prefix, '/')) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--rotate-prefix: '%s' "
                    "must be a non-empty name without '/'", r->prefix);
        goto fail;
    }
    r->dirfd = open(*r->dir ? r->dir : ".",
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dirfd < 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "output directory "
                    "'%s': %s", r->dir, g_strerror(errno));
        goto fail;
    }
    if (!take_lock(r, err))
        goto fail;
    complete_leftovers(r);
    if (!begin_file(r, err))
        goto fail;
    return r;
fail:
    rotator_free(r);
    return NULL;
}

FILE *
fl_rotator_fp(FlRotator *r)
{
    return r->fp;
}

void
fl_rotator_request(FlRotator *r)
{
    r->requested = TRUE;
}

gboolean
fl_rotator_due(FlRotator *r, gint64 now_us)
{
    guint64 size;

    if (r->requested)
        return TRUE;
    if (r->seconds
        && now_us - r->began_us >= (gint64)r->seconds * G_USEC_PER_SEC)
        return TRUE;
    if (r->bytes == 0 || r->fp == NULL)
        return FALSE;
    /* IPFIX bytes so far: handed to the file (or to zlib) plus what
     * waits in the stream's buffer. */
    if (r->gz)
        size = r->gz->written + __fpending(r->fp);
    else
        size = (guint64)MAX(ftello(r->fp), 0);
    return size >= r->bytes;
}

gboolean
fl_rotator_sync(FlRotator *r, GError **err)
{
    if (r->fp == NULL)
        return TRUE;
    /* The stream's buffer, then zlib's: Z_SYNC_FLUSH ends the deflate
     * block on a byte boundary, so that everything so far inflates from
     * what is in the file (a few bytes of compression lost per call). */
    if (fflush(r->fp) != 0
        || (r->gz && r->gz->gz && gzflush(r->gz->gz, Z_SYNC_FLUSH) != Z_OK)
        || fsync(r->fd) != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "%s/%s: %s", r->dir,
                    r->tmp_name, g_strerror(errno ? errno : EIO));
        return FALSE;
    }
    return TRUE;
}

gboolean
fl_rotator_next(FlRotator *r, gboolean keep, GError **err)
{
    r->requested = FALSE;
    if (!end_file(r, keep, err))
        return FALSE;
    return begin_file(r, err);
}

gboolean
fl_rotator_close(FlRotator *r, gboolean keep, guint64 *bytes_out,
                 GError **err)
{
    gboolean ok = end_file(r, keep, err);

    *bytes_out = r->bytes_done;
    rotator_free(r);
    return ok;
}
