/*
 * inflate.h - gzip as a byte filter.
 *
 * An FlInflate pulls compressed bytes from a read function (normally an
 * object's raw reader) and hands out the decoded bytes, inflating straight
 * into the caller's buffer.  It understands gzip only (RFC 1952), including
 * several members one after the other and zero padding after the last one,
 * and it stops a zip bomb by bounding the decoded size by the compressed
 * size.  It does not sniff: the caller has already seen the magic bytes.
 */
#ifndef FL_INFLATE_H
#define FL_INFLATE_H

#include <glib.h>

typedef struct FlInflate FlInflate;

/* Same contract as FlObjectType.read: count, 0 at end, -1 with *err set. */
typedef gssize (*FlInflateReadFunc)(gpointer data, guint8 *buf, gsize len,
                                    GError **err);

/* Slack on top of max_ratio times the compressed size (see below). */
#define FL_INFLATE_SLACK (1024 * 1024)

/*
 * Makes a filter that reads compressed bytes through read_fn(data, ...).
 * prefix holds n_prefix bytes the caller already read from the stream
 * (the sniffed magic bytes); they are decoded first and may be NULL when
 * n_prefix is 0.  max_ratio bounds the output: once the decoded bytes pass
 * max_ratio * compressed bytes + FL_INFLATE_SLACK, reads fail with
 * FL_ERROR_LIMIT; 0 means no bound.
 * Returns NULL with *err set only if the decompressor cannot be set up.
 * Caller frees with fl_inflate_free().
 */
FlInflate *fl_inflate_new(FlInflateReadFunc read_fn, gpointer data,
                          const guint8 *prefix, gsize n_prefix,
                          guint max_ratio, GError **err);

/*
 * Reads up to len (> 0) decoded bytes into buf.  Returns the count, 0 once
 * the last member has ended and the input is exhausted, or -1 with *err
 * set: FL_ERROR_CORRUPT for damaged data (in the decompressor's words),
 * trailing garbage or a truncated stream, FL_ERROR_LIMIT for a zip bomb,
 * or whatever the
 * read function reported.  Bytes decoded before damage is found are handed
 * out first and the error comes with the next call; a zip bomb fails at
 * once.  After -1 the filter is spent; only free it.
 * Like read(2) it may return fewer bytes than asked: it fills buf from the
 * input at hand and only waits for more input when it has nothing to give.
 */
gssize fl_inflate_read(FlInflate *inf, guint8 *buf, gsize len, GError **err);

void fl_inflate_free(FlInflate *inf);

#endif
