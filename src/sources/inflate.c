/*
 * inflate.c - gzip as a byte filter (see inflate.h).
 *
 * The filter is split in two.  The generic part owns the 256 KiB input
 * buffer and the rules of the file format around the deflate data: members
 * that follow each other, zero padding after the last one, trailing
 * garbage, truncation and the zip-bomb bound.  A backend only turns the
 * bytes of one gzip member into output and checks its trailer.  There are
 * two, one picked at build time: ISA-L's isal_inflate (HAVE_ISAL; two to
 * three times faster) or else zlib.  Their error messages differ in
 * wording, never in error code.
 *
 * Not here: sniffing (source.c has seen the magic bytes before it makes a
 * filter), zlib-wrapped or raw deflate data, and the object name in error
 * messages (callers prefix it).
 */
#include "config.h"

#include <string.h>

#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#else
#define ZLIB_CONST                      /* next_in is const in zlib.h */
#include <zlib.h>
#endif

#include "error.h"
#include "sources/inflate.h"

/* Large reads keep the syscall count low; 256 KiB inflates to megabytes. */
#define IN_SIZE (256 * 1024)

typedef enum {
    STEP_MORE,          /* wants more input or more room for output */
    STEP_MEMBER_END,    /* a member ended and its CRC and size matched */
    STEP_ERROR          /* *err set */
} Step;

/*
 * A decompressor for one gzip member at a time.  step() consumes from
 * *in and produces into *out, advancing both; it may be called with no
 * input at all to flush output it is still holding.  reset() prepares for
 * the next member and cannot fail.
 */
typedef struct {
    void *(*open)(GError **err);
    void  (*reset)(void *state);
    Step  (*step)(void *state, const guint8 **in, gsize *avail_in,
                  guint8 **out, gsize *avail_out, GError **err);
    void  (*close)(void *state);
} Backend;

typedef enum {
    PHASE_START,        /* a member starts here: check its fixed header */
    PHASE_MEMBER,       /* inside a gzip member: the backend's job */
    PHASE_BETWEEN,      /* a member ended: next member, padding or end */
    PHASE_PADDING,      /* zeros after the last member; only zeros follow */
    PHASE_DONE,
    PHASE_FAILED
} Phase;

/*
 * RFC 1952 2.3: ID1 ID2 CM FLG MTIME(4) XFL OS, then the optional fields
 * FLG announces in this order: XLEN(2) and extra data, a NUL-terminated
 * name, a NUL-terminated comment, CRC16.  CM 8 is deflate.
 */
#define GZ_ID1          0x1f
#define GZ_ID2          0x8b
#define GZ_CM_DEFLATE   8
#define GZ_FIXED_LEN    10
#define GZ_FLG_FHCRC    0x02
#define GZ_FLG_FEXTRA   0x04
#define GZ_FLG_FNAME    0x08
#define GZ_FLG_FCOMMENT 0x10
#define GZ_FLG_RESERVED 0xe0

struct FlInflate {
    const Backend *be;
    void *state;                /* the backend's */
    FlInflateReadFunc read;
    gpointer data;
    guint8 *buf;                /* IN_SIZE bytes of compressed input */
    const guint8 *in;           /* unconsumed input, inside buf */
    gsize avail_in;
    gboolean eof;               /* read() has returned 0 */
    Phase phase;
    guint max_ratio;
    guint64 bytes_in;           /* consumed by the backend */
    guint64 bytes_out;
    GError *pending;            /* for the next read (see the end of it) */
};

#ifdef HAVE_ISAL
/* ---- ISA-L backend --------------------------------------------------- */

static void *
isal_open(GError **err)
{
    struct inflate_state *st = g_new0(struct inflate_state, 1);

    (void)err;                          /* nothing here can fail */
    isal_inflate_init(st);
    st->crc_flag = ISAL_GZIP;           /* parse the wrapper, check CRC */
    return st;
}

static void
isal_reset(void *state)
{
    struct inflate_state *st = state;

    /* The reset clears crc_flag, which would mean raw deflate. */
    isal_inflate_reset(st);
    st->crc_flag = ISAL_GZIP;
}

/* ISA-L has codes only; the words follow zlib's where they match. */
static const char *
isal_message(int rc)
{
    switch (rc) {
    case ISAL_INVALID_BLOCK:
        return "invalid block";
    case ISAL_INVALID_SYMBOL:
        return "invalid code";
    case ISAL_INVALID_LOOKBACK:
        return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD:
        return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM:
        return "incorrect data or length check";
    case ISAL_NEED_DICT:
        return "needs a preset dictionary";
    default:
        return "unknown error";
    }
}

static Step
isal_step(void *state, const guint8 **in, gsize *avail_in, guint8 **out,
          gsize *avail_out, GError **err)
{
    struct inflate_state *st = state;
    guint32 in_len = (guint32)MIN(*avail_in, G_MAXUINT32);
    guint32 out_len = (guint32)MIN(*avail_out, G_MAXUINT32);
    int rc;

    /* ISA-L's next_in is not const, but it never writes through it. */
    st->next_in = (guint8 *)*in;
    st->avail_in = in_len;
    st->next_out = *out;
    st->avail_out = out_len;
    rc = isal_inflate(st);
    *in += in_len - st->avail_in;
    *avail_in -= in_len - st->avail_in;
    *out += out_len - st->avail_out;
    *avail_out -= out_len - st->avail_out;

    if (rc < 0 || rc == ISAL_NEED_DICT) {
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "corrupt gzip data: %s",
                    isal_message(rc));
        return STEP_ERROR;
    }
    /* FINISH: the trailer is checked and unused input handed back. */
    return st->block_state == ISAL_BLOCK_FINISH ? STEP_MEMBER_END
                                                : STEP_MORE;
}

static void
isal_close(void *state)
{
    g_free(state);
}

static const Backend isal_backend = {
    .open = isal_open,
    .reset = isal_reset,
    .step = isal_step,
    .close = isal_close,
};

static const Backend *const default_backend = &isal_backend;
#else
/* ---- zlib backend ---------------------------------------------------- */

static void *
zlib_open(GError **err)
{
    z_stream *zs = g_new0(z_stream, 1);
    int rc;

    /*
     * 16 + MAX_WBITS accepts the gzip wrapper only.  The auto-detecting
     * 32 + MAX_WBITS would also take a zlib stream as a later member,
     * which is not a gzip file and which gzip(1) rejects too.
     */
    rc = inflateInit2(zs, 16 + MAX_WBITS);
    if (rc != Z_OK) {
        g_set_error(err, FL_ERROR,
                    rc == Z_MEM_ERROR ? FL_ERROR_LIMIT : FL_ERROR_UNSUPPORTED,
                    "cannot set up zlib: %s",
                    zs->msg != NULL ? zs->msg : zError(rc));
        g_free(zs);
        return NULL;
    }
    return zs;
}

static void
zlib_reset(void *state)
{
    /* Only fails for a stream that was never initialised. */
    (void)inflateReset(state);
}

static Step
zlib_step(void *state, const guint8 **in, gsize *avail_in, guint8 **out,
          gsize *avail_out, GError **err)
{
    z_stream *zs = state;
    uInt in_len = (uInt)MIN(*avail_in, G_MAXUINT);
    uInt out_len = (uInt)MIN(*avail_out, G_MAXUINT);
    int rc;

    zs->next_in = *in;
    zs->avail_in = in_len;
    zs->next_out = *out;
    zs->avail_out = out_len;
    rc = inflate(zs, Z_NO_FLUSH);
    *in += in_len - zs->avail_in;
    *avail_in -= in_len - zs->avail_in;
    *out += out_len - zs->avail_out;
    *avail_out -= out_len - zs->avail_out;

    switch (rc) {
    case Z_OK:
    case Z_BUF_ERROR:           /* no progress possible yet: not an error */
        return STEP_MORE;
    case Z_STREAM_END:
        return STEP_MEMBER_END;
    case Z_MEM_ERROR:
        g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                    "out of memory while inflating gzip data");
        return STEP_ERROR;
    default:                    /* Z_DATA_ERROR, Z_NEED_DICT */
        g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT, "corrupt gzip data: %s",
                    zs->msg != NULL ? zs->msg : zError(rc));
        return STEP_ERROR;
    }
}

static void
zlib_close(void *state)
{
    if (state != NULL) {
        (void)inflateEnd(state);
        g_free(state);
    }
}

static const Backend zlib_backend = {
    .open = zlib_open,
    .reset = zlib_reset,
    .step = zlib_step,
    .close = zlib_close,
};

static const Backend *const default_backend = &zlib_backend;
#endif /* HAVE_ISAL */

/* ---- the filter ------------------------------------------------------ */

/*
 * Reads until at least need bytes are buffered or the input ends.  It loops
 * because a pipe may hand out a single byte at a time.
 */
static gboolean
fill(FlInflate *inf, gsize need, GError **err)
{
    g_assert(need <= IN_SIZE);

    if (inf->avail_in > 0 && inf->in != inf->buf)
        memmove(inf->buf, inf->in, inf->avail_in);
    inf->in = inf->buf;
    while (inf->avail_in < need && !inf->eof) {
        gssize n = inf->read(inf->data, inf->buf + inf->avail_in,
                             IN_SIZE - inf->avail_in, err);

        if (n < 0)
            return FALSE;
        if (n == 0)
            inf->eof = TRUE;
        inf->avail_in += (gsize)n;
    }
    return TRUE;
}

static gboolean
over_limit(const FlInflate *inf)
{
    if (inf->max_ratio == 0 ||
        inf->bytes_in > (G_MAXUINT64 - FL_INFLATE_SLACK) / inf->max_ratio)
        return FALSE;
    return inf->bytes_out > inf->bytes_in * inf->max_ratio + FL_INFLATE_SLACK;
}

/*
 * Length of the member header at p, or 0 while the n bytes at hand do not
 * hold all of it.  p holds at least the first four bytes.
 */
static gsize
header_length(const guint8 *p, gsize n)
{
    gsize len = GZ_FIXED_LEN;
    const guint8 *nul;

    if ((p[3] & GZ_FLG_FEXTRA) != 0) {
        if (n < len + 2)
            return 0;
        len += 2 + (p[len] | (gsize)p[len + 1] << 8);
    }
    if ((p[3] & GZ_FLG_FNAME) != 0) {
        if (n <= len || (nul = memchr(p + len, 0, n - len)) == NULL)
            return 0;
        len = (gsize)(nul - p) + 1;
    }
    if ((p[3] & GZ_FLG_FCOMMENT) != 0) {
        if (n <= len || (nul = memchr(p + len, 0, n - len)) == NULL)
            return 0;
        len = (gsize)(nul - p) + 1;
    }
    if ((p[3] & GZ_FLG_FHCRC) != 0)
        len += 2;
    return n >= len ? len : 0;
}

static void
set_truncated(GError **err)
{
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                "unexpected end of gzip data (truncated?)");
}

static void
set_garbage(GError **err)
{
    g_set_error(err, FL_ERROR, FL_ERROR_CORRUPT,
                "trailing garbage after gzip data");
}

FlInflate *
fl_inflate_new(FlInflateReadFunc read_fn, gpointer data,
               const guint8 *prefix, gsize n_prefix, guint max_ratio,
               GError **err)
{
    FlInflate *inf;
    void *state;

    g_return_val_if_fail(read_fn != NULL, NULL);
    g_return_val_if_fail(prefix != NULL || n_prefix == 0, NULL);
    g_return_val_if_fail(n_prefix <= IN_SIZE, NULL);
    g_return_val_if_fail(err == NULL || *err == NULL, NULL);

    if ((state = default_backend->open(err)) == NULL)
        return NULL;
    inf = g_new0(FlInflate, 1);
    inf->be = default_backend;
    inf->state = state;
    inf->read = read_fn;
    inf->data = data;
    inf->buf = g_malloc(IN_SIZE);
    if (n_prefix > 0)
        memcpy(inf->buf, prefix, n_prefix);
    inf->in = inf->buf;
    inf->avail_in = n_prefix;
    inf->phase = PHASE_START;
    inf->max_ratio = max_ratio;
    return inf;
}

gssize
fl_inflate_read(FlInflate *inf, guint8 *buf, gsize len, GError **err)
{
    GError *local = NULL;
    guint8 *out = buf;
    gsize avail_out;

    g_return_val_if_fail(inf != NULL, -1);
    g_return_val_if_fail(buf != NULL && len > 0, -1);
    g_return_val_if_fail(err == NULL || *err == NULL, -1);

    if (inf->phase == PHASE_FAILED) {
        g_return_val_if_fail(inf->pending != NULL, -1);
        g_propagate_error(err, g_steal_pointer(&inf->pending));
        return -1;
    }

    /*
     * Each turn either makes progress or reads input.  Input is only waited
     * for while nothing has been produced in this call, so a slow pipe
     * never holds back decoded bytes that are ready.
     */
    avail_out = MIN(len, (gsize)G_MAXSSIZE);
    while (avail_out > 0 && inf->phase != PHASE_DONE) {
        gboolean have_output = out > buf;
        gsize need;

        if (inf->phase == PHASE_MEMBER) {
            gsize in_before = inf->avail_in, out_before = avail_out;
            Step s = inf->be->step(inf->state, &inf->in, &inf->avail_in,
                                   &out, &avail_out, &local);

            inf->bytes_in += in_before - inf->avail_in;
            inf->bytes_out += out_before - avail_out;
            if (s == STEP_ERROR)
                goto fail;
            if (over_limit(inf)) {
                g_set_error(err, FL_ERROR, FL_ERROR_LIMIT,
                            "gzip data expands more than %u times "
                            "(zip bomb?)", inf->max_ratio);
                inf->phase = PHASE_FAILED;
                return -1;
            }
            if (s == STEP_MEMBER_END) {
                inf->phase = PHASE_BETWEEN;
                continue;
            }
            if (in_before != inf->avail_in || out_before != avail_out)
                continue;
            /* No progress: the backend has used up its input. */
            if (inf->avail_in > 0) {
                g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT,
                            "gzip decoder stalled");
                goto fail;
            }
            if (have_output)
                break;
            if (inf->eof) {
                set_truncated(&local);
                goto fail;
            }
            if (!fill(inf, 1, &local))
                goto fail;
            continue;
        }

        /* The other phases decide on the next few bytes. */
        need = inf->phase == PHASE_START ? 4 : 1;
        if (inf->avail_in < need && !inf->eof) {
            if (have_output)
                break;
            if (!fill(inf, need, &local))
                goto fail;
            continue;
        }
        if (inf->phase == PHASE_START) {
            /*
             * in[0] is GZ_ID1 (sniffed, or seen in PHASE_BETWEEN).  The
             * rest is checked here rather than left to the backend: ISA-L
             * lets reserved flags pass, and the RFC wants them refused.
             */
            if (inf->avail_in >= 2 && inf->in[1] != GZ_ID2) {
                set_garbage(&local);
                goto fail;
            }
            if (inf->avail_in < 4) {
                set_truncated(&local);
                goto fail;
            }
            if (inf->in[2] != GZ_CM_DEFLATE) {
                g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT,
                            "corrupt gzip data: unknown compression method");
                goto fail;
            }
            if ((inf->in[3] & GZ_FLG_RESERVED) != 0) {
                g_set_error(&local, FL_ERROR, FL_ERROR_CORRUPT,
                            "corrupt gzip data: unknown header flags set");
                goto fail;
            }
            /*
             * The backend gets the whole header in one piece: ISA-L 2.30
             * fails the header CRC (FHCRC) of a header split across calls.
             * Asking for twice the bytes each time keeps a long name that
             * trickles in from a pipe from being scanned over and over.
             */
            if (header_length(inf->in, inf->avail_in) == 0) {
                if (inf->eof) {
                    set_truncated(&local);
                    goto fail;
                }
                if (inf->avail_in == IN_SIZE) {
                    g_set_error(&local, FL_ERROR, FL_ERROR_LIMIT,
                                "gzip header longer than %u bytes",
                                (unsigned)IN_SIZE);
                    goto fail;
                }
                if (have_output)
                    break;
                if (!fill(inf, MIN(IN_SIZE, 2 * inf->avail_in), &local))
                    goto fail;
                continue;
            }
            inf->be->reset(inf->state);
            inf->phase = PHASE_MEMBER;
        } else if (inf->phase == PHASE_BETWEEN) {
            if (inf->avail_in == 0) {
                inf->phase = PHASE_DONE;
            } else if (inf->in[0] == 0) {
                inf->phase = PHASE_PADDING;
            } else if (inf->in[0] == GZ_ID1) {
                inf->phase = PHASE_START;  /* RFC 1952 2.2: right here */
            } else {
                set_garbage(&local);
                goto fail;
            }
        } else {                                    /* PHASE_PADDING */
            /* Some tools pad to a block size; gzip(1) accepts that too. */
            while (inf->avail_in > 0 && inf->in[0] == 0) {
                inf->in++;
                inf->avail_in--;
            }
            if (inf->avail_in > 0) {
                set_garbage(&local);
                goto fail;
            }
            if (inf->eof)
                inf->phase = PHASE_DONE;
        }
    }
    return out - buf;

fail:
    /*
     * Bytes decoded before the damage are good bytes (gzip -d writes them
     * too), so they go out now and the error with the next call.
     */
    inf->phase = PHASE_FAILED;
    if (out > buf) {
        inf->pending = local;
        return out - buf;
    }
    g_propagate_error(err, local);
    return -1;
}

void
fl_inflate_free(FlInflate *inf)
{
    if (inf == NULL)
        return;
    inf->be->close(inf->state);
    g_clear_error(&inf->pending);
    g_free(inf->buf);
    g_free(inf);
}
