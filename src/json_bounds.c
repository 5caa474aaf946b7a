/*
 * json_bounds.c - bracket and string scans of JSON text, and descriptions
 * of parsed documents for messages (see json_bounds.h).
 */
#include "config.h"

#include "json_bounds.h"

/*
 * Walks s, following strings and counting brackets outside them.  With
 * stop_at_close it stops right after the bracket that brings the depth
 * back to 0 and returns the index after it; otherwise, or when the
 * input ends or the nesting passes max first, it returns 0.  *deepest gets
 * the deepest nesting seen, at most max + 1.
 */
static gsize
scan(const char *s, gsize len, guint max, gboolean stop_at_close,
     guint *deepest)
{
    guint depth = 0, top = 0;
    gboolean in_str = FALSE;
    gsize i;

    for (i = 0; i < len && top <= max; i++) {
        char c = s[i];

        if (in_str) {
            if (c == '\\')
                i++;            /* the escaped byte cannot end the string */
            else if (c == '"')
                in_str = FALSE;
        } else if (c == '"') {
            in_str = TRUE;
        } else if (c == '[' || c == '{') {
            depth++;
            top = MAX(top, depth);      /* MAX evaluates twice: no ++ in it */
        } else if ((c == ']' || c == '}') && depth > 0) {
            if (--depth == 0 && stop_at_close) {
                *deepest = top;
                return i + 1;
            }
        }
    }
    *deepest = top;
    return 0;
}

guint
fl_json_nesting(const char *s, gsize len, guint max)
{
    guint deepest;

    (void)scan(s, len, max, FALSE, &deepest);
    return deepest;
}

gsize
fl_json_value_end(const char *s, gsize len, guint max, guint *deepest)
{
    guint top = 0;
    gsize end = 0;

    if (len > 0 && (s[0] == '{' || s[0] == '['))
        end = scan(s, len, max, TRUE, &top);
    if (deepest != NULL)
        *deepest = top;
    return end;
}

char *
fl_json_describe(JsonNode *node)
{
    GString *s = g_string_new(NULL);
    GList *names, *l;
    guint i = 0;

    if (!JSON_NODE_HOLDS_OBJECT(node)) {
        g_string_printf(s, "a JSON %s", JSON_NODE_HOLDS_ARRAY(node) ? "array"
                        : JSON_NODE_HOLDS_NULL(node) ? "null" : "value");
        return g_string_free(s, FALSE);
    }
    names = json_object_get_members(json_node_get_object(node));
    g_string_append(s, "an object with ");
    if (names == NULL)
        g_string_append(s, "no members");
    for (l = names; l != NULL && i < 4; l = l->next, i++) {
        /* Names come from the input: short and printable. */
        g_autofree char *cut = g_strndup(l->data, 40);
        g_autofree char *esc = g_strescape(cut, NULL);

        g_string_append_printf(s, "%s\"%s\"", i ? ", " : "", esc);
    }
    if (l != NULL)
        g_string_append(s, ", ...");
    g_list_free(names);
    return g_string_free(s, FALSE);
}
