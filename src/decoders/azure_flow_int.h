/*
 * azure_flow_int.h - what azure_flow.c (the JSON walk) and azure_tuple.c
 * (one tuple into records) share.  Not for use elsewhere.
 */
#ifndef FL_AZURE_FLOW_INT_H
#define FL_AZURE_FLOW_INT_H

#include "decoders/azure_flow.h"

/* A tuple's context; a field with len 0 is absent. */
typedef struct {
    gboolean nsg;               /* NSG flow logs (else VNet flow logs) */
    FlStr iface;                /* "azure:MAC" */
    FlStr vrf;                  /* "azure:/subscriptions/…/virtualNetworks/V" */
    FlStr account;              /* the subscription */
    FlStr resource;             /* the flow log's target */
    FlStr mac, acl, rule;
} AzCtx;

/* The time of each flow's last tuple in the document: the next tuple's
 * start.  Keyed by a 64-bit hash of the interface and the 5-tuple: two
 * flows of one document that share a hash (about n^2 / 2^65 of a chance)
 * would share a start time, nothing worse. */
typedef struct {
    guint64 *keys;              /* 0 = empty */
    guint64 *times;
    gsize size, used;           /* size a power of two */
} AzFlows;

void az_flows_clear(AzFlows *f);

typedef struct {
    FlAzureRecordFunc on_record;
    FlAzureBadFunc on_bad;
    gpointer data;
    FlAzureCounts *n;
    FlRecord *rec;
    AzFlows *flows;
} AzOut;

/* One tuple (s, len: its text) into zero, one or two records.  FALSE
 * with *err only when on_record failed. */
gboolean az_tuple(const AzCtx *ctx, const char *s, gsize len,
                  const FlAzureWhere *w, AzOut *out, GError **err);

#endif
