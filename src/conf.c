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
#include "error.h"

#define GROUP "flowlog2ipfix"

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

gboolean
fl_conf_load(FlConf *c, int *argc, char ***argv, GError **err)
{
    g_autoptr(GOptionContext) ctx = g_option_context_new("INPUT...");
    g_autoptr(GHashTable) decided = NULL;
    g_autofree GOptionEntry *all = NULL;
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

    all = fl_conf_options_new(c);
    main_group = g_option_group_new(NULL, NULL, NULL, c, NULL);
    g_option_group_add_entries(main_group, all);
    g_option_context_set_main_group(ctx, main_group);
    fl_conf_options_describe(ctx);
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
