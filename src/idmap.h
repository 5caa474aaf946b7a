/*
 * idmap.h - generated numeric IDs for cloud names (ENIs, VPCs, actions).
 *
 * The ID is a pure function of the name (FNV-1a 32, folded into a
 * documented range), so parallel processes agree without shared state.
 * See doc/internals/CONTRACT.md for the ranges.
 *
 * Two halves:
 *  - FlNameCache: per worker thread, name -> ID with a direct-mapped
 *    cache so the hash runs once per distinct name, not once per line; it
 *    reports each name it has not seen before, so the writer can check for
 *    collisions and learn descriptions.
 *  - FlIdRegistry: owned by the writer thread: ID -> name and description,
 *    collision detection, and "options record already sent in this epoch".
 */
#ifndef FL_IDMAP_H
#define FL_IDMAP_H

#include <glib.h>

typedef enum {
    FL_ID_INTERFACE = 0,   /* ingressInterface/egressInterface namespace */
    FL_ID_VRF = 1,         /* ingressVRFID namespace */
    FL_ID_KINDS
} FlIdKind;

/* Names kept per kind (per thread cache, and in the registry): about
 * 200 bytes each, so the cap bounds memory on hostile input.  Past it,
 * IDs are still generated; only descriptions and collision checks stop. */
#define FL_ID_MAX_NAMES 100000

#define FL_ID_ACCEPT 1
#define FL_ID_REJECT 2

/* ---- pinned IDs (--id-map) ---- */

typedef struct FlIdPins FlIdPins;

/*
 * Reads a CSV map of "kind,name,id,description" lines (kind "interface"
 * or "vrf"; the description is the rest of the line and may hold commas
 * or be empty; '#' starts a comment line).  IDs must lie in the range of
 * their kind for bits (interfaces from 16: 1-15 are the pseudo-
 * interfaces), and names and IDs must be unique per kind.  Errors
 * (FL_ERROR_CONFIG) name the file and line.  Caller frees with
 * fl_id_pins_free().
 */
FlIdPins *fl_id_pins_load(const char *path, int bits, GError **err);
void      fl_id_pins_free(FlIdPins *pins);

/*
 * Reads the file of fl_id_pins_load() again (SIGHUP).  On error (as for
 * load) pins are unchanged.  Otherwise the generation changes: name caches
 * made with pins switch to the new map at their next lookup (and forget
 * what they cached), and fl_id_registry_apply_pins() takes its
 * descriptions.  Safe while other threads look names up; call it from one
 * thread only, the one that also calls fl_id_pins_lookup/_foreach.
 */
gboolean fl_id_pins_reload(FlIdPins *pins, GError **err);

/* 1 after load, + 1 on every successful reload.  Any thread. */
guint fl_id_pins_generation(const FlIdPins *pins);

/* The pinned ID of name (0 if none), and its description (may be "",
 * owned by pins, valid until the next reload). */
guint32 fl_id_pins_lookup(const FlIdPins *pins, FlIdKind kind,
                          const char *name, gsize len, const char **desc);

typedef void (*FlIdPinFunc)(FlIdKind kind, guint32 id, const char *name,
                            const char *desc, gpointer data);
void fl_id_pins_foreach(const FlIdPins *pins, FlIdPinFunc fn,
                        gpointer data);

/* FNV-1a 32-bit of the bytes.  Cannot fail. */
guint32 fl_id_hash(const char *name, gsize len);

/* The generated ID for name (bits 32 or 16).  Cannot fail. */
guint32 fl_id_generate(FlIdKind kind, const char *name, gsize len, int bits);

/* ---- per-thread cache ---- */

typedef struct FlNameCache FlNameCache;

/* pins may be NULL; a pinned name gets its pinned ID (of the map's
 * newest generation: see fl_id_pins_reload). */
FlNameCache *fl_name_cache_new(FlIdKind kind, int bits,
                               const FlIdPins *pins);
void         fl_name_cache_free(FlNameCache *c);

/*
 * ID for name.  *is_new is set TRUE the first time this cache sees the
 * exact name (then the caller reports it to the writer).  Cannot fail.
 */
guint32 fl_name_cache_lookup(FlNameCache *c, const char *name, gsize len,
                             gboolean *is_new);

/* ---- writer registry ---- */

typedef struct FlIdRegistry FlIdRegistry;

FlIdRegistry *fl_id_registry_new(void);
void          fl_id_registry_free(FlIdRegistry *r);

/*
 * Records that name (with description) has ID id.  The first name seen
 * for an ID wins; a different name for a known ID is a collision: returns
 * TRUE once per distinct (id, name) pair so the caller can warn and count.
 */
gboolean fl_id_registry_learn(FlIdRegistry *r, FlIdKind kind, guint32 id,
                              const char *name, gsize len, const char *desc,
                              const char **first_name);

/* Pins id to name and description (action pseudo-interfaces, map files). */
void fl_id_registry_pin(FlIdRegistry *r, FlIdKind kind, guint32 id,
                        const char *name, const char *desc);

/*
 * TRUE when the options record for id was sent in the current epoch.
 * Inline fast path through a small direct-mapped cache.
 */
gboolean fl_id_registry_sent(FlIdRegistry *r, FlIdKind kind, guint32 id);

/*
 * Marks id as sent in this epoch and returns its name and description
 * (owned by the registry), or FALSE if the ID was never learned.
 */
gboolean fl_id_registry_mark_sent(FlIdRegistry *r, FlIdKind kind,
                                  guint32 id, const char **name,
                                  const char **desc);

/*
 * Pins the IDs of pins that have a description (names without one are
 * described by their first line, like any other), unless this generation
 * of pins was applied already.  TRUE when it applied them (then options
 * records should be sent again: a new epoch).  Cannot fail.
 */
gboolean fl_id_registry_apply_pins(FlIdRegistry *r, const FlIdPins *pins);

/* Starts a new epoch: every ID's options record is due again (new
 * connection, new file, options interval).  Cannot fail. */
void fl_id_registry_new_epoch(FlIdRegistry *r);

guint fl_id_registry_size(FlIdRegistry *r);

/* Names not learned because the registry was full. */
guint64 fl_id_registry_untracked(FlIdRegistry *r);

#endif
