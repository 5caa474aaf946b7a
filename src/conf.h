/*
 * conf.h - settings from the command line and the config file.
 *
 * Every long option has a key of the same name in the [flowlog2ipfix]
 * group of the GKeyFile given with -c; the command line wins.
 */
#ifndef FL_CONF_H
#define FL_CONF_H

#include <glib.h>
#include "log.h"
#include "mapper.h"
#include "output/rotate.h"
#include "sources/source.h"

typedef struct {
    char *output;
    char *format;
    char *config;
    char *infomodel_dir;
    gint64 observation_domain;
    gint template_refresh;
    gint options_interval;
    gint reconnect_timeout;
    char *time_elements;
    gint id_bits;
    gboolean no_options;
    gint threads;
    gint64 max_rate;
    char *stats_json;
    char *id_map;
    char *address_pair;
    char *input_format;         /* --input-format word */
    FlInputFormat input_enum;
    char *gcp_reporter;         /* --gcp-reporter word */
    gint gcp_keep;              /* its FlGcpKeep (decoders/gcp_flow.h) */
    gboolean pkt_addresses;
    gint max_errors;
    gboolean check;
    gint verbosity;             /* 1 default, 0 quiet, 2+ verbose */
    gboolean version;
    char **inputs;
    FlTimeElements time_enum;
    /* cloud sources */
    char *region, *profile, *endpoint_url, *ca_bundle;
    char *since, *until;        /* as given */
    gboolean has_range;
    gint64 since_t, until_t;    /* Unix seconds, [since_t, until_t) */
    char *state;
    char *s3_event, *sqs_queue;
    char *listen_pubsub, *pubsub_token;
    gint sqs_wait, sqs_visibility, s3_concurrency;
    gint stall_timeout, max_attempts;
    gboolean sqs_exit_when_empty;
    gboolean s3_all_keys;
    /* CloudWatch Logs */
    char *format_from_flow_log; /* fl-...: the format from EC2 */
    gboolean follow;
    gint cwl_poll_interval, cwl_overlap;
    char *log_stream_prefix;
    /* Azure Blob Storage */
    char *azure_key_file, *azure_sas_file;
    /* delivery */
    gint64 replay_buffer;
    char *tls_ca, *tls_cert, *tls_key, *tls_key_pass_file;
    gboolean udp_best_effort;
    /* running as a service: rotating files, pid file, logging */
    char *output_dir;           /* = -o dir://DIR */
    gint rotate;                /* seconds, 0 = no time rotation */
    char *rotate_bytes;         /* as given: N, NK, NM, NG */
    char *rotate_prefix, *rotate_compress;
    char *pidfile;
    char *log, *log_file, *log_level;
    char *rotate_dir;           /* of a dir:// output, else NULL */
    guint64 rotate_bytes_n;
    FlRotateCompress rotate_compress_enum;
    FlLogDest log_dest;
    FlLogLevel log_level_enum;
    /* Lambda */
    gboolean lambda;            /* --lambda, or AWS_LAMBDA_RUNTIME_API set
                                   and no input given */
    gint lambda_deadline_margin;        /* ms */
    gint template_refresh_invocations;
    /* running as a service: watched input, metrics */
    gboolean watch;
    gint settle;                /* seconds */
    char *after_processing;     /* keep, delete, move:DIR (as given) */
    FlAfterProcessing after;    /* parsed */
    char *after_dir;            /* move:DIR, else NULL */
    char *metrics_listen, *metrics_file;
    gint stats_interval;        /* seconds, 0 = off */
} FlConf;

/*
 * Parses argv (GOption) and the config file, applies defaults and checks
 * ranges.  FALSE with *err (G_OPTION_ERROR or FL_ERROR_CONFIG) on any
 * usage error.  Caller frees with fl_conf_clear().
 */
gboolean fl_conf_load(FlConf *conf, int *argc, char ***argv, GError **err);
void     fl_conf_clear(FlConf *conf);

#endif
