/*
 * idmap.c - generated IDs, the per-thread name cache and the registry.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "idmap.h"

guint32
fl_id_hash(const char *name, gsize len)
{
    guint32 h = 2166136261u;

    for (gsize i = 0; i < len; i++) {
        h ^= (guint8)name[i];
        h *= 16777619u;
    }
    return h;
}

guint32
fl_id_generate(FlIdKind kind, const char *name, gsize len, int bits)
{
    guint32 h = fl_id_hash(name, len);

    /* Interfaces start at 16: 1..15 are reserved for pseudo-interfaces
     * (ACCEPT = 1, REJECT = 2), so an ENI can never collide with them. */
    if (kind == FL_ID_INTERFACE)
        return bits == 16 ? 16 + h % 65520u : 16 + h % (G_MAXUINT32 - 15u);
    /* VRF 0 is the default VRF in IPFIX usage: never generate it. */
    return bits == 16 ? 1 + h % 65535u : 1 + h % G_MAXUINT32;
}

/* ------------------------------------------------------------------ */
/* pinned IDs                                                          */

typedef struct {
    guint32 id;
    char *desc;
} Pin;

/* One reading of the map file; immutable once made, shared by reference
 * with the name caches, so that a reload never pulls a table from under a
 * worker in the middle of a lookup. */
typedef struct {
    gint ref;
    GHashTable *by_name[FL_ID_KINDS];   /* name -> Pin */
} PinTable;

struct FlIdPins {
    GMutex lock;                /* guards table (swap, and ref taking) */
    PinTable *table;
    gint generation;            /* atomic: + 1 on every reload */
    char *path;
    int bits;
};

static void
pin_free(gpointer p)
{
    Pin *pin = p;

    g_free(pin->desc);
    g_free(pin);
}

static PinTable *
table_new(void)
{
    PinTable *t = g_new0(PinTable, 1);

    t->ref = 1;
    for (int k = 0; k < FL_ID_KINDS; k++)
        t->by_name[k] = g_hash_table_new_full(g_str_hash, g_str_equal,
                                              g_free, pin_free);
    return t;
}

static void
table_unref(PinTable *t)
{
    if (t == NULL || !g_atomic_int_dec_and_test(&t->ref))
        return;
    for (int k = 0; k < FL_ID_KINDS; k++)
        g_hash_table_destroy(t->by_name[k]);
    g_free(t);
}

/* The current table, with a reference for the caller. */
static PinTable *
table_get(FlIdPins *pins)
{
    PinTable *t;

    g_mutex_lock(&pins->lock);
    t = pins->table;
    g_atomic_int_inc(&t->ref);
    g_mutex_unlock(&pins->lock);
    return t;
}

void
fl_id_pins_free(FlIdPins *pins)
{
    if (pins == NULL)
        return;
    table_unref(pins->table);
    g_mutex_clear(&pins->lock);
    g_free(pins->path);
    g_free(pins);
}

/* One "kind,name,id[,description]" line into pins; FALSE with *err. */
static gboolean
pin_line(PinTable *pins, GHashTable **ids, char *line, const char *where,
         int bits, GError **err)
{
    g_auto(GStrv) f = g_strsplit(line, ",", 4);
    FlIdKind kind;
    guint64 id, lo, hi;
    Pin *pin;

    if (g_strv_length(f) < 3) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: expected kind,name,id[,description]", where);
        return FALSE;
    }
    g_strstrip(f[0]);
    g_strstrip(f[1]);
    g_strstrip(f[2]);
    if (strcmp(f[0], "interface") == 0) {
        kind = FL_ID_INTERFACE;
    } else if (strcmp(f[0], "vrf") == 0) {
        kind = FL_ID_VRF;
    } else {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: kind '%s' is not interface or vrf", where, f[0]);
        return FALSE;
    }
    /* Interfaces 1-15 are the pseudo-interfaces (ACCEPT, REJECT). */
    lo = kind == FL_ID_INTERFACE ? 16 : 1;
    hi = bits == 16 ? 65535 : G_MAXUINT32;
    if (*f[1] == '\0' || strpbrk(f[1], " \t")
        || !g_ascii_string_to_unsigned(f[2], 10, lo, hi, &id, NULL)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: need a name "
                    "without spaces and an ID in %" G_GUINT64_FORMAT "..%"
                    G_GUINT64_FORMAT, where, lo, hi);
        return FALSE;
    }
    if (g_hash_table_contains(pins->by_name[kind], f[1])
        || g_hash_table_contains(ids[kind], GUINT_TO_POINTER(id))) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: %s '%s' or ID %"
                    G_GUINT64_FORMAT " is pinned twice", where, f[0], f[1],
                    id);
        return FALSE;
    }
    pin = g_new0(Pin, 1);
    pin->id = (guint32)id;
    pin->desc = g_strdup(f[3] ? g_strstrip(f[3]) : "");
    g_hash_table_insert(pins->by_name[kind], g_strdup(f[1]), pin);
    g_hash_table_add(ids[kind], GUINT_TO_POINTER(id));
    return TRUE;
}

/* Reads the map file into a new table.  NULL with *err. */
static PinTable *
table_load(const char *path, int bits, GError **err)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GError *local = NULL;
    PinTable *pins = table_new();
    GHashTable *ids[FL_ID_KINDS];
    gboolean ok = TRUE;
    gsize len;

    for (int k = 0; k < FL_ID_KINDS; k++)
        ids[k] = g_hash_table_new(g_direct_hash, g_direct_equal);
    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--id-map: %s",
                    local->message);
        g_clear_error(&local);
        ok = FALSE;
    } else if (memchr(text, '\0', len)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: NUL byte: not a text file", path);
        ok = FALSE;
    } else {
        lines = g_strsplit(text, "\n", -1);
        for (guint n = 0; ok && lines[n]; n++) {
            char *line = g_strstrip(lines[n]);
            g_autofree char *where = g_strdup_printf("%s:%u", path, n + 1);

            if (*line != '\0' && *line != '#')
                ok = pin_line(pins, ids, line, where, bits, err);
        }
    }
    for (int k = 0; k < FL_ID_KINDS; k++)
        g_hash_table_destroy(ids[k]);
    if (!ok) {
        table_unref(pins);
        return NULL;
    }
    return pins;
}

FlIdPins *
fl_id_pins_load(const char *path, int bits, GError **err)
{
    PinTable *t = table_load(path, bits, err);
    FlIdPins *pins;

    if (t == NULL)
        return NULL;
    pins = g_new0(FlIdPins, 1);
    g_mutex_init(&pins->lock);
    pins->table = t;
    pins->generation = 1;
    pins->path = g_strdup(path);
    pins->bits = bits;
    return pins;
}

gboolean
fl_id_pins_reload(FlIdPins *pins, GError **err)
{
    PinTable *t = table_load(pins->path, pins->bits, err), *old;

    if (t == NULL)
        return FALSE;
    g_mutex_lock(&pins->lock);
    old = pins->table;
    pins->table = t;
    g_mutex_unlock(&pins->lock);
    table_unref(old);
    g_atomic_int_inc(&pins->generation);
    return TRUE;
}

guint
fl_id_pins_generation(const FlIdPins *pins)
{
    return (guint)g_atomic_int_get(&pins->generation);
}

static guint32
table_lookup(const PinTable *t, FlIdKind kind, const char *name, gsize len,
             const char **desc)
{
    char key[256];
    const Pin *pin;

    if (len >= sizeof key)
        return 0;
    memcpy(key, name, len);
    key[len] = '\0';
    pin = g_hash_table_lookup(t->by_name[kind], key);
    if (pin == NULL)
        return 0;
    if (desc)
        *desc = pin->desc;
    return pin->id;
}

guint32
fl_id_pins_lookup(const FlIdPins *pins, FlIdKind kind, const char *name,
                  gsize len, const char **desc)
{
    PinTable *t = table_get((FlIdPins *)pins);
    guint32 id = table_lookup(t, kind, name, len, desc);

    /* desc stays valid: only a reload frees the table, and reloads come
     * from the caller's own thread (see idmap.h). */
    table_unref(t);
    return id;
}

void
fl_id_pins_foreach(const FlIdPins *pins, FlIdPinFunc fn, gpointer data)
{
    PinTable *t = table_get((FlIdPins *)pins);

    for (int k = 0; k < FL_ID_KINDS; k++) {
        GHashTableIter it;
        gpointer name, value;

        g_hash_table_iter_init(&it, t->by_name[k]);
        while (g_hash_table_iter_next(&it, &name, &value)) {
            const Pin *pin = value;
            fn((FlIdKind)k, pin->id, name, pin->desc, data);
        }
    }
    table_unref(t);
}

/* ------------------------------------------------------------------ */

/* Two ways per set: a few hundred ENIs in one table would otherwise
 * evict each other often enough to show in a profile. */
#define CACHE_SETS 512              /* power of two */
#define NAME_MAX_CACHED 191             /* Azure resource IDs: ~150 */

typedef struct {
    guint32 id;
    guint8  len;                    /* 0 = empty */
    char    name[NAME_MAX_CACHED];
} CacheSlot;

struct FlNameCache {
    FlIdKind kind;
    int bits;
    const FlIdPins *pins;
    PinTable *table;                /* pins' table this cache was made of */
    guint pins_gen;
    CacheSlot slot[CACHE_SETS][2];
    guint8 victim[CACHE_SETS];      /* way to replace next */
    /* Every name this thread has seen: the cache may evict, the set does
     * not, so a name is reported as new exactly once per thread. */
    GHashTable *seen;
};

FlNameCache *
fl_name_cache_new(FlIdKind kind, int bits, const FlIdPins *pins)
{
    FlNameCache *c = g_new0(FlNameCache, 1);

    c->kind = kind;
    c->bits = bits;
    c->pins = pins;
    if (pins) {
        c->pins_gen = fl_id_pins_generation(pins);
        c->table = table_get((FlIdPins *)pins);
    }
    c->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return c;
}

/*
 * The map was reloaded (SIGHUP): cached IDs may be stale, and every name
 * is reported again so that the writer learns the new IDs.  The
 * generation is read before the table: a reload in between only makes
 * the next lookup refresh once more.
 */
static void
cache_refresh(FlNameCache *c)
{
    c->pins_gen = fl_id_pins_generation(c->pins);
    table_unref(c->table);
    c->table = table_get((FlIdPins *)c->pins);
    memset(c->slot, 0, sizeof c->slot);
    memset(c->victim, 0, sizeof c->victim);
    g_hash_table_remove_all(c->seen);
}

void
fl_name_cache_free(FlNameCache *c)
{
    if (c == NULL)
        return;
    table_unref(c->table);
    g_hash_table_destroy(c->seen);
    g_free(c);
}

/* A cheap set index from the name's two ends; AWS IDs differ in their
 * last hex digits, and the length separates the two ENI ID widths. */
static inline guint
set_index(const char *name, gsize len)
{
    guint64 a = 0, b = 0;

    if (len >= 8) {
        memcpy(&a, name, 8);
        memcpy(&b, name + len - 8, 8);
    } else {
        memcpy(&a, name, len);
    }
    a ^= b * G_GUINT64_CONSTANT(0x9E3779B97F4A7C15) ^ len;
    a *= G_GUINT64_CONSTANT(0xff51afd7ed558ccd);
    return (guint)(a >> 55) & (CACHE_SETS - 1);
}

static inline gboolean
slot_holds(const CacheSlot *s, const char *name, gsize len)
{
    return s->len == len && memcmp(s->name, name, len) == 0;
}

guint32
fl_name_cache_lookup(FlNameCache *c, const char *name, gsize len,
                     gboolean *is_new)
{
    CacheSlot *s = NULL;
    guint set = 0;
    guint32 id;

    *is_new = FALSE;
    if (G_UNLIKELY(c->pins
                   && fl_id_pins_generation(c->pins) != c->pins_gen))
        cache_refresh(c);
    /* len 0 marks an empty slot, so the empty name bypasses the cache. */
    if (len > 0 && len <= NAME_MAX_CACHED) {
        set = set_index(name, len);
        if (slot_holds(&c->slot[set][0], name, len))
            return c->slot[set][0].id;
        if (slot_holds(&c->slot[set][1], name, len))
            return c->slot[set][1].id;
        s = &c->slot[set][c->victim[set]];
        c->victim[set] ^= 1;
    }
    id = c->table ? table_lookup(c->table, c->kind, name, len, NULL) : 0;
    if (id == 0)
        id = fl_id_generate(c->kind, name, len, c->bits);
    /* Bounded memory on hostile input: past the cap, names still get
     * their IDs but are no longer reported (no options record for them).
     * g_hash_table_add() is TRUE only for a name not yet in the set. */
    if (g_hash_table_size(c->seen) < FL_ID_MAX_NAMES)
        *is_new = g_hash_table_add(c->seen, g_strndup(name, len));
    if (s) {
        s->id = id;
        s->len = (guint8)len;
        memcpy(s->name, name, len);
    }
    return id;
}

/* ------------------------------------------------------------------ */

typedef struct {
    char   *name;
    char   *desc;
    guint32 sent_epoch;
    GSList *collided;       /* other names already reported */
} RegEntry;

#define SENT_SLOTS 4096

struct FlIdRegistry {
    GHashTable *ids[FL_ID_KINDS];   /* guint32 id -> RegEntry */
    guint32 epoch;                  /* starts at 1; 0 = never sent */
    guint pins_gen;                 /* of the pins applied; 0 = none */
    guint64 untracked;              /* names refused past the cap */
    struct { guint32 id, epoch; } sent[FL_ID_KINDS][SENT_SLOTS];
};

static void
entry_free(gpointer p)
{
    RegEntry *e = p;

    g_free(e->name);
    g_free(e->desc);
    g_slist_free_full(e->collided, g_free);
    g_free(e);
}

FlIdRegistry *
fl_id_registry_new(void)
{
    FlIdRegistry *r = g_new0(FlIdRegistry, 1);

    for (int k = 0; k < FL_ID_KINDS; k++)
        r->ids[k] = g_hash_table_new_full(g_direct_hash, g_direct_equal,
                                          NULL, entry_free);
    r->epoch = 1;
    return r;
}

void
fl_id_registry_free(FlIdRegistry *r)
{
    if (r == NULL)
        return;
    for (int k = 0; k < FL_ID_KINDS; k++)
        g_hash_table_destroy(r->ids[k]);
    g_free(r);
}

gboolean
fl_id_registry_learn(FlIdRegistry *r, FlIdKind kind, guint32 id,
                     const char *name, gsize len, const char *desc,
                     const char **first_name)
{
    RegEntry *e = g_hash_table_lookup(r->ids[kind], GUINT_TO_POINTER(id));

    if (e == NULL) {
        if (g_hash_table_size(r->ids[kind]) >= FL_ID_MAX_NAMES) {
            r->untracked++;
            return FALSE;
        }
        e = g_new0(RegEntry, 1);
        e->name = g_strndup(name, len);
        e->desc = g_strdup(desc ? desc : "");
        g_hash_table_insert(r->ids[kind], GUINT_TO_POINTER(id), e);
        return FALSE;
    }
    if (strlen(e->name) == len && memcmp(e->name, name, len) == 0)
        return FALSE;
    for (GSList *l = e->collided; l; l = l->next)
        if (strlen(l->data) == len && memcmp(l->data, name, len) == 0)
            return FALSE;
    e->collided = g_slist_prepend(e->collided, g_strndup(name, len));
    if (first_name)
        *first_name = e->name;
    return TRUE;
}

void
fl_id_registry_pin(FlIdRegistry *r, FlIdKind kind, guint32 id,
                   const char *name, const char *desc)
{
    RegEntry *e = g_new0(RegEntry, 1);

    e->name = g_strdup(name);
    e->desc = g_strdup(desc);
    g_hash_table_replace(r->ids[kind], GUINT_TO_POINTER(id), e);
}

gboolean
fl_id_registry_sent(FlIdRegistry *r, FlIdKind kind, guint32 id)
{
    guint i = (id ^ (id >> 12) ^ (id >> 24)) & (SENT_SLOTS - 1);
    RegEntry *e;

    if (r->sent[kind][i].id == id && r->sent[kind][i].epoch == r->epoch)
        return TRUE;
    e = g_hash_table_lookup(r->ids[kind], GUINT_TO_POINTER(id));
    if (e == NULL || e->sent_epoch != r->epoch)
        return FALSE;
    r->sent[kind][i].id = id;
    r->sent[kind][i].epoch = r->epoch;
    return TRUE;
}

gboolean
fl_id_registry_mark_sent(FlIdRegistry *r, FlIdKind kind, guint32 id,
                         const char **name, const char **desc)
{
    RegEntry *e = g_hash_table_lookup(r->ids[kind], GUINT_TO_POINTER(id));

    if (e == NULL)
        return FALSE;
    e->sent_epoch = r->epoch;
    *name = e->name;
    *desc = e->desc;
    return TRUE;
}

void
fl_id_registry_new_epoch(FlIdRegistry *r)
{
    r->epoch++;
}

guint64
fl_id_registry_untracked(FlIdRegistry *r)
{
    return r->untracked;
}

guint
fl_id_registry_size(FlIdRegistry *r)
{
    return g_hash_table_size(r->ids[FL_ID_INTERFACE])
           + g_hash_table_size(r->ids[FL_ID_VRF]);
}

/* A pinned name with a description is described by the map; one without
 * gets the description of its first line, like any other name. */
static void
pin_in_registry(FlIdKind kind, guint32 id, const char *name,
                const char *desc, gpointer data)
{
    if (*desc)
        fl_id_registry_pin(data, kind, id, name, desc);
}

gboolean
fl_id_registry_apply_pins(FlIdRegistry *r, const FlIdPins *pins)
{
    guint gen = fl_id_pins_generation(pins);

    if (gen == r->pins_gen)
        return FALSE;
    r->pins_gen = gen;
    fl_id_pins_foreach(pins, pin_in_registry, r);
    return TRUE;
}
