/*
 * cwl_follow.h - where a CloudWatch Logs --follow has got to, and which
 * events it has handed out already.
 *
 * CloudWatch Logs makes an event visible some time after its timestamp
 * (for flow logs: after the aggregation interval and the delivery delay),
 * and FilterLogEvents selects by timestamp.  So each poll reads again an
 * overlap window before the point everything was read up to ("done"),
 * and drops the events it has seen by their event ID.  IDs are kept only
 * for events inside the overlap window (plus those of the poll under
 * way), so memory is bounded by the events of overlap + one window span.
 * An event that becomes visible later than the overlap after its
 * timestamp is missed: the overlap is the operator's bet on CloudWatch's
 * delay.
 *
 * Pure logic, no I/O: source_cwl.c asks it for windows and feeds it
 * events; the state round trip is a string for the --state journal.  Not
 * thread-safe: the reader thread owns it; what the writer thread commits
 * is a string saved at hand-out time.
 */
#ifndef FL_CWL_FOLLOW_H
#define FL_CWL_FOLLOW_H

#include <glib.h>

typedef struct FlCwlFollow FlCwlFollow;

/*
 * done_ms: everything before it counts as read (the start of a first
 * poll's window is done_ms - overlap_ms); floor_ms: no window starts
 * before it (--since; 0 for none).  Cannot fail.
 */
FlCwlFollow *fl_cwl_follow_new(gint64 overlap_ms, gint64 done_ms,
                               gint64 floor_ms);
void fl_cwl_follow_free(FlCwlFollow *f);

/*
 * The next poll's window [*start, *end): from done - overlap (not before
 * the floor) to now_ms, but not more than max_span_ms past done, so that
 * catching up after a pause goes in steps of bounded memory.  *end is
 * never before done.  Cannot fail.
 */
void fl_cwl_follow_window(const FlCwlFollow *f, gint64 now_ms,
                          gint64 max_span_ms, gint64 *start, gint64 *end);

/*
 * An event of the current poll: TRUE when it is new (it is remembered
 * from now on), FALSE when it was handed out before.  Cannot fail.
 */
gboolean fl_cwl_follow_add(FlCwlFollow *f, const char *event_id,
                           gint64 ts_ms);

/*
 * The window up to end_ms was read whole: done becomes end_ms (it never
 * goes back), and IDs of events before done - overlap are forgotten.
 */
void fl_cwl_follow_advance(FlCwlFollow *f, gint64 end_ms);

gint64 fl_cwl_follow_done(const FlCwlFollow *f);
guint  fl_cwl_follow_n_ids(const FlCwlFollow *f);

/*
 * The state as one line: "1 DONE_MS TS:ID TS:ID ...", IDs newest first,
 * no longer than max_len bytes: when the IDs do not fit, the oldest are
 * left out and *dropped counts them (a restart may then repeat those
 * events).  Caller frees.  Cannot fail.
 */
char *fl_cwl_follow_save(const FlCwlFollow *f, gsize max_len, guint *dropped);

/*
 * Replaces done and the IDs with a saved state (done only moves
 * forward; IDs are added).  FALSE with FL_ERROR_CORRUPT when text is not
 * a saved state; f is then unchanged.
 */
gboolean fl_cwl_follow_load(FlCwlFollow *f, const char *text, GError **err);

#endif
