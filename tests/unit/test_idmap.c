/*
 * test_idmap.c - unit tests for idmap.c: the FNV-1a hash, the generated ID
 * ranges of doc/internals/CONTRACT.md, the per-thread name cache and the
 * writer's registry (collisions, epochs).
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "error.h"
#include "idmap.h"

/* ---- hash -------------------------------------------------------------- */

typedef struct {
    const char *in;
    gsize len;
    guint32 hash;
} HashVector;

/* Published FNV-1a 32-bit test vectors (and the offset basis for ""). */
static const HashVector vectors[] = {
    { "", 0, 2166136261u },
    { "a", 1, 0xe40c292cu },
    { "b", 1, 0xe70c2de5u },
    { "foobar", 6, 0xbf9cf968u },
    /* Bytes, not C strings: a NUL inside counts. */
    { "\0", 1, 0x050c5d1fu },
    { "a\0b", 3, 0x10f3abd2u },
};

static guint32
reference_fnv1a(const char *s, gsize len)
{
    guint32 h = 2166136261u;

    for (gsize i = 0; i < len; i++) {
        h ^= (guint8)s[i];
        h *= 16777619u;
    }
    return h;
}

static void
test_hash_vectors(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
        g_assert_cmphex(reference_fnv1a(vectors[i].in, vectors[i].len), ==,
                        vectors[i].hash);
        g_assert_cmphex(fl_id_hash(vectors[i].in, vectors[i].len), ==,
                        vectors[i].hash);
    }
    /* Only len bytes count. */
    g_assert_cmphex(fl_id_hash("abc", 1), ==, 0xe40c292cu);
    /* High bytes are taken unsigned. */
    g_assert_cmphex(fl_id_hash("\xff\x80", 2), ==,
                    reference_fnv1a("\xff\x80", 2));
}

/* ---- generated IDs ------------------------------------------------------ */

/* Names like the ones AWS hands out, reproducible from i. */
static char *
make_name(const char *prefix, guint i)
{
    return g_strdup_printf("%s-%017" G_GINT64_MODIFIER "x", prefix,
                           (guint64)i * G_GUINT64_CONSTANT(0x9E3779B97F4A7C15));
}

static void
test_generate_formula(void)
{
    for (guint i = 0; i < 20000; i++) {
        g_autofree char *name = make_name(i & 1 ? "eni" : "vpc", i);
        gsize len = strlen(name);
        guint64 h = fl_id_hash(name, len);

        g_assert_cmpuint(fl_id_generate(FL_ID_INTERFACE, name, len, 32), ==,
                         16 + h % (G_GUINT64_CONSTANT(4294967296) - 16));
        g_assert_cmpuint(fl_id_generate(FL_ID_INTERFACE, name, len, 16), ==,
                         16 + h % 65520);
        g_assert_cmpuint(fl_id_generate(FL_ID_VRF, name, len, 32), ==,
                         1 + h % (G_GUINT64_CONSTANT(4294967296) - 1));
        g_assert_cmpuint(fl_id_generate(FL_ID_VRF, name, len, 16), ==,
                         1 + h % 65535);
    }
}

/* The ranges themselves, over many names: interfaces never take 0..15
 * (ACCEPT = 1 and REJECT = 2 stay unique), VRFs never take 0, 16-bit IDs
 * fit 16 bits, and both ends of each 16-bit range are reached. */
static void
test_generate_ranges(void)
{
    guint32 if16_min = G_MAXUINT32, if16_max = 0;
    guint32 vrf16_min = G_MAXUINT32, vrf16_max = 0;
    guint32 if32_min = G_MAXUINT32;

    for (guint i = 0; i < 200000; i++) {
        g_autofree char *name = make_name("eni", i);
        gsize len = strlen(name);
        guint32 if32 = fl_id_generate(FL_ID_INTERFACE, name, len, 32);
        guint32 if16 = fl_id_generate(FL_ID_INTERFACE, name, len, 16);
        guint32 vrf32 = fl_id_generate(FL_ID_VRF, name, len, 32);
        guint32 vrf16 = fl_id_generate(FL_ID_VRF, name, len, 16);

        g_assert_cmpuint(if32, >=, 16);
        g_assert_cmpuint(if16, >=, 16);
        g_assert_cmpuint(if16, <=, 65535);
        g_assert_cmpuint(vrf32, >=, 1);
        g_assert_cmpuint(vrf16, >=, 1);
        g_assert_cmpuint(vrf16, <=, 65535);
        if32_min = MIN(if32_min, if32);
        if16_min = MIN(if16_min, if16);
        if16_max = MAX(if16_max, if16);
        vrf16_min = MIN(vrf16_min, vrf16);
        vrf16_max = MAX(vrf16_max, vrf16);
    }
    /* 200000 draws from 65520 values: the ends come up. */
    g_assert_cmpuint(if16_min, <=, 20);
    g_assert_cmpuint(if16_max, >=, 65530);
    g_assert_cmpuint(vrf16_min, <=, 5);
    g_assert_cmpuint(vrf16_max, >=, 65530);
    g_assert_cmpuint(if32_min, >=, 16);
}

static void
test_generate_known(void)
{
    /* FNV-1a("a") = 0xe40c292c = 3826002220 */
    g_assert_cmpuint(fl_id_generate(FL_ID_INTERFACE, "a", 1, 32), ==,
                     16 + 3826002220u);
    g_assert_cmpuint(fl_id_generate(FL_ID_INTERFACE, "a", 1, 16), ==,
                     16 + 3826002220u % 65520);
    g_assert_cmpuint(fl_id_generate(FL_ID_VRF, "a", 1, 32), ==,
                     1 + 3826002220u);
    g_assert_cmpuint(fl_id_generate(FL_ID_VRF, "a", 1, 16), ==,
                     1 + 3826002220u % 65535);
    /* The empty name hashes to the offset basis. */
    g_assert_cmpuint(fl_id_generate(FL_ID_INTERFACE, "", 0, 32), ==,
                     16 + 2166136261u);
}

static void
test_generate_deterministic(void)
{
    const char *name = "eni-1235b8ca123456789";
    guint32 a = fl_id_generate(FL_ID_INTERFACE, name, strlen(name), 32);
    g_autofree char *copy = g_strdup(name);

    for (int i = 0; i < 100; i++)
        g_assert_cmpuint(fl_id_generate(FL_ID_INTERFACE, copy, strlen(copy),
                                        32), ==, a);
    g_assert_cmpuint(a, ==, 16 + 0x3bbf9fccu);
}

/* ---- name cache ---------------------------------------------------------- */

/* Looks name up and checks the ID against fl_id_generate. */
static gboolean
lookup(FlNameCache *c, FlIdKind kind, int bits, const char *name)
{
    gboolean is_new = 2;
    gsize len = strlen(name);
    guint32 id = fl_name_cache_lookup(c, name, len, &is_new);

    g_assert_true(is_new == TRUE || is_new == FALSE);
    g_assert_cmpuint(id, ==, fl_id_generate(kind, name, len, bits));
    return is_new;
}

static void
test_cache_new_once(void)
{
    FlNameCache *c = fl_name_cache_new(FL_ID_INTERFACE, 32, NULL);

    g_assert_true(lookup(c, FL_ID_INTERFACE, 32, "eni-a"));
    g_assert_false(lookup(c, FL_ID_INTERFACE, 32, "eni-a"));
    g_assert_false(lookup(c, FL_ID_INTERFACE, 32, "eni-a"));
    g_assert_true(lookup(c, FL_ID_INTERFACE, 32, "eni-b"));
    g_assert_false(lookup(c, FL_ID_INTERFACE, 32, "eni-a"));
    g_assert_false(lookup(c, FL_ID_INTERFACE, 32, "eni-b"));
    /* A prefix is another name. */
    g_assert_true(lookup(c, FL_ID_INTERFACE, 32, "eni-"));
    g_assert_true(lookup(c, FL_ID_INTERFACE, 32, "x"));
    fl_name_cache_free(c);
    fl_name_cache_free(NULL);
}

/* The name is len bytes of a buffer that goes on. */
static void
test_cache_length_bounded(void)
{
    FlNameCache *c = fl_name_cache_new(FL_ID_VRF, 16, NULL);
    const char *line = "vpc-0123 vpc-0123456 rest";
    gboolean is_new;
    guint32 id;

    id = fl_name_cache_lookup(c, line, 8, &is_new);
    g_assert_true(is_new);
    g_assert_cmpuint(id, ==, fl_id_generate(FL_ID_VRF, "vpc-0123", 8, 16));
    id = fl_name_cache_lookup(c, line + 9, 11, &is_new);
    g_assert_true(is_new);
    g_assert_cmpuint(id, ==, fl_id_generate(FL_ID_VRF, "vpc-0123456", 11,
                                            16));
    id = fl_name_cache_lookup(c, line + 9, 8, &is_new);
    g_assert_false(is_new);
    g_assert_cmpuint(id, ==, fl_id_generate(FL_ID_VRF, "vpc-0123", 8, 16));
    fl_name_cache_free(c);
}

/* Names from 1 byte to well past the cached maximum, each new once. */
static void
test_cache_long_names(void)
{
    FlNameCache *c = fl_name_cache_new(FL_ID_INTERFACE, 32, NULL);
    g_autoptr(GString) s = g_string_new(NULL);

    for (int round = 0; round < 3; round++) {
        g_string_truncate(s, 0);
        for (int len = 1; len <= 300; len++) {
            g_string_append_c(s, (char)('a' + len % 26));
            g_assert_cmpint(lookup(c, FL_ID_INTERFACE, 32, s->str), ==,
                            round == 0);
        }
    }
    fl_name_cache_free(c);
}

/* The empty name is a name like any other (a Parquet column may hold an
 * empty string): new once, with its generated ID, never 0. */
static void
test_cache_empty_name(void)
{
    FlNameCache *c = fl_name_cache_new(FL_ID_INTERFACE, 32, NULL);
    gboolean is_new;
    guint32 id;

    id = fl_name_cache_lookup(c, "", 0, &is_new);
    g_assert_true(is_new);
    g_assert_cmpuint(id, ==, 16 + 2166136261u);
    id = fl_name_cache_lookup(c, "", 0, &is_new);
    g_assert_false(is_new);
    g_assert_cmpuint(id, ==, 16 + 2166136261u);
    fl_name_cache_free(c);
}

/* Many names through a small cache: evictions never change an ID and
 * never make a name new again. */
static void
test_cache_many_names(void)
{
    FlNameCache *c = fl_name_cache_new(FL_ID_INTERFACE, 16, NULL);
    const guint n = 5000;

    for (int round = 0; round < 3; round++) {
        for (guint i = 0; i < n; i++) {
            g_autofree char *name = make_name("eni", round == 1 ? n - 1 - i
                                              : i);
            g_assert_cmpint(lookup(c, FL_ID_INTERFACE, 16, name), ==,
                            round == 0);
        }
    }
    fl_name_cache_free(c);
}

/* Names that agree in their first and last 8 bytes and length share a
 * cache set; cycling through more of them than the set holds must still
 * give each its own ID. */
static void
test_cache_same_set(void)
{
    FlNameCache *c = fl_name_cache_new(FL_ID_INTERFACE, 32, NULL);
    char names[8][21];

    for (int i = 0; i < 8; i++)
        g_snprintf(names[i], sizeof names[i], "eni-0123%04d456789ab", i * 7);
    for (int round = 0; round < 4; round++)
        for (int i = 0; i < 8; i++)
            g_assert_cmpint(lookup(c, FL_ID_INTERFACE, 32, names[i]), ==,
                            round == 0);
    /* Alternating pairs and triples, the worst cases for two ways. */
    for (int round = 0; round < 10; round++) {
        g_assert_false(lookup(c, FL_ID_INTERFACE, 32, names[round % 3]));
        g_assert_false(lookup(c, FL_ID_INTERFACE, 32, names[3]));
    }
    fl_name_cache_free(c);
}

/* Two caches (two threads) each report a name once. */
static void
test_cache_per_thread(void)
{
    FlNameCache *a = fl_name_cache_new(FL_ID_VRF, 32, NULL);
    FlNameCache *b = fl_name_cache_new(FL_ID_VRF, 32, NULL);

    g_assert_true(lookup(a, FL_ID_VRF, 32, "vpc-1"));
    g_assert_true(lookup(b, FL_ID_VRF, 32, "vpc-1"));
    g_assert_false(lookup(a, FL_ID_VRF, 32, "vpc-1"));
    g_assert_false(lookup(b, FL_ID_VRF, 32, "vpc-1"));
    fl_name_cache_free(a);
    fl_name_cache_free(b);
}

/* ---- --id-map reload (SIGHUP) ------------------------------------------- */

static void
write_map(const char *path, const char *text)
{
    GError *err = NULL;

    g_file_set_contents(path, text, -1, &err);
    g_assert_no_error(err);
}

static void
test_pins_reload(void)
{
    g_autofree char *dir = g_dir_make_tmp("test_idmap.XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "map.csv", NULL);
    FlIdRegistry *r = fl_id_registry_new();
    GError *err = NULL;
    FlIdPins *pins;
    FlNameCache *c;
    gboolean is_new;
    const char *desc = NULL;

    write_map(path, "interface,eni-a,100,first\n");
    pins = fl_id_pins_load(path, 32, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(fl_id_pins_generation(pins), ==, 1);
    c = fl_name_cache_new(FL_ID_INTERFACE, 32, pins);
    g_assert_cmpuint(fl_name_cache_lookup(c, "eni-a", 5, &is_new), ==, 100);
    g_assert_true(is_new);
    g_assert_cmpuint(fl_name_cache_lookup(c, "eni-a", 5, &is_new), ==, 100);
    g_assert_false(is_new);
    g_assert_true(fl_id_registry_apply_pins(r, pins));
    g_assert_false(fl_id_registry_apply_pins(r, pins));

    /* A new map: the cache forgets, and reports the name again. */
    write_map(path, "interface,eni-a,200,second\n");
    g_assert_true(fl_id_pins_reload(pins, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(fl_id_pins_generation(pins), ==, 2);
    g_assert_cmpuint(fl_name_cache_lookup(c, "eni-a", 5, &is_new), ==, 200);
    g_assert_true(is_new);
    g_assert_cmpuint(fl_id_pins_lookup(pins, FL_ID_INTERFACE, "eni-a", 5,
                                       &desc), ==, 200);
    g_assert_cmpstr(desc, ==, "second");
    g_assert_true(fl_id_registry_apply_pins(r, pins));

    /* A broken map is refused; the last good one stays. */
    write_map(path, "interface,eni-a,oops\n");
    g_assert_false(fl_id_pins_reload(pins, &err));
    g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
    g_clear_error(&err);
    g_assert_cmpuint(fl_id_pins_generation(pins), ==, 2);
    g_assert_cmpuint(fl_name_cache_lookup(c, "eni-a", 5, &is_new), ==, 200);
    g_assert_false(is_new);
    g_assert_false(fl_id_registry_apply_pins(r, pins));

    fl_name_cache_free(c);
    fl_id_pins_free(pins);
    fl_id_registry_free(r);
    g_unlink(path);
    g_rmdir(dir);
}

/* ---- registry ------------------------------------------------------------ */

static gboolean
learn(FlIdRegistry *r, FlIdKind kind, guint32 id, const char *name)
{
    return fl_id_registry_learn(r, kind, id, name, strlen(name), "d", NULL);
}

static void
test_registry_collisions(void)
{
    FlIdRegistry *r = fl_id_registry_new();

    g_assert_cmpuint(fl_id_registry_size(r), ==, 0);
    g_assert_false(learn(r, FL_ID_INTERFACE, 100, "eni-a"));
    g_assert_false(learn(r, FL_ID_INTERFACE, 100, "eni-a"));
    /* A second name for the ID: reported once per pair. */
    g_assert_true(learn(r, FL_ID_INTERFACE, 100, "eni-b"));
    g_assert_false(learn(r, FL_ID_INTERFACE, 100, "eni-b"));
    g_assert_false(learn(r, FL_ID_INTERFACE, 100, "eni-b"));
    g_assert_false(learn(r, FL_ID_INTERFACE, 100, "eni-a"));
    g_assert_true(learn(r, FL_ID_INTERFACE, 100, "eni-c"));
    g_assert_false(learn(r, FL_ID_INTERFACE, 100, "eni-c"));
    /* A prefix of a known name is a different name. */
    g_assert_true(learn(r, FL_ID_INTERFACE, 100, "eni-"));
    g_assert_true(fl_id_registry_learn(r, FL_ID_INTERFACE, 100, "eni-ab", 6,
                                       NULL, NULL));
    g_assert_false(fl_id_registry_learn(r, FL_ID_INTERFACE, 100, "eni-abc",
                                        6, NULL, NULL));
    /* The kinds are separate namespaces. */
    g_assert_false(learn(r, FL_ID_VRF, 100, "vpc-a"));
    g_assert_true(learn(r, FL_ID_VRF, 100, "eni-a"));
    g_assert_false(learn(r, FL_ID_INTERFACE, 101, "eni-b"));
    g_assert_cmpuint(fl_id_registry_size(r), ==, 3);
    fl_id_registry_free(r);
    fl_id_registry_free(NULL);
}

/* The first name wins: its name and description are what go out. */
static void
test_registry_first_wins(void)
{
    FlIdRegistry *r = fl_id_registry_new();
    const char *name = NULL, *desc = NULL;

    const char *first = NULL;

    g_assert_false(fl_id_registry_learn(r, FL_ID_VRF, 7, "vpc-1xyz", 5,
                                        "account=1 region=r", &first));
    g_assert_null(first);
    /* A collision names the name that holds the ID. */
    g_assert_true(fl_id_registry_learn(r, FL_ID_VRF, 7, "vpc-2", 5,
                                       "account=2", &first));
    g_assert_cmpstr(first, ==, "vpc-1");
    first = NULL;
    g_assert_true(fl_id_registry_learn(r, FL_ID_VRF, 7, "vpc-3", 5, NULL,
                                       &first));
    g_assert_cmpstr(first, ==, "vpc-1");
    /* Not a new collision: first is left alone. */
    first = NULL;
    g_assert_false(fl_id_registry_learn(r, FL_ID_VRF, 7, "vpc-2", 5, NULL,
                                        &first));
    g_assert_false(fl_id_registry_learn(r, FL_ID_VRF, 7, "vpc-1", 5, NULL,
                                        &first));
    g_assert_true(fl_id_registry_mark_sent(r, FL_ID_VRF, 7, &name, &desc));
    g_assert_cmpstr(name, ==, "vpc-1");
    g_assert_cmpstr(desc, ==, "account=1 region=r");
    /* No description is an empty one. */
    g_assert_false(fl_id_registry_learn(r, FL_ID_VRF, 8, "vpc-3", 5, NULL,
                                        NULL));
    g_assert_true(fl_id_registry_mark_sent(r, FL_ID_VRF, 8, &name, &desc));
    g_assert_cmpstr(desc, ==, "");
    fl_id_registry_free(r);
}

static void
test_registry_pin(void)
{
    FlIdRegistry *r = fl_id_registry_new();
    const char *name = NULL, *desc = NULL;

    fl_id_registry_pin(r, FL_ID_INTERFACE, FL_ID_ACCEPT, "ACCEPT",
                       "flow log action ACCEPT");
    g_assert_true(fl_id_registry_mark_sent(r, FL_ID_INTERFACE, FL_ID_ACCEPT,
                                           &name, &desc));
    g_assert_cmpstr(name, ==, "ACCEPT");
    g_assert_cmpstr(desc, ==, "flow log action ACCEPT");
    /* Learning another name for a pinned ID is a collision. */
    g_assert_true(learn(r, FL_ID_INTERFACE, FL_ID_ACCEPT, "eni-x"));
    /* A pin replaces what was there. */
    fl_id_registry_pin(r, FL_ID_INTERFACE, FL_ID_ACCEPT, "ACCEPT2", "d2");
    g_assert_true(fl_id_registry_mark_sent(r, FL_ID_INTERFACE, FL_ID_ACCEPT,
                                           &name, &desc));
    g_assert_cmpstr(name, ==, "ACCEPT2");
    g_assert_cmpstr(desc, ==, "d2");
    g_assert_cmpuint(fl_id_registry_size(r), ==, 1);
    fl_id_registry_free(r);
}

static void
test_registry_epochs(void)
{
    FlIdRegistry *r = fl_id_registry_new();
    const char *name = NULL, *desc = NULL;

    /* Never learned: never sent, nothing to mark. */
    g_assert_false(fl_id_registry_sent(r, FL_ID_INTERFACE, 100));
    g_assert_false(fl_id_registry_mark_sent(r, FL_ID_INTERFACE, 100, &name,
                                            &desc));
    g_assert_false(fl_id_registry_sent(r, FL_ID_INTERFACE, 0));

    learn(r, FL_ID_INTERFACE, 100, "eni-a");
    g_assert_false(fl_id_registry_sent(r, FL_ID_INTERFACE, 100));
    g_assert_true(fl_id_registry_mark_sent(r, FL_ID_INTERFACE, 100, &name,
                                           &desc));
    g_assert_cmpstr(name, ==, "eni-a");
    g_assert_true(fl_id_registry_sent(r, FL_ID_INTERFACE, 100));
    g_assert_true(fl_id_registry_sent(r, FL_ID_INTERFACE, 100)); /* cached */
    /* Same number, other kind: not sent. */
    g_assert_false(fl_id_registry_sent(r, FL_ID_VRF, 100));

    fl_id_registry_new_epoch(r);
    g_assert_false(fl_id_registry_sent(r, FL_ID_INTERFACE, 100));
    g_assert_false(fl_id_registry_sent(r, FL_ID_INTERFACE, 100));
    g_assert_true(fl_id_registry_mark_sent(r, FL_ID_INTERFACE, 100, &name,
                                           &desc));
    g_assert_true(fl_id_registry_sent(r, FL_ID_INTERFACE, 100));

    /* Several epochs in a row without sending. */
    for (int i = 0; i < 5; i++) {
        fl_id_registry_new_epoch(r);
        g_assert_false(fl_id_registry_sent(r, FL_ID_INTERFACE, 100));
    }
    fl_id_registry_free(r);
}

/* Many IDs, so that the sent cache's slots are shared: a slot holding
 * another ID, or an older epoch, must never answer for this one. */
static void
test_registry_many(void)
{
    FlIdRegistry *r = fl_id_registry_new();
    const guint n = 20000;
    const char *name, *desc;

    for (guint i = 0; i < n; i++) {
        g_autofree char *s = make_name("eni", i);
        guint32 id = fl_id_generate(FL_ID_INTERFACE, s, strlen(s), 16);

        /* 16-bit IDs from 20000 names: some collide. */
        (void)learn(r, FL_ID_INTERFACE, id, s);
        /* A dense run too: neighbours share cache slots. */
        (void)learn(r, FL_ID_VRF, i + 1, s);
    }
    for (guint i = 0; i < n; i++) {
        g_assert_false(fl_id_registry_sent(r, FL_ID_VRF, i + 1));
        if (i % 2 == 0)
            g_assert_true(fl_id_registry_mark_sent(r, FL_ID_VRF, i + 1,
                                                   &name, &desc));
    }
    for (int pass = 0; pass < 2; pass++)
        for (guint i = 0; i < n; i++)
            g_assert_cmpint(fl_id_registry_sent(r, FL_ID_VRF, i + 1), ==,
                            i % 2 == 0);
    /* Ids 4096 apart, and the ones that were never learned. */
    g_assert_false(fl_id_registry_sent(r, FL_ID_VRF, n + 1));
    g_assert_false(fl_id_registry_sent(r, FL_ID_VRF, n + 4097));
    fl_id_registry_new_epoch(r);
    for (guint i = 0; i < n; i++)
        g_assert_false(fl_id_registry_sent(r, FL_ID_VRF, i + 1));
    fl_id_registry_free(r);
}

/* The collision count of CONTRACT.md's id_collisions: with 16-bit IDs,
 * every pair of distinct names that share an ID is reported exactly once,
 * however often each is learned again. */
static void
test_registry_collision_count(void)
{
    FlIdRegistry *r = fl_id_registry_new();
    g_autoptr(GHashTable) first = g_hash_table_new(g_direct_hash,
                                                   g_direct_equal);
    guint expected = 0, got = 0;
    const guint n = 3000;

    for (guint i = 0; i < n; i++) {
        g_autofree char *s = make_name("eni", i);
        guint32 id = fl_id_generate(FL_ID_INTERFACE, s, strlen(s), 16);

        if (g_hash_table_contains(first, GUINT_TO_POINTER(id)))
            expected++;
        else
            g_hash_table_add(first, GUINT_TO_POINTER(id));
    }
    for (int round = 0; round < 3; round++) {
        for (guint i = 0; i < n; i++) {
            g_autofree char *s = make_name("eni", i);
            guint32 id = fl_id_generate(FL_ID_INTERFACE, s, strlen(s), 16);

            if (learn(r, FL_ID_INTERFACE, id, s))
                got++;
        }
    }
    /* 3000 names in 65520 IDs: a few dozen birthday collisions. */
    g_assert_cmpuint(expected, >, 0);
    g_assert_cmpuint(got, ==, expected);
    g_assert_cmpuint(fl_id_registry_size(r), ==, n - expected);
    fl_id_registry_free(r);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_set_nonfatal_assertions();

    g_test_add_func("/idmap/hash/vectors", test_hash_vectors);
    g_test_add_func("/idmap/generate/formula", test_generate_formula);
    g_test_add_func("/idmap/generate/ranges", test_generate_ranges);
    g_test_add_func("/idmap/generate/known", test_generate_known);
    g_test_add_func("/idmap/generate/deterministic",
                    test_generate_deterministic);
    g_test_add_func("/idmap/cache/new-once", test_cache_new_once);
    g_test_add_func("/idmap/cache/length-bounded", test_cache_length_bounded);
    g_test_add_func("/idmap/cache/long-names", test_cache_long_names);
    g_test_add_func("/idmap/cache/empty-name", test_cache_empty_name);
    g_test_add_func("/idmap/cache/many-names", test_cache_many_names);
    g_test_add_func("/idmap/cache/same-set", test_cache_same_set);
    g_test_add_func("/idmap/cache/per-thread", test_cache_per_thread);
    g_test_add_func("/idmap/pins/reload", test_pins_reload);
    g_test_add_func("/idmap/registry/collisions", test_registry_collisions);
    g_test_add_func("/idmap/registry/first-wins", test_registry_first_wins);
    g_test_add_func("/idmap/registry/pin", test_registry_pin);
    g_test_add_func("/idmap/registry/epochs", test_registry_epochs);
    g_test_add_func("/idmap/registry/many", test_registry_many);
    g_test_add_func("/idmap/registry/collision-count",
                    test_registry_collision_count);
    return g_test_run();
}
