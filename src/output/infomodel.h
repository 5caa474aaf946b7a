/*
 * infomodel.h - libfixbuf's information model plus ours from XML.
 */
#ifndef FL_INFOMODEL_H
#define FL_INFOMODEL_H

#include <glib.h>
#include <fixbuf/public.h>

#define FL_INFOMODEL_FILE "flowlog2ipfix.xml"
#define FL_PEN_ISARNET 21659
#define FL_IE_VRF_DESCRIPTION 413

G_DEFINE_AUTOPTR_CLEANUP_FUNC(fbInfoModel_t, fbInfoModelFree)

/*
 * Builds the model: libfixbuf's IANA elements plus DIR/flowlog2ipfix.xml.
 * Fails (FL_ERROR_CONFIG, naming the path) when the file is missing,
 * unreadable or malformed, or does not define vrfDescription (21659/413)
 * as a string.  Caller frees with fbInfoModelFree() after every session.
 */
fbInfoModel_t *fl_infomodel_load(const char *dir, GError **err);

#endif
