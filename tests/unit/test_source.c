/*
 * test_source.c - unit tests for the source layer (source.c, source_file.c,
 * inflate.c).
 *
 * Each test builds its input in a fresh temporary directory, gzip data with
 * zlib's own gzopen()/gzwrite(), and checks the decoded bytes and the error
 * codes exactly.  Only the source layer and error.c are linked.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <zlib.h>

#include "error.h"
#include "sources/source.h"

#define MIB (1024 * 1024)

typedef struct {
    char *dir;
} Fixture;

/* ---- helpers --------------------------------------------------------- */

/* Removes a tree, unlocking directories a test made unreadable. */
static void
rm_rf(const char *path)
{
    GStatBuf st;

    if (g_lstat(path, &st) == -1)
        return;
    if (S_ISDIR(st.st_mode)) {
        const char *name;
        GDir *d;

        (void)g_chmod(path, 0700);
        if ((d = g_dir_open(path, 0, NULL)) != NULL) {
            while ((name = g_dir_read_name(d)) != NULL) {
                char *child = g_build_filename(path, name, NULL);

                rm_rf(child);
                g_free(child);
            }
            g_dir_close(d);
        }
        (void)g_rmdir(path);
    } else {
        (void)g_unlink(path);
    }
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    GError *err = NULL;

    (void)data;
    f->dir = g_dir_make_tmp("fl-source-XXXXXX", &err);
    g_assert_no_error(err);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    rm_rf(f->dir);
    g_free(f->dir);
}

/* Writes name (parents made as needed) under the fixture; returns path. */
static char *
put(Fixture *f, const char *name, const void *data, gsize len)
{
    char *path = g_build_filename(f->dir, name, NULL);
    char *parent = g_path_get_dirname(path);
    GError *err = NULL;

    g_assert_cmpint(g_mkdir_with_parents(parent, 0700), ==, 0);
    g_file_set_contents(path, len > 0 ? data : "", (gssize)len, &err);
    g_assert_no_error(err);
    g_free(parent);
    return path;
}

static char *
put_bytes(Fixture *f, const char *name, GBytes *b)
{
    gsize len;
    gconstpointer data = g_bytes_get_data(b, &len);

    return put(f, name, data, len);
}

/* One gzip member holding data, written by zlib's gzip writer. */
static GBytes *
gz(Fixture *f, const void *data, gsize len)
{
    char *path = g_build_filename(f->dir, "tmp-member.gz", NULL);
    const guint8 *p = data;
    GError *err = NULL;
    char *contents;
    gsize n;
    gzFile z;

    z = gzopen(path, "wb9");
    g_assert_nonnull(z);
    while (len > 0) {
        unsigned chunk = (unsigned)MIN(len, (gsize)MIB);

        g_assert_cmpint(gzwrite(z, p, chunk), ==, (int)chunk);
        p += chunk;
        len -= chunk;
    }
    g_assert_cmpint(gzclose(z), ==, Z_OK);
    g_file_get_contents(path, &contents, &n, &err);
    g_assert_no_error(err);
    (void)g_unlink(path);
    g_free(path);
    return g_bytes_new_take(contents, n);
}

static GBytes *
gz_bytes(Fixture *f, GBytes *b)
{
    gsize len;
    gconstpointer data = g_bytes_get_data(b, &len);

    return gz(f, data, len);
}

/*
 * One gzip member whose header carries every optional field: extra data,
 * a long file name, a comment and a header CRC (RFC 1952 2.3.1).
 */
static GBytes *
gz_with_header_fields(GBytes *b, gsize name_len)
{
    static guint8 extra[] = { 'A', 'W', 4, 0, 'v', 'p', 'c', '!' };
    static char comment[] = "written by test_source";
    char *name = g_strnfill(name_len, 'n');
    gsize room = g_bytes_get_size(b) + name_len + 8192;
    guint8 *out = g_malloc(room);
    gz_header hdr = { 0 };
    z_stream zs = { 0 };

    hdr.extra = extra;
    hdr.extra_len = sizeof extra;
    hdr.name = (Bytef *)name;
    hdr.comment = (Bytef *)comment;
    hdr.hcrc = 1;
    g_assert_cmpint(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
                                 Z_DEFAULT_STRATEGY), ==, Z_OK);
    g_assert_cmpint(deflateSetHeader(&zs, &hdr), ==, Z_OK);
    zs.next_in = (Bytef *)g_bytes_get_data(b, NULL);
    zs.avail_in = (uInt)g_bytes_get_size(b);
    zs.next_out = out;
    zs.avail_out = (uInt)room;
    g_assert_cmpint(deflate(&zs, Z_FINISH), ==, Z_STREAM_END);
    g_assert_cmpint(deflateEnd(&zs), ==, Z_OK);
    g_free(name);
    return g_bytes_new_take(out, zs.total_out);
}

/* Flow-log-like lines: compressible, but not absurdly so. */
static GBytes *
text(gsize size, guint32 seed)
{
    GRand *r = g_rand_new_with_seed(seed);
    GString *s = g_string_sized_new(size + 256);

    while (s->len < size) {
        g_string_append_printf(s,
            "2 123456789012 eni-%08x 10.0.%u.%u 172.16.%u.%u %u 443 6 "
            "%u %u 1620000000 1620000060 ACCEPT OK\n",
            g_rand_int(r), g_rand_int_range(r, 0, 256),
            g_rand_int_range(r, 0, 256), g_rand_int_range(r, 0, 256),
            g_rand_int_range(r, 0, 256), g_rand_int_range(r, 1024, 65536),
            g_rand_int_range(r, 1, 100), g_rand_int_range(r, 40, 90000));
    }
    g_string_truncate(s, size);
    g_rand_free(r);
    return g_string_free_to_bytes(s);
}

/* Concatenates a NULL-terminated list of GBytes. */
static GBytes *
join(GBytes *first, ...)
{
    GByteArray *a = g_byte_array_new();
    GBytes *b;
    va_list ap;

    va_start(ap, first);
    for (b = first; b != NULL; b = va_arg(ap, GBytes *)) {
        gsize len;
        const guint8 *data = g_bytes_get_data(b, &len);

        g_byte_array_append(a, data, (guint)len);
    }
    va_end(ap);
    return g_byte_array_free_to_bytes(a);
}

static GBytes *
str_bytes(const char *s)
{
    return g_bytes_new(s, strlen(s));
}

/* The first len bytes of b. */
static GBytes *
head(GBytes *b, gsize len)
{
    g_assert_cmpuint(len, <=, g_bytes_get_size(b));
    return g_bytes_new_from_bytes(b, 0, len);
}

static void
assert_same(GByteArray *got, GBytes *want)
{
    gsize len;
    gconstpointer data = g_bytes_get_data(want, &len);

    g_assert_cmpmem(got->data, got->len, data, len);
}

static void
assert_prefix(GByteArray *got, GBytes *want)
{
    gsize len;
    gconstpointer data = g_bytes_get_data(want, &len);

    g_assert_cmpuint(got->len, <=, len);
    g_assert_cmpmem(got->data, got->len, data, got->len);
}

/*
 * Reads obj to its end in reads of at most chunk bytes, appending to out.
 * Returns FALSE with *err set where fl_object_read() failed.
 */
static gboolean
drain(FlObject *obj, gsize chunk, GByteArray *out, GError **err)
{
    guint8 *buf = g_malloc(chunk);
    gssize n;

    while ((n = fl_object_read(obj, buf, chunk, err)) > 0) {
        g_assert_cmpint(n, <=, (gssize)chunk);
        g_byte_array_append(out, buf, (guint)n);
    }
    g_free(buf);
    return n == 0;
}

/*
 * Opens location, which must hold exactly one object, and reads it.  Returns
 * the bytes read, also when reading failed (then *err is set); *raw gets
 * the raw byte count when not NULL.
 */
static GByteArray *
slurp(const char *location, gsize chunk, guint64 *raw, GError **err)
{
    g_autoptr(FlSource) src = NULL;
    g_autoptr(FlObject) obj = NULL;
    GByteArray *out = g_byte_array_new();
    FlObject *extra = NULL;
    GError *local = NULL;

    src = fl_source_open(location, NULL, &local);
    g_assert_no_error(local);
    g_assert_cmpint(fl_source_next(src, &obj, &local), ==, FL_NEXT_OK);
    g_assert_no_error(local);
    if (drain(obj, chunk, out, err)) {
        g_assert_cmpuint(obj->bytes, ==, out->len);
        g_assert_cmpint(fl_source_next(src, &extra, &local), ==,
                        FL_NEXT_END);
        g_assert_no_error(local);
        g_assert_null(extra);
    } else {
        g_assert(err == NULL || *err != NULL);
    }
    if (raw != NULL)
        *raw = obj->raw_bytes;
    return out;
}

/* slurp() that must succeed with exactly want, in each of the chunks. */
static void
check_read(const char *location, GBytes *want, guint64 want_raw,
           const gsize *chunks, gsize n_chunks)
{
    gsize i;

    for (i = 0; i < n_chunks; i++) {
        GError *err = NULL;
        guint64 raw = 0;
        GByteArray *got = slurp(location, chunks[i], &raw, &err);

        g_assert_no_error(err);
        assert_same(got, want);
        g_assert_cmpuint(raw, ==, want_raw);
        g_byte_array_unref(got);
    }
}

/* slurp() that must fail with code and, unless NULL, message. */
static GByteArray *
check_fail(const char *location, gint code, const char *message)
{
    GError *err = NULL;
    GByteArray *got = slurp(location, MIB, NULL, &err);

    g_assert_error(err, FL_ERROR, code);
    if (message != NULL)
        g_assert_cmpstr(err->message, ==, message);
    g_error_free(err);
    return got;
}

/* One step of a directory walk: a name and its content, or an error. */
typedef struct {
    const char *name;           /* relative to the walked directory */
    const char *content;        /* NULL: expect FL_NEXT_ERROR */
    const char *error;          /* the message after "DIR/name: " */
} Step;

static void
check_walk(const char *location, const char *dir, const Step *steps,
           gsize n_steps)
{
    g_autoptr(FlSource) src = NULL;
    GError *err = NULL;
    FlObject *obj = NULL;
    gsize i;

    src = fl_source_open(location, NULL, &err);
    g_assert_no_error(err);
    for (i = 0; i < n_steps; i++) {
        char *path = g_build_filename(dir, steps[i].name, NULL);
        FlNext r = fl_source_next(src, &obj, &err);

        if (steps[i].content == NULL) {
            char *msg = g_strdup_printf("%s: %s", path, steps[i].error);

            g_assert_cmpint(r, ==, FL_NEXT_ERROR);
            g_assert_null(obj);
            g_assert_error(err, FL_ERROR, FL_ERROR_IO);
            g_assert_cmpstr(err->message, ==, msg);
            g_clear_error(&err);
            g_free(msg);
        } else {
            GByteArray *got = g_byte_array_new();
            GBytes *want = str_bytes(steps[i].content);

            g_assert_no_error(err);
            g_assert_cmpint(r, ==, FL_NEXT_OK);
            g_assert_cmpstr(obj->name, ==, path);
            g_assert_true(drain(obj, MIB, got, &err));
            g_assert_no_error(err);
            assert_same(got, want);
            g_byte_array_unref(got);
            g_bytes_unref(want);
            g_clear_pointer(&obj, fl_object_free);
        }
        g_free(path);
    }
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_END);
    g_assert_no_error(err);
    g_assert_null(obj);
    /* The end is sticky. */
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_END);
}

/* ---- tests ----------------------------------------------------------- */

static void
test_plain(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *data;
        gsize len;
    } cases[] = {
        { "hello\nworld\n", 12 },
        { "x", 1 },
        { "\x1f" "abc\n", 5 },          /* half a gzip magic */
        { "\x1f", 1 },                  /* a lone first magic byte */
        { "\x8b\x1f rest\n", 8 },       /* magic the wrong way round */
        { "\x1f\x8c gzip-ish\n", 12 },
    };
    static const gsize chunks[] = { 1, 2, 3, 4096, MIB };
    static const gsize big_chunks[] = { 4093, MIB, 4 * MIB };
    GBytes *big;
    char *path;
    gsize i;

    (void)data;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        GBytes *want = g_bytes_new_static(cases[i].data, cases[i].len);

        path = put(f, "plain.log", cases[i].data, cases[i].len);
        check_read(path, want, cases[i].len, chunks, G_N_ELEMENTS(chunks));
        g_bytes_unref(want);
        g_free(path);
    }

    big = text(700 * 1024, 1);
    path = put_bytes(f, "big.log", big);
    check_read(path, big, g_bytes_get_size(big), big_chunks,
               G_N_ELEMENTS(big_chunks));
    g_bytes_unref(big);
    g_free(path);
}

static void
test_gzip(Fixture *f, gconstpointer data)
{
    static const gsize small_chunks[] = { 1, 2, 7, MIB };
    static const gsize chunks[] = { 4093, 65536, MIB, 4 * MIB };
    GBytes *small = str_bytes("hello\n");
    GBytes *big = text(3 * MIB, 2);
    GBytes *zsmall = gz_bytes(f, small);
    GBytes *zbig = gz_bytes(f, big);
    char *path;

    (void)data;
    path = put_bytes(f, "small.gz", zsmall);
    check_read(path, small, g_bytes_get_size(zsmall), small_chunks,
               G_N_ELEMENTS(small_chunks));
    g_free(path);

    /* Several 256 KiB input buffers' worth. */
    g_assert_cmpuint(g_bytes_get_size(zbig), >, 2 * 256 * 1024);
    path = put_bytes(f, "big.log", zbig);         /* the name is no hint */
    check_read(path, big, g_bytes_get_size(zbig), chunks,
               G_N_ELEMENTS(chunks));
    g_free(path);

    g_bytes_unref(small);
    g_bytes_unref(big);
    g_bytes_unref(zsmall);
    g_bytes_unref(zbig);
}

static void
test_gzip_multimember(Fixture *f, gconstpointer data)
{
    static const gsize chunks[] = { 1000, 4093, MIB };
    GBytes *a = text(300 * 1024, 3), *b = text(200 * 1024, 4);
    GBytes *s = str_bytes("short\n"), *empty = g_bytes_new(NULL, 0);
    GBytes *za = gz_bytes(f, a), *zb = gz_bytes(f, b);
    GBytes *zs = gz_bytes(f, s), *zempty = gz_bytes(f, empty);
    GBytes *want = join(a, s, b, NULL);
    GBytes *file = join(za, zempty, zs, zb, NULL);
    GBytes *zeros = g_bytes_new_take(g_malloc0(1000), 1000);
    GBytes *one_zero = head(zeros, 1), *padded, *padded1;
    char *path;
    gzFile z;

    (void)data;
    path = put_bytes(f, "multi.gz", file);
    check_read(path, want, g_bytes_get_size(file), chunks,
               G_N_ELEMENTS(chunks));
    g_free(path);

    /* Zero padding after the last member is tolerated. */
    padded = join(file, zeros, NULL);
    path = put_bytes(f, "padded.gz", padded);
    check_read(path, want, g_bytes_get_size(padded), chunks,
               G_N_ELEMENTS(chunks));
    g_free(path);
    padded1 = join(file, one_zero, NULL);
    path = put_bytes(f, "padded1.gz", padded1);
    check_read(path, want, g_bytes_get_size(padded1), chunks,
               G_N_ELEMENTS(chunks));
    g_free(path);

    /* What "gzip -c x >> y" and zlib's append mode make. */
    path = g_build_filename(f->dir, "appended.gz", NULL);
    z = gzopen(path, "wb");
    g_assert_nonnull(z);
    g_assert_cmpint(gzputs(z, "first member\n"), ==, 13);
    g_assert_cmpint(gzclose(z), ==, Z_OK);
    z = gzopen(path, "ab");
    g_assert_nonnull(z);
    g_assert_cmpint(gzputs(z, "second member\n"), ==, 14);
    g_assert_cmpint(gzclose(z), ==, Z_OK);
    {
        GBytes *w = str_bytes("first member\nsecond member\n");
        GStatBuf st;

        g_assert_cmpint(g_stat(path, &st), ==, 0);
        check_read(path, w, (guint64)st.st_size, chunks,
                   G_N_ELEMENTS(chunks));
        g_bytes_unref(w);
    }
    g_free(path);

    g_bytes_unref(a);
    g_bytes_unref(b);
    g_bytes_unref(s);
    g_bytes_unref(empty);
    g_bytes_unref(za);
    g_bytes_unref(zb);
    g_bytes_unref(zs);
    g_bytes_unref(zempty);
    g_bytes_unref(want);
    g_bytes_unref(file);
    g_bytes_unref(zeros);
    g_bytes_unref(one_zero);
    g_bytes_unref(padded);
    g_bytes_unref(padded1);
}

static void
test_gzip_header_fields(Fixture *f, gconstpointer data)
{
    static const gsize chunks[] = { 1, 4096, MIB };
    GBytes *t = text(20 * 1024, 8), *z = gz_with_header_fields(t, 4000);
    GBytes *zz = join(z, z, NULL), *tt = join(t, t, NULL);
    GBytes *cut, *huge;
    char *path;

    (void)data;
    /* Header longer than 4000 bytes, before any deflate data. */
    g_assert_cmpuint(g_bytes_get_size(z), >, 4000);
    path = put_bytes(f, "fields.gz", z);
    check_read(path, t, g_bytes_get_size(z), chunks, G_N_ELEMENTS(chunks));
    g_free(path);
    path = put_bytes(f, "fields2.gz", zz);
    check_read(path, tt, g_bytes_get_size(zz), chunks, G_N_ELEMENTS(chunks));
    g_free(path);

    /* Cut inside the name. */
    cut = head(z, 100);
    path = put_bytes(f, "cut.gz", cut);
    g_byte_array_unref(check_fail(path, FL_ERROR_CORRUPT,
                                  "unexpected end of gzip data (truncated?)"));
    g_free(path);

    /* A header that does not fit the input buffer is refused. */
    huge = gz_with_header_fields(t, 300 * 1024);
    path = put_bytes(f, "huge.gz", huge);
    g_byte_array_unref(check_fail(path, FL_ERROR_LIMIT,
                                  "gzip header longer than 262144 bytes"));
    g_free(path);

    g_bytes_unref(cut);
    g_bytes_unref(huge);
    g_bytes_unref(t);
    g_bytes_unref(z);
    g_bytes_unref(zz);
    g_bytes_unref(tt);
}

static void
test_gzip_truncated(Fixture *f, gconstpointer data)
{
    static const char *truncated = "unexpected end of gzip data (truncated?)";
    GBytes *t = text(100 * 1024, 5), *zt = gz_bytes(f, t);
    GBytes *first = str_bytes("first\n"), *zfirst = gz_bytes(f, first);
    gsize len = g_bytes_get_size(zt);
    const gsize cuts[] = { 2, 3, 10, 20, len / 2, len - 8, len - 4, len - 1 };
    const gsize cuts2[] = { 1, 2, 5, len - 1 };
    gsize i;

    (void)data;
    for (i = 0; i < G_N_ELEMENTS(cuts); i++) {
        GBytes *cut = head(zt, cuts[i]);
        char *path = put_bytes(f, "cut.gz", cut);
        GByteArray *got = check_fail(path, FL_ERROR_CORRUPT, truncated);

        /* Only the trailer is missing: all the data comes out first. */
        if (cuts[i] >= len - 8)
            assert_same(got, t);
        else
            assert_prefix(got, t);
        g_byte_array_unref(got);
        g_bytes_unref(cut);
        g_free(path);
    }

    /* The cut falls into the second member. */
    for (i = 0; i < G_N_ELEMENTS(cuts2); i++) {
        GBytes *cut = head(zt, cuts2[i]);
        GBytes *file = join(zfirst, cut, NULL);
        char *path = put_bytes(f, "cut2.gz", file);
        GByteArray *got = check_fail(path, FL_ERROR_CORRUPT, truncated);

        g_assert_cmpuint(got->len, >=, g_bytes_get_size(first));
        g_assert_cmpmem(got->data, g_bytes_get_size(first), "first\n", 6);
        g_byte_array_unref(got);
        g_bytes_unref(cut);
        g_bytes_unref(file);
        g_free(path);
    }

    g_bytes_unref(t);
    g_bytes_unref(zt);
    g_bytes_unref(first);
    g_bytes_unref(zfirst);
}

static void
test_gzip_garbage_trailer(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *trailer;
        gsize len;
        const char *message;
    } cases[] = {
        { "garbage\n", 8, "trailing garbage after gzip data" },
        { "\0\0\0\0x", 5, "trailing garbage after gzip data" },
        { "\x1f\x00\x00", 3, "trailing garbage after gzip data" },
        { "\x78\x9c\x03\x00", 4, "trailing garbage after gzip data" },
        { "\x1f", 1, "unexpected end of gzip data (truncated?)" },
        /* A member with a bad header: compression method 'j'. */
        { "\x1f\x8bjunk", 6,
          "corrupt gzip data: unknown compression method" },
    };
    GBytes *p = str_bytes("payload\n"), *zp = gz_bytes(f, p);
    gsize i;

    (void)data;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        GBytes *tr = g_bytes_new_static(cases[i].trailer, cases[i].len);
        GBytes *file = join(zp, tr, NULL);
        char *path = put_bytes(f, "trailer.gz", file);
        GError *err = NULL;
        GByteArray *got = slurp(path, MIB, NULL, &err);

        g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
        g_assert_cmpstr(err->message, ==, cases[i].message);
        /* The good member is delivered before the error. */
        assert_same(got, p);
        g_clear_error(&err);
        g_byte_array_unref(got);
        g_bytes_unref(tr);
        g_bytes_unref(file);
        g_free(path);
    }
    g_bytes_unref(p);
    g_bytes_unref(zp);
}

static void
test_gzip_corrupt(Fixture *f, gconstpointer data)
{
    GBytes *t = text(50 * 1024, 6), *zt = gz_bytes(f, t);
    gsize len = g_bytes_get_size(zt);
    const struct {
        gsize offset;
        guint8 value;               /* XORed in */
        const char *message;        /* after "corrupt gzip data: " */
        gboolean zlib_words;        /* the backend's wording: zlib only */
        gboolean all_data;          /* the data is intact: all of it comes */
    } cases[] = {
        { len - 8, 0x01, "incorrect data check", TRUE, TRUE },
        { len - 1, 0x01, "incorrect length check", TRUE, TRUE },
        { 2, 0x0f, "unknown compression method", FALSE, TRUE },
        { 3, 0xe0, "unknown header flags set", FALSE, TRUE },
        { len / 2, 0xff, NULL, FALSE, FALSE },
        { 12, 0x55, NULL, FALSE, FALSE },
    };
    const gsize prefix_len = strlen("corrupt gzip data: ");
    gsize i;

    (void)data;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        GByteArray *bad = g_byte_array_new();
        GBytes *bad_bytes;
        GError *err = NULL;
        GByteArray *got;
        char *path;

        g_byte_array_append(bad, g_bytes_get_data(zt, NULL), (guint)len);
        bad->data[cases[i].offset] ^= cases[i].value;
        bad_bytes = g_byte_array_free_to_bytes(bad);
        path = put_bytes(f, "corrupt.gz", bad_bytes);
        got = slurp(path, MIB, NULL, &err);
        g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
        g_assert_true(g_str_has_prefix(err->message, "corrupt gzip data: "));
#ifdef HAVE_ISAL
        if (cases[i].message != NULL && !cases[i].zlib_words)
#else
        if (cases[i].message != NULL)
#endif
            g_assert_cmpstr(err->message + prefix_len, ==, cases[i].message);
        if (cases[i].all_data && cases[i].offset >= len - 8)
            assert_same(got, t);
        else if (cases[i].all_data)
            g_assert_cmpuint(got->len, ==, 0);
        /* Else damaged deflate data decodes to anything until caught. */
        g_clear_error(&err);
        g_byte_array_unref(got);
        g_bytes_unref(bad_bytes);
        g_free(path);
    }
    g_bytes_unref(t);
    g_bytes_unref(zt);
}

static void
test_zipbomb(Fixture *f, gconstpointer data)
{
    static const gsize chunks[] = { MIB };
    gsize bomb_len = 64 * MIB;
    guint8 *zeros = g_malloc0(bomb_len);
    GBytes *zbomb = gz(f, zeros, bomb_len);
    GBytes *ok = g_bytes_new_static(zeros, MIB);
    GBytes *zok = gz_bytes(f, ok);
    gsize zlen = g_bytes_get_size(zbomb);
    char *path;
    GError *err = NULL;
    GByteArray *got;

    (void)data;
    /* A megabyte of zeros passes thanks to the slack. */
    path = put_bytes(f, "ok.gz", zok);
    check_read(path, ok, g_bytes_get_size(zok), chunks,
               G_N_ELEMENTS(chunks));
    g_free(path);

    g_assert_cmpuint(zlen * FL_INFLATE_MAX_RATIO + MIB, <, bomb_len);
    path = put_bytes(f, "bomb.gz", zbomb);
    got = slurp(path, MIB, NULL, &err);
    g_assert_error(err, FL_ERROR, FL_ERROR_LIMIT);
    g_assert_cmpstr(err->message, ==,
                    "gzip data expands more than 1000 times (zip bomb?)");
    /* Nothing past the bound is handed out. */
    g_assert_cmpuint(got->len, <=, zlen * FL_INFLATE_MAX_RATIO + MIB);
    g_assert_cmpmem(got->data, got->len, zeros, got->len);
    g_clear_error(&err);
    g_byte_array_unref(got);
    g_free(path);

    g_bytes_unref(zbomb);
    g_bytes_unref(ok);
    g_bytes_unref(zok);
    g_free(zeros);
}

static void
test_dir_sorted_recursive(Fixture *f, gconstpointer data)
{
    static const Step steps[] = {
        { ".hidden", "hidden\n", NULL },
        { "A.log", "A upper\n", NULL },
        { "a.log", "a\n", NULL },
        { "b.log", "b\n", NULL },
        { "dangling", NULL, "No such file or directory" },
        { "link-to-file", "a\n", NULL },
        { "sub.log", "sub.log\n", NULL },       /* '.' sorts before '/' */
        { "sub/.dot/x", "x\n", NULL },
        { "sub/deeper/y.gz", "y gz\n", NULL },
        { "sub/z.log", "z\n", NULL },
    };
    static const char *const files[][2] = {
        { "tree/b.log", "b\n" },
        { "tree/a.log", "a\n" },
        { "tree/A.log", "A upper\n" },
        { "tree/.hidden", "hidden\n" },
        { "tree/sub/z.log", "z\n" },
        { "tree/sub.log", "sub.log\n" },
        { "tree/sub/.dot/x", "x\n" },
    };
    char *tree = g_build_filename(f->dir, "tree", NULL);
    char *with_slash = g_strconcat(tree, "/", NULL);
    char *with_scheme = g_strconcat("file://", tree, NULL);
    char *p;
    GBytes *y = str_bytes("y gz\n"), *zy = gz_bytes(f, y);
    gsize i;

    (void)data;
    for (i = 0; i < G_N_ELEMENTS(files); i++)
        g_free(put(f, files[i][0], files[i][1], strlen(files[i][1])));
    g_free(put_bytes(f, "tree/sub/deeper/y.gz", zy));
    p = g_build_filename(tree, "empty", NULL);
    g_assert_cmpint(g_mkdir(p, 0700), ==, 0);
    g_free(p);
    p = g_build_filename(tree, "fifo", NULL);
    g_assert_cmpint(mkfifo(p, 0600), ==, 0);            /* skipped */
    g_free(p);
    p = g_build_filename(tree, "link-to-file", NULL);
    g_assert_cmpint(symlink("a.log", p), ==, 0);
    g_free(p);
    p = g_build_filename(tree, "link-to-dir", NULL);
    g_assert_cmpint(symlink("sub", p), ==, 0);          /* not followed */
    g_free(p);
    p = g_build_filename(tree, "dangling", NULL);
    g_assert_cmpint(symlink("nowhere", p), ==, 0);
    g_free(p);

    check_walk(tree, tree, steps, G_N_ELEMENTS(steps));
    check_walk(with_slash, tree, steps, G_N_ELEMENTS(steps));
    check_walk(with_scheme, tree, steps, G_N_ELEMENTS(steps));

    g_bytes_unref(y);
    g_bytes_unref(zy);
    g_free(tree);
    g_free(with_slash);
    g_free(with_scheme);
}

static void
test_missing_path(Fixture *f, gconstpointer data)
{
    char *path = g_build_filename(f->dir, "nope.log", NULL);
    char *url = g_strconcat("file://", path, NULL);
    char *msg = g_strdup_printf("%s: No such file or directory", path);
    GError *err = NULL;

    (void)data;
    g_assert_null(fl_source_open(path, NULL, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_cmpstr(err->message, ==, msg);
    g_clear_error(&err);

    g_assert_null(fl_source_open(url, NULL, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_cmpstr(err->message, ==, msg);
    g_clear_error(&err);

    g_assert_null(fl_source_open("", NULL, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
    g_clear_error(&err);

    g_free(path);
    g_free(url);
    g_free(msg);
}

static void
test_scheme(Fixture *f, gconstpointer data)
{
    static const struct {
        const char *location;
        gint code;
        const char *message;
    } cases[] = {
        { "foo://bar", FL_ERROR_CONFIG, "unknown input scheme 'foo'" },
        /* Built in, but this test gives it no AWS set-up. */
        { "s3://bucket/AWSLogs/", FL_ERROR_CONFIG,
          "s3://bucket/AWSLogs/: AWS access is not set up" },
        { "CWL://group", FL_ERROR_CONFIG,
          "cwl://group: AWS access is not set up" },
        { "file://", FL_ERROR_CONFIG, "empty input location" },
        /* Not a scheme, so a path that does not exist. */
        { "./a://b", FL_ERROR_IO, "./a://b: No such file or directory" },
        { "1x://b", FL_ERROR_IO, "1x://b: No such file or directory" },
    };
    GBytes *want = str_bytes("via file://\n");
    char *path = put_bytes(f, "x.log", want);
    char *url = g_strconcat("FILE://", path, NULL);
    static const gsize chunks[] = { MIB };
    gsize i;

    (void)data;
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;

        g_assert_null(fl_source_open(cases[i].location, NULL, &err));
        g_assert_error(err, FL_ERROR, cases[i].code);
        g_assert_cmpstr(err->message, ==, cases[i].message);
        g_clear_error(&err);
    }
    check_read(url, want, g_bytes_get_size(want), chunks, 1);
    g_bytes_unref(want);
    g_free(path);
    g_free(url);
}

static void
test_unreadable_file(Fixture *f, gconstpointer data)
{
    static const Step steps[] = {
        { "a.log", "a\n", NULL },
        { "b.log", NULL, "Permission denied" },
        { "c.log", "c\n", NULL },
        { "d.log", "d\n", NULL },
        { "locked", NULL, "cannot read directory: Permission denied" },
        { "z.log", "z\n", NULL },
    };
    g_autoptr(FlSource) src = NULL;
    char *tree = g_build_filename(f->dir, "tree", NULL);
    char *b, *locked, *msg;
    FlObject *obj = NULL;
    GError *err = NULL;

    (void)data;
    if (geteuid() == 0) {
        g_test_skip("running as root, which can read any file");
        g_free(tree);
        return;
    }
    g_free(put(f, "tree/a.log", "a\n", 2));
    b = put(f, "tree/b.log", "b\n", 2);
    g_free(put(f, "tree/c.log", "c\n", 2));
    g_free(put(f, "tree/d.log", "d\n", 2));
    g_free(put(f, "tree/z.log", "z\n", 2));
    g_free(put(f, "tree/locked/hidden.log", "never\n", 6));
    locked = g_build_filename(tree, "locked", NULL);
    g_assert_cmpint(g_chmod(b, 0), ==, 0);
    g_assert_cmpint(g_chmod(locked, 0), ==, 0);

    check_walk(tree, tree, steps, G_N_ELEMENTS(steps));

    /* Named directly, it exists, so only the object fails. */
    src = fl_source_open(b, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_ERROR);
    msg = g_strdup_printf("%s: Permission denied", b);
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_cmpstr(err->message, ==, msg);
    g_clear_error(&err);
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_END);

    /* A top directory that cannot be read fails at start-up. */
    g_assert_null(fl_source_open(locked, NULL, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_clear_error(&err);

    g_free(msg);
    g_free(b);
    g_free(locked);
    g_free(tree);
}

static void
test_vanished_file(Fixture *f, gconstpointer data)
{
    static const Step steps[] = {
        { "a.log", "a\n", NULL },
        { "b.log", NULL, "No such file or directory" },
        { "c.log", "c\n", NULL },
    };
    char *tree = g_build_filename(f->dir, "tree", NULL);
    char *b = put(f, "tree/b.log", "b\n", 2);
    g_autoptr(FlSource) src = NULL;
    GError *err = NULL;
    FlObject *obj = NULL;
    gsize i;

    (void)data;
    g_free(put(f, "tree/a.log", "a\n", 2));
    g_free(put(f, "tree/c.log", "c\n", 2));

    /* The list is made at open; b.log goes after that. */
    src = fl_source_open(tree, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpint(g_unlink(b), ==, 0);
    for (i = 0; i < G_N_ELEMENTS(steps); i++) {
        FlNext r = fl_source_next(src, &obj, &err);
        char *path = g_build_filename(tree, steps[i].name, NULL);

        if (steps[i].content == NULL) {
            char *msg = g_strdup_printf("%s: %s", path, steps[i].error);

            g_assert_cmpint(r, ==, FL_NEXT_ERROR);
            g_assert_error(err, FL_ERROR, FL_ERROR_IO);
            g_assert_cmpstr(err->message, ==, msg);
            g_clear_error(&err);
            g_free(msg);
        } else {
            g_assert_cmpint(r, ==, FL_NEXT_OK);
            g_assert_cmpstr(obj->name, ==, path);
            g_clear_pointer(&obj, fl_object_free);
        }
        g_free(path);
    }
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_END);
    g_free(b);
    g_free(tree);
}

static void
test_empty_file(Fixture *f, gconstpointer data)
{
    static const gsize chunks[] = { 1, MIB };
    GBytes *empty = g_bytes_new(NULL, 0), *zempty = gz_bytes(f, empty);
    g_autoptr(FlSource) src = NULL;
    FlObject *obj = NULL;
    GError *err = NULL;
    char *path, *dir;

    (void)data;
    path = put(f, "empty.log", "", 0);
    check_read(path, empty, 0, chunks, G_N_ELEMENTS(chunks));
    g_free(path);

    path = put_bytes(f, "empty.gz", zempty);
    check_read(path, empty, g_bytes_get_size(zempty), chunks,
               G_N_ELEMENTS(chunks));
    g_free(path);

    /* An empty directory is no error, just no objects. */
    dir = g_build_filename(f->dir, "nothing", NULL);
    g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
    src = fl_source_open(dir, NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_END);
    g_assert_no_error(err);
    g_free(dir);

    g_bytes_unref(empty);
    g_bytes_unref(zempty);
}

/* Reads "-" with fd 0 pointing at path. */
static void
check_stdin(const char *path, GBytes *want)
{
    g_autoptr(FlSource) src = NULL;
    GByteArray *got = g_byte_array_new();
    FlObject *obj = NULL;
    GError *err = NULL;
    int saved = dup(STDIN_FILENO);
    int fd = open(path, O_RDONLY);

    g_assert_cmpint(saved, >=, 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(dup2(fd, STDIN_FILENO), ==, STDIN_FILENO);
    close(fd);

    src = fl_source_open("-", NULL, &err);
    g_assert_no_error(err);
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_OK);
    g_assert_cmpstr(obj->name, ==, "(stdin)");
    g_assert_true(drain(obj, 4096, got, &err));
    g_assert_no_error(err);
    assert_same(got, want);
    g_clear_pointer(&obj, fl_object_free);
    g_assert_cmpint(fl_source_next(src, &obj, &err), ==, FL_NEXT_END);
    g_clear_pointer(&src, fl_source_free);
    /* Freeing the object must leave the process its stdin. */
    g_assert_cmpint(fcntl(STDIN_FILENO, F_GETFD), !=, -1);

    g_assert_cmpint(dup2(saved, STDIN_FILENO), ==, STDIN_FILENO);
    close(saved);
    g_byte_array_unref(got);
}

static void
test_stdin(Fixture *f, gconstpointer data)
{
    GBytes *t = text(100 * 1024, 7), *zt = gz_bytes(f, t);
    char *plain = put_bytes(f, "in.log", t);
    char *zipped = put_bytes(f, "in.gz", zt);

    (void)data;
    check_stdin(plain, t);
    check_stdin(zipped, t);
    g_free(plain);
    g_free(zipped);
    g_bytes_unref(t);
    g_bytes_unref(zt);
}

typedef struct {
    const char *fifo;
    GBytes *payload;
} Trickle;

static gpointer
trickle_writer(gpointer data)
{
    const Trickle *t = data;
    gsize len, i;
    const guint8 *p = g_bytes_get_data(t->payload, &len);
    int fd = open(t->fifo, O_WRONLY | O_CLOEXEC);

    g_assert_cmpint(fd, >=, 0);
    for (i = 0; i < len; i++) {
        g_assert_cmpint(write(fd, p + i, 1), ==, 1);
        g_usleep(300);
    }
    close(fd);
    return NULL;
}

/*
 * A writer thread feeds a FIFO one byte at a time, so the reader's read(2)
 * calls see single bytes: the sniffing loop and the inflate input handling
 * must cope.  (A thread rather than a child process, so that valgrind and
 * the sanitizers see one process.)
 */
static void
check_trickle(const char *fifo, GBytes *payload, GBytes *want)
{
    Trickle t = { fifo, payload };
    GError *err = NULL;
    GByteArray *got;
    GThread *writer;

    writer = g_thread_new("trickle", trickle_writer, &t);
    got = slurp(fifo, MIB, NULL, &err);
    g_assert_no_error(err);
    assert_same(got, want);
    g_thread_join(writer);
    g_byte_array_unref(got);
}

static void
test_one_byte_reads(Fixture *f, gconstpointer data)
{
    char *fifo = g_build_filename(f->dir, "fifo", NULL);
    GBytes *msg = str_bytes("2 123456789012 eni-0a1b2c3d 10.0.0.1 ...\n");
    GBytes *zmsg = gz_bytes(f, msg), *zz = join(zmsg, zmsg, NULL);
    GBytes *twice = join(msg, msg, NULL);
    GBytes *lone = str_bytes("\x1f" "plain after a lone 1f\n");
    GBytes *fields = gz_with_header_fields(msg, 60);

    (void)data;
    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    check_trickle(fifo, zmsg, msg);
    check_trickle(fifo, zz, twice);
    check_trickle(fifo, lone, lone);
    check_trickle(fifo, msg, msg);
    check_trickle(fifo, fields, msg);

    g_free(fifo);
    g_bytes_unref(msg);
    g_bytes_unref(zmsg);
    g_bytes_unref(zz);
    g_bytes_unref(twice);
    g_bytes_unref(lone);
    g_bytes_unref(fields);
}

int
main(int argc, char **argv)
{
    static const struct {
        const char *path;
        void (*fn)(Fixture *, gconstpointer);
    } tests[] = {
        { "/source/plain", test_plain },
        { "/source/gzip", test_gzip },
        { "/source/gzip-multimember", test_gzip_multimember },
        { "/source/gzip-header-fields", test_gzip_header_fields },
        { "/source/gzip-truncated", test_gzip_truncated },
        { "/source/gzip-garbage-trailer", test_gzip_garbage_trailer },
        { "/source/gzip-corrupt", test_gzip_corrupt },
        { "/source/zipbomb", test_zipbomb },
        { "/source/dir-sorted-recursive", test_dir_sorted_recursive },
        { "/source/missing-path", test_missing_path },
        { "/source/scheme", test_scheme },
        { "/source/unreadable-file", test_unreadable_file },
        { "/source/vanished-file", test_vanished_file },
        { "/source/empty-file", test_empty_file },
        { "/source/stdin", test_stdin },
        { "/source/one-byte-reads", test_one_byte_reads },
    };
    gsize i;

    g_test_init(&argc, &argv, NULL);
    for (i = 0; i < G_N_ELEMENTS(tests); i++)
        g_test_add(tests[i].path, Fixture, NULL, fixture_setup, tests[i].fn,
                   fixture_teardown);
    return g_test_run();
}
