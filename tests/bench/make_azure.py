#!/usr/bin/python3
"""make_azure: the benchmark's text lines as Azure VNet flow log documents
(PT1H.json shape), one tuple per line, so that records/s compare with the
text figure: an ACCEPT line is an E tuple with its packets and bytes one
way and none back (one record), a REJECT line a D tuple (one record).
RECORDS records of 1,000 tuples a document, in DIR (sorted names keep the
order).

  make_azure.py TEXT_FILE DIR [RECORDS]
"""

import json
import os
import sys

PER_RECORD = 1000
VNET = ("/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/"
        "bench/providers/Microsoft.Network/virtualNetworks/vnet-bench")


def write(dirname, n, records):
    with open(os.path.join(dirname, "PT1H-%06d.json" % n), "w") as f:
        json.dump({"records": records}, f, separators=(",", ":"))


def record(mac, tuples):
    return {"time": "2024-05-25T12:00:00.0000000Z", "flowLogVersion": 4,
            "flowLogGUID": "bench", "macAddress": mac,
            "category": "FlowLogFlowEvent",
            "flowLogResourceID": "/SUBSCRIPTIONS/X/FLOWLOGS/BENCH",
            "targetResourceID": VNET, "operationName": "FlowLogFlowEvent",
            "flowRecords": {"flows": [{"aclID": "bench-acl", "flowGroups": [
                {"rule": "AllowAll", "flowTuples": tuples}]}]}}


def main():
    src, dirname = sys.argv[1], sys.argv[2]
    per_doc = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    os.makedirs(dirname, exist_ok=True)
    records, tuples, n, mac = [], [], 0, None
    with open(src) as f:
        f.readline()                        # the S3 header line
        for line in f:
            w = line.split()
            if len(w) < 14 or w[13] != "OK":
                continue
            if mac is None:
                mac = "%012X" % (hash(w[2]) & 0xFFFFFFFFFFFF)
            state = "E" if w[12] == "ACCEPT" else "D"
            tuples.append("%s000,%s,%s,%s,%s,%s,O,%s,NX,%s,%s,0,0" % (
                w[10], w[3], w[4], w[5], w[6], w[7], state, w[8], w[9]))
            if len(tuples) == PER_RECORD:
                records.append(record(mac, tuples))
                tuples, mac = [], None
                if len(records) == per_doc:
                    write(dirname, n, records)
                    records, n = [], n + 1
    if tuples:
        records.append(record(mac, tuples))
    if records:
        write(dirname, n, records)


if __name__ == "__main__":
    main()
