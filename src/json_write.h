/*
 * json_write.h - JSON text out: strings escaped for a JSON document.
 *
 * For the few JSON documents the program writes by hand (Lambda answers,
 * JSON log lines, statistics): small, and cheaper than building a
 * json-glib tree for each.  Parsing stays with json-glib and yajl.
 */
#ifndef FL_JSON_WRITE_H
#define FL_JSON_WRITE_H

#include <glib.h>

/*
 * Appends s (len bytes, or up to its NUL when len is -1) to out as a
 * JSON string, quotes included: '"', '\\' and control characters are
 * escaped, valid UTF-8 is kept as it is, and each byte that is not valid
 * UTF-8 becomes U+FFFD, so the document is valid JSON whatever s holds.
 * Cannot fail.
 */
void fl_json_append_string(GString *out, const char *s, gssize len);

#endif
