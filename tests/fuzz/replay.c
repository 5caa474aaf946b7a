/*
 * replay.c - runs the fuzz target over files, without libFuzzer.
 *
 * make check builds tests/fuzz/fuzz_replay from fuzz_decode.c and this
 * file and feeds it the seed corpus, the inputs a fuzzing run found
 * (corpus/found, minimized with -merge=1) and any crash reproducers saved
 * in crashes/, so the target keeps compiling and every input that ever
 * mattered stays a regression test.  fuzz_s3_event_replay does the same
 * for fuzz_s3_event.c over s3_event/ and s3_event/crashes/ (FUZZ_DIRS), and
 * likewise fuzz_s3_xml_replay, fuzz_aws_profile_replay, fuzz_aws_json_replay.
 * One TAP line per directory; before each input a "#" line names it, so
 * a crash points at its input.
 */
#include <glib.h>
#include <stdint.h>
#include <stdio.h>

/* Directories under tests/fuzz/; another target passes its own. */
#ifndef FUZZ_DIRS
#define FUZZ_DIRS "corpus", "corpus/found", "crashes"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

static gint
compare_paths(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char **argv)
{
    const char *dirs[] = { FUZZ_DIRS };
    const char *top = g_getenv("G_TEST_SRCDIR");

    (void)argc;
    (void)argv;
    printf("1..%u\n", (guint)G_N_ELEMENTS(dirs));
    for (guint d = 0; d < G_N_ELEMENTS(dirs); d++) {
        g_autofree char *path = g_build_filename(top ? top : "tests", "fuzz",
                                                 dirs[d], NULL);
        GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
        GDir *dir = g_dir_open(path, 0, NULL);
        const char *name;

        while (dir && (name = g_dir_read_name(dir))) {
            char *f = g_build_filename(path, name, NULL);
            if (g_file_test(f, G_FILE_TEST_IS_REGULAR))
                g_ptr_array_add(files, f);
            else
                g_free(f);
        }
        if (dir)
            g_dir_close(dir);
        g_ptr_array_sort(files, compare_paths);
        for (guint i = 0; i < files->len; i++) {
            const char *f = g_ptr_array_index(files, i);
            gchar *data = NULL;
            gsize len = 0;

            printf("# %s\n", f);
            fflush(stdout);
            if (!g_file_get_contents(f, &data, &len, NULL)) {
                printf("not ok %u - %s: cannot read %s\n", d + 1, dirs[d], f);
                goto next;
            }
            /* The target aborts on a broken invariant. */
            LLVMFuzzerTestOneInput((const uint8_t *)data, len);
            g_free(data);
        }
        printf("ok %u - %s: %u input(s)\n", d + 1, dirs[d], files->len);
    next:
        g_ptr_array_unref(files);
    }
    return 0;
}
