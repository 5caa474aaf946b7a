#!/usr/bin/python3
"""gcp_flow: Google Cloud VPC Flow Logs entries (Cloud Logging LogEntry
JSON, built here from Google's published record fields) converted with
-o FILE --time-elements both, decoded back by python3-ipfix and compared
field by field with what the test put in: one flow reported by both VMs
(SRC and DEST: two records, each with its reporter as flowDirection and
its own VM as the interface), IPv6, ICMP without ports, 64-bit counters
as JSON strings, nanosecond times cut to milliseconds, an entry of another
log (passed over), a bad entry (rejected, named by its line, the rest
kept), Pub/Sub push bodies (a document that starts with {"message":{, so
not taken for a Firehose record), and a JSON array.  No egressInterface
(Google has no verdict); interface descriptions say sampled=yes.
--gcp-reporter src / dest keeps one side.
"""

import base64
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402

HOST = "host-proj"
LOG = "projects/%s/logs/compute.googleapis.com%%2Fvpc_flows" % HOST


def side(project, zone, vm, vpc, subnet):
    return ({"project_id": project, "zone": zone, "region": zone[:-2],
             "vm_name": vm},
            {"project_id": HOST, "vpc_name": vpc, "subnetwork_name": subnet})


WEB = side("proj-web", "europe-west1-b", "web-1", "prod", "sub-web")
DB = side("proj-db", "europe-west1-c", "db-1", "prod", "sub-db")
V6 = side("proj-v6", "us-east1-b", "v6-vm", "edge", "sub-v6")


def stamp(ms, ns="456789"):
    """Unix milliseconds as RFC 3339 with nanoseconds (past the ms cut)."""
    s, m = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + \
        ".%03d%sZ" % (m, ns)


def entry(reporter, src, dst, conn, packets, nbytes, start_ms, end_ms):
    """A LogEntry; src/dst are side() tuples (None: outside the cloud)."""
    p = {"connection": conn, "packets_sent": str(packets),
         "bytes_sent": str(nbytes), "start_time": stamp(start_ms),
         "end_time": stamp(end_ms), "reporter": reporter, "rtt_msec": "2"}
    if src:
        p["src_instance"], p["src_vpc"] = src
    if dst:
        p["dest_instance"], p["dest_vpc"] = dst
    rep = src if reporter == "SRC" else dst
    return {"insertId": "i%d" % start_ms, "jsonPayload": p, "logName": LOG,
            "receiveTimestamp": stamp(end_ms + 3000),
            "resource": {"type": "gce_subnetwork",
                         "labels": {"project_id": HOST,
                                    "location": rep[0]["region"],
                                    "subnetwork_name": rep[1]
                                    ["subnetwork_name"]}},
            "timestamp": stamp(end_ms + 2000)}


T = 1716638400000
TCP = {"src_ip": "10.1.0.5", "dest_ip": "10.2.0.7", "src_port": 40122,
       "dest_port": 5432, "protocol": 6}
FLOWS = [  # (entry kwargs); the first flow reported by both VMs
    dict(reporter="SRC", src=WEB, dst=DB, conn=TCP, packets=12,
         nbytes=4096, start_ms=T + 123, end_ms=T + 5789),
    dict(reporter="DEST", src=WEB, dst=DB, conn=TCP, packets=11,
         nbytes=4000, start_ms=T + 150, end_ms=T + 5800),
    dict(reporter="DEST", src=None, dst=V6,
         conn={"src_ip": "2001:db8::9", "dest_ip": "2001:db8:1::5",
               "src_port": 53, "dest_port": 5353, "protocol": 17},
         packets=4294967296, nbytes=1099511627776, start_ms=T + 1000,
         end_ms=T + 61999),
    dict(reporter="SRC", src=WEB, dst=None,
         conn={"src_ip": "10.1.0.5", "dest_ip": "198.51.100.7",
               "protocol": 1},
         packets=3, nbytes=252, start_ms=T + 2000, end_ms=T + 2001),
]


def ifname(s):
    return "gcp:%s/%s/%s" % (s[0]["project_id"], s[0]["zone"],
                             s[0]["vm_name"])


def expected(f):
    rep = f["src"] if f["reporter"] == "SRC" else f["dst"]
    c = f["conn"]
    v6 = ":" in c["src_ip"]
    return {"sourceIPv6Address" if v6 else "sourceIPv4Address": c["src_ip"],
            "destinationIPv6Address" if v6 else "destinationIPv4Address":
            c["dest_ip"],
            "sourceTransportPort": c.get("src_port", 0),
            "destinationTransportPort": c.get("dest_port", 0),
            "protocolIdentifier": c["protocol"],
            "packetDeltaCount": f["packets"], "octetDeltaCount": f["nbytes"],
            "flowStartMilliseconds": f["start_ms"],
            "flowEndMilliseconds": f["end_ms"],
            "flowStartSeconds": f["start_ms"] // 1000,
            "flowEndSeconds": f["end_ms"] // 1000,
            "flowDirection": 1 if f["reporter"] == "SRC" else 0,
            "ingressInterface": fltest.interface_id(ifname(rep)),
            "ingressVRFID": fltest.vrf_id("gcp:%s/%s" % (HOST,
                                                          rep[1]
                                                          ["vpc_name"]))}


def push(e, msg_id):
    data = base64.b64encode(json.dumps(e).encode()).decode()
    return {"message": {"data": data, "messageId": msg_id,
                        "publishTime": "2024-05-25T12:01:00Z"},
            "subscription": "projects/%s/subscriptions/flows" % HOST}


def convert(env, ck, path, *args):
    out = env.path(os.path.basename(path) + ".ipfix")
    stats = env.path("stats.json")
    r = env.run("-o", out, "--time-elements", "both", "--stats-json", stats,
                *args, path)
    ck.eq(r.returncode, 0, "%s: exit status (%s)" % (path, r.stderr))
    fltest.log(r.stderr.decode())
    with open(stats) as f:
        st = json.load(f)
    events = fltest.read_events(out)
    recs = [e.rec for e in events if e.kind == "record" and not e.options]
    opts = [e.rec for e in events if e.kind == "record" and e.options]
    return r, st, recs, opts


def compare(ck, path, recs, want_flows):
    want = [expected(f) for f in want_flows]
    ck.eq(len(recs), len(want), "%s: records" % path)
    for i, (g, w) in enumerate(zip(recs, want)):
        g = {k: (str(v) if "Address" in k else v) for k, v in g.items()}
        for k, v in w.items():
            ck.eq(g.get(k), v, "%s: record %d %s" % (path, i, k))
        ck.check("egressInterface" not in g,
                 "%s: record %d has no egressInterface: %r" % (path, i, g))


def main(env):
    env.check()
    ck = fltest.Checker("gcp_flow")
    lines = [json.dumps(entry(**f)) for f in FLOWS[:3]]
    # another log's entry: passed over, neither a record nor rejected
    lines.append(json.dumps({"insertId": "x", "logName": "projects/p/logs/"
                             "syslog", "textPayload": "hello",
                             "timestamp": stamp(T)}))
    bad = entry(**dict(FLOWS[3], conn=dict(FLOWS[3]["conn"],
                                           src_port="http")))
    lines.append(json.dumps(bad))                       # line 5
    lines.append(json.dumps(entry(**FLOWS[3])))
    doc = env.write("flows.json", "\n".join(lines) + "\n")

    r, st, recs, opts = convert(env, ck, doc)
    compare(ck, doc, recs, FLOWS)
    ck.eq(st["records_out"], len(FLOWS), "records_out")
    ck.eq(st["rejected"], 1, "rejected")
    ck.check("line 5: number: jsonPayload.connection.src_port"
             in r.stderr.decode(),
             "the bad entry named by its line: %r" % r.stderr)
    # options: every reporting VM named once, described as sampled
    ifs = {o["interfaceName"]: o.get("interfaceDescription", "")
           for o in opts if "interfaceName" in o}
    for s in (WEB, DB, V6):
        n = ifname(s)
        ck.check(n in ifs, "interface %s in the options: %r" % (n, ifs))
        d = ifs.get(n, "")
        ck.check(d.endswith(" sampled=yes")
                 and "account=%s " % s[0]["project_id"] in d
                 and "instance=%s " % s[0]["vm_name"] in d,
                 "interface %s described %r" % (n, d))
    ck.check("ACCEPT" not in ifs and "REJECT" not in ifs,
             "no verdict pseudo-interfaces: %r" % sorted(ifs))
    vrfs = {o["VRFname"] for o in opts if "VRFname" in o}
    ck.eq(vrfs, {"gcp:%s/prod" % HOST, "gcp:%s/edge" % HOST}, "VRF names")

    # --gcp-reporter keeps one side; the other's entries are passed over
    # (the bad entry too, when it is the other side's)
    for which, rep, nbad in (("src", "SRC", 1), ("dest", "DEST", 0)):
        _, st, recs, _ = convert(env, ck, doc, "--gcp-reporter", which)
        compare(ck, "%s --gcp-reporter %s" % (doc, which), recs,
                [f for f in FLOWS if f["reporter"] == rep])
        ck.eq(st["rejected"], nbad, "--gcp-reporter %s: rejected" % which)
    r = env.run("--gcp-reporter", "both", doc)
    ck.check(r.returncode != 0 and b"--gcp-reporter" in r.stderr,
             "--gcp-reporter both refused: %r" % r.stderr)

    # Pub/Sub push bodies, one a line: the document starts {"message":{
    pushes = [json.dumps(push(entry(**f), str(100 + i)))
              for i, f in enumerate(FLOWS)]
    bad_push = push(bad, "99")
    pushes.insert(2, json.dumps(bad_push))              # line 3
    pdoc = env.write("pushes.json", "\n".join(pushes) + "\n")
    r, st, recs, _ = convert(env, ck, pdoc)
    compare(ck, pdoc, recs, FLOWS)
    ck.eq(st["rejected"], 1, "push: rejected")
    ck.check("line 3, Pub/Sub message 99 (its line 1): number: "
             "jsonPayload.connection.src_port" in r.stderr.decode(),
             "the bad push body named by its line and message: %r"
             % r.stderr)

    # gcloud logging read --format=json: one pretty-printed array
    arr = env.write("array.json", json.dumps([entry(**f) for f in FLOWS],
                                             indent=2))
    _, st, recs, _ = convert(env, ck, arr)
    compare(ck, arr, recs, FLOWS)
    ck.eq(st["rejected"], 0, "array: rejected")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
