/*
 * conf.c - GOption command line, GKeyFile config file, defaults.
 *
 * Unset values keep a sentinel (NULL, -1) until the config file and then
 * the defaults fill them, which is how "the command line wins" works
 * without a second parser.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "conf_int.h"
#include "decoders/gcp_flow.h"
#include "error.h"
#include "timespec.h"

#define GROUP "flowlog2ipfix"

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
    "Reads AWS VPC and Transit Gateway flow logs (plain or gzip text, with\n"
    "or without the S3 header line) and writes them as an IPFIX stream\n"
    "that any IPFIX collector decodes with standard IANA elements.\n"
    "\n"
    "INPUT is a file, a directory (read recursively, in sorted order),\n"
    "- for standard input, s3://BUCKET/PREFIX (every flow-log object\n"
    "under it, in key order; --since/--until pick a time range), or\n"
    "cwl://LOG-GROUP (CloudWatch Logs events: a --since/--until window,\n"
    "or --follow; the group name as is, cwl:///vpc/flowlogs for\n"
    "/vpc/flowlogs), or azblob://ACCOUNT/CONTAINER/PREFIX (Azure flow\n"
    "log blobs; --since/--until pick hours, --state and --follow read\n"
    "only what was appended since).";

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

/*
 * Sets one key of the config file through the GOption entry of the same
 * name, unless the command line set it already (its sentinel is gone).
 * The option table is the one list of settings, so every long option has
 * a key and no key exists without an option.
 */
static gboolean
apply_key(FlConf *c, GKeyFile *kf, const GOptionEntry *e, GError **err)
{
    const char *k = e->long_name;

    switch (e->arg) {
    case G_OPTION_ARG_STRING:
    case G_OPTION_ARG_FILENAME:
        if (*(char **)e->arg_data == NULL)
            *(char **)e->arg_data = g_key_file_get_string(kf, GROUP, k, err);
        break;
    case G_OPTION_ARG_INT:
        if (*(gint *)e->arg_data == UNSET)
            *(gint *)e->arg_data = g_key_file_get_integer(kf, GROUP, k, err);
        break;
    case G_OPTION_ARG_INT64:
        if (*(gint64 *)e->arg_data == UNSET)
            *(gint64 *)e->arg_data = g_key_file_get_int64(kf, GROUP, k, err);
        break;
    case G_OPTION_ARG_NONE: {
        gboolean v = g_key_file_get_boolean(kf, GROUP, k, err);
        *(gboolean *)e->arg_data = *(gboolean *)e->arg_data || v;
        break;
    }
    default:
        g_assert_not_reached();
    }
    return err == NULL || *err == NULL;
}

/* Options that make no sense in a config file have no key. */
static gboolean
is_key(const GOptionEntry *e)
{
    return e->arg != G_OPTION_ARG_CALLBACK
           && strcmp(e->long_name, "config") != 0
           && strcmp(e->long_name, "check") != 0
           && strcmp(e->long_name, "version") != 0;
}

/* ---- the environment ---------------------------------------------- */

/* "time-elements" -> "FLOWLOG2IPFIX_TIME_ELEMENTS". */
static char *
env_name(const char *option)
{
    char *n = g_strconcat("FLOWLOG2IPFIX_", option, NULL);

    for (char *p = n; *p; p++)
        *p = *p == '-' ? '_' : g_ascii_toupper(*p);
    return n;
}

static gboolean
env_bool(const char *var, const char *v, gboolean *out, GError **err)
{
    if (!g_ascii_strcasecmp(v, "true") || !strcmp(v, "1")
        || !g_ascii_strcasecmp(v, "yes"))
        *out = TRUE;
    else if (!g_ascii_strcasecmp(v, "false") || !strcmp(v, "0")
             || !g_ascii_strcasecmp(v, "no"))
        *out = FALSE;
    else {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: '%s' is not true "
                    "or false", var, v);
        return FALSE;
    }
    return TRUE;
}

static gboolean
env_int(const char *var, const char *v, gint64 lo, gint64 hi, gint64 *out,
        GError **err)
{
    if (g_ascii_string_to_signed(v, 10, lo, hi, out, NULL))
        return TRUE;
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: '%s' is not a number "
                "(%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")", var, v, lo, hi);
    return FALSE;
}

/*
 * One option from the environment, unless the command line set it.
 * Booleans set here are recorded in decided, so that the config file
 * (which can only turn them on) does not override a "false".
 */
static gboolean
apply_env_option(FlConf *c, const GOptionEntry *e, const char *var,
                 const char *v, GHashTable *decided, GError **err)
{
    gint64 n;
    gboolean b;

    switch (e->arg) {
    case G_OPTION_ARG_STRING:
    case G_OPTION_ARG_FILENAME:
        if (*(char **)e->arg_data == NULL)
            *(char **)e->arg_data = g_strdup(v);
        return TRUE;
    case G_OPTION_ARG_INT:
        if (*(gint *)e->arg_data != UNSET)
            return TRUE;
        if (!env_int(var, v, G_MININT, G_MAXINT, &n, err))
            return FALSE;
        *(gint *)e->arg_data = (gint)n;
        return TRUE;
    case G_OPTION_ARG_INT64:
        if (*(gint64 *)e->arg_data != UNSET)
            return TRUE;
        return env_int(var, v, G_MININT64, G_MAXINT64,
                       (gint64 *)e->arg_data, err);
    case G_OPTION_ARG_NONE:
        if (!env_bool(var, v, &b, err))
            return FALSE;
        *(gboolean *)e->arg_data = *(gboolean *)e->arg_data || b;
        g_hash_table_add(decided, (gpointer)e->long_name);
        return TRUE;
    default:
        g_assert_not_reached();
    }
}

/* -v/-q from FLOWLOG2IPFIX_VERBOSE (a number) and _QUIET (a boolean). */
static gboolean
apply_env_verbosity(FlConf *c, GError **err)
{
    const char *v = g_getenv("FLOWLOG2IPFIX_VERBOSE");
    const char *q = g_getenv("FLOWLOG2IPFIX_QUIET");
    gint64 n;
    gboolean b;

    if (c->verbosity != UNSET)
        return TRUE;
    if (q && *q) {
        if (!env_bool("FLOWLOG2IPFIX_QUIET", q, &b, err))
            return FALSE;
        if (b)
            c->verbosity = 0;
    }
    if (v && *v && c->verbosity == UNSET) {
        if (!env_int("FLOWLOG2IPFIX_VERBOSE", v, 0, 3, &n, err))
            return FALSE;
        c->verbosity = (gint)n;
    }
    return TRUE;
}

/*
 * FLOWLOG2IPFIX_<OPTION> for every long option but --check and
 * --version: after the command line, before the config file (the file may
 * itself come from FLOWLOG2IPFIX_CONFIG).  An empty variable is unset.
 */
static gboolean
apply_environment(FlConf *c, const GOptionEntry *entries,
                  GHashTable *decided, GError **err)
{
    for (const GOptionEntry *e = entries; e->long_name; e++) {
        g_autofree char *var = NULL;
        const char *v;

        if (e->arg == G_OPTION_ARG_CALLBACK || e->long_name[0] == '\0'
            || !strcmp(e->long_name, "check")
            || !strcmp(e->long_name, "version"))
            continue;
        var = env_name(e->long_name);
        v = g_getenv(var);
        if (v && *v && !apply_env_option(c, e, var, v, decided, err))
            return FALSE;
    }
    return apply_env_verbosity(c, err);
}

/* The keys that are not plain options: quiet, verbose, inputs. */
static gboolean
apply_special_key(FlConf *c, GKeyFile *kf, const char *k, gboolean *known,
                  GError **err)
{
    *known = TRUE;
    if (!strcmp(k, "quiet")) {
        gboolean b = g_key_file_get_boolean(kf, GROUP, k, err);
        if (c->verbosity == UNSET && b)
            c->verbosity = 0;
    } else if (!strcmp(k, "verbose")) {
        gint v = g_key_file_get_integer(kf, GROUP, k, err);
        if (c->verbosity == UNSET)
            c->verbosity = v;
    } else if (!strcmp(k, "inputs")) {
        if (c->inputs == NULL || c->inputs[0] == NULL) {
            g_strfreev(c->inputs);
            c->inputs = g_key_file_get_string_list(kf, GROUP, k, NULL, err);
        }
    } else {
        *known = FALSE;
    }
    return err == NULL || *err == NULL;
}

/* Fills what the command line and the environment left unset from the
 * [flowlog2ipfix] group. */
static gboolean
apply_key_file(FlConf *c, const GOptionEntry *entries, GHashTable *decided,
               GError **err)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(GStrv) keys = NULL;
    GError *local = NULL;

    if (!g_key_file_load_from_file(kf, c->config, G_KEY_FILE_NONE, &local))
        goto bad;
    keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
    for (guint i = 0; keys && keys[i]; i++) {
        const GOptionEntry *e = entries;
        gboolean known;

        if (!apply_special_key(c, kf, keys[i], &known, &local))
            goto bad;
        if (known || g_hash_table_contains(decided, keys[i]))
            continue;
        while (e->long_name && (strcmp(e->long_name, keys[i])
                                || !is_key(e)))
            e++;
        if (e->long_name == NULL) {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "%s: unknown key '%s' in [%s]", c->config, keys[i],
                        GROUP);
            return FALSE;
        }
        if (!apply_key(c, kf, e, &local))
            goto bad;
    }
    return TRUE;
bad:
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: %s", c->config,
                local->message);
    g_clear_error(&local);
    return FALSE;
}

/* all = entries without its last two (G_OPTION_REMAINING and the end),
 * then extra, extra2 and extra3, then those two. */
static void
join_entries(GOptionEntry *all, const GOptionEntry *entries, gsize n,
             const GOptionEntry *extra, const GOptionEntry *extra2,
             const GOptionEntry *extra3)
{
    gsize k = 0;

    for (gsize i = 0; i + 2 < n; i++)
        all[k++] = entries[i];
    for (gsize i = 0; extra[i].long_name; i++)
        all[k++] = extra[i];
    for (gsize i = 0; extra2[i].long_name; i++)
        all[k++] = extra2[i];
    for (gsize i = 0; extra3[i].long_name; i++)
        all[k++] = extra3[i];
    all[k++] = entries[n - 2];
    memset(&all[k], 0, sizeof all[k]);
}

gboolean
fl_conf_load(FlConf *c, int *argc, char ***argv, GError **err)
{
    GOptionEntry entries[] = {
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
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &c->inputs,
          NULL, NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionEntry cloud[] = {
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
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionEntry delivery[] = {
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
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    GOptionEntry service[] = {
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
        { NULL, 0, 0, 0, NULL, NULL, NULL }
    };
    /* One table for the config file: the main entries, then cloud[],
     * delivery[] and service[]. */
    GOptionEntry all[G_N_ELEMENTS(entries) + G_N_ELEMENTS(cloud)
                     + G_N_ELEMENTS(delivery) + G_N_ELEMENTS(service)];
    g_autoptr(GOptionContext) ctx = g_option_context_new("INPUT...");
    g_autoptr(GHashTable) decided = NULL;
    GOptionGroup *main_group;

    memset(c, 0, sizeof *c);
    c->observation_domain = c->max_rate = UNSET;
    c->template_refresh = c->options_interval = c->reconnect_timeout = UNSET;
    c->id_bits = c->threads = c->max_errors = c->verbosity = UNSET;
    c->sqs_wait = c->sqs_visibility = c->s3_concurrency = UNSET;
    c->stall_timeout = c->max_attempts = UNSET;
    c->cwl_poll_interval = c->cwl_overlap = UNSET;
    c->settle = c->stats_interval = UNSET;
    c->replay_buffer = UNSET;
    c->rotate = UNSET;
    c->lambda_deadline_margin = c->template_refresh_invocations = UNSET;

    join_entries(all, entries, G_N_ELEMENTS(entries), cloud, delivery,
                 service);

    main_group = g_option_group_new(NULL, NULL, NULL, c, NULL);
    g_option_group_add_entries(main_group, all);
    g_option_context_set_main_group(ctx, main_group);
    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, description);
    if (!g_option_context_parse(ctx, argc, argv, err))
        return FALSE;
    if (c->version)
        return TRUE;
    decided = g_hash_table_new(g_str_hash, g_str_equal);
    if (!apply_environment(c, all, decided, err)
        || (c->config && !apply_key_file(c, all, decided, err)))
        return FALSE;

    return fl_conf_finish(c, err);
}

void
fl_conf_clear(FlConf *c)
{
    g_free(c->output);
    g_free(c->format);
    g_free(c->config);
    g_free(c->infomodel_dir);
    g_free(c->time_elements);
    g_free(c->stats_json);
    g_free(c->id_map);
    g_free(c->address_pair);
    g_free(c->input_format);
    g_free(c->gcp_reporter);
    g_free(c->region);
    g_free(c->profile);
    g_free(c->endpoint_url);
    g_free(c->ca_bundle);
    g_free(c->azure_key_file);
    g_free(c->azure_sas_file);
    g_free(c->since);
    g_free(c->until);
    g_free(c->state);
    g_free(c->s3_event);
    g_free(c->sqs_queue);
    g_free(c->listen_pubsub);
    g_free(c->pubsub_token);
    g_free(c->format_from_flow_log);
    g_free(c->log_stream_prefix);
    g_free(c->after_processing);
    g_free(c->after_dir);
    g_free(c->metrics_listen);
    g_free(c->metrics_file);
    g_free(c->tls_ca);
    g_free(c->tls_cert);
    g_free(c->tls_key);
    g_free(c->tls_key_pass_file);
    g_free(c->output_dir);
    g_free(c->rotate_bytes);
    g_free(c->rotate_prefix);
    g_free(c->rotate_compress);
    g_free(c->pidfile);
    g_free(c->log);
    g_free(c->log_file);
    g_free(c->log_level);
    g_free(c->rotate_dir);
    g_strfreev(c->inputs);
    memset(c, 0, sizeof *c);
}
