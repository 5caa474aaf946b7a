/*
 * stats.h - the run's counters, the stderr summary and the JSON file.
 */
#ifndef FL_STATS_H
#define FL_STATS_H

#include <stdio.h>
#include <glib.h>
#include "decoders/decode.h"

typedef struct {
    guint64 objects, objects_failed;
    guint64 lines_read;
    guint64 records_out, records_ipv4, records_ipv6;
    guint64 nodata, skipdata;
    guint64 rejected, rejected_by[FL_REJECT_COUNT];
    guint64 options_records;
    guint64 id_collisions;
    guint64 bytes_out;
    /* delivery */
    guint64 records_resent;     /* TCP/TLS: flow records sent again after a
                                   reconnection (duplicates at the
                                   collector are at most this many) */
    guint64 reconnects;         /* TCP/TLS connections rebuilt */
    guint64 datagrams_refused;  /* UDP: ICMP port unreachable */
    /* cloud sources */
    guint64 objects_skipped;    /* already done in the --state file */
    guint64 keys_skipped;       /* S3 keys not flow logs or out of range */
    guint64 list_requests;      /* S3 ListObjectsV2 calls */
    guint64 sqs_messages;       /* received */
    guint64 objects_committed;  /* checkpointed or SQS-deleted */
    guint64 commit_failures;    /* checkpoint or SQS delete failed */
    guint64 envelope_payloads;  /* CloudWatch Logs payloads read */
    guint64 envelope_control;   /* CONTROL_MESSAGE payloads ignored */
    guint64 envelope_bad;       /* envelope records that could not be
                                   decoded (skipped, the rest read) */
    guint64 messages_cut;       /* CloudWatch Logs events cut at a line
                                   break (envelopes and cwl://) */
    /* kept for the progress line and the metrics */
    guint64 objects_done;       /* objects whose last chunk is out */
    guint64 bytes_in;           /* decoded input bytes handed to the writer */
    guint64 newest_flow_end_ms; /* latest flowEnd exported, Unix ms; 0 none */
    gboolean bytes_out_known;   /* only for file outputs */
    double elapsed_s;
    GHashTable *skipdata_by_interface;  /* name -> count (GUINT_TO_POINTER) */
} FlStats;

void fl_stats_init(FlStats *s);
void fl_stats_clear(FlStats *s);
void fl_stats_print(const FlStats *s, FILE *fp, gboolean verbose);
/* Appends the statistics as one JSON object (no newline).  Cannot fail. */
void fl_stats_append_json(const FlStats *s, GString *out);
/* Writes the statistics as one JSON object; FL_ERROR_IO naming path. */
gboolean fl_stats_write_json(const FlStats *s, const char *path, GError **err);

#endif
