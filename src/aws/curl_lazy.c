/*
 * curl_lazy.c - libcurl loaded at its first use (the Lambda bootstrap).
 *
 * libcurl's dependency tree is most of the Lambda zip's libraries (TLS,
 * Kerberos, LDAP, SSH, IDN...), and mapping and relocating them was most
 * of a cold start, although an invocation of a CloudWatch Logs event
 * never makes an HTTP request (the Runtime API has its own client,
 * lambda/api_http.c).  So lambda/bootstrap is linked with this file
 * instead of -lcurl: it defines the libcurl functions the program calls,
 * and the first call dlopen()s libcurl.so.4 (lib/libcurl.so.4 beside the
 * program when it is there, its dependencies found through the RPATH,
 * $ORIGIN/lib) and forwards each call to it.
 *
 * curl_easy_setopt() and curl_easy_getinfo() are variadic: the argument
 * is read with the type libcurl itself reads for that option (by its
 * number range: long, object pointer, function pointer, curl_off_t,
 * blob) and passed on as that type.
 *
 * If libcurl cannot be loaded (a zip built without it), the failure is
 * logged once and every call fails the way libcurl reports failures:
 * curl_global_init() CURLE_FAILED_INIT, the constructors NULL, and
 * curl_easy_strerror() "libcurl could not be loaded"; aws/http.c then
 * fails each request with that reason, so the runtime answers an S3
 * event with an error and goes on with the next event.
 */
#include "config.h"

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>

#include "log.h"

#define LIBCURL "libcurl.so.4"

typedef struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLcode (*easy_pause)(CURL *, int);
    const char *(*easy_strerror)(CURLcode);
    void (*free_)(void *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int,
                            int, int *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
} CurlFns;

/*
 * Beside a program with a lib/ directory (the Lambda zip's layout), only
 * lib/libcurl.so.4, by its path: were it missing, a name alone could find
 * the system's libcurl instead and hide the packaging error on the build
 * machine (and run one that does not match the zip's TLS libraries on
 * Lambda).  Else (the build tree's bootstrap) the loader's search.
 */
static void *
open_libcurl(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = exe ? g_path_get_dirname(exe) : NULL;
    g_autofree char *lib = dir ? g_build_filename(dir, "lib", NULL) : NULL;
    g_autofree char *mine = lib ? g_build_filename(lib, LIBCURL, NULL)
                                : NULL;

    if (lib && g_file_test(lib, G_FILE_TEST_IS_DIR))
        return dlopen(mine, RTLD_NOW | RTLD_LOCAL);
    return dlopen(LIBCURL, RTLD_NOW | RTLD_LOCAL);
}

static gboolean
load(CurlFns *f)
{
    void *h = open_libcurl();
    struct { void **slot; const char *name; } syms[] = {
#define S(field, name) { (void **)(void *)&f->field, name }
        S(global_init, "curl_global_init"),
        S(easy_init, "curl_easy_init"),
        S(easy_cleanup, "curl_easy_cleanup"),
        S(easy_reset, "curl_easy_reset"),
        S(easy_setopt, "curl_easy_setopt"),
        S(easy_getinfo, "curl_easy_getinfo"),
        S(easy_pause, "curl_easy_pause"),
        S(easy_strerror, "curl_easy_strerror"),
        S(free_, "curl_free"),
        S(multi_init, "curl_multi_init"),
        S(multi_cleanup, "curl_multi_cleanup"),
        S(multi_add_handle, "curl_multi_add_handle"),
        S(multi_remove_handle, "curl_multi_remove_handle"),
        S(multi_perform, "curl_multi_perform"),
        S(multi_poll, "curl_multi_poll"),
        S(multi_info_read, "curl_multi_info_read"),
        S(slist_append, "curl_slist_append"),
        S(slist_free_all, "curl_slist_free_all"),
        S(url, "curl_url"),
        S(url_cleanup, "curl_url_cleanup"),
        S(url_get, "curl_url_get"),
        S(url_set, "curl_url_set"),
#undef S
    };

    if (h == NULL) {
        fl_log_warnx("cannot load %s: %s", LIBCURL, dlerror());
        return FALSE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(syms); i++) {
        if ((*syms[i].slot = dlsym(h, syms[i].name)) == NULL) {
            fl_log_warnx("%s has no %s", LIBCURL, syms[i].name);
            return FALSE;
        }
    }
    return TRUE;
}

/* The functions, or NULL when libcurl could not be loaded. */
static const CurlFns *
fns(void)
{
    static CurlFns f;
    static gsize state = 0;         /* 1: loaded, 2: failed */

    if (g_once_init_enter(&state))
        g_once_init_leave(&state, load(&f) ? 1 : 2);
    return state == 1 ? &f : NULL;
}

CURLcode
curl_global_init(long flags)
{
    const CurlFns *f = fns();

    return f ? f->global_init(flags) : CURLE_FAILED_INIT;
}

CURL *
curl_easy_init(void)
{
    const CurlFns *f = fns();

    return f ? f->easy_init() : NULL;
}

/* The functions below take handles that only a loaded libcurl made. */

void
curl_easy_cleanup(CURL *h)
{
    if (h)
        fns()->easy_cleanup(h);
}

void
curl_easy_reset(CURL *h)
{
    fns()->easy_reset(h);
}

CURLcode
curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
    const CurlFns *f = fns();
    CURLcode rc;
    va_list ap;

    va_start(ap, opt);
    if (opt < CURLOPTTYPE_OBJECTPOINT)
        rc = f->easy_setopt(h, opt, va_arg(ap, long));
    else if (opt < CURLOPTTYPE_FUNCTIONPOINT)
        rc = f->easy_setopt(h, opt, va_arg(ap, void *));
    else if (opt < CURLOPTTYPE_OFF_T)
        rc = f->easy_setopt(h, opt, va_arg(ap, void (*)(void)));
    else if (opt < CURLOPTTYPE_BLOB)
        rc = f->easy_setopt(h, opt, va_arg(ap, curl_off_t));
    else
        rc = f->easy_setopt(h, opt, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode
curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
    CURLcode rc;
    va_list ap;

    va_start(ap, info);
    rc = fns()->easy_getinfo(h, info, va_arg(ap, void *));  /* always one */
    va_end(ap);
    return rc;
}

CURLcode
curl_easy_pause(CURL *h, int bitmask)
{
    return fns()->easy_pause(h, bitmask);
}

const char *
curl_easy_strerror(CURLcode code)
{
    const CurlFns *f = fns();

    return f ? f->easy_strerror(code) : "libcurl could not be loaded";
}

void
curl_free(void *p)
{
    if (p)
        fns()->free_(p);
}

CURLM *
curl_multi_init(void)
{
    const CurlFns *f = fns();

    return f ? f->multi_init() : NULL;
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
    return m ? fns()->multi_cleanup(m) : CURLM_OK;
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *h)
{
    return fns()->multi_add_handle(m, h);
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *h)
{
    return fns()->multi_remove_handle(m, h);
}

CURLMcode
curl_multi_perform(CURLM *m, int *running)
{
    return fns()->multi_perform(m, running);
}

CURLMcode
curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n,
                int timeout_ms, int *ret)
{
    return fns()->multi_poll(m, extra, n, timeout_ms, ret);
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
    return fns()->multi_info_read(m, left);
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
    const CurlFns *f = fns();

    return f ? f->slist_append(l, s) : NULL;
}

void
curl_slist_free_all(struct curl_slist *l)
{
    if (l)
        fns()->slist_free_all(l);
}

CURLU *
curl_url(void)
{
    const CurlFns *f = fns();

    return f ? f->url() : NULL;
}

void
curl_url_cleanup(CURLU *u)
{
    if (u)
        fns()->url_cleanup(u);
}

CURLUcode
curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags)
{
    return fns()->url_get(u, what, part, flags);
}

CURLUcode
curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
    const CurlFns *f = fns();

    return f ? f->url_set(u, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}
