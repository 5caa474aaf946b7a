#!/usr/bin/python3
"""cloud_rejects: bad Google, Oracle and Azure entries are each told once
and counted once.  For each cloud, a document with good entries and K bad
ones is converted with --max-errors 3, for K below the limit (2) and above
it (5): stderr names each bad entry at most once ("; skipped" lines: min(K,
3), every one distinct), says "K-3 more rejected line(s) not shown" exactly
when K > 3, and --stats-json counts K rejected and every good record out.
"""

import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402

LIMIT = 3
GOOD = 4


def pattern(n_bad):
    """Which entries are bad: GOOD good and n_bad bad, interleaved."""
    flags, g, b = [], GOOD, n_bad
    while g or b:
        if g:
            flags.append(False)
            g -= 1
        if b:
            flags.append(True)
            b -= 1
    return flags


def gcp_doc(n_bad):
    lines = []
    for i, bad in enumerate(pattern(n_bad)):
        lines.append(json.dumps({"jsonPayload": {
            "connection": {"src_ip": "10.0.0.%d" % (i + 1),
                           "dest_ip": "10.0.1.1",
                           "src_port": 70000 if bad else 1000 + i,
                           "dest_port": 443, "protocol": 6},
            "bytes_sent": "100", "packets_sent": "2",
            "start_time": "2024-05-25T12:00:00Z",
            "end_time": "2024-05-25T12:00:30Z", "reporter": "SRC",
            "src_instance": {"project_id": "p", "zone": "z",
                             "vm_name": "vm%d" % i}},
            "logName": "projects/p/logs/compute.googleapis.com%2Fvpc_flows"}))
    return "\n".join(lines) + "\n", "src_port"


def oci_doc(n_bad):
    lines = []
    for i, bad in enumerate(pattern(n_bad)):
        lines.append(json.dumps({
            "data": {"version": "2", "sourceAddress": "10.0.0.%d" % (i + 1),
                     "destinationAddress": "10.0.1.1",
                     "sourcePort": 70000 if bad else 1000 + i,
                     "destinationPort": 443, "protocol": 6, "packets": 2,
                     "bytesOut": 100, "startTime": 1689108090,
                     "endTime": 1689108150, "action": "ACCEPT",
                     "status": "OK"},
            "oracle": {"vnicocid": "ocid1.vnic.oc1.phx.a",
                       "vnicsubnetocid": "ocid1.subnet.oc1.phx.a",
                       "tenantid": "ocid1.tenancy.oc1..t"},
            "type": "com.oraclecloud.vcn.flowlogs.DataEvent",
            "specversion": "1.0", "time": "2023-07-11T20:41:30.000Z"}))
    return "\n".join(lines) + "\n", "sourcePort"


def azure_doc(n_bad):
    tuples = []
    for i, bad in enumerate(pattern(n_bad)):
        # a C tuple without counters is rejected (missing)
        counts = ",,," if bad else "3,300,0,0"
        tuples.append("1716638400000,10.1.0.%d,10.1.2.5,%d,443,6,O,C,NX,%s"
                      % (i + 1, 1000 + i, counts))
    return json.dumps({"records": [{
        "time": "2024-05-25T12:00:00.0000000Z", "flowLogVersion": 4,
        "flowLogGUID": "6c3d", "macAddress": "00224871C205",
        "category": "FlowLogFlowEvent",
        "flowLogResourceID": "/SUBSCRIPTIONS/X/FLOWLOGS/FL1",
        "targetResourceID": "/subscriptions/x/resourceGroups/r/providers/"
                            "Microsoft.Network/virtualNetworks/v",
        "operationName": "FlowLogFlowEvent",
        "flowRecords": {"flows": [{"aclID": "a", "flowGroups": [
            {"rule": "r", "flowTuples": tuples}]}]}}]}), "counters"


def main(env):
    env.check()
    ck = fltest.Checker("cloud_rejects")
    for cloud, make in (("gcp", gcp_doc), ("oci", oci_doc),
                        ("azure", azure_doc)):
        for n_bad in (2, 5):
            what = "%s, %d bad" % (cloud, n_bad)
            text, word = make(n_bad)
            path = env.write("%s-%d.json" % (cloud, n_bad), text)
            stats = env.path("stats.json")
            r = env.run("-o", env.path("out.ipfix"), "--max-errors",
                        str(LIMIT), "--stats-json", stats, path)
            err = r.stderr.decode()
            fltest.log(err)
            ck.eq(r.returncode, 0, "%s: exit status (%s)" % (what, err))
            st = fltest.load_json(stats)
            ck.eq(st["rejected"], n_bad, "%s: rejected" % what)
            ck.eq(st["records_out"], GOOD, "%s: records out" % what)
            told = [ln for ln in err.splitlines() if ln.endswith("; skipped")]
            ck.eq(len(told), min(n_bad, LIMIT), "%s: told: %r" % (what, told))
            ck.eq(len(set(told)), len(told), "%s: each told once" % what)
            ck.check(all(word in ln and os.path.basename(path) in ln
                         for ln in told),
                     "%s: the object and the field named: %r" % (what, told))
            more = re.findall(r"(\d+) more rejected line\(s\) not shown", err)
            want = [str(n_bad - LIMIT)] if n_bad > LIMIT else []
            ck.eq(more, want, "%s: the 'more' sum" % what)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
