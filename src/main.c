/*
 * main.c - the process: options, signals, exit codes.
 *
 * The only file that exits.  Everything else reports through GError.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "aws/aws.h"
#include "aws/ec2.h"
#include "azure/azure.h"
#include "conf.h"
#include "error.h"
#include "lambda/lambda.h"
#include "output/infomodel.h"
#include "output/export.h"
#include "log.h"
#include "observe.h"
#include "pidfile.h"
#include "pipeline/pipeline.h"
#include "sources/checkpoint.h"
#include "stats.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INPUT = 2, EXIT_OUTPUT = 3 };

/* The process-wide state: set by SIGINT/SIGTERM, read by the pipeline
 * between chunks and by the exporter while it waits to reconnect (in
 * Lambda mode also set at an invocation's deadline, and cleared before the
 * next one; exit_requested then keeps what the signal said); and the
 * number of SIGHUPs, which the writer thread compares with the number it
 * has acted on (service_tick). */
static volatile gint stop_requested;
static volatile gint exit_requested;
static volatile gint hup_count;

static void
on_stop_signal(int sig)
{
    (void)sig;
    g_atomic_int_set(&stop_requested, 1);
    g_atomic_int_set(&exit_requested, 1);
    /* A second signal ends the process the hard way. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

static void
on_hup_signal(int sig)
{
    (void)sig;
    g_atomic_int_inc(&hup_count);
}

/* A fatal error: on standard error always (the operator starting the
 * service sees it), and in the log when that is a file or syslog. */
static void
report_error(const FlLog *log, const GError *err)
{
    fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
    if (!fl_log_is_stderr(log))
        fl_log_error("%s", err->message);
}

/*
 * A start-up failure: said on stderr, and in Lambda mode reported to the
 * Runtime API's /init/error too (as errorType type), so that the
 * function's caller learns why the runtime did not start.
 */
static void
start_error(gboolean lambda, const char *type, const char *message)
{
    const char *api = g_getenv("AWS_LAMBDA_RUNTIME_API");

    if (!lambda) {
        fprintf(stderr, "flowlog2ipfix: %s\n", message);
        return;
    }
    fl_log_error("%s", message);
    if (api && *api)
        fl_lambda_init_error(api, type, message);
}

static int
usage_error(const FlConf *conf, const GError *err)
{
    start_error(conf->lambda && !conf->check, "ConfigError", err->message);
    return EXIT_USAGE;
}

/* What SIGHUP asks for, done by the writer thread (FlPipelineConfig's
 * on_tick), never in the handler. */
typedef struct {
    FlExporter *exp;
    FlIdPins *pins;
    FlLog *log;
    gint hups_done;
} Service;

/* Failures are logged, not fatal: the old log file, the old map and the
 * current output file stay in use. */
static gboolean
service_tick(gpointer data, GError **err)
{
    Service *s = data;
    gint n = g_atomic_int_get(&hup_count);
    GError *local = NULL;

    (void)err;
    if (n == s->hups_done)
        return TRUE;
    s->hups_done = n;
    if (!fl_log_reopen(s->log, &local)) {
        fl_log_warnx("SIGHUP: %s; still writing to the old file",
                     local->message);
        g_clear_error(&local);
    }
    fl_log_info("SIGHUP: log reopened%s%s", s->pins ? ", --id-map read "
                "again" : "", fl_exporter_rotates(s->exp) ? ", the output "
                "file completed" : "");
    if (s->pins && !fl_id_pins_reload(s->pins, &local)) {
        fl_log_warnx("SIGHUP: %s; the map read before stays in use",
                     local->message);
        g_clear_error(&local);
    }
    fl_exporter_request_rotate(s->exp);
    return TRUE;
}

/* The directory output's settings, from the configuration. */
static void
rotate_config(const FlConf *conf, FlRotateConfig *rc)
{
    memset(rc, 0, sizeof *rc);
    rc->dir = conf->rotate_dir;
    rc->prefix = conf->rotate_prefix;
    rc->seconds = (guint)conf->rotate;
    rc->bytes = conf->rotate_bytes_n;
    rc->compress = conf->rotate_compress_enum;
}

/* TRUE when an input reads from AWS, so credentials must be found. */
static gboolean
needs_aws(const FlConf *conf)
{
    /* Lambda: S3 and SQS events name objects to read. */
    if (conf->s3_event || conf->sqs_queue || conf->format_from_flow_log
        || conf->lambda)
        return TRUE;
    for (guint i = 0; conf->inputs && conf->inputs[i]; i++)
        if (g_ascii_strncasecmp(conf->inputs[i], "s3://", 5) == 0
            || g_ascii_strncasecmp(conf->inputs[i], "cwl://", 6) == 0)
            return TRUE;
    return FALSE;
}

/* The run's Azure context, when an input is azblob://. */
static gboolean
setup_azure(const FlConf *conf, FlSourceConfig *sc, GError **err)
{
    FlAzureConfig ac;
    gboolean any = FALSE;

    for (guint i = 0; conf->inputs && conf->inputs[i]; i++)
        if (g_ascii_strncasecmp(conf->inputs[i], "azblob://", 9) == 0)
            any = TRUE;
    if (!any || sc->azure != NULL)
        return TRUE;
    memset(&ac, 0, sizeof ac);
    ac.endpoint_url = conf->endpoint_url;
    ac.key_file = conf->azure_key_file;
    ac.sas_file = conf->azure_sas_file;
    ac.ca_bundle = conf->ca_bundle;
    ac.low_speed_time = (guint)conf->stall_timeout;
    ac.max_attempts = (guint)conf->max_attempts;
    ac.stop = &stop_requested;
    sc->azure = fl_azure_new(&ac, err);
    return sc->azure != NULL;
}

/* The run's AWS context, made once (at the latest by setup_sources). */
static gboolean
setup_aws(const FlConf *conf, FlSourceConfig *sc, GError **err)
{
    FlAwsConfig ac;

    if (sc->aws != NULL || !needs_aws(conf))
        return TRUE;
    memset(&ac, 0, sizeof ac);
    ac.region = conf->region;
    ac.profile = conf->profile;
    ac.endpoint_url = conf->endpoint_url;
    ac.ca_bundle = conf->ca_bundle;
    ac.low_speed_time = (guint)conf->stall_timeout;
    ac.max_attempts = (guint)conf->max_attempts;
    ac.stop = &stop_requested;
    sc->aws = fl_aws_new(&ac, err);
    return sc->aws != NULL;
}

/*
 * --format-from-flow-log: asks EC2 for the flow log's format and puts it
 * in conf->format, at start-up, so that a wrong ID or a missing
 * permission stops the run before anything is read.
 */
static gboolean
resolve_flow_log_format(FlConf *conf, FlSourceConfig *sc, GError **err)
{
    FlEc2FlowLog *fl;

    if (conf->format_from_flow_log == NULL)
        return TRUE;
    if (!setup_aws(conf, sc, err))
        return FALSE;
    fl = fl_ec2_describe_flow_log(sc->aws, conf->format_from_flow_log, err);
    if (fl == NULL) {
        g_prefix_error(err, "--format-from-flow-log: ");
        return FALSE;
    }
    if (fl->deliver_error && *fl->deliver_error)
        fl_log_warnx("%s: EC2 reports a delivery error: %s", fl->id,
                     fl->deliver_error);
    if (fl->log_format && *fl->log_format) {
        conf->format = g_strdup(fl->log_format);
        fl_log_info("%s: format %s", fl->id, fl->log_format);
    } else {
        fl_log_info("%s: the default format", fl->id);
    }
    fl_ec2_flow_log_free(fl);
    return TRUE;
}

/*
 * The sources' settings: AWS credentials and region (only when an input
 * needs them, and then at start-up, so that a broken setup fails before
 * anything is read) and the --state file.  FALSE with *err.
 */
static gboolean
setup_sources(const FlConf *conf, FlSourceConfig *sc, GError **err)
{
    sc->has_range = conf->has_range;
    sc->has_since = conf->since != NULL;
    sc->cwl_follow = conf->follow;
    sc->cwl_poll_interval = (guint)conf->cwl_poll_interval;
    sc->cwl_overlap = (guint)conf->cwl_overlap;
    sc->cwl_stream_prefix = conf->log_stream_prefix;
    sc->since = conf->since_t;
    sc->until = conf->until_t;
    sc->s3_concurrency = (guint)conf->s3_concurrency;
    sc->s3_all_keys = conf->s3_all_keys;
    sc->sqs_wait = (guint)conf->sqs_wait;
    sc->sqs_visibility = (guint)conf->sqs_visibility;
    sc->sqs_exit_when_empty = conf->sqs_exit_when_empty;
    sc->stop = &stop_requested;
    sc->watch = conf->watch;
    sc->settle = (guint)conf->settle;
    sc->after = conf->after;
    sc->after_dir = conf->after_dir;
    sc->pubsub_token = conf->pubsub_token;
    if (conf->watch && conf->after == FL_AFTER_KEEP && !conf->state)
        fl_log_warnx("--watch without --state: a restart reads every file "
                     "of the directory again");
    if (conf->state) {
        sc->checkpoint = fl_checkpoint_open(conf->state, err);
        if (sc->checkpoint == NULL) {
            g_prefix_error(err, "--state: ");
            return FALSE;
        }
    }
    return setup_azure(conf, sc, err) && setup_aws(conf, sc, err);
}

static void
clear_sources(FlSourceConfig *sc)
{
    g_clear_pointer(&sc->azure, fl_azure_unref);
    g_clear_pointer(&sc->aws, fl_aws_unref);
    g_clear_pointer(&sc->checkpoint, fl_checkpoint_unref);
}

/*
 * Lambda mode: invocations until SIGTERM (exit 0) or until the Runtime
 * API fails (exit 2).  The exporter made at start-up serves them all.
 */
static int
run_lambda(const FlConf *conf, const FlPipelineConfig *pc,
           const FlSourceConfig *sc, FlExporter *exp, FlLogContext *log)
{
    FlLambdaConfig lc;
    g_autoptr(GError) err = NULL;

    memset(&lc, 0, sizeof lc);
    lc.runtime_api = g_getenv("AWS_LAMBDA_RUNTIME_API");
    lc.exp = exp;
    lc.pipeline = pc;
    lc.sources = sc;
    lc.stop = &stop_requested;
    lc.quit = &exit_requested;
    lc.deadline_margin_ms = (guint)conf->lambda_deadline_margin;
    lc.template_invocations = (guint)conf->template_refresh_invocations;
    lc.log = log;
    if (!fl_lambda_run(&lc, &err)) {
        fl_log_error("%s", err->message);
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

int
main(int argc, char **argv)
{
    FlConf conf;
    FlStats stats;
    g_autoptr(GError) err = NULL;
    g_autoptr(FlFormat) format = NULL;
    FlExportConfig ec;
    FlPipelineConfig pc;
    FlSourceConfig sc;
    FlExporter *exp = NULL;
    FlExportCounts counts;
    FlIdPins *pins = NULL;
    FlLog *log = NULL;
    FlRotateConfig rc;
    Service svc;
    gboolean own_pidfile = FALSE;
    FlObservers *obs = NULL;
    int status = EXIT_OK;
    struct sigaction sa;
    const char *lambda_api;
    FlLogContext *log_ctx = NULL;   /* JSON lines; kept to the end */

    memset(&sc, 0, sizeof sc);
    /* Under Lambda every line is JSON from the start. */
    lambda_api = g_getenv("AWS_LAMBDA_RUNTIME_API");
    if (lambda_api && *lambda_api) {
        log_ctx = fl_log_context_new();
        fl_log_init_json(log_ctx, 1);
    }
    if (!fl_conf_load(&conf, &argc, &argv, &err)) {
        start_error(log_ctx != NULL, "ConfigError", err->message);
        status = EXIT_USAGE;
        goto out_conf;
    }
    if (conf.version) {
        printf("flowlog2ipfix %s\n", PACKAGE_VERSION);
        printf("outputs: %s\n", fl_output_transports());
        goto out_conf;
    }
    log = fl_log_open(conf.log_dest, conf.log_file, conf.log_level_enum,
                      &err);
    if (log == NULL) {
        status = usage_error(&conf, err);
        goto out_conf;
    }
    if (conf.lambda && !conf.check) {
        if (log_ctx == NULL)
            log_ctx = fl_log_context_new();
        fl_log_init_json(log_ctx, conf.verbosity);
        if (lambda_api == NULL || *lambda_api == '\0') {
            fl_log_error("--lambda: AWS_LAMBDA_RUNTIME_API is not set (the "
                         "Runtime API's host:port, which Lambda sets)");
            status = EXIT_USAGE;
            goto out_conf;
        }
    }

    if (!resolve_flow_log_format(&conf, &sc, &err)) {
        status = usage_error(&conf, err);
        goto out_conf;
    }
    format = conf.format ? fl_format_parse(conf.format, -1, &err)
                         : fl_format_new_default();
    if (format == NULL) {
        g_prefix_error(&err, "--format: ");
        status = usage_error(&conf, err);
        goto out_conf;
    }
    if (conf.id_map) {
        pins = fl_id_pins_load(conf.id_map, conf.id_bits, &err);
        if (pins == NULL) {
            status = usage_error(&conf, err);
            goto out_conf;
        }
    }
    /* A --format that cannot be transcoded is a usage error.  (The
     * default format lacks pkt-srcaddr, but with --address-pair pkt the
     * inputs' header lines may well have it: those are checked per
     * object.) */
    if (conf.format || !conf.pkt_addresses) {
        FlMapPlan plan;
        FlMapperConfig mc = { conf.time_enum, conf.id_bits,
                              conf.pkt_addresses, pins };
        if (!fl_map_plan_init(&plan, format, &mc, &err)) {
            g_prefix_error(&err, "--format: ");
            status = usage_error(&conf, err);
            goto out_conf;
        }
    }

    memset(&ec, 0, sizeof ec);
    ec.output = conf.output;
    ec.infomodel_dir = conf.infomodel_dir;
    ec.domain = (guint32)conf.observation_domain;
    ec.template_refresh = (guint)conf.template_refresh;
    ec.reconnect_timeout = (guint)conf.reconnect_timeout;
    ec.no_options = conf.no_options;
    ec.stop = &stop_requested;
    ec.replay_buffer = (gsize)conf.replay_buffer;
    ec.tls_ca = conf.tls_ca;
    ec.tls_cert = conf.tls_cert;
    ec.tls_key = conf.tls_key;
    ec.tls_key_pass_file = conf.tls_key_pass_file;
    ec.udp_best_effort = conf.udp_best_effort;
    rotate_config(&conf, &rc);
    ec.rotate = conf.rotate_dir ? &rc : NULL;

    if (conf.check) {
        FlOutputKind kind;
        char *host = NULL, *port = NULL;
        fbInfoModel_t *m;

        if (conf.rotate_dir
            && !g_file_test(conf.rotate_dir, G_FILE_TEST_IS_DIR)) {
            g_set_error(&err, FL_ERROR, FL_ERROR_CONFIG, "output directory "
                        "'%s' does not exist", conf.rotate_dir);
            status = usage_error(&conf, err);
            goto out_conf;
        }
        if (!conf.rotate_dir
            && !fl_output_parse(conf.output, &kind, &host, &port, &err)) {
            status = usage_error(&conf, err);
            goto out_conf;
        }
        g_free(host);
        g_free(port);
        m = fl_infomodel_load(conf.infomodel_dir, &err);
        if (m == NULL) {
            status = usage_error(&conf, err);
            goto out_conf;
        }
        fbInfoModelFree(m);
        goto out_conf;
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* SA_RESTART: a HUP must not fail a blocking read of an input. */
    sa.sa_handler = on_hup_signal;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGHUP, &sa, NULL);
    /* A collector that closes its socket must give a write error, not
     * kill the process (libfixbuf does the same for its own sockets). */
    signal(SIGPIPE, SIG_IGN);

    if (conf.pidfile) {
        if (!fl_pidfile_create(conf.pidfile, &err)) {
            report_error(log, err);
            status = EXIT_USAGE;
            goto out_conf;
        }
        own_pidfile = TRUE;
    }
    if (!setup_sources(&conf, &sc, &err)) {
        if (conf.lambda)
            start_error(TRUE, "ConfigError", err->message);
        else
            report_error(log, err);
        status = EXIT_USAGE;
        goto out_conf;
    }
    exp = fl_exporter_new(&ec, &err);
    if (exp == NULL) {
        status = err->domain == FL_ERROR && (err->code == FL_ERROR_CONFIG
                                             || err->code == FL_ERROR_UNSUPPORTED)
                 ? EXIT_USAGE : EXIT_OUTPUT;
        if (conf.lambda)
            start_error(TRUE, status == EXIT_USAGE ? "ConfigError"
                                                   : "OutputError",
                        err->message);
        else
            report_error(log, err);
        goto out_conf;
    }

    memset(&pc, 0, sizeof pc);
    pc.inputs = conf.inputs;
    pc.s3_event = conf.s3_event;
    pc.sqs_queue = conf.sqs_queue;
    pc.listen_pubsub = conf.listen_pubsub;
    pc.sources = &sc;
    pc.format = format;
    pc.format_given = conf.format != NULL;
    pc.input_format = conf.input_enum;
    pc.gcp_keep = conf.gcp_keep;
    pc.map.time_elements = conf.time_enum;
    pc.map.id_bits = conf.id_bits;
    pc.map.pkt_addresses = conf.pkt_addresses;
    pc.map.pins = pins;
    pc.threads = (guint)conf.threads;
    pc.max_errors = (guint)conf.max_errors;
    pc.options_interval = (guint)conf.options_interval;
    pc.max_rate = (guint64)conf.max_rate;
    pc.stop = &stop_requested;
    memset(&svc, 0, sizeof svc);
    svc.exp = exp;
    svc.pins = pins;
    svc.log = log;
    pc.on_tick = service_tick;
    pc.tick_data = &svc;

    obs = fl_observers_start(&conf, &pc, &err);
    if (obs == NULL) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        status = EXIT_USAGE;
        (void)fl_exporter_close(exp, &counts, NULL);
        goto out_conf;
    }
    fl_stats_init(&stats);
    if (conf.lambda) {
        status = run_lambda(&conf, &pc, &sc, exp, log_ctx);
    } else if (!fl_pipeline_run(&pc, exp, &stats, &err)) {
        report_error(log, err);
        status = EXIT_OUTPUT;
        g_clear_error(&err);
    }
    fl_observers_end_progress(obs);
    if (!conf.lambda && g_atomic_int_get(&stop_requested))
        fl_log_warnx("stopped by a signal before the end of the input; "
                     "what was read is exported");
    if (!fl_exporter_close(exp, &counts, &err)) {
        report_error(log, err);
        status = EXIT_OUTPUT;
        g_clear_error(&err);
    }
    stats.bytes_out = counts.bytes_out;
    stats.records_resent = counts.records_resent;
    stats.reconnects = counts.reconnects;
    stats.datagrams_refused = counts.datagrams_refused;
    /* Only a regular output file has a size to report. */
    stats.bytes_out_known = stats.bytes_out > 0;
    if (!fl_observers_finish(obs, &stats, &err)) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        g_clear_error(&err);
    }
    if (status == EXIT_OK && stats.objects_failed)
        status = EXIT_INPUT;
    if (conf.verbosity > 0 && !conf.lambda)
        fl_stats_print(&stats, stderr, conf.verbosity > 1);
    if (conf.stats_json && !fl_stats_write_json(&stats, conf.stats_json, &err)) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        if (status == EXIT_OK)
            status = EXIT_USAGE;
    }
    fl_stats_clear(&stats);
out_conf:
    if (own_pidfile)
        fl_pidfile_remove(conf.pidfile);
    fl_log_close(log);
    fl_log_context_free(log_ctx);
    clear_sources(&sc);
    fl_id_pins_free(pins);
    fl_conf_clear(&conf);
    return status;
}
