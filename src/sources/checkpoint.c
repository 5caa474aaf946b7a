/*
 * checkpoint.c - the --state journal (see checkpoint.h).
 *
 * In memory: a hash table from "KIND\tID" to its entry, and a queue of the
 * entries from oldest to newest record, which is the order compaction
 * writes and eviction follows.  Both hold the escaped forms as they appear
 * in the file: escaping is one-to-one, so comparing escaped strings is
 * comparing values, and nothing is unescaped at all.
 *
 * It does not decide what "done" means; the S3 source does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "error.h"
#include "sources/checkpoint.h"

/* Longer lines are not ours: an S3 id is at most 1,087 bytes, escaping
 * at most doubles it.  Position lines (kind "position") may be longer:
 * they carry the event IDs of a CloudWatch Logs overlap window. */
#define MAX_LINE 16384
#define POSITION_KIND "position"
#define MAX_POSITION_LINE (FL_CHECKPOINT_MAX_POSITION + 4096)
#define READ_CHUNK 65536
/* Positions are replaced in place by appending: the journal is rewritten
 * once it holds this many times the bytes of its live entries (plus
 * COMPACT_SLACK), so a long run does not grow it without end. */
#define COMPACT_FACTOR 4
#define COMPACT_SLACK (1024 * 1024)

typedef struct {
    GList link;         /* in order; link.data is the entry */
    char *key;          /* escaped "KIND\tID" */
    char *version;      /* escaped */
} Entry;

struct FlCheckpoint {
    gint refs;
    GMutex lock;
    char *path;
    int fd;             /* O_APPEND; -1 until open succeeded */
    off_t end;          /* file size after the last whole line */
    GHashTable *map;    /* key -> Entry * */
    GQueue order;       /* oldest first */
    guint64 live;       /* bytes the entries take as lines */
    mode_t mode;        /* of the file, kept by compaction */
};

static void
escape(GString *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\t': g_string_append(out, "\\t"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\\': g_string_append(out, "\\\\"); break;
        default: g_string_append_c(out, *s); break;
        }
    }
}

static guint64
entry_bytes(const Entry *e)
{
    return strlen(e->key) + strlen(e->version) + 2;
}

static void
entry_free(Entry *e)
{
    g_free(e->key);
    g_free(e->version);
    g_free(e);
}

/* Takes key and version; the newest record of a key wins. */
static void
insert(FlCheckpoint *cp, char *key, char *version)
{
    Entry *e = g_hash_table_lookup(cp->map, key);

    if (e != NULL) {
        g_free(key);
        cp->live -= entry_bytes(e);
        g_free(e->version);
        e->version = version;
        cp->live += entry_bytes(e);
        g_queue_unlink(&cp->order, &e->link);
        g_queue_push_tail_link(&cp->order, &e->link);
        return;
    }
    e = g_new0(Entry, 1);
    e->key = key;
    e->version = version;
    e->link.data = e;
    g_hash_table_insert(cp->map, e->key, e);
    g_queue_push_tail_link(&cp->order, &e->link);
    cp->live += entry_bytes(e);
    if (cp->order.length > FL_CHECKPOINT_MAX_ENTRIES) {
        Entry *old = g_queue_peek_head(&cp->order);

        cp->live -= entry_bytes(old);
        g_queue_unlink(&cp->order, &old->link);
        g_hash_table_remove(cp->map, old->key);
        entry_free(old);
    }
}

/* Only \t, \n and \\ escapes, as escape() writes them. */
static gboolean
valid_field(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\0')
            return FALSE;
        if (s[i] == '\\') {
            if (i + 1 == n || (s[i + 1] != 't' && s[i + 1] != 'n' &&
                               s[i + 1] != '\\'))
                return FALSE;
            i++;
        }
    }
    return TRUE;
}

/* One whole line, without its '\n': "KIND\tID\tVERSION". */
static gboolean
parse_line(FlCheckpoint *cp, const char *s, gsize n)
{
    const char *t1 = memchr(s, '\t', n), *t2;

    if (t1 == NULL || t1 == s)
        return FALSE;
    t2 = memchr(t1 + 1, '\t', (gsize)(s + n - t1 - 1));
    if (t2 == NULL || t2 == t1 + 1 || memchr(t2 + 1, '\t', (gsize)(s + n - t2 - 1)))
        return FALSE;
    if (!valid_field(s, (gsize)(t2 - s)) ||
        !valid_field(t2 + 1, (gsize)(s + n - t2 - 1)))
        return FALSE;
    insert(cp, g_strndup(s, (gsize)(t2 - s)),
           g_strndup(t2 + 1, (gsize)(s + n - t2 - 1)));
    return TRUE;
}

/* TRUE when the line being read (line, then n more bytes at p) starts
 * with the kind of a position record. */
static gboolean
is_position_line(const GString *line, const char *p, gsize n)
{
    const char *want = POSITION_KIND "\t";
    gsize wl = strlen(want);
    char head[sizeof POSITION_KIND + 1];
    gsize have = MIN(line->len, wl);

    memcpy(head, line->str, have);
    memcpy(head + have, p, MIN(n, wl - have));
    return have + MIN(n, wl - have) == wl && memcmp(head, want, wl) == 0;
}

/*
 * Reads the journal.  A last line without its '\n' is what a crash during
 * an append leaves: it is dropped (compaction then removes it).
 */
static gboolean
load(FlCheckpoint *cp, int fd, GError **err)
{
    g_autoptr(GString) line = g_string_new(NULL);
    g_autofree char *buf = g_malloc(READ_CHUNK);
    guint64 lineno = 1;
    ssize_t n;

    for (;;) {
        n = read(fd, buf, READ_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;

            g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s", cp->path,
                        g_strerror(e));
            return FALSE;
        }
        if (n == 0)
            return TRUE;
        for (const char *p = buf, *end = buf + n; p < end;) {
            const char *nl = memchr(p, '\n', (gsize)(end - p));
            gsize take = nl ? (gsize)(nl - p) : (gsize)(end - p);

            if (line->len + take > MAX_LINE
                && (line->len + take > MAX_POSITION_LINE
                    || !is_position_line(line, p, take))) {
                g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                            "%s:%" G_GUINT64_FORMAT ": not a state file "
                            "(line too long)", cp->path, lineno);
                return FALSE;
            }
            g_string_append_len(line, p, (gssize)take);
            p += take;
            if (nl == NULL)
                break;
            p++;
            if (!parse_line(cp, line->str, line->len)) {
                g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                            "%s:%" G_GUINT64_FORMAT ": not a state file "
                            "(expected KIND<tab>ID<tab>VERSION)", cp->path,
                            lineno);
                return FALSE;
            }
            g_string_truncate(line, 0);
            lineno++;
        }
    }
}

static gboolean
write_all(int fd, const char *s, gsize n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return FALSE;
        s += w;
        n -= (gsize)w;
    }
    return TRUE;
}

static gboolean
io_error(GError **err, const char *path, const char *what)
{
    int e = errno;

    g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: %s: %s", path, what,
                g_strerror(e));
    return FALSE;
}

/* Makes a rename in path's directory durable; best effort, as some file
 * systems refuse fsync on a directory. */
static void
sync_dir(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_CLOEXEC);

    if (fd >= 0) {
        (void)fsync(fd);
        (void)close(fd);
    }
}

/* Writes the entries to a temporary file renamed over path. */
static gboolean
compact(FlCheckpoint *cp, mode_t mode, GError **err)
{
    g_autofree char *tmp = g_strconcat(cp->path, ".XXXXXX", NULL);
    g_autoptr(GString) out = g_string_new(NULL);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    gboolean ok = FALSE;

    if (fd < 0)
        return io_error(err, cp->path, "cannot create a temporary file");
    for (GList *l = cp->order.head; l != NULL; l = l->next) {
        Entry *e = l->data;

        g_string_append_printf(out, "%s\t%s\n", e->key, e->version);
        if (out->len >= READ_CHUNK || l->next == NULL) {
            if (!write_all(fd, out->str, out->len)) {
                io_error(err, tmp, "write");
                goto out;
            }
            g_string_truncate(out, 0);
        }
    }
    if (fchmod(fd, mode) != 0 || fdatasync(fd) != 0) {
        io_error(err, tmp, "sync");
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        io_error(err, tmp, "close");
        goto out;
    }
    fd = -1;
    if (rename(tmp, cp->path) != 0) {
        io_error(err, cp->path, "rename");
        goto out;
    }
    sync_dir(cp->path);
    ok = TRUE;
out:
    if (fd >= 0)
        (void)close(fd);
    if (!ok)
        (void)g_unlink(tmp);
    return ok;
}

FlCheckpoint *
fl_checkpoint_open(const char *path, GError **err)
{
    FlCheckpoint *cp = g_new0(FlCheckpoint, 1);
    mode_t mode = 0644;
    struct stat st;
    int fd;

    g_return_val_if_fail(path != NULL && *path != '\0', NULL);

    cp->refs = 1;
    g_mutex_init(&cp->lock);
    cp->path = g_strdup(path);
    cp->fd = -1;
    cp->map = g_hash_table_new(g_str_hash, g_str_equal);
    g_queue_init(&cp->order);

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
        gboolean ok;

        if (fstat(fd, &st) != 0) {
            io_error(err, path, "stat");
            (void)close(fd);
            goto fail;
        }
        if (!S_ISREG(st.st_mode)) {
            g_set_error(err, FL_ERROR, FL_ERROR_IO, "%s: not a regular file",
                        path);
            (void)close(fd);
            goto fail;
        }
        mode = st.st_mode & 07777;
        ok = load(cp, fd, err);
        (void)close(fd);
        if (!ok)
            goto fail;
    } else if (errno != ENOENT) {
        io_error(err, path, "cannot open");
        goto fail;
    }
    cp->mode = mode;
    if (!compact(cp, mode, err))
        goto fail;
    if ((cp->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0 ||
        (cp->end = lseek(cp->fd, 0, SEEK_END)) < 0) {
        io_error(err, path, "cannot open for writing");
        goto fail;
    }
    return cp;
fail:
    fl_checkpoint_unref(cp);
    return NULL;
}

static char *
make_key(const char *kind, const char *id)
{
    GString *k = g_string_new(NULL);

    escape(k, kind);
    g_string_append_c(k, '\t');
    escape(k, id);
    return g_string_free(k, FALSE);
}

gboolean
fl_checkpoint_done(FlCheckpoint *cp, const char *kind, const char *id,
                   const char *version)
{
    g_autofree char *key = NULL;
    g_autoptr(GString) v = g_string_new(NULL);
    gboolean done;
    Entry *e;

    g_return_val_if_fail(cp != NULL && kind && id && version, FALSE);

    key = make_key(kind, id);

    escape(v, version);
    g_mutex_lock(&cp->lock);
    e = g_hash_table_lookup(cp->map, key);
    done = e != NULL && strcmp(e->version, v->str) == 0;
    g_mutex_unlock(&cp->lock);
    return done;
}

/*
 * Appends one "KIND\tID\tVERSION" line of at most limit bytes (without
 * its '\n') and syncs it, unless the entry holds that version already.
 */
static gboolean
append_entry(FlCheckpoint *cp, const char *kind, const char *id,
             const char *version, gsize limit, GError **err)
{
    g_autoptr(GString) line = g_string_new(NULL);
    gboolean ok = FALSE;
    char *key = NULL;
    const char *ver;
    gsize key_len, ver_len;
    Entry *e;

    escape(line, kind);
    g_string_append_c(line, '\t');
    escape(line, id);
    key_len = line->len;
    g_string_append_c(line, '\t');
    escape(line, version);
    if (line->len > limit) {
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                    "%s: an entry of %" G_GSIZE_FORMAT " bytes is over the "
                    "limit of %" G_GSIZE_FORMAT, cp->path, line->len, limit);
        return FALSE;
    }
    g_string_append_c(line, '\n');

    key = g_strndup(line->str, key_len);
    ver = line->str + key_len + 1;
    ver_len = line->len - key_len - 2;

    g_mutex_lock(&cp->lock);
    e = g_hash_table_lookup(cp->map, key);
    if (e != NULL && strlen(e->version) == ver_len &&
        memcmp(e->version, ver, ver_len) == 0) {
        ok = TRUE;                      /* nothing new to say */
        goto out;
    }
    if (!write_all(cp->fd, line->str, line->len)) {
        io_error(err, cp->path, "write");
        /* A part line would glue onto the next record: cut it off. */
        if (ftruncate(cp->fd, cp->end) != 0) {
            /* Then the next open drops or refuses it; nothing better. */
        }
        goto out;
    }
    cp->end += (off_t)line->len;
    if (fdatasync(cp->fd) != 0) {
        io_error(err, cp->path, "sync");
        goto out;
    }
    insert(cp, g_steal_pointer(&key), g_strndup(ver, ver_len));
    ok = TRUE;
out:
    g_mutex_unlock(&cp->lock);
    g_free(key);
    return ok;
}

gboolean
fl_checkpoint_record(FlCheckpoint *cp, const char *kind, const char *id,
                     const char *version, GError **err)
{
    g_return_val_if_fail(cp != NULL && kind && *kind && id && *id && version,
                         FALSE);
    g_return_val_if_fail(strcmp(kind, POSITION_KIND) != 0, FALSE);

    return append_entry(cp, kind, id, version, MAX_LINE, err);
}

static char *
unescape(const char *s)
{
    GString *out = g_string_new(NULL);

    for (; *s; s++) {
        if (*s == '\\' && s[1] != '\0') {
            s++;
            g_string_append_c(out, *s == 't' ? '\t' : *s == 'n' ? '\n' : *s);
        } else {
            g_string_append_c(out, *s);
        }
    }
    return g_string_free(out, FALSE);
}

char *
fl_checkpoint_position_get(FlCheckpoint *cp, const char *id)
{
    g_autofree char *key = NULL;
    char *v = NULL;
    Entry *e;

    g_return_val_if_fail(cp != NULL && id != NULL, NULL);

    key = make_key(POSITION_KIND, id);
    g_mutex_lock(&cp->lock);
    e = g_hash_table_lookup(cp->map, key);
    if (e != NULL)
        v = unescape(e->version);
    g_mutex_unlock(&cp->lock);
    return v;
}

/* Rewrites the journal when dead lines outweigh the live ones; the
 * append descriptor then points at the new file. */
static gboolean
maybe_compact(FlCheckpoint *cp, GError **err)
{
    gboolean ok = TRUE;
    int fd;

    g_mutex_lock(&cp->lock);
    if ((guint64)cp->end <= cp->live * COMPACT_FACTOR + COMPACT_SLACK)
        goto out;
    if (!compact(cp, cp->mode, err)) {
        ok = FALSE;
        goto out;
    }
    if ((fd = open(cp->path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0) {
        ok = io_error(err, cp->path, "cannot open for writing");
        goto out;
    }
    (void)close(cp->fd);
    cp->fd = fd;
    cp->end = lseek(fd, 0, SEEK_END);
out:
    g_mutex_unlock(&cp->lock);
    return ok;
}

gboolean
fl_checkpoint_position_put(FlCheckpoint *cp, const char *id,
                           const char *value, GError **err)
{
    g_return_val_if_fail(cp != NULL && id && *id && value, FALSE);

    if (!append_entry(cp, POSITION_KIND, id, value,
                      FL_CHECKPOINT_MAX_POSITION, err))
        return FALSE;
    /* The position is safe on disk already: a failed rewrite leaves the
     * journal as it was, only longer. */
    return maybe_compact(cp, err);
}

guint
fl_checkpoint_size(FlCheckpoint *cp)
{
    guint n;

    g_mutex_lock(&cp->lock);
    n = cp->order.length;
    g_mutex_unlock(&cp->lock);
    return n;
}

FlCheckpoint *
fl_checkpoint_ref(FlCheckpoint *cp)
{
    g_atomic_int_inc(&cp->refs);
    return cp;
}

void
fl_checkpoint_unref(FlCheckpoint *cp)
{
    Entry *e;

    if (cp == NULL || !g_atomic_int_dec_and_test(&cp->refs))
        return;
    /* Every line was synced when it was recorded: close has nothing to
     * add. */
    if (cp->fd >= 0)
        (void)close(cp->fd);
    while ((e = g_queue_peek_head(&cp->order)) != NULL) {
        g_queue_unlink(&cp->order, &e->link);
        entry_free(e);
    }
    g_hash_table_unref(cp->map);
    g_mutex_clear(&cp->lock);
    g_free(cp->path);
    g_free(cp);
}
