#!/usr/bin/python3
"""azure_file: Azure VNet and NSG flow log documents built here from the
published schemas, converted with flowlog2ipfix -o FILE, decoded by
python3-ipfix and compared record by record with what the test put in.

Cases: B -> C -> E sequences (start = the previous tuple's time), a C with
traffic one way only, denied tuples (VNet state D, NSG decision D with no
counters), IPv6, a C without counters (rejected and counted), times in
milliseconds and in seconds, a NIC target (no VRF), NSG v1 tuples; an AWS
text file in the same directory (detection per object; ENI and NIC names
never share an ID); the options records (names azure:MAC and azure:<vnet
resource ID>, descriptions with cloud=azure, rule and ACL); the
--stats-json counts; --input-format aws-text refusing to read JSON as
Azure.
"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402

SUB = "3a1f0c22-0000-4000-8000-00000000aa01"
VNET = ("/subscriptions/%s/resourceGroups/rg-net/providers/"
        "Microsoft.Network/virtualNetworks/vnet-hub" % SUB)
NIC = ("/subscriptions/%s/resourceGroups/rg-vm/providers/"
       "Microsoft.Network/networkInterfaces/vm1-nic" % SUB)
NSG = ("/SUBSCRIPTIONS/%s/RESOURCEGROUPS/RG-NET/PROVIDERS/"
       "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-WEB" % SUB.upper())

# One flow group per entry: (mac, target, acl, rule, tuples).  A tuple is
# (time, src, dst, sport, dport, proto, dir, state, p1, b1, p2, b2); None
# counters are written empty.
T0 = 1716638400000
VNET_RECORDS = [
    ("00-22-48-71-C2-05", VNET, "acl-1", "AllowWeb", [
        (T0, "10.1.0.4", "10.1.2.5", 49731, 443, 6, "O", "B", None, None,
         None, None),
        (T0 + 60000, "10.1.0.4", "10.1.2.5", 49731, 443, 6, "O", "C", 12,
         3981, 10, 9000),
        (T0 + 120000, "10.1.0.4", "10.1.2.5", 49731, 443, 6, "O", "E", 2,
         120, 0, 0),
        (T0 + 1000, "203.0.113.9", "10.1.0.4", 5555, 3389, 6, "I", "D", 1,
         60, 0, 0),
        (T0 + 2000, "2001:db8:1::4", "2001:db8:2::9", 40000, 53, 17, "O",
         "C", 0, 0, 3, 400),
        (T0 + 3000, "10.1.0.4", "10.1.2.6", 1, 2, 6, "O", "C", None, None,
         None, None),
        # seconds, not milliseconds
        ((T0 + 4000) // 1000, "10.1.0.4", "10.1.2.7", 3, 4, 17, "I", "E",
         5, 500, 6, 600),
    ]),
    ("000d3a0b1c2d", NIC, "acl-2", "DenyAll", [
        (T0 + 5000, "10.1.0.8", "198.51.100.1", 50000, 80, 6, "O", "D", 0,
         0, 0, 0),
    ]),
]


def vnet_doc(records):
    out = []
    for mac, target, acl, rule, tuples in records:
        tt = []
        for t in tuples:
            vals = [str(x) for x in t[:7]] + [t[7], "NX"] + \
                ["" if x is None else str(x) for x in t[8:]]
            tt.append(",".join(vals))
        out.append({"time": "2024-05-25T12:00:00.0000000Z",
                    "flowLogVersion": 4, "flowLogGUID": "6c3d",
                    "macAddress": mac.replace("-", ""),
                    "category": "FlowLogFlowEvent",
                    "flowLogResourceID": "/SUBSCRIPTIONS/X/FLOWLOGS/FL1",
                    "targetResourceID": target,
                    "operationName": "FlowLogFlowEvent",
                    "flowRecords": {"flows": [{"aclID": acl, "flowGroups": [
                        {"rule": rule, "flowTuples": tt}]}]}})
    return json.dumps({"records": out}, indent=1)


NSG_MAC = "000D3AF87856"
NSG_FLOWS = [
    ("DefaultRule_DenyAllInBound", [
        "1542110377,13.67.143.118,10.0.0.4,44931,443,T,I,D,B,,,,"]),
    ("UserRule_AllowOut", [
        "1542110402,10.0.0.4,13.67.143.117,44931,443,U,O,A,B,,,,",
        "1542110462,10.0.0.4,13.67.143.117,44931,443,U,O,A,C,37,2260,41,2502",
        "1542110463,10.0.0.4,13.67.143.200,1000,80,T,O,A"]),
]


def nsg_doc():
    flows = [{"rule": r, "flows": [{"mac": NSG_MAC, "flowTuples": t}]}
             for r, t in NSG_FLOWS]
    return json.dumps({"records": [{
        "time": "2018-11-13T12:00:35.3899262Z", "systemId": "a0fca5ce",
        "macAddress": NSG_MAC, "category": "NetworkSecurityGroupFlowEvent",
        "resourceId": NSG, "operationName": "NetworkSecurityGroupFlowEvents",
        "properties": {"Version": 2, "flows": flows}}]})


# -- the expected records, by the rules of README's Azure table -----------

def rec(src, dst, sp, dp, proto, start_ms, end_ms, iface, accept, direc,
        pk, by, vrf=None, reason=None):
    r = {("sourceIPv6Address" if ":" in src else "sourceIPv4Address"): src,
         ("destinationIPv6Address" if ":" in dst
          else "destinationIPv4Address"): dst,
         "sourceTransportPort": sp, "destinationTransportPort": dp,
         "protocolIdentifier": proto,
         "ingressInterface": fltest.interface_id(iface),
         "egressInterface": 1 if accept else 2,
         "flowDirection": direc, "packetDeltaCount": pk,
         "octetDeltaCount": by,
         "flowStartSeconds": start_ms // 1000,
         "flowEndSeconds": end_ms // 1000,
         "flowStartMilliseconds": start_ms, "flowEndMilliseconds": end_ms}
    if vrf:
        r["ingressVRFID"] = fltest.vrf_id(vrf)
    if reason:
        r["flowEndReason"] = reason
    return r


def expected_vnet(records):
    out, rejected = [], 0
    for mac, target, acl, rule, tuples in records:
        iface = "azure:" + mac.replace("-", "").upper()
        vrf = "azure:" + VNET if target == VNET else None
        last = {}
        for t in tuples:
            tm, src, dst, sp, dp, proto, d, st, p1, b1, p2, b2 = t
            ms = tm * 1000 if tm < 10 ** 11 else tm
            key = (src, dst, sp, dp, proto)
            prev = last.get(key)
            last[key] = ms
            start = prev if prev is not None and prev <= ms else ms
            dirn = 0 if d == "I" else 1
            if st == "B":
                continue
            if st == "D":
                out.append(rec(src, dst, sp, dp, proto, start, ms, iface,
                               False, dirn, p1 or 0, b1 or 0, vrf))
                continue
            if p1 is None:
                rejected += 1
                continue
            reason = 2 if st == "C" else 3
            if p1 or b1 or not (p2 or b2):
                out.append(rec(src, dst, sp, dp, proto, start, ms, iface,
                               True, dirn, p1, b1, vrf, reason))
            if p2 or b2:
                out.append(rec(dst, src, dp, sp, proto, start, ms, iface,
                               True, 1 - dirn, p2, b2, vrf, reason))
    return out, rejected


def expected_nsg():
    iface = "azure:" + NSG_MAC
    s = 1542110377000
    return [
        rec("13.67.143.118", "10.0.0.4", 44931, 443, 6, s, s, iface, False,
            0, 0, 0),
        rec("10.0.0.4", "13.67.143.117", 44931, 443, 17, 1542110402000,
            1542110462000, iface, True, 1, 37, 2260, None, 2),
        rec("13.67.143.117", "10.0.0.4", 443, 44931, 17, 1542110402000,
            1542110462000, iface, True, 0, 41, 2502, None, 2),
        rec("10.0.0.4", "13.67.143.200", 1000, 80, 6, 1542110463000,
            1542110463000, iface, True, 1, 0, 0),
    ]


AWS_LINE = ("2 123456789010 eni-1235b8ca123456789 172.31.16.139 "
            "172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 "
            "ACCEPT OK\n")


def plain(r):
    return {k: (str(v) if "Address" in k else v) for k, v in r.items()}


def check_file(ck, env, out, exp, what):
    ev = fltest.read_events(out)
    data = [e for e in ev if e.kind == "record" and not e.options]
    got = [plain(e.rec) for e in data]
    ck.eq(len(got), len(exp), what + ": data records")
    for i, (g, x) in enumerate(zip(got, exp)):
        if g != x:
            ck.check(False, "%s: record %d: %s" % (what, i + 1,
                                                   fltest.diff_dicts(x, g)))
        else:
            ck.check(True, "")
    for e in data:
        want = 1536 if "flowEndReason" in e.rec else 1024
        ck.check(e.tid >= want and e.tid < want + 256,
                 "%s: template %d for %s" % (what, e.tid, sorted(e.rec)))
    return [e.rec for e in ev if e.kind == "record" and e.options]


def run(env):
    env.check()
    ck = fltest.Checker("azure_file")
    d = env.path("in")
    os.makedirs(d)
    os.makedirs(os.path.join(d, "a-vnet"))
    env.write("in/a-vnet/PT1H.json", vnet_doc(VNET_RECORDS))
    env.write("in/b-nsg.json", nsg_doc())
    env.write("in/c-aws.log", AWS_LINE)
    out, stats = env.path("out.ipfix"), env.path("stats.json")
    r = env.run("--threads", "2", "--time-elements", "both", "-o", out,
                "--stats-json", stats, d)
    err = r.stderr.decode()
    ck.eq(r.returncode, 0, "exit status (stderr: %s)" % err)
    ev, rejected = expected_vnet(VNET_RECORDS)
    aws = {"sourceIPv4Address": "172.31.16.139",
           "destinationIPv4Address": "172.31.16.21",
           "sourceTransportPort": 20641, "destinationTransportPort": 22,
           "protocolIdentifier": 6,
           "ingressInterface": fltest.interface_id("eni-1235b8ca123456789"),
           "egressInterface": 1, "packetDeltaCount": 20,
           "octetDeltaCount": 4249, "flowStartSeconds": 1418530010,
           "flowEndSeconds": 1418530070,
           "flowStartMilliseconds": 1418530010000,
           "flowEndMilliseconds": 1418530070000}
    opts = check_file(ck, env, out, ev + expected_nsg() + [aws], "mixed")
    ck.check("record 1 flow 1 group 1 tuple 6: missing: counters of a C"
             in err, "the rejected tuple is named (stderr: %s)" % err)
    st = fltest.load_json(stats)
    ck.eq(st["records_out"], len(ev) + 4 + 1, "stats records_out")
    ck.eq(st["rejected"], rejected, "stats rejected")
    ck.eq(st["objects"], 3, "stats objects")
    names = {o.get("interfaceName"): o for o in opts if "interfaceName" in o}
    nic = names.get("azure:00224871C205")
    ck.check(nic is not None, "interface option for azure:00224871C205")
    if nic:
        ck.eq(nic["ingressInterface"],
              fltest.interface_id("azure:00224871C205"), "NIC ID")
        ck.eq(nic["interfaceDescription"],
              "cloud=azure subscription=%s mac=00224871C205 resource=%s "
              "acl=acl-1 rule=AllowWeb" % (SUB, VNET), "NIC description")
    ck.check("eni-1235b8ca123456789" in names, "the ENI's option too")
    vrfs = {o.get("VRFname"): o for o in opts if "VRFname" in o}
    v = vrfs.get("azure:" + VNET)
    ck.check(v is not None, "VRF option for the virtual network")
    if v:
        ck.eq(v["vrfDescription"], "cloud=azure subscription=" + SUB,
              "VRF description")
    ids = [o["ingressInterface"] for o in opts if "interfaceName" in o]
    ck.eq(len(ids), len(set(ids)), "interface IDs distinct")

    # Forced text: the JSON is not read as Azure, every line rejected.
    r = env.run("--input-format", "aws-text", "-o", env.path("t.ipfix"),
                "--stats-json", stats, os.path.join(d, "b-nsg.json"))
    st = fltest.load_json(stats)
    ck.eq(st["records_out"], 0, "aws-text: no records from JSON")
    ck.check(st["rejected"] >= 1, "aws-text: JSON lines rejected")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(run)
