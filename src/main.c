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
#include "conf.h"
#include "error.h"
#include "output/infomodel.h"
#include "output/export.h"
#include "log.h"
#include "observe.h"
#include "pipeline.h"
#include "sources/checkpoint.h"
#include "stats.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_INPUT = 2, EXIT_OUTPUT = 3 };

/* The one piece of process-wide state: set by SIGINT/SIGTERM, read by the
 * pipeline between chunks and by the exporter while it waits to reconnect. */
static volatile gint stop_requested;

static void
on_stop_signal(int sig)
{
    (void)sig;
    g_atomic_int_set(&stop_requested, 1);
    /* A second signal ends the process the hard way. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

static int
usage_error(const GError *err)
{
    fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
    return EXIT_USAGE;
}

/* TRUE when an input reads from AWS, so credentials must be found. */
static gboolean
needs_aws(const FlConf *conf)
{
    if (conf->s3_event || conf->sqs_queue || conf->format_from_flow_log)
        return TRUE;
    for (guint i = 0; conf->inputs && conf->inputs[i]; i++)
        if (g_ascii_strncasecmp(conf->inputs[i], "s3://", 5) == 0
            || g_ascii_strncasecmp(conf->inputs[i], "cwl://", 6) == 0)
            return TRUE;
    return FALSE;
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
    return setup_aws(conf, sc, err);
}

static void
clear_sources(FlSourceConfig *sc)
{
    g_clear_pointer(&sc->aws, fl_aws_unref);
    g_clear_pointer(&sc->checkpoint, fl_checkpoint_unref);
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
    FlIdPins *pins = NULL;
    FlObservers *obs = NULL;
    int status = EXIT_OK;
    struct sigaction sa;

    memset(&sc, 0, sizeof sc);
    if (!fl_conf_load(&conf, &argc, &argv, &err)) {
        status = usage_error(err);
        goto out_conf;
    }
    if (conf.version) {
        printf("flowlog2ipfix %s\n", PACKAGE_VERSION);
        goto out_conf;
    }
    fl_log_init(conf.verbosity);

    if (!resolve_flow_log_format(&conf, &sc, &err)) {
        status = usage_error(err);
        goto out_conf;
    }
    format = conf.format ? fl_format_parse(conf.format, -1, &err)
                         : fl_format_new_default();
    if (format == NULL) {
        g_prefix_error(&err, "--format: ");
        status = usage_error(err);
        goto out_conf;
    }
    if (conf.id_map) {
        pins = fl_id_pins_load(conf.id_map, conf.id_bits, &err);
        if (pins == NULL) {
            status = usage_error(err);
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
            status = usage_error(err);
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

    if (conf.check) {
        FlOutputKind kind;
        char *host, *port;
        fbInfoModel_t *m;

        if (!fl_output_parse(conf.output, &kind, &host, &port, &err)) {
            status = usage_error(err);
            goto out_conf;
        }
        g_free(host);
        g_free(port);
        m = fl_infomodel_load(conf.infomodel_dir, &err);
        if (m == NULL) {
            status = usage_error(err);
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
    /* A collector that closes its socket must give a write error, not
     * kill the process (libfixbuf does the same for its own sockets). */
    signal(SIGPIPE, SIG_IGN);

    if (!setup_sources(&conf, &sc, &err)) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        status = EXIT_USAGE;
        goto out_conf;
    }
    exp = fl_exporter_new(&ec, &err);
    if (exp == NULL) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        status = err->domain == FL_ERROR && (err->code == FL_ERROR_CONFIG
                                             || err->code == FL_ERROR_UNSUPPORTED)
                 ? EXIT_USAGE : EXIT_OUTPUT;
        goto out_conf;
    }

    memset(&pc, 0, sizeof pc);
    pc.inputs = conf.inputs;
    pc.s3_event = conf.s3_event;
    pc.sqs_queue = conf.sqs_queue;
    pc.sources = &sc;
    pc.format = format;
    pc.format_given = conf.format != NULL;
    pc.map.time_elements = conf.time_enum;
    pc.map.id_bits = conf.id_bits;
    pc.map.pkt_addresses = conf.pkt_addresses;
    pc.map.pins = pins;
    pc.threads = (guint)conf.threads;
    pc.max_errors = (guint)conf.max_errors;
    pc.options_interval = (guint)conf.options_interval;
    pc.max_rate = (guint64)conf.max_rate;
    pc.stop = &stop_requested;

    obs = fl_observers_start(&conf, &pc, &err);
    if (obs == NULL) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        status = EXIT_USAGE;
        (void)fl_exporter_close(exp, &stats.bytes_out, NULL);
        goto out_conf;
    }
    fl_stats_init(&stats);
    if (!fl_pipeline_run(&pc, exp, &stats, &err)) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        status = EXIT_OUTPUT;
        g_clear_error(&err);
    }
    fl_observers_end_progress(obs);
    if (g_atomic_int_get(&stop_requested))
        fl_log_warnx("stopped by a signal before the end of the input; "
                     "what was read is exported");
    if (!fl_exporter_close(exp, &stats.bytes_out, &err)) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        status = EXIT_OUTPUT;
        g_clear_error(&err);
    }
    /* Only a regular output file has a size to report. */
    stats.bytes_out_known = stats.bytes_out > 0;
    if (!fl_observers_finish(obs, &stats, &err)) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        g_clear_error(&err);
    }
    if (status == EXIT_OK && stats.objects_failed)
        status = EXIT_INPUT;
    if (conf.verbosity > 0)
        fl_stats_print(&stats, stderr, conf.verbosity > 1);
    if (conf.stats_json && !fl_stats_write_json(&stats, conf.stats_json, &err)) {
        fprintf(stderr, "flowlog2ipfix: %s\n", err->message);
        if (status == EXIT_OK)
            status = EXIT_USAGE;
    }
    fl_stats_clear(&stats);
out_conf:
    clear_sources(&sc);
    fl_id_pins_free(pins);
    fl_conf_clear(&conf);
    return status;
}
