/*
 * stats.c - printing the counters kept by the pipeline.
 *
 * Key names are a contract (doc/internals/CONTRACT.md): scripts read them.
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "json_write.h"
#include "stats.h"

void
fl_stats_init(FlStats *s)
{
    memset(s, 0, sizeof *s);
    s->skipdata_by_interface = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                     g_free, NULL);
}

void
fl_stats_clear(FlStats *s)
{
    g_clear_pointer(&s->skipdata_by_interface, g_hash_table_destroy);
}

static double
rate(const FlStats *s)
{
    return s->elapsed_s > 0 ? (double)s->records_out / s->elapsed_s : 0.0;
}

/* The cloud sources' line, only when one was used. */
static void
print_cloud(const FlStats *s, FILE *fp)
{
    if (!(s->objects_skipped || s->keys_skipped || s->list_requests
          || s->sqs_messages || s->commit_failures))
        return;
    fprintf(fp, "flowlog2ipfix: %" G_GUINT64_FORMAT " object(s) already "
            "done (--state), %" G_GUINT64_FORMAT " key(s) skipped, %"
            G_GUINT64_FORMAT " list request(s)", s->objects_skipped,
            s->keys_skipped, s->list_requests);
    if (s->sqs_messages)
        fprintf(fp, ", %" G_GUINT64_FORMAT " SQS message(s)",
                s->sqs_messages);
    if (s->objects_committed)
        fprintf(fp, ", %" G_GUINT64_FORMAT " object(s) committed",
                s->objects_committed);
    if (s->commit_failures)
        fprintf(fp, ", %" G_GUINT64_FORMAT " commit failure(s)",
                s->commit_failures);
    fputc('\n', fp);
}

void
fl_stats_print(const FlStats *s, FILE *fp, gboolean verbose)
{
    fprintf(fp, "flowlog2ipfix: %" G_GUINT64_FORMAT " object(s)", s->objects);
    if (s->objects_failed)
        fprintf(fp, " (%" G_GUINT64_FORMAT " failed)", s->objects_failed);
    fprintf(fp, ", %" G_GUINT64_FORMAT " lines, %" G_GUINT64_FORMAT
            " records (%" G_GUINT64_FORMAT " IPv4, %" G_GUINT64_FORMAT
            " IPv6), %" G_GUINT64_FORMAT " NODATA, %" G_GUINT64_FORMAT
            " SKIPDATA, %" G_GUINT64_FORMAT " rejected",
            s->lines_read, s->records_out, s->records_ipv4, s->records_ipv6,
            s->nodata, s->skipdata, s->rejected);
    if (s->rejected) {
        const char *sep = " (";
        for (int i = 0; i < FL_REJECT_COUNT; i++) {
            if (!s->rejected_by[i])
                continue;
            fprintf(fp, "%s%s %" G_GUINT64_FORMAT, sep,
                    fl_reject_name((FlReject)i), s->rejected_by[i]);
            sep = ", ";
        }
        fputc(')', fp);
    }
    fprintf(fp, ", %" G_GUINT64_FORMAT " options records", s->options_records);
    if (s->id_collisions)
        fprintf(fp, ", %" G_GUINT64_FORMAT " ID collisions", s->id_collisions);
    if (s->bytes_out_known)
        fprintf(fp, ", %" G_GUINT64_FORMAT " bytes out", s->bytes_out);
    fprintf(fp, ", %.3f s, %.0f records/s\n", s->elapsed_s, rate(s));
    if (s->reconnects || s->records_resent)
        fprintf(fp, "flowlog2ipfix: %" G_GUINT64_FORMAT " reconnection(s), %"
                G_GUINT64_FORMAT " record(s) sent again (the collector may "
                "hold up to that many duplicates)\n", s->reconnects,
                s->records_resent);
    if (s->datagrams_refused)
        fprintf(fp, "flowlog2ipfix: %" G_GUINT64_FORMAT " UDP datagram(s) "
                "refused by the collector's host\n", s->datagrams_refused);
    print_cloud(s, fp);
    if (s->envelope_payloads || s->envelope_control || s->envelope_bad
        || s->messages_cut)
        fprintf(fp, "flowlog2ipfix: %" G_GUINT64_FORMAT " CloudWatch Logs "
                "payload(s), %" G_GUINT64_FORMAT " control message(s), %"
                G_GUINT64_FORMAT " bad record(s) skipped, %" G_GUINT64_FORMAT
                " message(s) cut at a line break\n", s->envelope_payloads,
                s->envelope_control, s->envelope_bad, s->messages_cut);
    if (s->skipdata && g_hash_table_size(s->skipdata_by_interface)) {
        GHashTableIter it;
        gpointer k, v;

        /* SKIPDATA means AWS dropped records for that interface. */
        fprintf(fp, "flowlog2ipfix: SKIPDATA (records lost by AWS) on %u "
                "interface(s)%s\n",
                g_hash_table_size(s->skipdata_by_interface),
                verbose ? ":" : "; -v lists them");
        if (!verbose)
            return;
        g_hash_table_iter_init(&it, s->skipdata_by_interface);
        while (g_hash_table_iter_next(&it, &k, &v))
            fprintf(fp, "flowlog2ipfix:   %s: %u interval(s)\n", (char *)k,
                    GPOINTER_TO_UINT(v));
    }
}

/* "KEY": N, -- without printf: Lambda writes this twice an invocation. */
static void
append_num(GString *j, const char *key, guint64 v)
{
    char buf[24], *p = buf + sizeof buf;

    g_string_append_c(j, '"');
    g_string_append(j, key);
    g_string_append_len(j, "\": ", 3);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    g_string_append_len(j, p, buf + sizeof buf - p);
    g_string_append_len(j, ", ", 2);
}

void
fl_stats_append_json(const FlStats *s, GString *j)
{
    g_string_append_c(j, '{');
#define NUM(k, v) append_num(j, k, (guint64)(v))
    NUM("objects", s->objects);
    NUM("objects_failed", s->objects_failed);
    NUM("lines_read", s->lines_read);
    NUM("records_out", s->records_out);
    NUM("records_ipv4", s->records_ipv4);
    NUM("records_ipv6", s->records_ipv6);
    NUM("nodata", s->nodata);
    NUM("skipdata", s->skipdata);
    NUM("rejected", s->rejected);
    g_string_append(j, "\"rejected_by_reason\": {");
    for (int i = 0; i < FL_REJECT_COUNT; i++)
        append_num(j, fl_reject_name((FlReject)i), s->rejected_by[i]);
    g_string_truncate(j, j->len - 2);       /* the last ", " */
    g_string_append(j, "}, ");
    NUM("options_records", s->options_records);
    NUM("id_collisions", s->id_collisions);
    NUM("objects_skipped", s->objects_skipped);
    NUM("keys_skipped", s->keys_skipped);
    NUM("list_requests", s->list_requests);
    NUM("sqs_messages", s->sqs_messages);
    NUM("objects_committed", s->objects_committed);
    NUM("commit_failures", s->commit_failures);
    NUM("envelope_payloads", s->envelope_payloads);
    NUM("envelope_control", s->envelope_control);
    NUM("envelope_bad", s->envelope_bad);
    NUM("messages_cut", s->messages_cut);
    NUM("records_resent", s->records_resent);
    NUM("reconnects", s->reconnects);
    NUM("datagrams_refused", s->datagrams_refused);
    NUM("objects_done", s->objects_done);
    NUM("bytes_in", s->bytes_in);
    if (s->newest_flow_end_ms)
        g_string_append_printf(j, "\"newest_flow_end\": %.3f, ",
                               (double)s->newest_flow_end_ms / 1000.0);
    else
        g_string_append(j, "\"newest_flow_end\": null, ");
    if (s->bytes_out_known)
        NUM("bytes_out", s->bytes_out);
    else
        g_string_append(j, "\"bytes_out\": null, ");
#undef NUM
    g_string_append_printf(j, "\"elapsed_s\": %.6f, \"records_per_s\": %.1f",
                           s->elapsed_s, rate(s));
    g_string_append(j, ", \"skipdata_by_interface\": {");
    {
        GHashTableIter it;
        gpointer k, v;
        gboolean first = TRUE;

        g_hash_table_iter_init(&it, s->skipdata_by_interface);
        while (g_hash_table_iter_next(&it, &k, &v)) {
            /* Interface names come from input: escaped, and bytes that
             * are not UTF-8 replaced, so the document stays JSON. */
            if (!first)
                g_string_append(j, ", ");
            fl_json_append_string(j, k, -1);
            g_string_append_printf(j, ": %u", GPOINTER_TO_UINT(v));
            first = FALSE;
        }
    }
    g_string_append(j, "}}");
}

gboolean
fl_stats_write_json(const FlStats *s, const char *path, GError **err)
{
    g_autoptr(GString) j = g_string_new(NULL);
    g_autoptr(GError) local = NULL;

    fl_stats_append_json(s, j);
    g_string_append_c(j, '\n');
    if (!g_file_set_contents(path, j->str, (gssize)j->len, &local)) {
        g_set_error(err, FL_ERROR, FL_ERROR_IO, "--stats-json: %s",
                    local->message);
        return FALSE;
    }
    return TRUE;
}
