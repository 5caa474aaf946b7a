/*
 * json_bounds.h - cheap scans of JSON text made before json-glib sees it.
 *
 * json-glib descends recursively, so a few megabytes of '[' would cost the
 * stack: callers measure the nesting first and refuse deep texts.  These
 * scans only follow strings (with their escapes) and brackets; they are
 * not JSON parsers and accept much that is not JSON, which json-glib then
 * refuses.  After parsing, fl_json_describe() says what a document that
 * fits no expected shape holds.
 */
#ifndef FL_JSON_BOUNDS_H
#define FL_JSON_BOUNDS_H

#include <glib.h>
#include <json-glib/json-glib.h>

/*
 * The deepest '[' / '{' nesting outside strings in the len bytes at s.
 * Stops counting once it passes max, so the result is at most max + 1.
 * Cannot fail.
 */
guint fl_json_nesting(const char *s, gsize len, guint max);

/*
 * The length of the bracketed value that starts at s[0] ('{' or '['), up
 * to and including its closing bracket, so that several values written
 * one after the other without separators can be cut apart.  Returns 0
 * when s does not start with a bracket, when the input ends first (a
 * truncated value), or when the nesting passes max; *deepest (may be
 * NULL) then tells the last case apart: it is max + 1.  Brackets are
 * counted, not matched ("{]" ends a value): json-glib judges the slice.
 */
gsize fl_json_value_end(const char *s, gsize len, guint max, guint *deepest);

/*
 * What node is, for an error message: "a JSON array", or "an object with
 * \"a\", \"b\", ..." (the first four member names, each cut to 40
 * bytes and escaped, as they come from the input).  Caller frees with
 * g_free().  Cannot fail.
 */
char *fl_json_describe(JsonNode *node);

#endif
