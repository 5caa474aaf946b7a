/*
 * conf_options.c - the option tables and the --help text: the one list of
 * settings.  conf.c makes every long option here also a config-file key
 * and an FLOWLOG2IPFIX_<OPTION> environment variable, so a new setting is
 * one entry here (plus its check in conf_check.c and its documentation).
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "error.h"

static gboolean
count_verbose(const gchar *name, const gchar *value, gpointer data,
              GError **err)
{
    FlConf *c = data;

    (void)name;
    (void)value;
    (void)err;
    c->verbosity = (c->verbosity == UNSET ? 1 : c->verbosity) + 1;
    return TRUE;
}

static gboolean
set_quiet(const gchar *name, const gchar *value, gpointer data, GError **err)
{
    FlConf *c = data;

    (void)name;
    (void)value;
    (void)err;
    c->verbosity = 0;
    return TRUE;
}

static const char summary[] =
    "Reads cloud flow logs and writes them as an IPFIX stream that any\n"
    "IPFIX collector decodes with standard IANA elements: AWS VPC and\n"
    "Transit Gateway flow logs (text, plain or gzip, with or without the\n"
    "S3 header line; Parquet; CloudWatch Logs, Kinesis and Firehose\n"
    "envelopes), Azure VNet and NSG flow logs, Google Cloud VPC flow logs\n"
    "and Oracle Cloud VCN flow logs, each recognised by its content\n"
    "(--input-format to insist on one).\n"
    "\n"
    "INPUT is a file, a directory (read recursively, in sorted order;\n"
    "--watch keeps reading what arrives), - for standard input,\n"
    "s3://BUCKET/PREFIX (every flow-log object under it, in key order;\n"
    "--since/--until pick a time range), cwl://LOG-GROUP (CloudWatch Logs\n"
    "events: a --since/--until window, or --follow; the group name as is,\n"
    "cwl:///vpc/flowlogs for /vpc/flowlogs), or\n"
    "azblob://ACCOUNT/CONTAINER/PREFIX (Azure flow log blobs;\n"
    "--since/--until pick hours, --state and --follow read only what was\n"
    "appended since).  Without INPUT: --sqs-queue (S3 notifications) or\n"
    "--listen-pubsub (Google Pub/Sub push requests).";

static const char description[] =
    "Outputs (-o):\n"
    "  out.ipfix           an IPFIX file (- = standard output)\n"
    "  tcp://HOST:PORT     IPFIX over TCP, at least once: reconnects, re-sends\n"
    "                      templates, options and what was not acknowledged\n"
    "  tls://HOST:PORT     the same over TLS (certificate verified; --tls-*)\n"
    "  udp://HOST:PORT     IPFIX over UDP; templates every --template-refresh s;\n"
    "                      datagrams refused (nothing listening) fail the run\n"
    "  sctp://HOST:PORT    only if libfixbuf was built with SCTP (--version)\n"
    "  dir://DIR           rotating files in DIR (--rotate, --rotate-bytes),\n"
    "                      each complete in itself, renamed into place when\n"
    "                      done: the hand-off rwflowpack and super_mediator\n"
    "                      poll for\n"
    "\n"
    "Examples:\n"
    "  flowlog2ipfix -o flows.ipfix 123_vpcflowlogs_eu-west-1_fl-1_x.log.gz\n"
    "  flowlog2ipfix -o tcp://collector:4739 /var/spool/flowlogs/\n"
    "  zcat one.log.gz | flowlog2ipfix -o udp://127.0.0.1:2055 \\\n"
    "      --time-elements milliseconds -\n"
    "  flowlog2ipfix -f '${version} ${vpc-id} ${interface-id} ${srcaddr} "
    "...' -o x.ipfix cwl.txt\n"
    "  flowlog2ipfix -o tcp://collector:4739 --since -6h \\\n"
    "      s3://my-flowlog-bucket/AWSLogs/\n"
    "  flowlog2ipfix -o tcp://collector:4739 --state /var/lib/fl/state \\\n"
    "      --sqs-queue https://sqs.eu-west-1.amazonaws.com/1111/flowlogs\n"
    "  flowlog2ipfix -o tcp://collector:4739 --state /var/lib/fl/state \\\n"
    "      --format-from-flow-log fl-0123456789abcdef0 --follow \\\n"
    "      cwl:///vpc/flowlogs\n"
    "  flowlog2ipfix -o tcp://collector:4739 --state /var/lib/fl/state \\\n"
    "      --follow azblob://ACCOUNT/insights-logs-flowlogflowevent/\n"
    "\n"
    "AWS credentials and region come from where the AWS CLI finds them\n"
    "(environment, web identity, ~/.aws profile, container, instance\n"
    "metadata).  IAM: s3:ListBucket, s3:GetObject; for --sqs-queue\n"
    "sqs:ReceiveMessage, sqs:DeleteMessage, sqs:ChangeMessageVisibility;\n"
    "for cwl:// logs:FilterLogEvents; for --format-from-flow-log\n"
    "ec2:DescribeFlowLogs.  CloudWatch Logs and EC2 endpoints: the SDK\n"
    "variables AWS_ENDPOINT_URL_LOGS, AWS_ENDPOINT_URL_EC2 or\n"
    "AWS_ENDPOINT_URL (--endpoint-url is for S3 and azblob:// only).\n"
    "Azure Blob Storage: the account key in AZURE_STORAGE_KEY or a SAS\n"
    "token (read, list) in AZURE_STORAGE_SAS_TOKEN, or --azure-key-file,\n"
    "--azure-sas-file.\n"
    "\n"
    "Collectors: nfdump needs --time-elements milliseconds (or both);\n"
    "super_mediator needs --time-elements milliseconds --no-options;\n"
    "SiLK needs --id-bits 16.\n"
    "\n"
    "Every long option can also come from the environment as\n"
    "FLOWLOG2IPFIX_<OPTION> (upper case, '-' as '_'), for example\n"
    "FLOWLOG2IPFIX_OUTPUT=tcp://10.0.0.5:4739 or\n"
    "FLOWLOG2IPFIX_TIME_ELEMENTS=both (booleans: true/false; -v/-q:\n"
    "FLOWLOG2IPFIX_VERBOSE=0..3, FLOWLOG2IPFIX_QUIET=true).  The command\n"
    "line wins over the environment, the environment over -c FILE.\n"
    "\n"
    "Signals: TERM and INT finish the chunk in hand, complete the output\n"
    "and exit 0; HUP completes the current dir:// file, reads --id-map\n"
    "again and reopens --log-file.\n"
    "\n"
    "Exit status: 0 success (rejected lines are counted, not failures),\n"
    "1 usage or configuration error (also: no AWS credentials, unreadable\n"
    "--tls-* files), 2 an input (file or S3 object) could not be read, 3 the\n"
    "output failed (also: a TLS certificate refused by either side, UDP\n"
    "datagrams refused, a collector that stopped acknowledging).\n"
    "\n"
    "See flowlog2ipfix(1) and flowlog2ipfix.conf(5).";

/* Output, mapping and the run itself. */
static void
add_general(GArray *a, FlConf *c)
{
    const GOptionEntry e[] = {
        { "output", 'o', 0, G_OPTION_ARG_STRING, &c->output,
          "Where IPFIX goes: PATH, -, tcp://H:P, tls://H:P, udp://H:P, "
          "sctp://H:P, dir://DIR (default -)", "DEST" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &c->format,
          "Flow log format for inputs without a header line, e.g. "
          "'${version} ${account-id} ...' (default: the v2 default format)",
          "FORMAT" },
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config,
          "Read settings from FILE ([flowlog2ipfix] group; the command line "
          "wins)", "FILE" },
        { "infomodel-dir", 0, 0, G_OPTION_ARG_FILENAME, &c->infomodel_dir,
          "Directory of flowlog2ipfix.xml (default: infomodel/ beside the "
          "program if it holds the file, else " FL_INFOMODEL_DIR ")",
          "DIR" },
        { "observation-domain", 0, 0, G_OPTION_ARG_INT64,
          &c->observation_domain, "IPFIX observation domain ID (default 0)",
          "N" },
        { "template-refresh", 0, 0, G_OPTION_ARG_INT, &c->template_refresh,
          "UDP: re-send templates and options every SECONDS (default 60)",
          "SECONDS" },
        { "options-interval", 0, 0, G_OPTION_ARG_INT, &c->options_interval,
          "Re-send interface and VRF options every SECONDS (default 300; "
          "0 = only on a new output)", "SECONDS" },
        { "reconnect-timeout", 0, 0, G_OPTION_ARG_INT, &c->reconnect_timeout,
          "TCP/TLS: give up after the collector is gone, or acknowledges "
          "nothing, for SECONDS (default 300)", "SECONDS" },
        { "time-elements", 0, 0, G_OPTION_ARG_STRING, &c->time_elements,
          "seconds (150/151), milliseconds (152/153) or both (default "
          "seconds)", "WHICH" },
        { "id-bits", 0, 0, G_OPTION_ARG_INT, &c->id_bits,
          "Width of generated interface/VRF IDs: 32 or 16 (default 32)",
          "BITS" },
        { "address-pair", 0, 0, G_OPTION_ARG_STRING, &c->address_pair,
          "srcaddr (srcaddr/dstaddr, as seen by the interface) or pkt "
          "(pkt-srcaddr/pkt-dstaddr, the packet's own; default srcaddr)",
          "PAIR" },
        { "input-format", 0, 0, G_OPTION_ARG_STRING, &c->input_format,
          "auto (by content, per object), aws-text, cwl, azure, gcp, oci "
          "or parquet (default auto)", "FORMAT" },
        { "gcp-reporter", 0, 0, G_OPTION_ARG_STRING, &c->gcp_reporter,
          "Google Cloud flow logs: export the reports of all (default), "
          "src or dest VMs", "WHICH" },
        { "id-map", 0, 0, G_OPTION_ARG_FILENAME, &c->id_map,
          "CSV of kind,name,id,description lines that pin interface and "
          "VRF IDs and descriptions", "FILE" },
        { "no-options", 0, 0, G_OPTION_ARG_NONE, &c->no_options,
          "Data records only: no options or RFC 5610 records", NULL },
        { "threads", 0, 0, G_OPTION_ARG_INT, &c->threads,
          "Worker threads (default: number of CPUs; 1 = no threads)", "N" },
        { "max-rate", 0, 0, G_OPTION_ARG_INT64, &c->max_rate,
          "Send at most N records per second (default 0 = unlimited)", "N" },
        { "stats-json", 0, 0, G_OPTION_ARG_FILENAME, &c->stats_json,
          "Write end-of-run statistics to FILE as JSON", "FILE" },
        { "max-errors", 0, 0, G_OPTION_ARG_INT, &c->max_errors,
          "Report the first N rejected lines in full (default 10)", "N" },
        { "check", 'n', 0, G_OPTION_ARG_NONE, &c->check,
          "Check settings and format, then exit", NULL },
        { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
          (gpointer)count_verbose, "List SKIPDATA interfaces; -vv adds debug messages", NULL },
        { "quiet", 'q', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK,
          (gpointer)set_quiet, "Only warnings and errors; no summary", NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &c->version,
          "Print the version and exit", NULL },
    };

    g_array_append_vals(a, e, G_N_ELEMENTS(e));
}

/* Where inputs come from: AWS, Azure, Google; state and follow mode. */
static void
add_cloud(GArray *a, FlConf *c)
{
    const GOptionEntry e[] = {
        { "region", 0, 0, G_OPTION_ARG_STRING, &c->region,
          "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the "
          "profile's, else us-east-1)", "REGION" },
        { "profile", 0, 0, G_OPTION_ARG_STRING, &c->profile,
          "AWS profile of ~/.aws/credentials and ~/.aws/config (default: "
          "AWS_PROFILE, else default)", "NAME" },
        { "endpoint-url", 0, 0, G_OPTION_ARG_STRING, &c->endpoint_url,
          "S3-compatible store at URL, addressed path-style (MinIO, Ceph, "
          "a test server); for azblob:// the blob endpoint (azurite: "
          "http://127.0.0.1:10000/devstoreaccount1)", "URL" },
        { "azure-key-file", 0, 0, G_OPTION_ARG_FILENAME,
          &c->azure_key_file,
          "azblob:// inputs: the storage account key (base64) is in FILE "
          "(default: AZURE_STORAGE_KEY)", "FILE" },
        { "azure-sas-file", 0, 0, G_OPTION_ARG_FILENAME,
          &c->azure_sas_file,
          "azblob:// inputs: a SAS token is in FILE (default: "
          "AZURE_STORAGE_SAS_TOKEN)", "FILE" },
        { "ca-bundle", 0, 0, G_OPTION_ARG_FILENAME, &c->ca_bundle,
          "Verify TLS servers against the CAs in FILE instead of the "
          "system's", "FILE" },
        { "since", 0, 0, G_OPTION_ARG_STRING, &c->since,
          "s3:// inputs: only objects of flows ending at or after TIME; "
          "cwl://: events from TIME on (RFC 3339, or relative: -6h, -30m, "
          "-2d)", "TIME" },
        { "until", 0, 0, G_OPTION_ARG_STRING, &c->until,
          "s3:// inputs: only objects of flows ending before TIME; "
          "cwl://: events before TIME (default now)", "TIME" },
        { "state", 0, 0, G_OPTION_ARG_FILENAME, &c->state,
          "Record finished S3 objects, where a cwl:// --follow got to and "
          "how far each azblob:// blob was read, in FILE; the next run goes "
          "on from there", "FILE" },
        { "s3-event", 0, 0, G_OPTION_ARG_FILENAME, &c->s3_event,
          "Read the objects an S3 event notification in FILE announces "
          "(S3, SNS, SQS or EventBridge shape; - = stdin)", "FILE" },
        { "sqs-queue", 0, 0, G_OPTION_ARG_STRING, &c->sqs_queue,
          "Read the objects announced by S3 events in the SQS queue at URL; "
          "runs until stopped", "URL" },
        { "listen-pubsub", 0, 0, G_OPTION_ARG_STRING, &c->listen_pubsub,
          "Take Google Pub/Sub push requests (VPC flow-log entries) on "
          "plain HTTP at ADDR:PORT, PATH (default /); each answered 2xx once "
          "its records are out; runs until stopped", "ADDR:PORT[/PATH]" },
        { "pubsub-token", 0, 0, G_OPTION_ARG_STRING, &c->pubsub_token,
          "--listen-pubsub: refuse requests without ?token=TOKEN in their "
          "URL (403)", "TOKEN" },
        { "sqs-wait", 0, 0, G_OPTION_ARG_INT, &c->sqs_wait,
          "SQS long-poll wait, 0 to 20 seconds (default 20)", "SECONDS" },
        { "sqs-visibility", 0, 0, G_OPTION_ARG_INT, &c->sqs_visibility,
          "Hide a received message from other readers this long, extended "
          "while its object is read (default 300)", "SECONDS" },
        { "sqs-exit-when-empty", 0, 0, G_OPTION_ARG_NONE,
          &c->sqs_exit_when_empty,
          "End the run when a long poll finds the queue empty", NULL },
        { "stall-timeout", 0, 0, G_OPTION_ARG_INT, &c->stall_timeout,
          "AWS and Azure requests: give up a transfer that moves less "
          "than 1 byte/s for SECONDS, then retry or resume (default 30)",
          "SECONDS" },
        { "max-attempts", 0, 0, G_OPTION_ARG_INT, &c->max_attempts,
          "AWS and Azure requests: tries per request, and resumes of an "
          "S3 object or Azure blob without progress (default 5)", "N" },
        { "s3-all-keys", 0, 0, G_OPTION_ARG_NONE, &c->s3_all_keys,
          "s3:// inputs: read every key under the prefix, not only "
          "*.log, *.log.gz, *.log.parquet (Firehose's objects)", NULL },
        { "s3-concurrency", 0, 0, G_OPTION_ARG_INT, &c->s3_concurrency,
          "S3 objects downloading at once, 1 to 64 (default 4); records "
          "still leave in key order", "N" },
        { "format-from-flow-log", 0, 0, G_OPTION_ARG_STRING,
          &c->format_from_flow_log,
          "Take the format of headerless lines from the flow log ID "
          "(EC2 DescribeFlowLogs, at start-up)", "FL-ID" },
        { "follow", 0, 0, G_OPTION_ARG_NONE, &c->follow,
          "cwl:// inputs: keep polling for new events until stopped; "
          "azblob://: for blobs that grew", NULL },
        { "cwl-poll-interval", 0, 0, G_OPTION_ARG_INT, &c->cwl_poll_interval,
          "--follow: seconds between polls (default 60)", "SECONDS" },
        { "cwl-overlap", 0, 0, G_OPTION_ARG_INT, &c->cwl_overlap,
          "--follow: read this many seconds again on every poll, for "
          "events CloudWatch shows late; duplicates are dropped by event "
          "ID (default 900)", "SECONDS" },
        { "log-stream-prefix", 0, 0, G_OPTION_ARG_STRING,
          &c->log_stream_prefix,
          "cwl:// inputs: only log streams whose names start with PREFIX "
          "(e.g. an ENI ID)", "PREFIX" },
        /* running as a service: watched input, metrics */
        { "watch", 0, 0, G_OPTION_ARG_NONE, &c->watch,
          "Keep watching the directory input for new files until stopped; "
          "each file is read once it is complete", NULL },
        { "settle", 0, 0, G_OPTION_ARG_INT, &c->settle,
          "--watch: a file no event announced is complete once its size and "
          "time stayed the same this long (default 10)", "SECONDS" },
        { "after-processing", 0, 0, G_OPTION_ARG_STRING,
          &c->after_processing,
          "--watch: keep, delete or move:DIR a file once its records are "
          "out (default keep)", "WHAT" },
        { "metrics-listen", 0, 0, G_OPTION_ARG_STRING, &c->metrics_listen,
          "Serve Prometheus metrics at http://ADDR:PORT/metrics", "ADDR:PORT" },
        { "metrics-file", 0, 0, G_OPTION_ARG_FILENAME, &c->metrics_file,
          "Write the Prometheus metrics to FILE every 5 s and at the end "
          "(node-exporter textfile collector)", "FILE" },
        { "stats-interval", 0, 0, G_OPTION_ARG_INT, &c->stats_interval,
          "Log a statistics line every SECONDS in long runs (--watch, "
          "--follow, --sqs-queue; default 0 = never)", "SECONDS" },
        { "lambda", 0, 0, G_OPTION_ARG_NONE, &c->lambda,
          "Run as an AWS Lambda custom runtime: events from the Runtime "
          "API at AWS_LAMBDA_RUNTIME_API (the default when that is set "
          "and no INPUT is given)", NULL },
        { "lambda-deadline-margin", 0, 0, G_OPTION_ARG_INT,
          &c->lambda_deadline_margin,
          "Lambda: stop an invocation and answer an error this long "
          "before its deadline (default 500)", "MS" },
        { "template-refresh-invocations", 0, 0, G_OPTION_ARG_INT,
          &c->template_refresh_invocations,
          "Lambda, UDP: also re-send templates every N invocations "
          "(default 100; 0 = by --template-refresh time only)", "N" },
    };

    g_array_append_vals(a, e, G_N_ELEMENTS(e));
}

/* Delivery to collectors: replay, TLS, UDP, Lambda. */
static void
add_delivery(GArray *a, FlConf *c)
{
    const GOptionEntry e[] = {
        { "replay-buffer", 0, 0, G_OPTION_ARG_INT64, &c->replay_buffer,
          "TCP/TLS: keep up to BYTES sent but not yet acknowledged, to send "
          "again after a reconnection; when full, input waits (default "
          "8388608)", "BYTES" },
        { "tls-ca", 0, 0, G_OPTION_ARG_FILENAME, &c->tls_ca,
          "tls://: verify the collector against the CAs in FILE (PEM) "
          "instead of the system's", "FILE" },
        { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &c->tls_cert,
          "tls://: client certificate chain (PEM) for collectors that ask "
          "for one", "FILE" },
        { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &c->tls_key,
          "tls://: the client certificate's key (PEM; default: in "
          "--tls-cert)", "FILE" },
        { "tls-key-pass-file", 0, 0, G_OPTION_ARG_FILENAME,
          &c->tls_key_pass_file,
          "tls://: the key's pass phrase is the first line of FILE", "FILE" },
        { "udp-best-effort", 0, 0, G_OPTION_ARG_NONE, &c->udp_best_effort,
          "udp://: datagrams refused by the collector's host (nothing "
          "listening) are reported, not an error", NULL },
    };

    g_array_append_vals(a, e, G_N_ELEMENTS(e));
}

/* Running as a service: rotating files, pid file, logs. */
static void
add_service(GArray *a, FlConf *c)
{
    const GOptionEntry e[] = {
        { "output-dir", 0, 0, G_OPTION_ARG_FILENAME, &c->output_dir,
          "Write rotating IPFIX files into DIR (the same as -o dir://DIR)",
          "DIR" },
        { "rotate", 0, 0, G_OPTION_ARG_INT, &c->rotate,
          "Directory output: complete a file and begin the next every "
          "SECONDS (default 0 = only at exit and on SIGHUP)", "SECONDS" },
        { "rotate-bytes", 0, 0, G_OPTION_ARG_STRING, &c->rotate_bytes,
          "Directory output: ... or once a file holds SIZE IPFIX bytes "
          "(N, NK, NM, NG)", "SIZE" },
        { "rotate-prefix", 0, 0, G_OPTION_ARG_STRING, &c->rotate_prefix,
          "Directory output: files are PREFIX-YYYYMMDDhhmmss-SEQ.ipfix "
          "(default flowlog2ipfix)", "PREFIX" },
        { "rotate-compress", 0, 0, G_OPTION_ARG_STRING, &c->rotate_compress,
          "Directory output: gzip (.ipfix.gz) or none (default none)",
          "HOW" },
        { "pidfile", 0, 0, G_OPTION_ARG_FILENAME, &c->pidfile,
          "Write the process ID to FILE; refuse to start while another "
          "live process holds it", "FILE" },
        { "log", 0, 0, G_OPTION_ARG_STRING, &c->log,
          "Messages go to stderr, syslog or journal (stderr with journal "
          "priorities; default stderr)", "WHERE" },
        { "log-file", 0, 0, G_OPTION_ARG_FILENAME, &c->log_file,
          "Messages go to FILE, reopened on SIGHUP", "FILE" },
        { "log-level", 0, 0, G_OPTION_ARG_STRING, &c->log_level,
          "error, warning, info or debug (default info; -q warning, -vv "
          "debug)", "LEVEL" },
    };

    g_array_append_vals(a, e, G_N_ELEMENTS(e));
}

GOptionEntry *
fl_conf_options_new(FlConf *c)
{
    GArray *a = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
    const GOptionEntry rest[] = {
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &c->inputs,
          NULL, NULL },
    };

    add_general(a, c);
    add_cloud(a, c);
    add_delivery(a, c);
    add_service(a, c);
    g_array_append_vals(a, rest, G_N_ELEMENTS(rest));
    return (GOptionEntry *)(void *)g_array_free(a, FALSE);
}

void
fl_conf_options_describe(GOptionContext *ctx)
{
    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, description);
}
