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
#include "error.h"

#define GROUP "flowlog2ipfix"
#define UNSET -1

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
    "INPUT is a file, a directory (read recursively, in sorted order) or\n"
    "- for standard input.";

static const char description[] =
    "Outputs (-o):\n"
    "  out.ipfix           an IPFIX file (- = standard output)\n"
    "  tcp://HOST:PORT     IPFIX over TCP; reconnects and re-sends templates\n"
    "  udp://HOST:PORT     IPFIX over UDP; templates every --template-refresh s\n"
    "  sctp://HOST:PORT    only if libfixbuf was built with SCTP\n"
    "\n"
    "Examples:\n"
    "  flowlog2ipfix -o flows.ipfix 123_vpcflowlogs_eu-west-1_fl-1_x.log.gz\n"
    "  flowlog2ipfix -o tcp://collector:4739 /var/spool/flowlogs/\n"
    "  zcat one.log.gz | flowlog2ipfix -o udp://127.0.0.1:2055 \\\n"
    "      --time-elements milliseconds -\n"
    "  flowlog2ipfix -f '${version} ${vpc-id} ${interface-id} ${srcaddr} "
    "...' -o x.ipfix cwl.txt\n"
    "\n"
    "Collectors: nfdump needs --time-elements milliseconds (or both);\n"
    "super_mediator needs --time-elements milliseconds --no-options;\n"
    "SiLK needs --id-bits 16.\n"
    "\n"
    "Exit status: 0 success (rejected lines are counted, not failures),\n"
    "1 usage or configuration error, 2 an input could not be read,\n"
    "3 the output failed.\n"
    "\n"
    "See flowlog2ipfix(1) and flowlog2ipfix.conf(5).";

/* Fills what the command line left unset from the [flowlog2ipfix] group. */
static gboolean
apply_key_file(FlConf *c, GError **err)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(GStrv) keys = NULL;
    GError *local = NULL;

    if (!g_key_file_load_from_file(kf, c->config, G_KEY_FILE_NONE, &local)) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: %s", c->config,
                    local->message);
        g_clear_error(&local);
        return FALSE;
    }
    keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
    for (guint i = 0; keys && keys[i]; i++) {
        const char *k = keys[i];
        char **str = NULL;
        gint *num = NULL;
        gint64 *num64 = NULL;

        if (!strcmp(k, "output")) str = &c->output;
        else if (!strcmp(k, "format")) str = &c->format;
        else if (!strcmp(k, "infomodel-dir")) str = &c->infomodel_dir;
        else if (!strcmp(k, "time-elements")) str = &c->time_elements;
        else if (!strcmp(k, "stats-json")) str = &c->stats_json;
        else if (!strcmp(k, "id-map")) str = &c->id_map;
        else if (!strcmp(k, "address-pair")) str = &c->address_pair;
        else if (!strcmp(k, "observation-domain")) num64 = &c->observation_domain;
        else if (!strcmp(k, "max-rate")) num64 = &c->max_rate;
        else if (!strcmp(k, "template-refresh")) num = &c->template_refresh;
        else if (!strcmp(k, "options-interval")) num = &c->options_interval;
        else if (!strcmp(k, "reconnect-timeout")) num = &c->reconnect_timeout;
        else if (!strcmp(k, "id-bits")) num = &c->id_bits;
        else if (!strcmp(k, "threads")) num = &c->threads;
        else if (!strcmp(k, "max-errors")) num = &c->max_errors;
        else if (!strcmp(k, "no-options")) {
            gboolean b = g_key_file_get_boolean(kf, GROUP, k, &local);
            if (local)
                goto bad;
            c->no_options = c->no_options || b;
            continue;
        } else if (!strcmp(k, "quiet")) {
            gboolean b = g_key_file_get_boolean(kf, GROUP, k, &local);
            if (local)
                goto bad;
            if (c->verbosity == UNSET && b)
                c->verbosity = 0;
            continue;
        } else if (!strcmp(k, "verbose")) {
            gint v = g_key_file_get_integer(kf, GROUP, k, &local);
            if (local)
                goto bad;
            if (c->verbosity == UNSET)
                c->verbosity = v;
            continue;
        } else if (!strcmp(k, "inputs")) {
            if (c->inputs == NULL || c->inputs[0] == NULL) {
                g_strfreev(c->inputs);
                c->inputs = g_key_file_get_string_list(kf, GROUP, k, NULL,
                                                       &local);
                if (local)
                    goto bad;
            }
            continue;
        } else {
            g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                        "%s: unknown key '%s' in [%s]", c->config, k, GROUP);
            return FALSE;
        }
        if (str && *str == NULL) {
            *str = g_key_file_get_string(kf, GROUP, k, &local);
        } else if (num && *num == UNSET) {
            *num = g_key_file_get_integer(kf, GROUP, k, &local);
        } else if (num64 && *num64 == UNSET) {
            *num64 = g_key_file_get_int64(kf, GROUP, k, &local);
        }
        if (local)
            goto bad;
    }
    return TRUE;
bad:
    g_set_error(err, FL_ERROR, FL_ERROR_CONFIG, "%s: %s", c->config,
                local->message);
    g_clear_error(&local);
    return FALSE;
}

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

gboolean
fl_conf_load(FlConf *c, int *argc, char ***argv, GError **err)
{
    GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_STRING, &c->output,
          "Where IPFIX goes: PATH, -, tcp://H:P, udp://H:P, sctp://H:P "
          "(default -)", "DEST" },
        { "format", 'f', 0, G_OPTION_ARG_STRING, &c->format,
          "Flow log format for inputs without a header line, e.g. "
          "'${version} ${account-id} ...' (default: the v2 default format)",
          "FORMAT" },
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &c->config,
          "Read settings from FILE ([flowlog2ipfix] group; the command line "
          "wins)", "FILE" },
        { "infomodel-dir", 0, 0, G_OPTION_ARG_FILENAME, &c->infomodel_dir,
          "Directory of flowlog2ipfix.xml (default " FL_INFOMODEL_DIR ")",
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
          "TCP: give up after the collector is gone SECONDS (default 300)",
          "SECONDS" },
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
    g_autoptr(GOptionContext) ctx = g_option_context_new("INPUT...");
    GOptionGroup *main_group;

    memset(c, 0, sizeof *c);
    c->observation_domain = c->max_rate = UNSET;
    c->template_refresh = c->options_interval = c->reconnect_timeout = UNSET;
    c->id_bits = c->threads = c->max_errors = c->verbosity = UNSET;

    main_group = g_option_group_new(NULL, NULL, NULL, c, NULL);
    g_option_group_add_entries(main_group, entries);
    g_option_context_set_main_group(ctx, main_group);
    g_option_context_set_summary(ctx, summary);
    g_option_context_set_description(ctx, description);
    if (!g_option_context_parse(ctx, argc, argv, err))
        return FALSE;
    if (c->version)
        return TRUE;
    if (c->config && !apply_key_file(c, err))
        return FALSE;

    if (c->output == NULL) c->output = g_strdup("-");
    if (c->infomodel_dir == NULL) c->infomodel_dir = g_strdup(FL_INFOMODEL_DIR);
    if (c->observation_domain == UNSET) c->observation_domain = 0;
    if (c->template_refresh == UNSET) c->template_refresh = 60;
    if (c->options_interval == UNSET) c->options_interval = 300;
    if (c->reconnect_timeout == UNSET) c->reconnect_timeout = 300;
    if (c->time_elements == NULL) c->time_elements = g_strdup("seconds");
    if (c->address_pair == NULL) c->address_pair = g_strdup("srcaddr");
    if (c->id_bits == UNSET) c->id_bits = 32;
    if (c->threads == UNSET) c->threads = (gint)MIN(g_get_num_processors(), 64);
    if (c->max_rate == UNSET) c->max_rate = 0;
    if (c->max_errors == UNSET) c->max_errors = 10;
    if (c->verbosity == UNSET) c->verbosity = 1;

    if (!check_range("observation-domain", c->observation_domain, 0,
                     G_MAXUINT32, err)
        || !check_range("template-refresh", c->template_refresh, 0, 86400, err)
        || !check_range("options-interval", c->options_interval, 0, 86400, err)
        || !check_range("reconnect-timeout", c->reconnect_timeout, 0,
                        7 * 86400, err)
        || !check_range("threads", c->threads, 1, 64, err)
        || !check_range("max-rate", c->max_rate, 0, G_MAXINT64 / 1000000, err)
        || !check_range("max-errors", c->max_errors, 0, G_MAXINT, err))
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
    if (c->inputs == NULL || c->inputs[0] == NULL) {
        g_set_error(err, FL_ERROR, FL_ERROR_CONFIG,
                    "no INPUT given (a file, a directory, or - for stdin); "
                    "see --help");
        return FALSE;
    }
    return TRUE;
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
    g_strfreev(c->inputs);
    memset(c, 0, sizeof *c);
}
