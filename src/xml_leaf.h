/*
 * xml_leaf.h - small XML answers (S3 listings, Azure blob listings and
 * block lists, error documents) read through GMarkup, bounded.
 *
 * The reader keeps only the path of open elements and the text of the
 * current leaf, and calls back when an element opens and before it
 * closes.  The path holds the caller's own static names (UNKNOWN for any
 * other): names from the answer are neither copied nor interned, since
 * interned strings are never freed and every new name would grow the
 * process for good.  Text is bounded per leaf, nesting to
 * FL_XML_MAX_DEPTH.
 */
#ifndef FL_XML_LEAF_H
#define FL_XML_LEAF_H

#include <glib.h>

#define FL_XML_MAX_DEPTH 8
#define FL_XML_UNKNOWN "?"      /* not an XML name: matches none */

typedef struct {
    const char *path[FL_XML_MAX_DEPTH]; /* open elements, outermost first */
    guint depth;
    GString *text;              /* the current leaf's text so far */
    gboolean text_too_long;     /* past FlXmlReader.max_text */
} FlXmlLeaf;

typedef struct {
    const char *const *names;   /* the element names acted upon */
    gsize n_names;
    gsize max_text;             /* a leaf's longest text */
    /* After an element opened: x->path[x->depth - 1] is its name. */
    void (*open)(FlXmlLeaf *x, gpointer user, GError **err);
    /* Before it closes, with its text in x->text. */
    void (*close)(FlXmlLeaf *x, gpointer user, GError **err);
} FlXmlReader;

/* Parses xml[0..len); FALSE with FL_ERROR_CORRUPT (GMarkup's own errors
 * included) or the callbacks' error. */
gboolean fl_xml_leaf_parse(const FlXmlReader *r, gpointer user,
                           const char *xml, gsize len, GError **err);

/* The open path is exactly want[0]/want[1]/... (n names). */
gboolean fl_xml_leaf_at(const FlXmlLeaf *x, guint n,
                        const char *const *want);
#define FL_XML_AT(x, ...)                                               \
    fl_xml_leaf_at(x, G_N_ELEMENTS(((const char *[]){ __VA_ARGS__ })),  \
                   (const char *[]){ __VA_ARGS__ })

/* TRUE when the leaf's text is at most max bytes and has no NUL byte;
 * else FALSE with FL_ERROR_CORRUPT naming the element. */
gboolean fl_xml_leaf_check(const FlXmlLeaf *x, gsize max, GError **err);

/* A copy of the leaf's text if fl_xml_leaf_check() passes, else NULL. */
char *fl_xml_leaf_take(const FlXmlLeaf *x, gsize max, GError **err);

#endif
