#!/usr/bin/python3
"""oci_flow: OCI VCN flow-log events (built here from Oracle's published
field list) converted with -o FILE, decoded back by python3-ipfix and
compared field by field with what the test put in: ACCEPT over IPv4, REJECT
over IPv6, ICMP without ports, the search-results wrapper (logContent), a
JSON array, NODATA and SKIPDATA quality events (counted, per VNIC for
SKIPDATA), and bad events (rejected with their line, the rest kept).
"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402

TENANT = "ocid1.tenancy.oc1..aaaatenant"
ORACLE = {"compartmentid": "ocid1.compartment.oc1..aaaacomp",
          "ingestedtime": "2023-07-11T20:42:24.573Z",
          "loggroupid": "ocid1.loggroup.oc1.phx.lg", "logid": "ocid1.log.oc1.phx.l",
          "tenantid": TENANT}


def event(vnic, subnet, **data):
    d = {"version": "2", "flowid": "f-%d" % len(data)}
    d.update(data)
    o = dict(ORACLE, vnicocid=vnic, vnicsubnetocid=subnet,
             vniccompartmentocid=ORACLE["compartmentid"])
    return {"data": d, "id": "e1", "oracle": o, "source": "-",
            "specversion": "1.0", "time": "2023-07-11T20:41:30.000Z",
            "type": "com.oraclecloud.vcn.flowlogs.DataEvent"}


def flow(src, dst, sport, dport, proto, packets, nbytes, start, end, action):
    d = {"sourceAddress": src, "destinationAddress": dst, "protocol": proto,
         "packets": packets, "bytesOut": nbytes, "startTime": start,
         "endTime": end, "action": action, "status": "OK",
         "protocolName": {6: "TCP", 17: "UDP", 1: "ICMP"}.get(proto, "x")}
    if sport is not None:
        d["sourcePort"], d["destinationPort"] = sport, dport
    return d


VNIC_A = "ocid1.vnic.oc1.phx.aaaavnica"
VNIC_B = "ocid1.vnic.oc1.phx.aaaavnicb"
SUB_A = "ocid1.subnet.oc1.phx.aaaasuba"
SUB_B = "ocid1.subnet.oc1.phx.aaaasubb"

FLOWS = [  # (vnic, subnet, flow)
    (VNIC_A, SUB_A, flow("203.0.113.9", "10.1.0.5", 60830, 22, 6, 9, 4242,
                         1689108090, 1689108150, "ACCEPT")),
    (VNIC_B, SUB_B, flow("2001:db8::9", "2001:db8::5", 53, 5353, 17, 3,
                         300, 1689108100, 1689108160, "REJECT")),
    (VNIC_A, SUB_A, flow("10.1.0.5", "10.1.0.6", None, None, 1, 4, 336,
                         1689108110, 1689108170, "ACCEPT")),
    (VNIC_B, SUB_B, flow("198.51.100.7", "10.1.1.5", 443, 51234, 6,
                         4294967296, 1099511627776, 1689108120, 1689108180,
                         "ACCEPT")),
]


def expected(vnic, subnet, f):
    v6 = ":" in f["sourceAddress"]
    r = {"sourceIPv6Address" if v6 else "sourceIPv4Address":
         f["sourceAddress"],
         "destinationIPv6Address" if v6 else "destinationIPv4Address":
         f["destinationAddress"],
         "sourceTransportPort": f.get("sourcePort", 0),
         "destinationTransportPort": f.get("destinationPort", 0),
         "protocolIdentifier": f["protocol"],
         "packetDeltaCount": f["packets"], "octetDeltaCount": f["bytesOut"],
         "flowStartSeconds": f["startTime"], "flowEndSeconds": f["endTime"],
         "ingressInterface": fltest.interface_id("oci:" + vnic),
         "egressInterface": fltest.interface_id(f["action"]),
         "ingressVRFID": fltest.vrf_id("oci:" + subnet)}
    return r


def addr(v):
    return str(v)


def main(env):
    env.check()
    ck = fltest.Checker("oci_flow")
    lines = [json.dumps(event(v, s, **f)) for v, s, f in FLOWS[:2]]
    # the search results' wrapper
    lines.append(json.dumps({"datetime": 1689108144000,
                             "logContent": event(*FLOWS[2][:2],
                                                 **FLOWS[2][2])}))
    lines.append(json.dumps(event(VNIC_A, SUB_A, status="NODATA",
                                  startTime=1, endTime=2)))
    lines.append(json.dumps(event(VNIC_B, SUB_B, status="SKIPDATA")))
    bad = dict(FLOWS[3][2], sourcePort="http")
    lines.append(json.dumps(event(VNIC_B, SUB_B, **bad)))
    lines.append(json.dumps(event(VNIC_B, SUB_B, **FLOWS[3][2])))
    doc = env.write("vcn-flows.json", "\n".join(lines) + "\n")
    arr = env.write("array.json", json.dumps(
        [event(v, s, **f) for v, s, f in FLOWS], indent=2))

    for path, want_flows, nbad in ((doc, FLOWS, 1), (arr, FLOWS, 0)):
        out = env.path(os.path.basename(path) + ".ipfix")
        stats = env.path("stats.json")
        r = env.run("-o", out, "--stats-json", stats, path)
        ck.eq(r.returncode, 0, "%s: exit status (%s)" % (path, r.stderr))
        with open(stats) as f:
            st = json.load(f)
        recs = [e.rec for e in fltest.read_events(out)
                if e.kind == "record" and not e.options]
        got = [{k: (addr(v) if "Address" in k else v)
                for k, v in rec.items() if not k.endswith("Milliseconds")}
               for rec in recs]
        want = [expected(*x) for x in want_flows]
        ck.eq(len(got), len(want), "%s: records" % path)
        for i, (g, w) in enumerate(zip(got, want)):
            for k, v in w.items():
                ck.eq(g.get(k), v, "%s: record %d %s" % (path, i, k))
        ck.eq(st["records_out"], len(want), "%s: records_out" % path)
        ck.eq(st["rejected"], nbad, "%s: rejected" % path)
        if nbad:
            ck.eq(st["nodata"], 1, "nodata")
            ck.eq(st["skipdata"], 1, "skipdata")
            ck.eq(st.get("skipdata_by_interface"), {"oci:" + VNIC_B: 1},
                  "skipdata by interface")
            ck.check("line 6: number: data.sourcePort" in r.stderr.decode(),
                     "the bad event named by its line: %r" % r.stderr)
        # options: each VNIC named once with its oci: name
        names = {e.rec.get("interfaceName") for e in fltest.read_events(out)
                 if e.kind == "record" and e.options}
        ck.check({"oci:" + VNIC_A, "oci:" + VNIC_B} <= names,
                 "%s: interface names %r" % (path, names))
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
