/*
 * recover.c - the longest prefix of whole IPFIX messages (recover.h).
 *
 * RFC 7011: a message is a 16-byte header (version 10, total length)
 * followed by sets, each a 4-byte header (set ID, length) and its
 * records.  Set ID 2 holds templates, 3 options templates, 256 and up
 * data records of that template.  The scan keeps the current message in a
 * buffer of its own (at most 65535 bytes), so any chunking of the input
 * gives the same answer.
 */
#include "config.h"

#include <string.h>

#include "output/recover.h"

#define MSG_HDR 16
#define SET_HDR 4
#define MAX_MSG 65535

enum { TMPL_NONE, TMPL_DATA, TMPL_OPTIONS };

struct FlIpfixScan {
    guint8 msg[MAX_MSG];
    gsize have;                 /* bytes of the current message */
    gsize need;                 /* its length, once the header is in */
    guint64 kept, seen;
    guint messages, flow_sets;
    const char *why;            /* set: stopped */
    guint8 tmpl[65536];         /* TMPL_* by template ID */
};

static guint16
rd16(const guint8 *p)
{
    return (guint16)((p[0] << 8) | p[1]);
}

FlIpfixScan *
fl_ipfix_scan_new(void)
{
    return g_new0(FlIpfixScan, 1);
}

void
fl_ipfix_scan_free(FlIpfixScan *s)
{
    g_free(s);
}

/* Template records of one (options) template set; FALSE: malformed. */
static gboolean
read_templates(FlIpfixScan *s, const guint8 *p, gsize len, gboolean options)
{
    gsize hdr = options ? 6 : 4;

    /* Fewer than 4 bytes left: padding. */
    while (len >= 4) {
        guint16 tid = rd16(p), count = rd16(p + 2);
        gsize off;

        if (tid < 256)
            return FALSE;
        if (count == 0) {       /* withdrawal */
            s->tmpl[tid] = TMPL_NONE;
            p += 4, len -= 4;
            continue;
        }
        if (len < hdr)
            return FALSE;
        off = hdr;
        for (guint i = 0; i < count; i++) {
            if (off + 4 > len)
                return FALSE;
            off += (rd16(p + off) & 0x8000) ? 8 : 4;
        }
        if (off > len)
            return FALSE;
        s->tmpl[tid] = options ? TMPL_OPTIONS : TMPL_DATA;
        p += off, len -= off;
    }
    return TRUE;
}

/* The whole message in s->msg: NULL when it is kept, else why not. */
static const char *
check_message(FlIpfixScan *s)
{
    gsize off;

    /* The sets must tile the message exactly. */
    for (off = MSG_HDR; off < s->need;) {
        guint16 slen;

        if (off + SET_HDR > s->need)
            return "a set header past the end of its message";
        slen = rd16(s->msg + off + 2);
        if (slen < SET_HDR || off + slen > s->need)
            return "a set length that does not fit its message";
        off += slen;
    }
    for (off = MSG_HDR; off < s->need;) {
        guint16 sid = rd16(s->msg + off), slen = rd16(s->msg + off + 2);
        const guint8 *body = s->msg + off + SET_HDR;

        if (sid == 2 || sid == 3) {
            if (!read_templates(s, body, slen - SET_HDR, sid == 3))
                return "a malformed template record";
        } else if (sid < 256) {
            return "a reserved set ID";
        } else if (s->tmpl[sid] == TMPL_NONE) {
            return "a data set whose template is not in the file before it";
        } else if (s->tmpl[sid] == TMPL_DATA) {
            s->flow_sets++;
        }
        off += slen;
    }
    return NULL;
}

gboolean
fl_ipfix_scan_feed(FlIpfixScan *s, const guint8 *buf, gsize len)
{
    s->seen += len;
    while (s->why == NULL && len > 0) {
        gsize want = s->need ? s->need : MSG_HDR;
        gsize n = MIN(len, want - s->have);

        memcpy(s->msg + s->have, buf, n);
        s->have += n, buf += n, len -= n;
        if (s->have < want)
            break;
        if (s->need == 0) {
            if (rd16(s->msg) != 10) {
                s->why = "not an IPFIX message header (version is not 10)";
                break;
            }
            s->need = rd16(s->msg + 2);
            if (s->need < MSG_HDR) {
                s->why = "a message length below 16";
                break;
            }
            if (s->have < s->need)
                continue;
        }
        s->why = check_message(s);
        if (s->why)
            break;
        s->kept += s->need;
        s->messages++;
        s->have = s->need = 0;
    }
    return s->why == NULL;
}

guint64
fl_ipfix_scan_kept(const FlIpfixScan *s)
{
    return s->kept;
}

guint64
fl_ipfix_scan_seen(const FlIpfixScan *s)
{
    return s->seen;
}

guint
fl_ipfix_scan_messages(const FlIpfixScan *s)
{
    return s->messages;
}

guint
fl_ipfix_scan_flow_sets(const FlIpfixScan *s)
{
    return s->flow_sets;
}

const char *
fl_ipfix_scan_why(const FlIpfixScan *s)
{
    if (s->why)
        return s->why;
    if (s->have > 0)
        return "the last message is cut short";
    return NULL;
}
