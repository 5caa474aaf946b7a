#!/usr/bin/python3
"""oracle_file: flowlog2ipfix -o FILE, decoded by python3-ipfix, checked
record by record against the input lines per CONTRACT.md and the mapping.

Cases: default v2 with header (IPv4, IPv6, NODATA, SKIPDATA, a rejected
line, 64-bit counters), custom v5 order with bytes before packets, tcp-flags,
flow-direction, vpc-id (--time-elements both and milliseconds), gzip input,
TGW v6 36-field file, headerless default, headerless with --format (${} and
plain names), --id-bits 16, --no-options, --observation-domain, and the
--stats-json counts of every run.
"""

import gzip
import os
import sys

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import Expect, make_line, gen_lines, DEFAULT_FORMAT  # noqa

# -- inputs ------------------------------------------------------------------

V2_HEADER = " ".join(DEFAULT_FORMAT)
V2_BODY = """\
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1418530010 1418530070 REJECT OK
2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA
2 123456789010 eni-11111111aaaaaaaaa - - - - - - - 1431280876 1431280934 - SKIPDATA
2 123456789010 eni-0a1b2c3d4e5f60718 2001:db8:1234:a100:8d6e:3477:df66:f105 2001:db8:1234:a102:3304:8879:34cf:4071 34892 22 6 54 8855 1477913708 1477913820 ACCEPT OK
2 123456789010 eni-0a1b2c3d4e5f60718 203.0.113.12 172.31.16.139 0 0 1 4 336 1432917027 1432917142 ACCEPT OK
2 123456789010 eni-1235b8ca123456789 10.0.0.1 10.0.0.2 1 2 6 1 40 1432917027
2 999999999999 eni-0f00ba12f00ba1234 198.51.100.7 10.0.1.5 443 51234 6 4294967296 1099511627776 1700000000 1700000060 ACCEPT OK
2 123456789010 eni-0a1b2c3d4e5f60718 172.31.16.21 172.31.16.139 22 20641 6 20 4249 1418530010 1418530070 ACCEPT OK
2 999999999999 eni-0f00ba12f00ba1234 ::1 2001:db8::ffff:1 65535 0 17 1 65 1700000001 1700000002 REJECT OK
"""

V5_FIELDS = ("version vpc-id subnet-id instance-id interface-id account-id "
             "type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr "
             "protocol bytes packets start end action tcp-flags log-status "
             "region az-id flow-direction traffic-path").split()


def v5_text():
    """Custom v5 order (bytes before packets). Hand-written lines first:
    an ENI whose first line has instance-id '-' and a later one with an
    instance (the description follows the first line), an ENI with az-id
    '-', NODATA lines carrying metadata, a SKIPDATA line; then generated
    lines spanning several IPFIX messages."""
    f = V5_FIELDS
    a = {"version": 5, "vpc-id": "vpc-0c0ffee0c0ffee000",
         "subnet-id": "subnet-0aa", "instance-id": "-",
         "interface-id": "eni-0badcafe00000001", "account-id": "333333333333",
         "type": "IPv4", "region": "ap-northeast-1", "az-id": "apne1-az1"}
    lines = []

    def ok(base, **kw):
        v = dict(base)
        v.update({"srcaddr": "10.9.8.7", "dstaddr": "10.9.8.6",
                  "srcport": 40000, "dstport": 443, "protocol": 6,
                  "bytes": 1500, "packets": 3, "start": 1700001000,
                  "end": 1700001059, "action": "ACCEPT", "tcp-flags": 19,
                  "log-status": "OK", "flow-direction": "egress",
                  "traffic-path": 8})
        v.update({k.replace("_", "-"): x for k, x in kw.items()})
        v.setdefault("pkt-srcaddr", v["srcaddr"])
        v.setdefault("pkt-dstaddr", v["dstaddr"])
        lines.append(make_line(f, v))

    ok(a)
    ok(dict(a, **{"instance-id": "i-0aaaaaaaaaaaaaaaa"}), bytes=77, packets=1,
       tcp_flags=2, flow_direction="ingress", action="REJECT",
       traffic_path="-")
    b = dict(a, **{"interface-id": "eni-0badcafe00000002", "az-id": "-",
                   "instance-id": "i-0bbbbbbbbbbbbbbbb",
                   "subnet-id": "subnet-0bb"})
    ok(b, srcaddr="2001:db8::1", dstaddr="2001:db8::2", srcport=0,
       dstport=0, protocol=58, tcp_flags=0, bytes=2000000000000,
       packets=3000000000, flow_direction="ingress", traffic_path="-")
    nod = dict(a, **{"start": 1700001100, "end": 1700001160,
                     "log-status": "NODATA"})
    lines.append(make_line(f, nod))
    skp = dict(b, **{"start": 1700001100, "end": 1700001160,
                     "log-status": "SKIPDATA"})
    lines.append(make_line(f, skp))
    lines += gen_lines(f, 400, seed=5, nodata_every=37)
    return " ".join(f) + "\n" + "\n".join(lines) + "\n"


TGW_BODY = """\
6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0aaa1111bbbb2222c 123456789012 210987654321 vpc-0aaa1111bbbb2222c vpc-0ddd3333eeee4444f subnet-0aaa1111 subnet-0ddd4444 eni-0aaa1111bbbb2222c eni-0ddd3333eeee4444f use1-az1 use1-az2 tgw-attach-0ddd3333eeee4444f 10.1.1.10 10.2.2.20 50000 443 6 10 5000 1700000000 1700000060 OK IPv4 0 0 0 0 19 us-east-1 egress - -
6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0ddd3333eeee4444f 210987654321 123456789012 vpc-0ddd3333eeee4444f vpc-0aaa1111bbbb2222c subnet-0ddd4444 subnet-0aaa1111 eni-0ddd3333eeee4444f eni-0aaa1111bbbb2222c use1-az2 use1-az1 tgw-attach-0aaa1111bbbb2222c 10.2.2.20 10.1.1.10 443 50000 6 8 12000 1700000000 1700000060 OK IPv4 1 2 3 4 18 us-east-1 ingress - -
6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0aaa1111bbbb2222c 123456789012 210987654321 vpc-0aaa1111bbbb2222c vpc-0ddd3333eeee4444f subnet-0aaa1111 subnet-0ddd4444 eni-0aaa1111bbbb2222c eni-0ddd3333eeee4444f use1-az1 use1-az2 tgw-attach-0ddd3333eeee4444f 2600:1f18::10 2600:1f18:1::20 123 123 17 2 152 1700000010 1700000011 OK IPv6 0 7 0 0 0 us-east-1 egress - AMAZON
6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0aaa1111bbbb2222c - - - - - - - - - - - - - - - - - - 1700000000 1700000060 SKIPDATA - - - - - - us-east-1 - - -
6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0eee5555ffff6666a 123456789012 123456789012 vpc-0eee5555ffff6666a vpc-0aaa1111bbbb2222c subnet-0eee5555 subnet-0aaa1111 eni-0eee5555ffff6666a eni-0aaa1111bbbb2222c use1-az3 use1-az1 tgw-attach-0aaa1111bbbb2222c 10.3.3.30 10.1.1.11 0 0 1 4 336 1700000020 1700000030 OK IPv4 0 0 0 0 0 us-east-1 egress - -
"""

# Optional fields that are '-' on OK lines (tcp-flags for non-TCP,
# tgw-src-vpc-id for VPN/DX attachments): see Expect.record.
DASH_TEXT = """\
version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status tcp-flags flow-direction vpc-id
5 123456789012 eni-0aaa0000000000001 10.0.0.1 10.0.0.2 1 2 6 3 120 1700000000 1700000010 ACCEPT OK 2 egress vpc-0aaa00000000000001
5 123456789012 eni-0aaa0000000000001 10.0.0.1 10.0.0.3 0 0 1 3 120 1700000000 1700000010 ACCEPT OK - ingress -
5 123456789012 eni-0aaa0000000000002 10.0.0.1 10.0.0.2 1 2 17 3 120 1700000000 1700000010 REJECT OK - egress -
5 123456789012 eni-0aaa0000000000001 10.0.0.1 10.0.0.2 1 2 6 3 120 1700000000 1700000010 ACCEPT OK 2 ingress vpc-0aaa00000000000001
"""
TGW_DASH_BODY = """\
6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0fff0000000000001 123456789012 - - - - - - - use1-az1 - - 10.9.9.9 10.1.1.1 500 500 17 3 300 1700000000 1700000060 OK IPv4 - - - - - us-east-1 ingress - -
6 TransitGateway 123456789012 tgw-0123456789abcdef0 tgw-attach-0fff0000000000001 123456789012 - vpc-0aaa1111bbbb2222c - - - - - use1-az1 - - 10.9.9.9 10.1.1.1 500 500 17 3 300 1700000000 1700000060 OK IPv4 0 - 5 - 0 us-east-1 ingress - -
"""

V3_FIELDS = ("version account-id interface-id srcaddr dstaddr srcport "
             "dstport protocol packets bytes start end action log-status "
             "vpc-id subnet-id").split()
MIN_FIELDS = ("interface-id srcaddr dstaddr srcport dstport protocol bytes "
              "packets start end action log-status flow-direction").split()


def headerless(fields, n, seed):
    return "\n".join(gen_lines(fields, n, seed=seed, nodata_every=9)) + "\n"


# -- one case ----------------------------------------------------------------

def run_case(env, ck, name, text, args=(), header=True, fields=None,
             time_elements="seconds", id_bits=32, options=True, odid=0,
             gz=False):
    """Write text, run the program, check output and statistics."""
    what = name
    inp = env.path(name + (".log.gz" if gz else ".log"))
    if gz:
        with gzip.open(inp, "wt") as f:
            f.write(text)
    else:
        env.write(name + ".log", text)
    out = env.path(name + ".ipfix")
    st = env.path(name + ".stats.json")
    r = env.run("-o", out, "--stats-json", st, *args, inp)
    if not ck.eq(r.returncode, 0, what + ": exit status (stderr: %s)"
                 % r.stderr.decode(errors="replace").strip()[-2000:]):
        return
    if not ck.check(os.path.exists(out), what + ": output file written"):
        return
    fmt_fields, rows = fltest.parse_flowlog(
        text, None if header else (fields or DEFAULT_FORMAT))
    exp = Expect(fmt_fields, time_elements, id_bits)
    try:
        events = fltest.read_events(out)
    except Exception as e:
        ck.check(False, "%s: python3-ipfix could not decode %s: %r"
                 % (what, out, e))
        return
    sv = fltest.check_stream(ck, events, exp, rows, what, options)
    note_templates(ck, events, what)

    # message headers: observation domain, sequence numbers (RFC 7011:
    # data records sent before this message, options records included)
    msgs = [e for e in events if e.kind == "message"]
    ck.check(len(msgs) > 0, what + ": at least one message")
    ck.eq(sorted({m.msg[3] for m in msgs}), [odid],
          what + ": observation domain IDs")
    nrec = 0
    seqbad = []
    for e in events:
        if e.kind == "message":
            if e.msg[2] != nrec % 2 ** 32:
                seqbad.append((e.msgno, e.msg[2], nrec))
        elif e.kind == "record":
            nrec += 1
    ck.eq(seqbad, [], what + ": sequence number = records before the "
          "message [(msg, got, expected)]")

    if options and exp.has_vrf:
        check_rfc5610(ck, sv, what)
    if not options:
        ck.eq([t.tid for t in sv.templates if t.tid == fltest.TID_TYPE_OPT],
              [], what + ": no RFC 5610 type template with --no-options")

    # statistics
    if not ck.check(os.path.exists(st), what + ": --stats-json written"):
        return
    try:
        s = fltest.load_json(st)
    except ValueError as e:
        ck.check(False, what + ": stats JSON parses: %s" % e)
        return
    c = exp.counts(rows)
    nlines = len([x for x in text.split("\n") if x.strip()])
    body = nlines - (1 if header else 0)
    for k in ("objects", "objects_failed", "lines_read", "records_out",
              "records_ipv4", "records_ipv6", "nodata", "skipdata",
              "rejected", "rejected_by_reason", "options_records",
              "id_collisions", "bytes_out", "elapsed_s", "records_per_s"):
        ck.check(k in s, "%s: stats key %s present" % (what, k))
    ck.eq(s.get("objects"), 1, what + ": stats objects")
    ck.eq(s.get("objects_failed"), 0, what + ": stats objects_failed")
    if header:
        # the contract does not say whether the header line is counted
        ck.check(s.get("lines_read") in (body, nlines),
                 "%s: stats lines_read %r in (%d, %d)"
                 % (what, s.get("lines_read"), body, nlines))
    else:
        ck.eq(s.get("lines_read"), body, what + ": stats lines_read")
    ck.eq(s.get("records_out"), c["ok"], what + ": stats records_out")
    ck.eq(s.get("records_ipv4"), c["ipv4"], what + ": stats records_ipv4")
    ck.eq(s.get("records_ipv6"), c["ipv6"], what + ": stats records_ipv6")
    ck.eq(s.get("nodata"), c["nodata"], what + ": stats nodata")
    ck.eq(s.get("skipdata"), c["skipdata"], what + ": stats skipdata")
    ck.eq(s.get("rejected"), c["bad"], what + ": stats rejected")
    rbr = s.get("rejected_by_reason") or {}
    ck.eq({k: v for k, v in rbr.items() if v},
          {"field-count": c["bad"]} if c["bad"] else {},
          what + ": stats rejected_by_reason (non-zero)")
    ck.eq(s.get("id_collisions"), 0, what + ": stats id_collisions")
    ck.eq(s.get("bytes_out"), os.path.getsize(out),
          what + ": stats bytes_out = output file size")
    nopt = len([e for e in sv.options
                if e.tid in (fltest.TID_INTERFACE_OPT, fltest.TID_VRF_OPT)])
    nall = len(sv.options)
    if options:
        ck.check(s.get("options_records") in (nopt, nall),
                 "%s: stats options_records %r = options records in the "
                 "file (%d interface/VRF, %d with type records)"
                 % (what, s.get("options_records"), nopt, nall))
    else:
        ck.eq(s.get("options_records"), 0,
              what + ": stats options_records with --no-options")
    return sv


# template ID -> (element list, first run that defined it), over all runs:
# "two runs (or two files) with different formats must never give one ID
# two different definitions" (mapping.md), element order included, since a
# UDP collector keeps the first definition it saw.
TEMPLATE_DEFS = {}


def note_templates(ck, events, what):
    for e in events:
        if e.kind != "template":
            continue
        ies = (e.tmpl.scopecount, tuple(fltest.template_ies(e.tmpl)))
        if e.tid not in TEMPLATE_DEFS:
            TEMPLATE_DEFS[e.tid] = (ies, what)
            continue
        first, where = TEMPLATE_DEFS[e.tid]
        ck.check(ies == first, "%s: template %d defined differently than in "
                 "%s:\n      %r\n      %r" % (what, e.tid, where, first, ies))


def check_rfc5610(ck, sv, what):
    """Type records (template 1282) describe 21659/413 as vrfDescription,
    string (13), and come before the VRF options template."""
    recs = sv.options_of(fltest.TID_TYPE_OPT)
    vd = [e for e in recs
          if e.rec.get("privateEnterpriseNumber") == 21659
          and e.rec.get("informationElementId") == 413]
    if ck.check(vd, what + ": RFC 5610 type record for 21659/413"):
        ck.eq(vd[0].rec.get("informationElementName"), "vrfDescription",
              what + ": RFC 5610 record name")
        ck.eq(vd[0].rec.get("informationElementDataType"), 13,
              what + ": RFC 5610 record data type (13 = string)")
        vrf_t = [t for t in sv.templates if t.tid == fltest.TID_VRF_OPT]
        if vrf_t:
            ck.check(vd[0].pos < vrf_t[0].pos,
                     what + ": RFC 5610 record for vrfDescription before the"
                     " first VRF options template")


def run_samples(env, ck):
    """Every bundled sample in samples/ (from tests/flowgen.c), when
    present: the same oracle. Headerless samples use the default format."""
    sd = os.path.join(env.srcdir, "samples")
    if not os.path.isdir(sd):
        fltest.log("  (no samples/ directory: samples not checked)")
        return
    for name in sorted(os.listdir(sd)):
        if not (name.endswith(".log") or name.endswith(".log.gz")):
            continue
        p = os.path.join(sd, name)
        opener = gzip.open if name.endswith(".gz") else open
        with opener(p, "rt") as f:
            text = f.read()
        header = not text[:1].isdigit()
        run_case(env, ck, "sample-" + name.split(".")[0], text,
                 header=header, gz=name.endswith(".gz"))


def run_directory(env, ck):
    """A directory input, walked recursively in sorted path order, with a
    plain file, a multi-member gzip file in a subdirectory and another
    plain file. --threads 1: records in exactly that order; default
    threads: the same records as a multiset."""
    header = " ".join(V5_FIELDS)
    parts = [gen_lines(V5_FIELDS, 150, seed=s, t0=1700000000 + 1000 * s,
                       nodata_every=17) for s in (71, 72, 73, 74)]
    d = env.path("indir")
    os.makedirs(os.path.join(d, "b"))
    with open(os.path.join(d, "a.log"), "w") as f:
        f.write(header + "\n" + "\n".join(parts[0]) + "\n")
    with open(os.path.join(d, "b", "c.log.gz"), "wb") as f:
        # two gzip members: the header and half the lines, then the rest
        f.write(gzip.compress((header + "\n" + "\n".join(parts[1]) +
                               "\n").encode()))
        f.write(gzip.compress(("\n".join(parts[2]) + "\n").encode()))
    with open(os.path.join(d, "d.log"), "w") as f:
        f.write(header + "\n" + "\n".join(parts[3]) + "\n")
    text = header + "\n" + "\n".join(sum(parts, [])) + "\n"
    fields, rows = fltest.parse_flowlog(text)
    exp = Expect(fields)
    for name, args, ordered in (("dir-threads1", ["--threads", "1"], True),
                                ("dir-threads4", ["--threads", "4"], False)):
        out = env.path(name + ".ipfix")
        st = env.path(name + ".json")
        r = env.run("-o", out, "--stats-json", st, *args, d)
        if not ck.eq(r.returncode, 0, "%s: exit status (%s)" % (
                name, r.stderr.decode(errors="replace")[-1500:])):
            continue
        fltest.check_stream(ck, fltest.read_events(out), exp, rows, name,
                            ordered=ordered)
        s = fltest.load_json(st)
        ck.eq(s.get("objects"), 3, name + ": stats objects (3 files)")
        ck.eq(s.get("records_out"), exp.counts(rows)["ok"],
              name + ": stats records_out")


def run_mixed_dir(env, ck):
    """One run over a directory with a v2 file and a v5 file (different
    formats, different ENIs): --threads 1 keeps file order; each file's
    records follow its own format; no template ID gets two definitions."""
    enis_b = [dict(e, **{"interface-id": e["interface-id"].replace(
        "eni-0a1b", "eni-0b2c")}) for e in fltest.GEN_ENIS]
    v2 = fltest.DEFAULT_FORMAT
    a = " ".join(v2) + "\n" + "\n".join(
        gen_lines(v2, 120, seed=91, nodata_every=10)) + "\n"
    b = " ".join(V5_FIELDS) + "\n" + "\n".join(
        gen_lines(V5_FIELDS, 120, seed=92, enis=enis_b)) + "\n"
    d = env.path("mixed")
    os.makedirs(d)
    with open(os.path.join(d, "a-v2.log"), "w") as f:
        f.write(a)
    with open(os.path.join(d, "b-v5.log"), "w") as f:
        f.write(b)
    what = "mixed-dir"
    out = env.path("mixed.ipfix")
    r = env.run("--threads", "1", "-o", out, d)
    if not ck.eq(r.returncode, 0, what + ": exit status"):
        return
    want = []
    for text in (a, b):
        fields, rows = fltest.parse_flowlog(text)
        want += Expect(fields).records(rows)
    events = fltest.read_events(out)
    sv = fltest.StreamView(events)
    got = [(e.tid, e.rec) for e in sv.data]
    ck.eq(len(got), len(want), what + ": number of data records")
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
    ck.eq(bad[:5], [], what + ": records that differ from their input line "
          "(first indexes)")
    note_templates(ck, events, what)


def run_collisions(env, ck):
    """--id-bits 16 with two ENIs and two VPCs whose 16-bit IDs collide
    (found by search with the contract's function): the records carry the
    contract's IDs, and each collision is reported once and counted."""
    f = ("version account-id interface-id srcaddr dstaddr srcport dstport "
         "protocol packets bytes start end action log-status vpc-id").split()
    pairs = [("eni-0000000000000011b", "vpc-000000000000002c8"),
             ("eni-000000000000002aa", "vpc-00000000000000328")]
    assert fltest.interface_id(pairs[0][0], 16) == \
        fltest.interface_id(pairs[1][0], 16)
    assert fltest.vrf_id(pairs[0][1], 16) == fltest.vrf_id(pairs[1][1], 16)
    lines = []
    for i in range(6):
        eni, vpc = pairs[i % 2]
        lines.append(make_line(f, {
            "version": 3, "account-id": "444444444444", "interface-id": eni,
            "srcaddr": "10.0.0.%d" % (i + 1), "dstaddr": "10.0.1.1",
            "srcport": 1000 + i, "dstport": 53, "protocol": 17,
            "packets": 1, "bytes": 80, "start": 1700000000 + i,
            "end": 1700000001 + i, "action": "ACCEPT", "log-status": "OK",
            "vpc-id": vpc}))
    text = " ".join(f) + "\n" + "\n".join(lines) + "\n"
    inp = env.write("collide.log", text)
    out = env.path("collide.ipfix")
    st = env.path("collide.json")
    r = env.run("--id-bits", "16", "-o", out, "--stats-json", st, inp)
    what = "id-collisions"
    if not ck.eq(r.returncode, 0, what + ": exit status"):
        return
    fields, rows = fltest.parse_flowlog(text)
    exp = Expect(fields, id_bits=16)
    sv = fltest.StreamView(fltest.read_events(out))
    ck.eq([(e.tid, e.rec) for e in sv.data], exp.records(rows),
          what + ": data records carry the contract's (colliding) IDs")
    s = fltest.load_json(st)
    ck.eq(s.get("id_collisions"), 2, what + ": stats id_collisions (one "
          "ENI pair, one VPC pair)")
    err = r.stderr.decode(errors="replace")
    for a, b in zip(*pairs):
        hits = [ln for ln in err.splitlines()
                if (a in ln or b in ln) and "collid" in ln]
        ck.eq(len(hits), 1, "%s: collision of %s and %s reported once on "
              "stderr (stderr: %s)" % (what, a, b, err[-800:]))


def run_max_rate(env, ck):
    """--max-rate 1000 with 3000 records cannot finish in much under 3 s
    (1.5 s allows for a first burst); a lower bound only, so not flaky."""
    import time
    text = fltest.gen_text("v2", 3000, 81)
    inp = env.write("rate.log", text)
    t0 = time.monotonic()
    r = env.run("--max-rate", "1000", "-o", env.path("rate.ipfix"), inp)
    wall = time.monotonic() - t0
    if ck.eq(r.returncode, 0, "max-rate: exit status"):
        ck.check(wall >= 1.5, "max-rate: 3000 records at --max-rate 1000 "
                 "took %.2f s, expected at least 1.5 s" % wall)
        n = len(fltest.StreamView(
            fltest.read_events(env.path("rate.ipfix"))).data)
        ck.eq(n, 3000, "max-rate: all records written")


def main(env):
    env.check()
    ck = fltest.Checker("oracle_file")
    v2 = V2_HEADER + "\n" + V2_BODY
    v5 = v5_text()
    tgw = " ".join(fltest.TGW_V6_FORMAT) + "\n" + TGW_BODY

    run_case(env, ck, "v2-header", v2)
    run_case(env, ck, "v2-gzip", v2, gz=True)
    run_case(env, ck, "v5-both", v5, ["--time-elements", "both"],
             time_elements="both")
    run_case(env, ck, "v5-ms", v5, ["--time-elements", "milliseconds"],
             time_elements="milliseconds")
    run_case(env, ck, "v5-id16", v5, ["--id-bits", "16"], id_bits=16)
    run_case(env, ck, "v5-nooptions", v5, ["--no-options"],
             options=False)
    run_case(env, ck, "tgw-v6", tgw)
    run_case(env, ck, "tgw-v6-id16-ms", tgw,
             ["--id-bits", "16", "--time-elements", "milliseconds"],
             id_bits=16, time_elements="milliseconds")
    # one big input read with 4 threads: lines are never reordered within
    # one input (mapping.md)
    run_case(env, ck, "v5-large-threads4", fltest.gen_text("v5", 20000, 9),
             ["--threads", "4"])
    run_case(env, ck, "dash-optional", DASH_TEXT)
    run_case(env, ck, "tgw-dash-optional",
             " ".join(fltest.TGW_V6_FORMAT) + "\n" + TGW_DASH_BODY)
    run_case(env, ck, "v2-headerless", V2_BODY, header=False)
    run_case(env, ck, "v3-format-dollar", headerless(V3_FIELDS, 60, 7),
             ["--format", fltest.format_string(V3_FIELDS)], header=False,
             fields=V3_FIELDS)
    run_case(env, ck, "min-format-plain", headerless(MIN_FIELDS, 60, 8),
             ["-f", fltest.format_string(MIN_FIELDS, dollar=False),
              "--observation-domain", "4711"],
             header=False, fields=MIN_FIELDS, odid=4711)

    run_samples(env, ck)
    run_directory(env, ck)
    run_mixed_dir(env, ck)
    run_collisions(env, ck)
    run_max_rate(env, ck)

    # --id-bits 16: every generated ID fits in 16 bits
    out16 = env.path("v5-id16.ipfix")
    if os.path.exists(out16):
        big = []
        for e in fltest.read_events(out16):
            if e.kind == "record":
                for k in ("ingressInterface", "egressInterface",
                          "ingressVRFID"):
                    if k in e.rec and not 0 <= e.rec[k] <= 65535:
                        big.append((k, e.rec[k]))
        ck.eq(big, [], "v5-id16: IDs above 65535")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
