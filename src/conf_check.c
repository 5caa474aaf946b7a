/*
 * conf_check.c - after the command line, the environment and the config
 * file have spoken: the defaults of what none of them set, then every
 * range, word and combination checked, each error naming its option
 * (conf_int.h).
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "decoders/gcp_flow.h"
#include "error.h"
#include "log.h"
#include "timespec.h"

static gboolean
check_range(const char *name, gint64 v, gint64 lo, gint64 hi, GError **err)
{
    if (v >= lo && v <= hi)
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                "--%s: %" G_GINT64_FORMAT " is out of range (%" G_GINT64_FORMAT
                "..%" G_GINT64_FORMAT ")", name, v, lo, hi);
    return FALSE;
}

/* The information model's directory when nothing names one: "infomodel"
 * beside the executable when it holds the file (an unpacked Lambda zip or
 * another relocated copy brings its own model), else the installed one.
 * Returns a new string; can't fail. */
static char *
default_infomodel_dir(void)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = NULL;
    g_autofree char *beside = NULL;
    g_autofree char *file = NULL;

    if (exe == NULL)
        return g_strdup(FL_INFOMODEL_DIR);
    dir = g_path_get_dirname(exe);
    beside = g_build_filename(dir, "infomodel", NULL);
    file = g_build_filename(beside, "flowlog2ipfix.xml", NULL);
    if (g_file_test(file, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer(&beside);
    return g_strdup(FL_INFOMODEL_DIR);
}

/* What neither the command line nor the config file set. */
static void
apply_defaults(FlConf *c)
{
    if (c->output == NULL) c->output = g_strdup("-");
    if (c->infomodel_dir == NULL) c->infomodel_dir = default_infomodel_dir();
    if (c->observation_domain == UNSET) c->observation_domain = 0;
    if (c->template_refresh == UNSET) c->template_refresh = 60;
    if (c->options_interval == UNSET) c->options_interval = 300;
    if (c->reconnect_timeout == UNSET) c->reconnect_timeout = 300;
    if (c->time_elements == NULL) c->time_elements = g_strdup("seconds");
    if (c->address_pair == NULL) c->address_pair = g_strdup("srcaddr");
    if (c->input_format == NULL) c->input_format = g_strdup("auto");
    if (c->gcp_reporter == NULL) c->gcp_reporter = g_strdup("all");
    if (c->id_bits == UNSET) c->id_bits = 32;
    if (c->threads == UNSET) c->threads = (gint)MIN(g_get_num_processors(), 64);
    if (c->max_rate == UNSET) c->max_rate = 0;
    if (c->max_errors == UNSET) c->max_errors = 10;
    if (c->verbosity == UNSET) c->verbosity = 1;
    if (c->sqs_wait == UNSET) c->sqs_wait = 20;
    if (c->sqs_visibility == UNSET) c->sqs_visibility = 300;
    if (c->s3_concurrency == UNSET) c->s3_concurrency = 4;
    if (c->stall_timeout == UNSET) c->stall_timeout = 30;
    if (c->max_attempts == UNSET) c->max_attempts = 5;
    if (c->cwl_poll_interval == UNSET) c->cwl_poll_interval = 60;
    if (c->cwl_overlap == UNSET) c->cwl_overlap = 900;
    if (c->settle == UNSET) c->settle = 10;
    if (c->stats_interval == UNSET) c->stats_interval = 0;
    if (c->replay_buffer == UNSET) c->replay_buffer = 8 << 20;
    if (c->rotate == UNSET) c->rotate = 0;
    if (c->lambda_deadline_margin == UNSET) c->lambda_deadline_margin = 500;
    if (c->template_refresh_invocations == UNSET)
        c->template_refresh_invocations = 100;
}

/* Ranges and words of the core settings. */
static gboolean
check_settings(FlConf *c, GError **err)
{
    if (!check_range("observation-domain", c->observation_domain, 0,
                     G_MAXUINT32, err)
        || !check_range("template-refresh", c->template_refresh, 0, 86400, err)
        || !check_range("options-interval", c->options_interval, 0, 86400, err)
        || !check_range("reconnect-timeout", c->reconnect_timeout, 0,
                        7 * 86400, err)
        || !check_range("threads", c->threads, 1, 64, err)
        || !check_range("max-rate", c->max_rate, 0, G_MAXINT64 / 1000000, err)
        || !check_range("max-errors", c->max_errors, 0, G_MAXINT, err)
        /* at least a few messages of 64 KiB; at most what fits memory */
        || !check_range("replay-buffer", c->replay_buffer, 1 << 20,
                        (gint64)1 << 40, err))
        return FALSE;
    if (c->id_bits != 32 && c->id_bits != 16) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "--id-bits: must be 32 or 16, not %d", c->id_bits);
        return FALSE;
    }
    if (!strcmp(c->time_elements, "seconds"))
        c->time_enum = FL_TIME_SECONDS;
    else if (!strcmp(c->time_elements, "milliseconds"))
        c->time_enum = FL_TIME_MILLISECONDS;
    else if (!strcmp(c->time_elements, "both"))
        c->time_enum = FL_TIME_BOTH;
    else {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "--time-elements: '%s' is not seconds, milliseconds or "
                    "both", c->time_elements);
        return FALSE;
    }
    if (!strcmp(c->address_pair, "pkt"))
        c->pkt_addresses = TRUE;
    else if (strcmp(c->address_pair, "srcaddr") != 0) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "--address-pair: '%s' is not srcaddr or pkt",
                    c->address_pair);
        return FALSE;
    }
    if (!fl_input_format_parse(c->input_format, &c->input_enum, err))
        return FALSE;
    if (!strcmp(c->gcp_reporter, "all"))
        c->gcp_keep = FL_GCP_KEEP_ALL;
    else if (!strcmp(c->gcp_reporter, "src"))
        c->gcp_keep = FL_GCP_KEEP_SRC;
    else if (!strcmp(c->gcp_reporter, "dest"))
        c->gcp_keep = FL_GCP_KEEP_DEST;
    else {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "--gcp-reporter: '%s' is not all, src or dest",
                    c->gcp_reporter);
        return FALSE;
    }
    return TRUE;
}

/* The cloud sources' settings; --since/--until become Unix times. */
static gboolean
check_cloud(FlConf *c, GError **err)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    if (!check_range("sqs-wait", c->sqs_wait, 0, 20, err)
        || !check_range("sqs-visibility", c->sqs_visibility, 1, 43200, err)
        || !check_range("s3-concurrency", c->s3_concurrency, 1, 64, err)
        || !check_range("stall-timeout", c->stall_timeout, 1, 3600, err)
        || !check_range("max-attempts", c->max_attempts, 1, 100, err)
        || !check_range("cwl-poll-interval", c->cwl_poll_interval, 1, 86400,
                        err)
        || !check_range("cwl-overlap", c->cwl_overlap, 0, 86400, err)
        || !check_range("lambda-deadline-margin", c->lambda_deadline_margin,
                        0, 900000, err)
        || !check_range("template-refresh-invocations",
                        c->template_refresh_invocations, 0, 100000000,
                        err))
        return FALSE;
    if (c->format && c->format_from_flow_log) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--format and "
                    "--format-from-flow-log exclude each other");
        return FALSE;
    }
    if (c->follow && c->until) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--follow reads until "
                    "stopped: --until does not go with it");
        return FALSE;
    }
    c->has_range = c->since || c->until;
    c->since_t = 0;
    c->until_t = now;
    if (c->since && !fl_time_parse(c->since, now, &c->since_t, err)) {
        g_prefix_error(err, "--since: ");
        return FALSE;
    }
    if (c->until && !fl_time_parse(c->until, now, &c->until_t, err)) {
        g_prefix_error(err, "--until: ");
        return FALSE;
    }
    if (c->has_range && c->since_t >= c->until_t) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--since must be "
                    "before --until");
        return FALSE;
    }
    return TRUE;
}

/* cwl:// inputs read a window or follow; --follow needs one (or an
 * azblob:// input, which it re-lists for blobs that grew). */
static gboolean
check_cwl_inputs(const FlConf *c, GError **err)
{
    gboolean any = FALSE, azblob = FALSE;
    guint n = 0, last = 0;

    for (guint i = 0; c->inputs && c->inputs[i]; i++) {
        if (g_ascii_strncasecmp(c->inputs[i], "cwl://", 6) == 0) {
            any = TRUE;
            n++;
            last = i;
        }
        if (g_ascii_strncasecmp(c->inputs[i], "azblob://", 9) == 0) {
            azblob = TRUE;
            n++;
            last = i;
        }
    }
    if (azblob && !any) {
        if (c->follow && (n > 1 || c->inputs[last + 1] != NULL
                          || c->s3_event || c->sqs_queue)) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--follow reads "
                        "one azblob:// input until stopped: it must be the "
                        "only such input and the last input");
            return FALSE;
        }
        if (c->log_stream_prefix) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--log-stream-prefix "
                        "applies to cwl:// inputs only, and none is given");
            return FALSE;
        }
        return TRUE;
    }
    /* Inputs are read one after the other, and a followed group never
     * ends: nothing after it would ever be read. */
    if (c->follow && any && (n > 1 || c->inputs[last + 1] != NULL
                             || c->s3_event || c->sqs_queue)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--follow reads one "
                    "cwl:// input until stopped: it must be the only "
                    "cwl:// input and the last input (no --s3-event or "
                    "--sqs-queue)");
        return FALSE;
    }
    if (any && !c->follow && !c->since) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "cwl:// inputs need "
                    "--since (and --until) for a time window, or --follow");
        return FALSE;
    }
    if (!any && (c->follow || c->log_stream_prefix)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--%s applies to "
                    "cwl:// inputs only, and none is given",
                    c->follow ? "follow" : "log-stream-prefix");
        return FALSE;
    }
    return TRUE;
}

/* "N", "NK", "NM", "NG" (binary multiples) -> bytes, at least 1. */
static gboolean
parse_size(const char *name, const char *v, guint64 *out, GError **err)
{
    static const char units[] = "KMG";
    gsize len = strlen(v);
    const char *u = len ? strchr(units, g_ascii_toupper(v[len - 1])) : NULL;
    g_autofree char *digits = g_strndup(v, u && *u ? len - 1 : len);
    guint64 n;

    if (!g_ascii_string_to_unsigned(digits, 10, 1, G_MAXINT64 >> 30, &n,
                                    NULL)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--%s: '%s' is not a "
                    "size (N, NK, NM or NG)", name, v);
        return FALSE;
    }
    if (u && *u)
        n <<= 10 * (u - units + 1);
    *out = n;
    return TRUE;
}

/* --output-dir is -o dir://DIR.  Before the defaults: -o must be unset. */
static gboolean
merge_output_dir(FlConf *c, GError **err)
{
    if (c->output_dir == NULL)
        return TRUE;
    if (c->output) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--output-dir and "
                    "--output exclude each other (--output-dir DIR is -o "
                    "dir://DIR)");
        return FALSE;
    }
    c->output = g_strconcat("dir://", c->output_dir, NULL);
    return TRUE;
}

/* Rotating output, pid file and logging. */
static gboolean
check_service(FlConf *c, GError **err)
{
    if (!check_range("rotate", c->rotate, 0, 366 * 86400, err))
        return FALSE;
    if (fl_rotate_parse_uri(c->output, &c->rotate_dir)
        && *c->rotate_dir == '\0') {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "output '%s': no "
                    "directory (dir:///var/spool/flowlog2ipfix)", c->output);
        return FALSE;
    }
    if (c->rotate_dir == NULL && (c->rotate || c->rotate_bytes
                                  || c->rotate_prefix || c->rotate_compress)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--rotate* options "
                    "apply to a directory output (-o dir://DIR or "
                    "--output-dir DIR)");
        return FALSE;
    }
    if (c->rotate_bytes
        && !parse_size("rotate-bytes", c->rotate_bytes, &c->rotate_bytes_n,
                       err))
        return FALSE;
    c->rotate_compress_enum = FL_ROTATE_PLAIN;
    if (c->rotate_compress && !strcmp(c->rotate_compress, "gzip"))
        c->rotate_compress_enum = FL_ROTATE_GZIP;
    else if (c->rotate_compress && strcmp(c->rotate_compress, "none")) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--rotate-compress: "
                    "'%s' is not gzip or none", c->rotate_compress);
        return FALSE;
    }
    /* Started by systemd: the journal's priorities, unless told. */
    c->log_dest = c->log == NULL && c->log_file == NULL
                  && fl_log_stderr_is_journal() ? FL_LOG_JOURNAL
                                                : FL_LOG_STDERR;
    if (c->log && !fl_log_parse_dest(c->log, &c->log_dest, err))
        return FALSE;
    if (c->log_file) {
        if (c->log_dest != FL_LOG_STDERR) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--log %s and "
                        "--log-file exclude each other", c->log);
            return FALSE;
        }
        c->log_dest = FL_LOG_FILE;
    }
    c->log_level_enum = fl_log_level_of_verbosity(c->verbosity);
    return c->log_level == NULL
           || fl_log_parse_level(c->log_level, &c->log_level_enum, err);
}

/*
 * Lambda mode: asked for, or implied by the Runtime API's variable when
 * nothing else says what to read.  Its events are the only input.
 */
static gboolean
check_lambda(FlConf *c, GError **err)
{
    const char *api = g_getenv("AWS_LAMBDA_RUNTIME_API");
    gboolean inputs = (c->inputs && c->inputs[0]) || c->s3_event
                      || c->sqs_queue || c->listen_pubsub;

    if (!c->lambda && !inputs && api && *api)
        c->lambda = TRUE;
    if (c->lambda && inputs) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--lambda: events come "
                    "from the Lambda Runtime API; give no INPUT, --s3-event "
                    "or --sqs-queue");
        return FALSE;
    }
    return TRUE;
}

/* --watch and its companions; --after-processing parsed. */
static gboolean
check_watch(FlConf *c, GError **err)
{
    const char *a = c->after_processing;
    guint n_dirs = 0;

    if (!check_range("settle", c->settle, 0, 86400, err)
        || !check_range("stats-interval", c->stats_interval, 0, 86400, err))
        return FALSE;
    c->after = FL_AFTER_KEEP;
    if (a == NULL || !strcmp(a, "keep"))
        ;
    else if (!strcmp(a, "delete"))
        c->after = FL_AFTER_DELETE;
    else if (g_str_has_prefix(a, "move:") && a[5] != '\0') {
        c->after = FL_AFTER_MOVE;
        c->after_dir = g_strdup(a + 5);
    } else {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--after-processing: "
                    "'%s' is not keep, delete or move:DIR", a);
        return FALSE;
    }
    if (a && !c->watch) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--after-processing "
                    "applies to --watch only");
        return FALSE;
    }
    if (!c->watch)
        return TRUE;
    for (guint i = 0; c->inputs && c->inputs[i]; i++)
        if (g_file_test(c->inputs[i], G_FILE_TEST_IS_DIR))
            n_dirs++;
    /* Inputs are read one after the other, and a watched directory never
     * ends: nothing after it would ever be read. */
    if (n_dirs != 1 || !g_file_test(c->inputs[g_strv_length(c->inputs) - 1],
                                    G_FILE_TEST_IS_DIR)
        || c->s3_event || c->sqs_queue || c->follow) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--watch watches one "
                    "directory until stopped: it must be the only directory "
                    "input and the last input (no --s3-event, --sqs-queue or "
                    "--follow)");
        return FALSE;
    }
    return TRUE;
}

gboolean
fl_conf_finish(FlConf *c, GError **err)
{
    if (!merge_output_dir(c, err))
        return FALSE;
    apply_defaults(c);
    if (!check_settings(c, err) || !check_cloud(c, err)
        || !check_service(c, err) || !check_lambda(c, err))
        return FALSE;
    if ((c->inputs == NULL || c->inputs[0] == NULL) && !c->s3_event
        && !c->sqs_queue && !c->listen_pubsub && !c->lambda) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "no INPUT given (a file, a directory, - for stdin, "
                    "s3://BUCKET/PREFIX, cwl://LOG-GROUP, --s3-event, "
                    "--sqs-queue or --listen-pubsub); see --help");
        return FALSE;
    }
    /* Read last, until stopped: nothing that never ends may come first. */
    if (c->listen_pubsub && (c->sqs_queue || c->follow || c->watch)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--listen-pubsub runs "
                    "until stopped, as --sqs-queue, --follow and --watch "
                    "do: give only one of them");
        return FALSE;
    }
    if (c->pubsub_token && !c->listen_pubsub) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "--pubsub-token is for "
                    "--listen-pubsub");
        return FALSE;
    }
    return check_cwl_inputs(c, err) && check_watch(c, err);
}
