/*
 * infomodel.c - load infomodel/flowlog2ipfix.xml into libfixbuf's model.
 *
 * The XML file is the single source of truth for our enterprise elements:
 * the same file is installed for "ipfixDump --element-file".
 */
#include "config.h"

#include "error.h"
#include "output/infomodel.h"

fbInfoModel_t *
fl_infomodel_load(const char *dir, GError **err)
{
    g_autoptr(fbInfoModel_t) model = fbInfoModelAlloc();
    g_autofree char *path = g_build_filename(dir, FL_INFOMODEL_FILE, NULL);
    const fbInfoElement_t *ie;
    GError *local = NULL;

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: information model file not found (see "
                    "--infomodel-dir)", path);
        return NULL;
    }
    if (!fbInfoModelReadXMLFile(model, path, &local)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: %s", path,
                    local ? local->message : "cannot read XML");
        g_clear_error(&local);
        return NULL;
    }
    ie = fbInfoModelGetElementByID(model, FL_IE_VRF_DESCRIPTION,
                                   FL_PEN_ISARNET);
    if (ie == NULL || ie->type != FB_STRING) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "%s: does not define vrfDescription (%d/%d) as a "
                    "string", path, FL_PEN_ISARNET, FL_IE_VRF_DESCRIPTION);
        return NULL;
    }
    return g_steal_pointer(&model);
}
