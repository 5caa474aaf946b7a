/*
 * json_write.c - JSON strings out (json_write.h).
 */
#include "config.h"

#include <string.h>

#include "json_write.h"

void
fl_json_append_string(GString *out, const char *s, gssize len)
{
    const char *p = s, *end;

    if (len < 0)
        len = (gssize)strlen(s);
    end = s + len;
    g_string_append_c(out, '"');
    while (p < end) {
        const char *run = p;
        guchar c;

        /* Plain ASCII goes out in runs. */
        while (p < end && (guchar)*p >= 0x20 && (guchar)*p < 0x80
               && *p != '"' && *p != '\\')
            p++;
        g_string_append_len(out, run, p - run);
        if (p == end)
            break;
        c = (guchar)*p;
        if (c == '"' || c == '\\') {
            g_string_append_c(out, '\\');
            g_string_append_c(out, (char)c);
            p++;
        } else if (c < 0x20) {
            switch (c) {
            case '\n': g_string_append(out, "\\n"); break;
            case '\r': g_string_append(out, "\\r"); break;
            case '\t': g_string_append(out, "\\t"); break;
            default: g_string_append_printf(out, "\\u%04x", c); break;
            }
            p++;
        } else {
            gunichar u = g_utf8_get_char_validated(p, end - p);

            if (u == (gunichar)-1 || u == (gunichar)-2) {
                g_string_append(out, "\\ufffd");
                p++;
            } else {
                const char *next = g_utf8_next_char(p);

                g_string_append_len(out, p, next - p);
                p = next;
            }
        }
    }
    g_string_append_c(out, '"');
}
