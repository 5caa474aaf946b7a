/*
 * xml_leaf.c - the bounded GMarkup reader of xml_leaf.h.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "xml_leaf.h"

typedef struct {
    FlXmlLeaf x;
    const FlXmlReader *r;
    gpointer user;
} Run;

static const char *
known_name(const FlXmlReader *r, const char *name)
{
    for (gsize i = 0; i < r->n_names; i++)
        if (strcmp(name, r->names[i]) == 0)
            return r->names[i];
    return FL_XML_UNKNOWN;
}

static void
on_start(GMarkupParseContext *ctx, const char *name, const char **an,
         const char **av, gpointer data, GError **err)
{
    Run *run = data;

    (void)ctx; (void)an; (void)av;
    if (run->x.depth == FL_XML_MAX_DEPTH) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                    "XML nested deeper than %d elements", FL_XML_MAX_DEPTH);
        return;
    }
    run->x.path[run->x.depth++] = known_name(run->r, name);
    g_string_truncate(run->x.text, 0);
    run->x.text_too_long = FALSE;
    if (run->r->open)
        run->r->open(&run->x, run->user, err);
}

static void
on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer data,
        GError **err)
{
    Run *run = data;

    (void)ctx; (void)err;
    if (run->x.text->len + len > run->r->max_text) {
        run->x.text_too_long = TRUE;
        return;
    }
    g_string_append_len(run->x.text, text, (gssize)len);
}

static void
on_end(GMarkupParseContext *ctx, const char *name, gpointer data,
       GError **err)
{
    Run *run = data;

    (void)ctx; (void)name;
    if (run->r->close)
        run->r->close(&run->x, run->user, err);
    run->x.depth--;
    g_string_truncate(run->x.text, 0);
}

static const GMarkupParser parser = {
    .start_element = on_start, .end_element = on_end, .text = on_text,
};

gboolean
fl_xml_leaf_parse(const FlXmlReader *r, gpointer user, const char *xml,
                  gsize len, GError **err)
{
    Run run = { .r = r, .user = user };
    GMarkupParseContext *ctx;
    GError *local = NULL;
    gboolean ok;

    run.x.text = g_string_new(NULL);
    ctx = g_markup_parse_context_new(&parser, 0, &run, NULL);
    ok = g_markup_parse_context_parse(ctx, xml, (gssize)len, &local)
         && g_markup_parse_context_end_parse(ctx, &local);
    g_markup_parse_context_free(ctx);
    g_string_free(run.x.text, TRUE);
    if (local != NULL && local->domain != FL_ERROR) {
        /* GMarkup's own errors (not well-formed, empty) are corrupt
         * answers too: callers sort errors by our codes only. */
        local->domain = FL_ERROR;
        local->code = FL_ERROR_CORRUPT;
    }
    if (local != NULL)
        g_propagate_error(err, local);
    return ok;
}

gboolean
fl_xml_leaf_at(const FlXmlLeaf *x, guint n, const char *const *want)
{
    if (x->depth != n)
        return FALSE;
    for (guint i = 0; i < n; i++)
        if (strcmp(x->path[i], want[i]) != 0)
            return FALSE;
    return TRUE;
}

gboolean
fl_xml_leaf_check(const FlXmlLeaf *x, gsize max, GError **err)
{
    if (!x->text_too_long && x->text->len <= max
        && memchr(x->text->str, '\0', x->text->len) == NULL)
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "<%s> longer than %"
                G_GSIZE_FORMAT " bytes or with a NUL byte",
                x->path[x->depth - 1], max);
    return FALSE;
}

char *
fl_xml_leaf_take(const FlXmlLeaf *x, gsize max, GError **err)
{
    if (!fl_xml_leaf_check(x, max, err))
        return NULL;
    return g_strndup(x->text->str, x->text->len);
}
