/*
 * tls.c - OpenSSL client sessions on sockets of ours (see tls.h).
 *
 * OpenSSL rather than GnuTLS: libcurl on Debian already links it (one TLS
 * library in the process, one set of CA settings to reason about), and
 * its received-alert reason codes let us tell a collector that refuses
 * our certificate from a connection that merely broke.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "error.h"
#include "output/tls.h"

struct FlTls {
    SSL_CTX *ctx;
};

struct FlTlsConn {
    SSL *ssl;
    gboolean shut;
};

const char *
fl_tls_library(void)
{
    return OpenSSL_version(OPENSSL_VERSION);
}

/* The most recent OpenSSL error as text, and the queue emptied. */
static char *
ssl_error_text(void)
{
    unsigned long e = ERR_peek_last_error();
    char buf[256];

    ERR_clear_error();
    if (e == 0)
        return g_strdup("unknown TLS error");
    ERR_error_string_n(e, buf, sizeof buf);
    return g_strdup(buf);
}

typedef struct {
    char *pass;
} PassCtx;

static int
pass_cb(char *buf, int size, int rwflag, void *data)
{
    PassCtx *p = data;
    int n;

    (void)rwflag;
    if (p == NULL || p->pass == NULL)
        return 0;
    n = (int)MIN(strlen(p->pass), (gsize)size);
    memcpy(buf, p->pass, (gsize)n);
    return n;
}

/* The first line of path, without its line end; NULL with *err. */
static char *
read_pass(const char *path, GError **err)
{
    char *text = NULL;
    gsize len = 0;
    GError *local = NULL;

    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--tls-key-pass-file: %s",
                    local->message);
        g_error_free(local);
        return NULL;
    }
    text[strcspn(text, "\r\n")] = '\0';
    return text;
}

static void
wipe_free(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        g_free(s);
    }
}

static gboolean
load_client_cert(SSL_CTX *ctx, const FlTlsConfig *cfg, GError **err)
{
    const char *key = cfg->key_file ? cfg->key_file : cfg->cert_file;
    PassCtx pc = { NULL };
    gboolean ok = FALSE;
    g_autofree char *why = NULL;

    if (cfg->key_pass_file) {
        pc.pass = read_pass(cfg->key_pass_file, err);
        if (pc.pass == NULL)
            return FALSE;
    }
    SSL_CTX_set_default_passwd_cb(ctx, pass_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &pc);
    if (SSL_CTX_use_certificate_chain_file(ctx, cfg->cert_file) != 1) {
        why = ssl_error_text();
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--tls-cert %s: %s",
                    cfg->cert_file, why);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        why = ssl_error_text();
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--tls-key %s: %s%s", key,
                    why, cfg->key_pass_file ? "" : " (encrypted? see "
                    "--tls-key-pass-file)");
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        why = ssl_error_text();
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--tls-key %s does not "
                    "belong to --tls-cert %s: %s", key, cfg->cert_file, why);
    } else {
        ok = TRUE;
    }
    /* The pass phrase is needed only to load the key: drop it now. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    SSL_CTX_set_default_passwd_cb(ctx, NULL);
    wipe_free(pc.pass);
    return ok;
}

FlTls *
fl_tls_new(const FlTlsConfig *cfg, GError **err)
{
    FlTls *t = g_new0(FlTls, 1);
    g_autofree char *why = NULL;

    t->ctx = SSL_CTX_new(TLS_client_method());
    if (t->ctx == NULL) {
        why = ssl_error_text();
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "TLS: %s", why);
        goto fail;
    }
    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
    /* The ring buffer may move between a WANT_WRITE and the retry. */
    SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
                     | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (cfg->ca_file) {
        if (SSL_CTX_load_verify_locations(t->ctx, cfg->ca_file, NULL) != 1) {
            why = ssl_error_text();
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--tls-ca %s: %s",
                        cfg->ca_file, why);
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(t->ctx) != 1) {
        why = ssl_error_text();
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "TLS: the system's CA "
                    "store: %s (use --tls-ca)", why);
        goto fail;
    }
    if ((cfg->key_file || cfg->key_pass_file) && !cfg->cert_file) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--tls-key and "
                    "--tls-key-pass-file need --tls-cert");
        goto fail;
    }
    if (cfg->cert_file && !load_client_cert(t->ctx, cfg, err))
        goto fail;
    return t;
fail:
    fl_tls_free(t);
    return NULL;
}

void
fl_tls_free(FlTls *t)
{
    if (t == NULL)
        return;
    if (t->ctx)
        SSL_CTX_free(t->ctx);
    g_free(t);
}

FlTlsConn *
fl_tls_conn_new(FlTls *t, int fd, const char *host, GError **err)
{
    FlTlsConn *c = g_new0(FlTlsConn, 1);
    X509_VERIFY_PARAM *vp;
    gboolean ok;

    c->ssl = SSL_new(t->ctx);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1)
        goto fail;
    vp = SSL_get0_param(c->ssl);
    if (g_hostname_is_ip_address(host)) {
        ok = X509_VERIFY_PARAM_set1_ip_asc(vp, host) == 1;
    } else {
        /* SNI, and the name the certificate must carry. */
        X509_VERIFY_PARAM_set_hostflags(vp,
                                        X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        ok = SSL_set_tlsext_host_name(c->ssl, host) == 1
             && SSL_set1_host(c->ssl, host) == 1;
    }
    if (!ok)
        goto fail;
    return c;
fail:
    {
        g_autofree char *why = ssl_error_text();
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "TLS setup for %s: %s",
                    host, why);
    }
    fl_tls_conn_free(c);
    return NULL;
}

void
fl_tls_conn_free(FlTlsConn *c)
{
    if (c == NULL)
        return;
    if (c->ssl)
        SSL_free(c->ssl);
    g_free(c);
}

/*
 * Sorts an OpenSSL failure: what a retry can fix (the connection broke)
 * from what it cannot (a certificate refused on either side, a server
 * that does not speak TLS).
 */
static FlIo
classify(FlTlsConn *c, int ret, GError **err)
{
    int e = SSL_get_error(c->ssl, ret);
    int saved = errno;
    unsigned long code;
    long vr;

    switch (e) {
    case SSL_ERROR_WANT_READ:
        return FL_IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return FL_IO_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "the collector closed "
                    "the TLS session");
        return FL_IO_BROKEN;
    case SSL_ERROR_SYSCALL:
        ERR_clear_error();
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "TLS: %s",
                    saved ? g_strerror(saved) : "connection closed");
        return FL_IO_BROKEN;
    default:
        break;
    }
    code = ERR_peek_last_error();
    vr = SSL_get_verify_result(c->ssl);
    if (vr != X509_V_OK) {
        ERR_clear_error();
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "TLS: the collector's "
                    "certificate was not accepted: %s",
                    X509_verify_cert_error_string(vr));
        return FL_IO_FATAL;
    }
    if (ERR_GET_LIB(code) == ERR_LIB_SSL
        && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        ERR_clear_error();
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "TLS: the collector "
                    "closed the connection");
        return FL_IO_BROKEN;
    }
    if (ERR_GET_LIB(code) == ERR_LIB_SSL
        && ERR_GET_REASON(code) >= SSL_AD_REASON_OFFSET
        && ERR_GET_REASON(code) < SSL_AD_REASON_OFFSET + 256) {
        int alert = ERR_GET_REASON(code) - SSL_AD_REASON_OFFSET;
        const char *name = SSL_alert_desc_string_long(alert);

        /* OpenSSL 3.0 has no name for TLS 1.3's certificate_required. */
        if (alert == 116)
            name = "certificate required";
        ERR_clear_error();
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "TLS: the collector "
                    "refused the session (alert %d, %s)%s", alert, name,
                    alert == 116 || alert == 40 || alert == 42
                    || alert == 46 || alert == 48
                    ? "; does it want a client certificate (--tls-cert, "
                      "--tls-key)?" : "");
        return FL_IO_FATAL;
    }
    {
        g_autofree char *why = ssl_error_text();
        g_set_error(err, FL_ERROR, FL_ERROR_EXPORT, "TLS: %s", why);
    }
    return FL_IO_FATAL;
}

FlIo
fl_tls_handshake(FlTlsConn *c, GError **err)
{
    int r;

    ERR_clear_error();
    errno = 0;
    r = SSL_connect(c->ssl);
    return r == 1 ? FL_IO_OK : classify(c, r, err);
}

FlIo
fl_tls_write(FlTlsConn *c, const guint8 *buf, gsize len, gsize *done,
             GError **err)
{
    size_t n = 0;
    int r;

    *done = 0;
    ERR_clear_error();
    errno = 0;
    r = SSL_write_ex(c->ssl, buf, len, &n);
    if (r == 1) {
        *done = n;
        return FL_IO_OK;
    }
    return classify(c, r, err);
}

FlIo
fl_tls_read(FlTlsConn *c, GError **err)
{
    guint8 sink[4096];

    for (;;) {
        size_t n = 0;
        int r;

        ERR_clear_error();
        errno = 0;
        r = SSL_read_ex(c->ssl, sink, sizeof sink, &n);
        if (r != 1)
            return classify(c, r, err);
    }
}

void
fl_tls_shutdown(FlTlsConn *c)
{
    if (c->shut)
        return;
    c->shut = TRUE;
    ERR_clear_error();
    (void)SSL_shutdown(c->ssl);
    ERR_clear_error();
}

guint64
fl_tls_wire_written(const FlTlsConn *c)
{
    return BIO_number_written(SSL_get_wbio(c->ssl));
}

const char *
fl_tls_version(const FlTlsConn *c)
{
    return SSL_get_version(c->ssl);
}
