/*
 * cloud_json_int.h - what cloud_json.c (the yajl walk) and cloud_json_scan.c
 * (its fast path) share.  Not for use outside those two files.
 */
#ifndef FL_CLOUD_JSON_INT_H
#define FL_CLOUD_JSON_INT_H

#include <yajl/yajl_parse.h>

#include "decoders/cloud_json.h"

#define DEFAULT_MAX_LEN 1024
/* A node's kids by a hash of their names: an entry's every key is looked
 * up, most are not in the schema, and one compare tells. */
#define KID_HASH 64
#define KID_NONE (-1)
#define KID_MANY (-2)               /* several: compare them all */

typedef struct {
    const char *name;           /* into the schema's path string */
    gsize len;
    gint slot;                  /* -1: an inner node */
    gsize max_len;
    GArray *kids;               /* guint node indices */
    gint16 hash[KID_HASH];      /* a kid, KID_NONE or KID_MANY */
} Node;

struct FlCjWalker {
    GArray *nodes;              /* Node; 0 is the root */
    guint n_slots;
    yajl_handle h;
    gboolean fast;              /* try cloud_json_scan.c first */
    gboolean hashed;            /* the nodes' hash tables are made */
    /* the walk */
    gint stack[FL_CJ_MAX_DEPTH + 1];
    gboolean is_array[FL_CJ_MAX_DEPTH + 1];
    guint depth, base;
    gint key_node;
    gboolean in_entry, too_deep;
    gboolean yajl_value;        /* yajl has read a whole value */
    gboolean mute;              /* callbacks do nothing (past_a_value) */
    gboolean fed;               /* yajl has had more than spaces */
    guint64 line, entry_line, top_line;
    FlCjValue v[FL_CJ_MAX_SLOTS];
    GString *arena;
    FlCjEntryFunc on_entry;
    FlCjBadFunc on_bad;
    gpointer data;
    GError *stop;
};

/* The child of tree node parent named name, or -1. */
gint fl_cj_kid(const FlCjWalker *w, gint parent, const char *name,
               gsize len);
/* A value of node (may be -1: nothing kept) into its slot. */
void fl_cj_store(FlCjWalker *w, gint node, FlCjType type, const char *s,
                 gsize len);

typedef enum {
    FL_CJ_SCAN_NO,              /* not taken: yajl reads the line */
    FL_CJ_SCAN_OK,              /* the line's entry went to on_entry */
    FL_CJ_SCAN_STOP             /* on_entry failed: w->stop is set */
} FlCjScan;

/*
 * The line (n bytes at p, its '\n' included) read without yajl, when it
 * is one object alone, with nothing on which yajl could decide otherwise
 * (cloud_json_scan.c says what).  Only when no value is open (depth 0).
 */
FlCjScan fl_cj_scan_line(FlCjWalker *w, const char *p, gsize n);

#endif
