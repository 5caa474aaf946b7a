/*
 * templates.h - the IPFIX templates, in one place.
 *
 * Spec arrays for the data record (one internal layout = FlIpfixRec, and
 * the external variants of doc/internals/CONTRACT.md) and for the two
 * options records.  The exporter (export.c) and the per-thread encoders
 * (encode.c) both build their sessions from here, so the two can never
 * disagree about a template ID.
 */
#ifndef FL_TEMPLATES_H
#define FL_TEMPLATES_H

#include <fixbuf/public.h>
#include <glib.h>

typedef enum {
    FL_TMPL_DATA_INTERNAL,      /* FlIpfixRec */
    FL_TMPL_DATA_EXTERNAL,      /* flags = variant bits */
    FL_TMPL_IF_OPTION_INTERNAL, /* FlOptionRec, scope ingressInterface */
    FL_TMPL_IF_OPTION,
    FL_TMPL_VRF_OPTION_INTERNAL,/* FlOptionRec, scope ingressVRFID */
    FL_TMPL_VRF_OPTION
} FlTemplateKind;

/* The C struct behind both options templates. */
typedef struct {
    guint32 id;
    guint8 pad[4];
    fbVarfield_t name;
    fbVarfield_t desc;
} FlOptionRec;

/*
 * Builds a template of that kind and adds it to s under tid (internal or
 * external table).  FALSE with *err (libfixbuf's) on failure; nothing is
 * leaked.
 */
gboolean fl_template_add(fbSession_t *s, gboolean internal, guint16 tid,
                         fbInfoModel_t *model, FlTemplateKind kind,
                         guint variant, GError **err);

/* Checks that FlIpfixRec and FlOptionRec match their internal templates
 * (a build problem, reported as FL_ERROR_CONFIG rather than trusted). */
gboolean fl_template_check_layout(fbInfoModel_t *model, GError **err);

#endif
