/*
 * templates.c - spec arrays and template construction (see templates.h).
 *
 * The internal data template mirrors FlIpfixRec member by member; the
 * external spec is in wire order, and its flags pick the elements of each
 * variant (YAF's way of cutting many templates from one array).
 */
#include <fixbuf/public.h>

#include "config.h"
#include "error.h"
#include "mapper.h"
#include "output/templates.h"

/* The C struct, in order; one internal template for every variant. */
static fbInfoElementSpec_t data_internal_spec[] = {
    { "octetDeltaCount", 8, 0 },
    { "packetDeltaCount", 8, 0 },
    { "droppedPacketDeltaCount", 8, 0 },
    { "flowStartMilliseconds", 8, 0 },
    { "flowEndMilliseconds", 8, 0 },
    { "sourceIPv6Address", 16, 0 },
    { "destinationIPv6Address", 16, 0 },
    { "sourceIPv4Address", 4, 0 },
    { "destinationIPv4Address", 4, 0 },
    { "flowStartSeconds", 4, 0 },
    { "flowEndSeconds", 4, 0 },
    { "ingressInterface", 4, 0 },
    { "egressInterface", 4, 0 },
    { "ingressVRFID", 4, 0 },
    { "sourceTransportPort", 2, 0 },
    { "destinationTransportPort", 2, 0 },
    { "tcpControlBits", 2, 0 },
    { "protocolIdentifier", 1, 0 },
    { "flowDirection", 1, 0 },
    { "flowEndReason", 1, 0 },
    { "paddingOctets", 3, 0 },
    FB_IESPEC_NULL
};

/* The wire order; flags select the elements of each variant. */
static fbInfoElementSpec_t data_external_spec[] = {
    { "sourceIPv4Address", 4, FL_V_IPV4 },
    { "destinationIPv4Address", 4, FL_V_IPV4 },
    { "sourceIPv6Address", 16, FL_V_IPV6 },
    { "destinationIPv6Address", 16, FL_V_IPV6 },
    { "sourceTransportPort", 2, 0 },
    { "destinationTransportPort", 2, 0 },
    { "protocolIdentifier", 1, 0 },
    { "tcpControlBits", 2, FL_V_TCP_FLAGS },
    { "ingressInterface", 4, 0 },
    { "egressInterface", 4, FL_V_EGRESS },
    { "ingressVRFID", 4, FL_V_VRF },
    { "flowDirection", 1, FL_V_DIRECTION },
    { "packetDeltaCount", 8, 0 },
    { "octetDeltaCount", 8, 0 },
    { "droppedPacketDeltaCount", 8, FL_V_DROPPED },
    { "flowStartSeconds", 4, FL_V_TIME_SEC },
    { "flowEndSeconds", 4, FL_V_TIME_SEC },
    { "flowStartMilliseconds", 8, FL_V_TIME_MSEC },
    { "flowEndMilliseconds", 8, FL_V_TIME_MSEC },
    /* Last, so that every variant without it is what it always was. */
    { "flowEndReason", 1, FL_V_END_REASON },
    FB_IESPEC_NULL
};

/* flags 1 = internal only (the padding) */
static fbInfoElementSpec_t if_option_spec[] = {
    { "ingressInterface", 4, 0 },
    { "paddingOctets", 4, 1 },
    { "interfaceName", FB_IE_VARLEN, 0 },
    { "interfaceDescription", FB_IE_VARLEN, 0 },
    FB_IESPEC_NULL
};

static fbInfoElementSpec_t vrf_option_spec[] = {
    { "ingressVRFID", 4, 0 },
    { "paddingOctets", 4, 1 },
    { "VRFname", FB_IE_VARLEN, 0 },
    { "vrfDescription", FB_IE_VARLEN, 0 },
    FB_IESPEC_NULL
};

static fbInfoElementSpec_t *
kind_spec(FlTemplateKind kind, guint variant, guint32 *flags, guint16 *scope)
{
    *scope = 0;
    *flags = 0;
    switch (kind) {
    case FL_TMPL_DATA_INTERNAL:
        *flags = 0;
        return data_internal_spec;
    case FL_TMPL_DATA_EXTERNAL:
        *flags = variant | ((variant & FL_V_IPV6) ? 0 : FL_V_IPV4);
        return data_external_spec;
    case FL_TMPL_IF_OPTION_INTERNAL:
    case FL_TMPL_IF_OPTION:
        *flags = kind == FL_TMPL_IF_OPTION_INTERNAL;  /* 1 = padding */
        *scope = 1;
        return if_option_spec;
    case FL_TMPL_VRF_OPTION_INTERNAL:
    case FL_TMPL_VRF_OPTION:
        *flags = kind == FL_TMPL_VRF_OPTION_INTERNAL;
        *scope = 1;
        return vrf_option_spec;
    }
    g_return_val_if_reached(NULL);
}

static fbTemplate_t *
template_new(fbInfoModel_t *model, FlTemplateKind kind, guint variant,
             GError **err)
{
    guint32 flags = 0;
    guint16 scope = 0;
    fbInfoElementSpec_t *spec = kind_spec(kind, variant, &flags, &scope);
    fbTemplate_t *t = fbTemplateAlloc(model);

    if (!fbTemplateAppendSpecArray(t, spec, flags, err)) {
        fbTemplateFreeUnused(t);
        return NULL;
    }
    if (scope)
        fbTemplateSetOptionsScope(t, scope);
    return t;
}

gboolean
fl_template_add(fbSession_t *s, gboolean internal, guint16 tid,
                fbInfoModel_t *model, FlTemplateKind kind, guint variant,
                GError **err)
{
    fbTemplate_t *t = template_new(model, kind, variant, err);

    if (t == NULL)
        return FALSE;
    if (!fbSessionAddTemplate(s, internal, tid, t, err)) {
        fbTemplateFreeUnused(t);
        return FALSE;
    }
    return TRUE;
}

gboolean
fl_template_check_layout(fbInfoModel_t *model, GError **err)
{
    static const struct { FlTemplateKind kind; gsize size; } want[] = {
        { FL_TMPL_DATA_INTERNAL, sizeof(FlIpfixRec) },
        { FL_TMPL_IF_OPTION_INTERNAL, sizeof(FlOptionRec) },
        { FL_TMPL_VRF_OPTION_INTERNAL, sizeof(FlOptionRec) },
    };

    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        fbTemplate_t *t = template_new(model, want[i].kind, 0, err);
        gsize got;

        if (t == NULL)
            return FALSE;
        got = fbTemplateGetIELenOfMemBuffer(t);
        fbTemplateFreeUnused(t);
        if (got != want[i].size) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "internal template %d is %" G_GSIZE_FORMAT
                        " bytes, its struct %" G_GSIZE_FORMAT,
                        (int)want[i].kind, got, want[i].size);
            return FALSE;
        }
    }
    return TRUE;
}
