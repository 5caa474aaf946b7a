/*
 * base64.h - strict base64 (RFC 4648, standard alphabet) for envelopes.
 *
 * GLib's g_base64_decode_step passes over bytes outside the alphabet,
 * which an envelope must not, so callers used to check the text first
 * and then decode it: two passes, a tenth of an envelope's CPU time.
 * This is one pass that checks as it decodes, four characters at a time.
 */
#ifndef FL_BASE64_H
#define FL_BASE64_H

#include <glib.h>

/*
 * Decodes s (len a multiple of 4, at most two '=' at the very end) into
 * out, which has room for len / 4 * 3 bytes; *out_len gets the decoded
 * length.  FALSE when len is not a multiple of 4 or a byte other than
 * the padding is outside the alphabet (out is then undefined).  Bits
 * left over in the last character are ignored, as GLib does.
 */
gboolean fl_base64_decode(const char *s, gsize len, guint8 *out,
                          gsize *out_len);

#endif
