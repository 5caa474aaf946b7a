/*
 * encode.c - per-thread libfixbuf encoding into memory (see encode.h).
 *
 * The fBuf writes through a FILE* made with fopencookie(): libfixbuf
 * hands each finished message to one write call, which appends it to the
 * batch's byte array.  Templates are added before fBufAllocForExport and
 * never exported, so the messages carry data sets only.
 */
/* config.h (for _GNU_SOURCE: fopencookie) before libfixbuf's headers;
 * safe because it defines neither HAVE_SPREAD nor HAVE_OPENSSL, the
 * names libfixbuf's headers test. */
#include "config.h"

#include <fixbuf/public.h>
#include <fixbuf/private.h>     /* fbSessionSetSequence: see begin() */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output/encode.h"
#include "error.h"
#include "output/infomodel.h"
#include "output/templates.h"

struct FlEncoder {
    fbInfoModel_t *model;
    fBuf_t *fbuf;               /* owns session and exporter */
    fbSession_t *session;
    FILE *fp;
    GByteArray *out;            /* current batch */
    guint cur_variant;
};

static ssize_t
cookie_write(void *cookie, const char *buf, size_t len)
{
    FlEncoder *enc = cookie;

    g_byte_array_append(enc->out, (const guint8 *)buf, (guint)len);
    return (ssize_t)len;
}

FlEncoder *
fl_encoder_new(const char *infomodel_dir, guint32 domain, GError **err)
{
    FlEncoder *enc = g_new0(FlEncoder, 1);
    cookie_io_functions_t io = { NULL, cookie_write, NULL, NULL };
    fbSession_t *s = NULL;

    /* Its own model too: nothing of libfixbuf is shared between threads. */
    enc->model = fl_infomodel_load(infomodel_dir, err);
    if (enc->model == NULL)
        goto fail;
    s = fbSessionAlloc(enc->model);
    fbSessionSetDomain(s, domain);
    if (!fl_template_add(s, TRUE, FL_TID_INT_DATA, enc->model,
                         FL_TMPL_DATA_INTERNAL, 0, err))
        goto fail;
    /* Every variant up front: a template added later would be written
     * into the data messages. */
    for (guint v = 0; v < FL_V_COUNT; v++) {
        if (!fl_template_add(s, FALSE, fl_variant_tid(v),
                             enc->model, FL_TMPL_DATA_EXTERNAL, v, err))
            goto fail;
    }
    enc->fp = fopencookie(enc, "w", io);
    if (enc->fp == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "fopencookie: %s",
                    g_strerror(errno));
        goto fail;
    }
    /* Unbuffered: each message reaches cookie_write whole. */
    setvbuf(enc->fp, NULL, _IONBF, 0);
    enc->fbuf = fBufAllocForExport(s, fbExporterAllocFP(enc->fp));
    enc->session = s;
    if (!fBufSetInternalTemplate(enc->fbuf, FL_TID_INT_DATA, err)) {
        fl_encoder_free(enc);
        return NULL;
    }
    enc->cur_variant = G_MAXUINT;
    return enc;
fail:
    if (s)
        fbSessionFree(s);
    if (enc->model)
        fbInfoModelFree(enc->model);
    g_free(enc);
    return NULL;
}

void
fl_encoder_free(FlEncoder *enc)
{
    if (enc == NULL)
        return;
    g_clear_pointer(&enc->fbuf, fBufFree);
    if (enc->fp)
        fclose(enc->fp);
    g_clear_pointer(&enc->model, fbInfoModelFree);
    g_free(enc);
}

void
fl_encoder_begin(FlEncoder *enc, GByteArray *out)
{
    enc->out = out;
    /* The sequence number of a message is then the index of its first
     * record in this batch; the exporter rewrites it.  libfixbuf 2.4.1
     * has no public setter. */
    fbSessionSetSequence(enc->session, 0);
}

gboolean
fl_encoder_append(FlEncoder *enc, guint variant, FlIpfixRec *rec,
                  GError **err)
{
    if (G_UNLIKELY(variant != enc->cur_variant)) {
        if (!fBufSetExportTemplate(enc->fbuf,
                                   fl_variant_tid(variant), err))
            return FALSE;
        enc->cur_variant = variant;
    }
    return fBufAppend(enc->fbuf, (uint8_t *)rec, sizeof *rec, err);
}

gboolean
fl_encoder_end(FlEncoder *enc, GError **err)
{
    gboolean ok = fBufEmit(enc->fbuf, err);

    enc->out = NULL;
    return ok;
}
