/*
 * test_checkpoint.c - unit tests for checkpoint.c: record and look up,
 * reopen, compaction, a torn last line, awkward keys, corrupt files,
 * unwritable paths, two threads recording at once.  Built a second time
 * with FL_CHECKPOINT_MAX_ENTRIES at 3 for the eviction test.
 */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "error.h"
#include "sources/checkpoint.h"

#if FL_CHECKPOINT_MAX_ENTRIES < 100
/* This build runs the eviction test only. */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

typedef struct {
    char *dir;
    char *path;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("test_checkpoint.XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->path = g_build_filename(f->dir, "state", NULL);
}

static void
teardown(Fixture *f, gconstpointer data)
{
    const char *name;
    GDir *d = g_dir_open(f->dir, 0, NULL);

    (void)data;
    while (d && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *p = g_build_filename(f->dir, name, NULL);

        g_chmod(p, 0700);
        g_unlink(p);
    }
    if (d)
        g_dir_close(d);
    g_chmod(f->dir, 0700);
    g_rmdir(f->dir);
    g_free(f->dir);
    g_free(f->path);
}

static char *
contents(const char *path)
{
    char *s = NULL;

    g_assert_true(g_file_get_contents(path, &s, NULL, NULL));
    return s;
}

static void
put(const char *path, const char *s, gssize len)
{
    g_assert_true(g_file_set_contents(path, s, len, NULL));
}

static FlCheckpoint *
open_ok(const char *path)
{
    GError *err = NULL;
    FlCheckpoint *cp = fl_checkpoint_open(path, &err);

    g_assert_no_error(err);
    g_assert_nonnull(cp);
    return cp;
}

static void
record_ok(FlCheckpoint *cp, const char *k, const char *id, const char *v)
{
    GError *err = NULL;

    g_assert_true(fl_checkpoint_record(cp, k, id, v, &err));
    g_assert_no_error(err);
}

static void
test_record_lookup(Fixture *f, gconstpointer data)
{
    g_autoptr(FlCheckpoint) cp = open_ok(f->path);
    g_autofree char *text = NULL;

    (void)data;
    g_assert_true(g_file_test(f->path, G_FILE_TEST_IS_REGULAR));
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 0);
    g_assert_false(fl_checkpoint_done(cp, "s3", "b/k", "e 1"));
    record_ok(cp, "s3", "b/k", "e 1");
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/k", "e 1"));
    /* Another version, kind or id is not done. */
    g_assert_false(fl_checkpoint_done(cp, "s3", "b/k", "e 2"));
    g_assert_false(fl_checkpoint_done(cp, "s3", "b/k", ""));
    g_assert_false(fl_checkpoint_done(cp, "file", "b/k", "e 1"));
    g_assert_false(fl_checkpoint_done(cp, "s3", "b/k2", "e 1"));
    /* Recording the same again writes nothing. */
    record_ok(cp, "s3", "b/k", "e 1");
    text = contents(f->path);
    g_assert_cmpstr(text, ==, "s3\tb/k\te 1\n");
    /* A new version replaces the old one. */
    record_ok(cp, "s3", "b/k", "e 2");
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/k", "e 2"));
    g_assert_false(fl_checkpoint_done(cp, "s3", "b/k", "e 1"));
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 1);
    /* An empty version is a version. */
    record_ok(cp, "s3", "b/empty", "");
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/empty", ""));
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 2);
    /* ref/unref */
    fl_checkpoint_unref(fl_checkpoint_ref(cp));
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/k", "e 2"));
}

/* Reopening sees everything; compaction keeps only the newest lines. */
static void
test_reopen_compaction(Fixture *f, gconstpointer data)
{
    g_autofree char *text = NULL;
    FlCheckpoint *cp = open_ok(f->path);

    (void)data;
    record_ok(cp, "s3", "b/1", "a 1");
    record_ok(cp, "s3", "b/2", "a 2");
    record_ok(cp, "s3", "b/1", "b 1");
    record_ok(cp, "file", "/x", "v");
    text = contents(f->path);
    g_assert_cmpstr(text, ==, "s3\tb/1\ta 1\ns3\tb/2\ta 2\ns3\tb/1\tb 1\n"
                    "file\t/x\tv\n");
    g_free(text);
    fl_checkpoint_unref(cp);

    cp = open_ok(f->path);
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 3);
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/1", "b 1"));
    g_assert_false(fl_checkpoint_done(cp, "s3", "b/1", "a 1"));
    g_assert_true(fl_checkpoint_done(cp, "s3", "b/2", "a 2"));
    g_assert_true(fl_checkpoint_done(cp, "file", "/x", "v"));
    /* Compacted, in order of last record; no temporary file left. */
    text = contents(f->path);
    g_assert_cmpstr(text, ==, "s3\tb/2\ta 2\ns3\tb/1\tb 1\nfile\t/x\tv\n");
    {
        GDir *d = g_dir_open(f->dir, 0, NULL);
        guint n = 0;

        while (g_dir_read_name(d) != NULL)
            n++;
        g_dir_close(d);
        g_assert_cmpuint(n, ==, 1);
    }
    /* Appends go after the compacted file. */
    record_ok(cp, "s3", "b/3", "c");
    fl_checkpoint_unref(cp);
    cp = open_ok(f->path);
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 4);
    fl_checkpoint_unref(cp);
}

/* What a crash leaves: a last line without its newline. */
static void
test_torn_last_line(Fixture *f, gconstpointer data)
{
    static const char *const torn[] = {
        "s3\tb/2\tv",           /* cut in the version */
        "s3\tb/2",              /* cut before it */
        "s",
        "\0\0\0\0\0\0\0",       /* zeros a file system left */
    };

    (void)data;
    for (guint i = 0; i < G_N_ELEMENTS(torn); i++) {
        GString *s = g_string_new("s3\tb/1\tv\n");
        g_autofree char *text = NULL;
        FlCheckpoint *cp;

        g_string_append_len(s, torn[i], i == 3 ? 7 : (gssize)strlen(torn[i]));
        put(f->path, s->str, (gssize)s->len);
        g_string_free(s, TRUE);
        cp = open_ok(f->path);
        g_assert_cmpuint(fl_checkpoint_size(cp), ==, 1);
        g_assert_true(fl_checkpoint_done(cp, "s3", "b/1", "v"));
        g_assert_false(fl_checkpoint_done(cp, "s3", "b/2", "v"));
        /* Gone from the file: the next append starts a clean line. */
        record_ok(cp, "s3", "b/3", "w");
        text = contents(f->path);
        g_assert_cmpstr(text, ==, "s3\tb/1\tv\ns3\tb/3\tw\n");
        fl_checkpoint_unref(cp);
    }
}

/* Keys with tabs, newlines and backslashes round-trip, and stay apart. */
static void
test_escaping(Fixture *f, gconstpointer data)
{
    static const char *const ids[] = {
        "b/a\tb", "b/a\nb", "b/a\\b", "b/a\\tb", "b/a\\nb", "b/a\\\\b",
        "b/\\", "b/\t\n\\", "b/\r\x01 \xc3\xa9", "b/a b",
    };
    g_autofree char *text = NULL;
    FlCheckpoint *cp = open_ok(f->path);

    (void)data;
    for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
        record_ok(cp, "s3\tx", ids[i], ids[i]);
    for (guint pass = 0; pass < 2; pass++) {
        g_assert_cmpuint(fl_checkpoint_size(cp), ==, G_N_ELEMENTS(ids));
        for (guint i = 0; i < G_N_ELEMENTS(ids); i++) {
            g_assert_true(fl_checkpoint_done(cp, "s3\tx", ids[i], ids[i]));
            for (guint j = 0; j < G_N_ELEMENTS(ids); j++)
                if (j != i)
                    g_assert_false(fl_checkpoint_done(cp, "s3\tx", ids[i],
                                                      ids[j]));
        }
        fl_checkpoint_unref(cp);
        cp = open_ok(f->path);
    }
    /* One line per entry, two tabs each. */
    text = contents(f->path);
    {
        guint lines = 0, tabs = 0;

        for (const char *p = text; *p; p++) {
            lines += *p == '\n';
            tabs += *p == '\t';
        }
        g_assert_cmpuint(lines, ==, G_N_ELEMENTS(ids));
        g_assert_cmpuint(tabs, ==, 2 * G_N_ELEMENTS(ids));
    }
    g_assert_nonnull(strstr(text, "s3\\tx\tb/a\\tb\tb/a\\tb\n"));
    g_assert_nonnull(strstr(text, "s3\\tx\tb/a\\\\tb\tb/a\\\\tb\n"));
    fl_checkpoint_unref(cp);
}

static void
test_corrupt(Fixture *f, gconstpointer data)
{
    static const char *const files[] = {
        "s3\tb/1\tv\nnot a state line\ns3\tb/2\tv\n",
        "s3\tb/1\n",                    /* two fields */
        "s3\tb/1\tv\tw\n",              /* four */
        "\tb/1\tv\n",                   /* no kind */
        "s3\t\tv\n",                    /* no id */
        "s3\tb/\\x\tv\n",               /* unknown escape */
        "s3\tb/1\tv\\\n",               /* escape at the end */
        "s3\tb\0/1\tv\n",
        "\n",
        "root:x:0:0:root:/root:/bin/bash\n",
    };
    static const gsize lens[] = { 0, 0, 0, 0, 0, 0, 0, 11, 0, 0 };
    static const guint line[] = { 2, 1, 1, 1, 1, 1, 1, 1, 1, 1 };

    (void)data;
    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        GError *err = NULL;
        g_autofree char *where = g_strdup_printf("%s:%u:", f->path, line[i]);
        g_autofree char *before = NULL, *after = NULL;

        put(f->path, files[i], lens[i] ? (gssize)lens[i] : -1);
        before = contents(f->path);
        g_assert_null(fl_checkpoint_open(f->path, &err));
        g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
        g_assert_true(g_str_has_prefix(err->message, where));
        g_error_free(err);
        /* A file that is not ours is left alone. */
        after = contents(f->path);
        g_assert_cmpstr(after, ==, before);
    }
    /* A line over the limit, even as the torn last one. */
    {
        GString *s = g_string_new("s3\tb/1\t");
        GError *err = NULL;

        for (guint i = 0; i < 20000; i++)
            g_string_append_c(s, 'v');
        put(f->path, s->str, (gssize)s->len);
        g_assert_null(fl_checkpoint_open(f->path, &err));
        g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
        g_assert_nonnull(strstr(err->message, "too long"));
        g_error_free(err);
        g_string_free(s, TRUE);
    }
}

static void
test_unwritable(Fixture *f, gconstpointer data)
{
    g_autofree char *missing = g_build_filename(f->dir, "no", "such", "state",
                                                NULL);
    GError *err = NULL;

    (void)data;
    g_assert_null(fl_checkpoint_open(missing, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, missing));
    g_clear_error(&err);

    /* A directory is not a state file. */
    g_assert_null(fl_checkpoint_open(f->dir, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, f->dir));
    g_clear_error(&err);

    if (geteuid() == 0) {
        g_test_message("root ignores permissions: read-only part skipped");
        return;
    }
    /* A read-only directory: the compaction cannot write there. */
    put(f->path, "s3\tb/1\tv\n", -1);
    g_assert_cmpint(g_chmod(f->dir, 0500), ==, 0);
    g_assert_null(fl_checkpoint_open(f->path, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, f->path));
    g_clear_error(&err);
    g_assert_cmpint(g_chmod(f->dir, 0700), ==, 0);
    /* An unreadable file. */
    g_assert_cmpint(g_chmod(f->path, 0200), ==, 0);
    g_assert_null(fl_checkpoint_open(f->path, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_IO);
    g_assert_nonnull(strstr(err->message, f->path));
    g_clear_error(&err);
}

/* Permissions survive compaction. */
static void
test_mode_kept(Fixture *f, gconstpointer data)
{
    struct stat st;
    FlCheckpoint *cp;

    (void)data;
    put(f->path, "s3\tb/1\tv\n", -1);
    g_assert_cmpint(g_chmod(f->path, 0600), ==, 0);
    cp = open_ok(f->path);
    fl_checkpoint_unref(cp);
    g_assert_cmpint(g_stat(f->path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
}

typedef struct {
    FlCheckpoint *cp;
    guint who;
} Worker;

static gpointer
record_many(gpointer data)
{
    Worker *w = data;

    for (guint i = 0; i < 300; i++) {
        g_autofree char *id = g_strdup_printf("b/%u/%u", w->who, i);

        record_ok(w->cp, "s3", id, "v");
        g_assert_true(fl_checkpoint_done(w->cp, "s3", id, "v"));
    }
    return NULL;
}

static void
test_threads(Fixture *f, gconstpointer data)
{
    FlCheckpoint *cp = open_ok(f->path);
    Worker w[2] = { { cp, 0 }, { cp, 1 } };
    GThread *t[2];
    g_autofree char *text = NULL;
    gchar **lines;

    (void)data;
    for (guint i = 0; i < 2; i++)
        t[i] = g_thread_new("recorder", record_many, &w[i]);
    for (guint i = 0; i < 2; i++)
        g_thread_join(t[i]);
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 600);
    fl_checkpoint_unref(cp);

    /* Whole lines only, none lost. */
    text = contents(f->path);
    lines = g_strsplit(text, "\n", -1);
    g_assert_cmpuint(g_strv_length(lines), ==, 601);
    for (guint i = 0; i < 600; i++)
        g_assert_true(g_regex_match_simple("^s3\tb/[01]/[0-9]+\tv$", lines[i],
                                           0, 0));
    g_strfreev(lines);
    cp = open_ok(f->path);
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 600);
    for (guint who = 0; who < 2; who++)
        for (guint i = 0; i < 300; i++) {
            g_autofree char *id = g_strdup_printf("b/%u/%u", who, i);

            g_assert_true(fl_checkpoint_done(cp, "s3", id, "v"));
        }
    fl_checkpoint_unref(cp);
}

static void
test_too_long(Fixture *f, gconstpointer data)
{
    g_autoptr(FlCheckpoint) cp = open_ok(f->path);
    g_autofree char *id = g_malloc(20001);
    GError *err = NULL;

    (void)data;
    memset(id, 'k', 20000);
    id[20000] = '\0';
    g_assert_false(fl_checkpoint_record(cp, "s3", id, "v", &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_LIMIT);
    g_clear_error(&err);
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 0);
}

#if FL_CHECKPOINT_MAX_ENTRIES < 100
/* Over the limit the oldest record goes, in memory and at compaction. */
static void
test_eviction(Fixture *f, gconstpointer data)
{
    g_autofree char *text = NULL;
    FlCheckpoint *cp;

    (void)data;
    put(f->path, "s3\t1\tv\ns3\t2\tv\ns3\t3\tv\ns3\t1\tw\ns3\t4\tv\n", -1);
    cp = open_ok(f->path);
    /* 2 is the oldest once 1 was recorded again. */
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 3);
    g_assert_false(fl_checkpoint_done(cp, "s3", "2", "v"));
    g_assert_true(fl_checkpoint_done(cp, "s3", "1", "w"));
    text = contents(f->path);
    g_assert_cmpstr(text, ==, "s3\t3\tv\ns3\t1\tw\ns3\t4\tv\n");
    record_ok(cp, "s3", "5", "v");
    g_assert_cmpuint(fl_checkpoint_size(cp), ==, 3);
    g_assert_false(fl_checkpoint_done(cp, "s3", "3", "v"));
    g_assert_true(fl_checkpoint_done(cp, "s3", "5", "v"));
    fl_checkpoint_unref(cp);
}
#endif

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) \
    g_test_add(path, Fixture, NULL, setup, fn, teardown)
#if FL_CHECKPOINT_MAX_ENTRIES < 100
    ADD("/checkpoint/eviction", test_eviction);
#else
    ADD("/checkpoint/record-lookup", test_record_lookup);
    ADD("/checkpoint/reopen-compaction", test_reopen_compaction);
    ADD("/checkpoint/torn-last-line", test_torn_last_line);
    ADD("/checkpoint/escaping", test_escaping);
    ADD("/checkpoint/corrupt", test_corrupt);
    ADD("/checkpoint/unwritable", test_unwritable);
    ADD("/checkpoint/mode-kept", test_mode_kept);
    ADD("/checkpoint/threads", test_threads);
    ADD("/checkpoint/too-long", test_too_long);
#endif
    return g_test_run();
}
