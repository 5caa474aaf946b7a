/*
 * azblob_walk.h - which blobs of a container an azblob:// input reads.
 *
 * Azure writes flow logs as
 *   insights-logs-flowlogflowevent/flowLogResourceID=/SUB_RG/WATCHER_FLOWLOG/
 *       y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=MAC/PT1H.json   (VNet)
 *   insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/
 *       .../y=YYYY/m=MM/d=DD/h=HH/m=00/macAddress=MAC/PT1H.json (NSG)
 * one blob per NIC and UTC hour.
 *
 * Without a time range every blob under the prefix is listed (no
 * delimiter), in name order.  With one, listing everything and filtering
 * would read every blob name the container ever got (a year of one NIC
 * is 8,760 names), so the walker instead lists with delimiter "/" from
 * the prefix down until a level holds "y=" folders (the resource levels
 * above are few: one folder each), and there lists only the hours of the
 * range: one prefix ".../y=YYYY/m=MM/d=DD/h=HH/" per hour when the range
 * spans at most FL_AZWALK_MAX_HOURS hours, else one per day
 * (".../d=DD/"), whose blobs are filtered by their hour, and past
 * FL_AZWALK_MAX_DAYS days (--until alone starts the range in 1970) the
 * whole folder above the "y=" level, filtered.  A one-hour read
 * of one resource thus costs about as many list requests as the resource
 * path has levels, plus one.  At most FL_AZWALK_MAX_DEPTH levels are
 * descended below the prefix.
 *
 * Blobs are kept when their name ends in ".json" and, with a range, when
 * their hour [T, T+1 h) overlaps [since, until); others are counted as
 * skipped.  The walker does no I/O itself: it asks a list function.
 */
#ifndef FL_AZBLOB_WALK_H
#define FL_AZBLOB_WALK_H

#include <glib.h>
#include "azure/blob_xml.h"

#define FL_AZWALK_MAX_DEPTH 16
#define FL_AZWALK_MAX_HOURS 48
#define FL_AZWALK_MAX_DAYS 62

/* One List Blobs page; marker NULL for the first; appends to out and
 * sets out->next_marker (NULL at the end).  FALSE with *err. */
typedef gboolean (*FlAzWalkListFunc)(gpointer data, const char *prefix,
                                     const char *delimiter,
                                     const char *marker,
                                     FlAzBlobListing *out, GError **err);

typedef struct {
    const char *prefix;         /* "" for the whole container */
    gboolean has_range;
    gint64 since, until;        /* Unix seconds, [since, until) */
} FlAzWalkConfig;

typedef struct FlAzWalk FlAzWalk;

FlAzWalk *fl_azwalk_new(const FlAzWalkConfig *cfg, FlAzWalkListFunc list,
                        gpointer data);

/*
 * The next blob, or NULL at the end (*err unset) or when a list request
 * failed (*err set, prefixed with the prefix listed; the walk is over).
 * Caller frees with fl_azblob_item_free().
 */
FlAzBlobItem *fl_azwalk_next(FlAzWalk *w, GError **err);

guint64 fl_azwalk_skipped(const FlAzWalk *w);
guint64 fl_azwalk_requests(const FlAzWalk *w);
void fl_azwalk_free(FlAzWalk *w);

/* The hour of ".../y=YYYY/m=MM/d=DD/h=HH/..." in name (Unix seconds), or
 * -1 when the name has no such path. */
gint64 fl_azwalk_blob_hour(const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FlAzWalk, fl_azwalk_free)

#endif
