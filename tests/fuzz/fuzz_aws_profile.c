/*
 * fuzz_aws_profile.c - libFuzzer target for profile.c.
 *
 * The input is the text of one AWS shared config or credentials file,
 * given to fl_aws_profile_parse() (the in-memory entry point that
 * fl_aws_profile_load() uses after reading a file) twice: as the config
 * file for profile "default" and as the credentials file for profile
 * "dev".  Besides the sanitizers it checks what the credential chain
 * relies on:
 *   - FALSE: FL_ERROR_CONFIG with a message "PATH:LINE: reason" (or
 *     "PATH: a NUL byte..."), the line within the text;
 *   - TRUE: every key is non-empty, lower-case, without white space at
 *     either end, '=' or '\n'; no value starts or ends with white space
 *     or holds '\r' at its end; every key has the path as its origin and
 *     nothing else is in origin; found is set whenever a key is.
 *
 * Build and run: see README.md in this directory (seeds in aws_profile/).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "aws/profile.h"
#include "error.h"

#define PATH "fuzz/config"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static guint
count_lines(const char *text, gsize len)
{
    guint n = 1;

    for (gsize i = 0; i < len; i++)
        n += text[i] == '\n';
    return n;
}

static void
check_error(const GError *err, const char *text, gsize len)
{
    const char *m;
    guint64 line;
    char *end;

    if (err == NULL || !g_error_matches(err, FL_ERROR, FL_ERROR_CONFIG) ||
        !g_str_has_prefix(err->message, PATH ":"))
        abort();
    m = err->message + strlen(PATH ":");
    if (g_str_has_prefix(m, " a NUL byte")) {
        if (memchr(text, '\0', len) == NULL)
            abort();
        return;
    }
    line = g_ascii_strtoull(m, &end, 10);
    if (end == m || *end != ':' || line == 0 ||
        line > count_lines(text, len))
        abort();
}

static void
check_values(GHashTable *values, GHashTable *origin, gboolean found)
{
    GHashTableIter it;
    gpointer k, v;

    if (g_hash_table_size(values) != g_hash_table_size(origin) ||
        (g_hash_table_size(values) > 0 && !found))
        abort();
    g_hash_table_iter_init(&it, values);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const char *key = k, *value = v;
        gsize kn = strlen(key), vn = strlen(value);

        if (kn == 0 || g_ascii_isspace(key[0]) ||
            g_ascii_isspace(key[kn - 1]) || strpbrk(key, "=\n") != NULL)
            abort();
        for (const char *p = key; *p != '\0'; p++)
            if (g_ascii_isupper(*p))
                abort();
        /* A continuation starts with '\n' when the first line was
         * empty ("s3 =" then indented sub-properties). */
        if (vn > 0 && ((g_ascii_isspace(value[0]) && value[0] != '\n') ||
                       g_ascii_isspace(value[vn - 1])))
            abort();
        if (g_strcmp0(g_hash_table_lookup(origin, key), PATH) != 0)
            abort();
    }
}

static void
parse_as(const char *text, gsize len, gboolean is_config, const char *name)
{
    GHashTable *values = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               g_free, g_free);
    GHashTable *origin = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               g_free, g_free);
    gboolean found = FALSE;
    GError *err = NULL;

    if (fl_aws_profile_parse(text, len, PATH, is_config, name, values,
                             origin, &found, &err)) {
        if (err != NULL)
            abort();
        check_values(values, origin, found);
    } else {
        check_error(err, text, len);
    }
    g_clear_error(&err);
    g_hash_table_destroy(values);
    g_hash_table_destroy(origin);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_as((const char *)data, size, TRUE, "default");
    parse_as((const char *)data, size, FALSE, "dev");
    return 0;
}
