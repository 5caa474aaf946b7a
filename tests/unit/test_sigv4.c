/*
 * test_sigv4.c - unit tests for sigv4.c and uri.c against AWS's published
 * examples: the SigV4 test suite (2015-08-30, AKIDEXAMPLE, service
 * "service"; files as shipped in awslabs/aws-c-auth
 * tests/aws-signing-test-suite/v4) and the S3 API reference's examples
 * for the Authorization header (2013-05-24, AKIAIOSFODNN7EXAMPLE).  The
 * expected signatures are the published ones, copied as data.
 */
#include "config.h"

#include <string.h>

#include <glib.h>

#include "aws/http.h"
#include "aws/sigv4.h"
#include "error.h"

#define SUITE_TIME 1440938160           /* 20150830T123600Z */
#define S3_TIME 1369353600              /* 20130524T000000Z */
#define EMPTY_SHA \
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const FlAwsKeys suite_keys = {
    .access_key_id = "AKIDEXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

static const FlAwsKeys s3_keys = {
    .access_key_id = "AKIAIOSFODNN7EXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
};

#define STS_TOKEN \
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLW" \
    "sKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmG" \
    "deehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlR" \
    "d8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlz" \
    "m8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

static const FlAwsKeys sts_keys = {
    .access_key_id = "AKIDEXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    .session_token = (char *)STS_TOKEN,
};

static const FlAwsKeys token_keys = {
    .access_key_id = "AKIDEXAMPLE",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    .session_token =
        (char *)"6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
};

typedef struct {
    const char *name;
    const FlAwsKeys *keys;
    const char *method;
    const char *url;
    const char *headers[5];
    const char *body;
    const char *service;
    gint64 now;
    gboolean s3;
    const char *signed_headers;
    const char *signature;
} Vector;

static const Vector vectors[] = {
    { "get-vanilla", &suite_keys, "GET", "https://example.amazonaws.com/",
      { NULL }, NULL, "service", SUITE_TIME, FALSE, "host;x-amz-date",
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "get-vanilla-query-order-key-case", &suite_keys, "GET",
      "https://example.amazonaws.com/?Param2=value2&Param1=value1",
      { NULL }, NULL, "service", SUITE_TIME, FALSE, "host;x-amz-date",
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
    { "get-unreserved", &suite_keys, "GET",
      "https://example.amazonaws.com/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
      "abcdefghijklmnopqrstuvwxyz",
      { NULL }, NULL, "service", SUITE_TIME, FALSE, "host;x-amz-date",
      "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
    /* The suite's request line holds raw UTF-8: its path, encoded once,
     * is the canonical URI /%E1%88%B4. */
    { "get-utf8", &suite_keys, "GET", "https://example.amazonaws.com/\xe1\x88\xb4",
      { NULL }, NULL, "service", SUITE_TIME, FALSE, "host;x-amz-date",
      "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
    { "get-header-value-trim", &suite_keys, "GET",
      "https://example.amazonaws.com/",
      { "My-Header1: value1", "My-Header2: \"a   b   c\"", NULL }, NULL,
      "service", SUITE_TIME, FALSE,
      "host;my-header1;my-header2;x-amz-date",
      "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
    { "get-header-value-order", &suite_keys, "GET",
      "https://example.amazonaws.com/",
      { "My-Header1:value4", "My-Header1:value1", "My-Header1:value3",
        "My-Header1:value2", NULL }, NULL, "service", SUITE_TIME, FALSE,
      "host;my-header1;x-amz-date",
      "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
    /* The 2015 suite's version: the body is hashed, not sent as a header. */
    { "post-x-www-form-urlencoded", &suite_keys, "POST",
      "https://example.amazonaws.com/",
      { "Content-Type:application/x-www-form-urlencoded", NULL },
      "Param1=value1", "service", SUITE_TIME, FALSE,
      "content-type;host;x-amz-date",
      "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
    /* aws-c-auth's version signs x-amz-content-sha256, as we do for s3. */
    { "post-x-www-form-urlencoded (signed body)", &suite_keys, "POST",
      "https://example.amazonaws.com/",
      { "Content-Type:application/x-www-form-urlencoded",
        "Content-Length:13", NULL },
      "Param1=value1", "service", SUITE_TIME, TRUE,
      "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
      "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b" },
    { "post-sts-header-before", &sts_keys, "POST",
      "https://example.amazonaws.com/", { NULL }, NULL, "service",
      SUITE_TIME, FALSE, "host;x-amz-date;x-amz-security-token",
      "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead" },
    { "get-vanilla-with-session-token", &token_keys, "GET",
      "https://example.amazonaws.com/", { NULL }, NULL, "service",
      SUITE_TIME, FALSE, "host;x-amz-date;x-amz-security-token",
      "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8" },
    /* S3 API reference, "Examples: Signature Calculations". */
    { "s3 GET Object", &s3_keys, "GET",
      "https://examplebucket.s3.amazonaws.com/test.txt",
      { "Range: bytes=0-9", NULL }, NULL, "s3", S3_TIME, TRUE,
      "host;range;x-amz-content-sha256;x-amz-date",
      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41" },
    { "s3 PUT Object", &s3_keys, "PUT",
      "https://examplebucket.s3.amazonaws.com/test%24file.text",
      { "Date: Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-storage-class: REDUCED_REDUNDANCY", NULL },
      "Welcome to Amazon S3.", "s3", S3_TIME, TRUE,
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
      "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd" },
    { "s3 GET Bucket Lifecycle", &s3_keys, "GET",
      "https://examplebucket.s3.amazonaws.com/?lifecycle",
      { NULL }, NULL, "s3", S3_TIME, TRUE,
      "host;x-amz-content-sha256;x-amz-date",
      "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543" },
    { "s3 GET Bucket (List Objects)", &s3_keys, "GET",
      "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
      { NULL }, NULL, "s3", S3_TIME, TRUE,
      "host;x-amz-content-sha256;x-amz-date",
      "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7" },
};

static GPtrArray *
sign_vector(const Vector *v, const char *url)
{
    GPtrArray *h = g_ptr_array_new_with_free_func(g_free);
    FlSigv4Request req = {
        .method = v->method, .url = url, .region = "us-east-1",
        .service = v->service, .now = v->now,
        .body = (const guint8 *)v->body,
        .body_len = v->body != NULL ? strlen(v->body) : 0, .s3 = v->s3,
    };
    GError *err = NULL;

    for (guint i = 0; v->headers[i] != NULL; i++)
        g_ptr_array_add(h, g_strdup(v->headers[i]));
    g_assert_true(fl_sigv4_sign(&req, v->keys, h, &err));
    g_assert_no_error(err);
    return h;
}

/* The value of the first header called name (any case), or NULL. */
static const char *
header_value(GPtrArray *h, const char *name)
{
    gsize n = strlen(name);

    for (guint i = 0; i < h->len; i++) {
        const char *line = h->pdata[i];

        if (g_ascii_strncasecmp(line, name, n) == 0 && line[n] == ':')
            return line + n + 1 + (line[n + 1] == ' ');
    }
    return NULL;
}

static void
test_vectors(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
        const Vector *v = &vectors[i];
        g_autoptr(GPtrArray) h = sign_vector(v, v->url);
        g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(v->now);
        g_autofree char *want = g_strdup_printf(
            "AWS4-HMAC-SHA256 Credential=%s/%.8s/us-east-1/%s/aws4_request, "
            "SignedHeaders=%s, Signature=%s", v->keys->access_key_id,
            v->now == SUITE_TIME ? "20150830" : "20130524", v->service,
            v->signed_headers, v->signature);
        g_autofree char *date = g_date_time_format(t, "%Y%m%dT%H%M%SZ");

        g_test_message("%s", v->name);
        g_assert_cmpstr(header_value(h, "Authorization"), ==, want);
        g_assert_cmpstr(header_value(h, "X-Amz-Date"), ==, date);
        g_assert_cmpstr(header_value(h, "X-Amz-Security-Token"), ==,
                        v->keys->session_token);
        if (v->s3) {
            g_autofree char *sha = fl_sigv4_sha256_hex(
                (const guint8 *)v->body, v->body ? strlen(v->body) : 0);

            g_assert_cmpstr(header_value(h, "X-Amz-Content-Sha256"), ==,
                            sha);
        } else {
            g_assert_null(header_value(h, "X-Amz-Content-Sha256"));
        }
        /* The caller's headers stay first and unchanged. */
        for (guint j = 0; v->headers[j] != NULL; j++)
            g_assert_cmpstr(h->pdata[j], ==, v->headers[j]);
    }
}

/* The same request spelled differently signs the same: a default port,
 * escapes in lower case, an empty pair, a fragment. */
static void
test_equivalent_urls(void)
{
    static const char *const same[] = {
        "https://example.amazonaws.com:443/?Param2=value2&Param1=value1",
        "https://example.amazonaws.com/?Param2=value2&&Param1=value1#frag",
        "https://example.amazonaws.com/?Param2=value%32&Param1=value1",
        "https://example.amazonaws.com?Param2=value2&Param1=value1",
    };
    const Vector *v = &vectors[1];

    g_assert_cmpstr(v->name, ==, "get-vanilla-query-order-key-case");
    for (guint i = 0; i < G_N_ELEMENTS(same); i++) {
        g_autoptr(GPtrArray) h = sign_vector(v, same[i]);

        g_assert_nonnull(strstr(header_value(h, "Authorization"),
                                v->signature));
    }
}

/* What changes the canonical request must change the signature. */
static void
test_distinct_urls(void)
{
    static const char *const urls[] = {
        "https://example.amazonaws.com/",
        "https://example.amazonaws.com:8443/",
        "http://example.amazonaws.com:443/",
        "https://example.amazonaws.com/a%2Fb",
        "https://example.amazonaws.com/a/b",
        "https://example.amazonaws.com/?q=a+b",
        "https://example.amazonaws.com/?q=a%20b",
        "https://example.amazonaws.com/?q=",
        "https://example.amazonaws.com/?q=1&q=2",
        "https://example.amazonaws.com/?q=2",
    };
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash,
                                                       g_str_equal, g_free,
                                                       NULL);

    for (guint i = 0; i < G_N_ELEMENTS(urls); i++) {
        g_autoptr(GPtrArray) h = sign_vector(&vectors[0], urls[i]);

        g_assert_true(g_hash_table_add(seen,
                                       g_strdup(header_value(h,
                                                             "Authorization"))));
    }
}

static void
test_bad_input(void)
{
    static const char *const urls[] = {
        "example.amazonaws.com/", "https:///path", "https://u@host/",
        "https://host/?a=%zz", "https://host/?a%0=1", "https://host/?a=%00",
    };

    for (guint i = 0; i < G_N_ELEMENTS(urls); i++) {
        g_autoptr(GPtrArray) h = g_ptr_array_new_with_free_func(g_free);
        FlSigv4Request req = { .method = "GET", .url = urls[i],
                               .region = "r", .service = "s", .now = 0 };
        GError *err = NULL;

        g_assert_false(fl_sigv4_sign(&req, &suite_keys, h, &err));
        g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
        g_assert_cmpuint(h->len, ==, 0);
        g_clear_error(&err);
    }
    {
        g_autoptr(GPtrArray) h = g_ptr_array_new_with_free_func(g_free);
        FlSigv4Request req = { .method = "GET", .url = "https://h/",
                               .region = "r", .service = "s", .now = 0 };
        GError *err = NULL;

        g_ptr_array_add(h, g_strdup("no colon here"));
        g_assert_false(fl_sigv4_sign(&req, &suite_keys, h, &err));
        g_assert_error(err, FL_ERROR, FL_ERROR_CONFIG);
        g_assert_cmpuint(h->len, ==, 1);
        g_clear_error(&err);
    }
}

static void
test_sha256(void)
{
    g_autofree char *e = fl_sigv4_sha256_hex(NULL, 0);
    g_autofree char *b = fl_sigv4_sha256_hex((const guint8 *)"Param1=value1",
                                             13);

    g_assert_cmpstr(e, ==, EMPTY_SHA);
    /* From the suite's signed-body canonical request. */
    g_assert_cmpstr(b, ==, "9095672bbd1f56dfc5b65f3e153adc8731a4a6541923291"
                    "06275f4c7b24d0b6e");
}

typedef struct {
    const char *in;
    gboolean keep_slash;
    const char *out;
} EncodeCase;

static void
test_uri_encode(void)
{
    static const EncodeCase cases[] = {
        { "", FALSE, "" },
        { "AZaz09-._~", FALSE, "AZaz09-._~" },
        { "a b+c=d&e", FALSE, "a%20b%2Bc%3Dd%26e" },
        { "a/b/c", FALSE, "a%2Fb%2Fc" },
        { "a/b c/", TRUE, "a/b%20c/" },
        { "100%", FALSE, "100%25" },
        { "!*'();:@$,?#[]", FALSE, "%21%2A%27%28%29%3B%3A%40%24%2C%3F%23%5B%5D" },
        { "\xe1\x88\xb4", FALSE, "%E1%88%B4" },
        { "caf\xc3\xa9/\xf0\x9f\x98\x80", TRUE, "caf%C3%A9/%F0%9F%98%80" },
        { "\x7f\x01", FALSE, "%7F%01" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *s = fl_uri_encode(cases[i].in, cases[i].keep_slash);

        g_assert_cmpstr(s, ==, cases[i].out);
    }
}

typedef struct {
    const char *in;
    gboolean form;
    const char *out;            /* NULL: FL_ERROR_CORRUPT */
} DecodeCase;

static void
test_uri_decode(void)
{
    static const DecodeCase cases[] = {
        { "", FALSE, "" },
        { "plain", FALSE, "plain" },
        { "a%20b+c", FALSE, "a b+c" },
        { "a%20b+c", TRUE, "a b c" },
        { "a%2Bb", TRUE, "a+b" },
        { "%2f%2F", FALSE, "//" },
        { "%E1%88%b4", FALSE, "\xe1\x88\xb4" },
        { "red+flower.jpg", TRUE, "red flower.jpg" },
        { "aws-account-id%3D1/x", TRUE, "aws-account-id=1/x" },
        { "%", FALSE, NULL },
        { "%4", FALSE, NULL },
        { "abc%", TRUE, NULL },
        { "%zz", FALSE, NULL },
        { "%4g", FALSE, NULL },
        { "a%00b", FALSE, NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        GError *err = NULL;
        g_autofree char *s = fl_uri_decode(cases[i].in, cases[i].form, &err);

        g_assert_cmpstr(s, ==, cases[i].out);
        if (cases[i].out == NULL) {
            g_assert_error(err, FL_ERROR, FL_ERROR_CORRUPT);
            g_clear_error(&err);
        } else {
            g_assert_no_error(err);
        }
    }
}

/* Decoding undoes encoding for every byte but NUL. */
static void
test_uri_roundtrip(void)
{
    char all[256];

    for (int i = 1; i < 256; i++)
        all[i - 1] = (char)i;
    all[255] = '\0';
    for (int slash = 0; slash < 2; slash++) {
        g_autofree char *enc = fl_uri_encode(all, slash);
        g_autofree char *dec = fl_uri_decode(enc, FALSE, NULL);

        g_assert_cmpstr(dec, ==, all);
        g_assert_cmpuint(strlen(enc), ==, 66 + 188 * 3 + (slash ? 1 : 3));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sigv4/published-vectors", test_vectors);
    g_test_add_func("/sigv4/equivalent-urls", test_equivalent_urls);
    g_test_add_func("/sigv4/distinct-urls", test_distinct_urls);
    g_test_add_func("/sigv4/bad-input", test_bad_input);
    g_test_add_func("/sigv4/sha256", test_sha256);
    g_test_add_func("/uri/encode", test_uri_encode);
    g_test_add_func("/uri/decode", test_uri_decode);
    g_test_add_func("/uri/roundtrip", test_uri_roundtrip);
    return g_test_run();
}
