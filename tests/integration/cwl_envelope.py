#!/usr/bin/python3
"""cwl_envelope: CloudWatch Logs envelopes as input files.

The test builds every envelope shape itself (json, gzip, base64) around
generated default-format (v2) lines, and runs the real binary on each:

1. Equivalence: a subscription event, a bare payload (plain and gzip), a
   Kinesis event, a Firehose transformation event (CloudWatch payloads and
   direct {"message"} records), and Firehose's S3 objects (gzip members one
   after the other; {"message"} objects with no separator) each give the
   records of the same lines in a text file: the same IPFIX bytes (export
   times aside) for one payload; for several (each is read as an object of
   its own, so IPFIX messages break elsewhere) the same data records in
   the same order and the same options records (python3-ipfix).
2. Bad input: a CONTROL_MESSAGE is counted and ignored; a Kinesis event
   with one bad record among good ones exports the good ones and counts
   the bad one; invalid base64, gzip that is not JSON, and JSON that is no
   envelope fail that input (exit status 2) with its name, and the next
   input is still converted.
3. Messages: a rejected line names the input, the log group, the stream
   and the event ID.
4. Owner: with a --format that has no account-id, the interface
   description takes account= from the payload's owner (python3-ipfix
   reads the options records).
(Firehose objects through S3: cwl_envelope_s3.py.)
"""

import base64
import gzip
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import s3test  # noqa: E402

FIELDS = fltest.DEFAULT_FORMAT
GROUP, OWNER = "/vpc/flowlogs/prod", "111122223333"


def lines(n, seed):
    return fltest.gen_lines(FIELDS, n, seed=seed)


def payload(ls, stream="eni-0a1b2c3d4e5f60718-all", first_id=0,
            mtype="DATA_MESSAGE", owner=OWNER):
    return {"messageType": mtype, "owner": owner, "logGroup": GROUP,
            "logStream": stream, "subscriptionFilters": ["flowlog2ipfix"],
            "logEvents": [{"id": "%056d" % (first_id + i),
                           "timestamp": 1716638412000 + i, "message": m}
                          for i, m in enumerate(ls)]}


def gz_json(obj):
    return gzip.compress(json.dumps(obj).encode(), mtime=0)


def b64(data):
    return base64.b64encode(data).decode()


def shapes(a, b):
    """name -> bytes of an envelope holding lines a then b."""
    pa, pb = payload(a, first_id=0), payload(b, "eni-2-all", first_id=1000)
    return {
        "subscription": json.dumps({"awslogs": {"data": b64(gz_json(
            payload(a + b)))}}).encode(),
        "bare": json.dumps(payload(a + b)).encode(),
        "bare-gzip": gz_json(payload(a + b)),
        "kinesis": json.dumps({"Records": [
            {"eventID": "shardId-0:1", "eventSource": "aws:kinesis",
             "kinesis": {"data": b64(gz_json(p))}} for p in (pa, pb)]}
        ).encode(),
        "firehose-event": json.dumps({
            "invocationId": "inv-1", "region": "us-east-1",
            "records": [{"recordId": "r%d" % i, "data": b64(gz_json(p))}
                        for i, p in enumerate((pa, pb))]}).encode(),
        "firehose-direct-event": json.dumps({
            "invocationId": "inv-2", "records": [
                {"recordId": "r%d" % i,
                 "data": b64(json.dumps({"message": m}).encode())}
                for i, m in enumerate(a + b)]}).encode(),
        "firehose-s3-members": gz_json(pa) + gz_json(pb),
        "firehose-s3-messages": "".join(json.dumps({"message": m})
                                        for m in a + b).encode(),
    }


def run(env, name, args):
    r = env.run("--stats-json", env.path(name + ".json"), *args)
    st = None
    if os.path.exists(env.path(name + ".json")):
        st = fltest.load_json(env.path(name + ".json"))
    return r, r.stderr.decode(errors="replace"), st


def records(path):
    """(data records in order, sorted options records) as python3-ipfix
    decodes them."""
    data, opts = [], []
    for e in fltest.read_events(path):
        if e.kind != "record":
            continue
        (opts if e.options else data).append(sorted(e.rec.items()))
    return data, sorted(opts)


def equivalence(env, ck):
    a, b = lines(40, 1), lines(25, 2)
    text = env.write("plain.log", "\n".join(a + b) + "\n")
    r, err, _ = run(env, "plain", ["-o", env.path("plain.ipfix"), text])
    ck.eq(r.returncode, 0, "text run (%s)" % err[-300:])
    want = s3test.ipfix_without_export_times(
        open(env.path("plain.ipfix"), "rb").read())
    for name, data in shapes(a, b).items():
        p = env.path(name + ".json.in")
        with open(p, "wb") as f:
            f.write(data)
        out = env.path(name + ".ipfix")
        r, err, st = run(env, name, ["-o", out, p])
        ck.eq(r.returncode, 0, "%s: exit status (%s)" % (name, err[-300:]))
        got = open(out, "rb").read() if os.path.exists(out) else b""
        if s3test.ipfix_without_export_times(got) != want:
            ck.eq(records(out), records(env.path("plain.ipfix")),
                  "%s: the same records as the text file" % name)
        ck.eq(st and (st["objects"], st["records_out"] + st["nodata"]
                      + st["skipdata"]), (1, len(a) + len(b)),
              "%s: one object, every line" % name)


def bad_input(env, ck):
    good = lines(10, 3)
    ctrl = json.dumps({"awslogs": {"data": b64(gz_json(payload(
        ["CWL CONTROL MESSAGE: Checking health of destination Kinesis."],
        mtype="CONTROL_MESSAGE")))}}).encode()
    kin = json.dumps({"Records": [
        {"kinesis": {"data": b64(gz_json(payload(good[:5])))}},
        {"kinesis": {"data": "!!not base64!!"}},
        {"kinesis": {"data": b64(gz_json(payload(good[5:], first_id=5)))}},
    ]}).encode()
    cases = {"control": ctrl, "kinesis-bad-record": kin,
             "bad-base64": b'{"awslogs":{"data":"%%%%"}}',
             "gzip-not-json": json.dumps({"awslogs": {"data": b64(
                 gzip.compress(b"hello, not json\n" * 10))}}).encode(),
             "json-no-envelope": b'{"awslogs":{"nope":1}}'}
    paths = {}
    for n, d in cases.items():
        paths[n] = env.path(n + ".in")
        with open(paths[n], "wb") as f:
            f.write(d)
    r, err, st = run(env, "control", ["-o", env.path("c.ipfix"),
                                      paths["control"]])
    ck.eq((r.returncode, st and st["envelope_control"],
           st and st["records_out"]), (0, 1, 0),
          "control message: counted, nothing exported (%s)" % err[-300:])
    r, err, st = run(env, "kin", ["-o", env.path("k.ipfix"),
                                  paths["kinesis-bad-record"]])
    ok_lines = sum(1 for l in good if l.endswith(" OK"))
    ck.eq((r.returncode, st and st["envelope_bad"], st and st["records_out"]),
          (0, 1, ok_lines), "kinesis: the bad record skipped and counted, "
          "the good ones exported (%s)" % err[-300:])
    ck.check("Records[1]" in err, "kinesis: the bad record is named")
    for n in ("bad-base64", "gzip-not-json", "json-no-envelope"):
        r, err, st = run(env, n, ["-o", env.path(n + ".ipfix"), paths[n],
                                  env.write(n + "-next.log",
                                            "\n".join(good) + "\n")])
        ck.eq(r.returncode, 2, "%s: exit status 2" % n)
        ck.check(paths[n] in err, "%s: the input is named (%s)"
                 % (n, err[-200:]))
        ck.eq(st and (st["objects_failed"], st["records_out"]),
              (1, ok_lines), "%s: failed, the next input converted" % n)


def line_breaks(env, ck):
    """A message with a line break stays one record: cut there, counted;
    a break at the very end is not counted."""
    ls = lines(4, 8)
    ok = [l for l in ls if l.endswith(" OK")]
    msgs = [ls[0] + "\n" + ls[1], ls[2] + "\n"] + ls[3:]
    p = env.path("breaks.in")
    with open(p, "wb") as f:
        f.write(json.dumps(payload(msgs)).encode())
    r, err, st = run(env, "breaks", ["-o", env.path("breaks.ipfix"), p])
    want = sum(1 for l in [ls[0], ls[2]] + ls[3:] if l.endswith(" OK"))
    ck.eq(st and (st["messages_cut"], st["records_out"], st["rejected"]),
          (1, want, 0), "line breaks: one message cut, no line split off "
          "(%s, %d OK lines)" % (err[-200:], len(ok)))


def messages(env, ck):
    ls = lines(5, 4)
    ls[2] = "2 111122223333 eni-x 10.0.0.1"         # 4 fields
    p = env.path("reject.in")
    with open(p, "wb") as f:
        f.write(json.dumps({"awslogs": {"data": b64(gz_json(payload(
            ls, stream="eni-9-all", first_id=77)))}}).encode())
    r, err, st = run(env, "reject", ["-o", env.path("reject.ipfix"), p])
    ck.eq(r.returncode, 0, "rejected line: exit status 0")
    want = "%s: log group %s stream eni-9-all: event %056d: field-count" \
        % (p, GROUP, 79)
    ck.check(want in err, "rejected line: named by group, stream and event "
             "(%r in %r)" % (want, err[-400:]))


def owner(env, ck):
    fmt = [f for f in FIELDS if f != "account-id"]
    ls = [" ".join(l.split(" ")[:1] + l.split(" ")[2:]) for l in lines(6, 5)]
    p = env.path("owner.in")
    with open(p, "wb") as f:
        f.write(json.dumps({"awslogs": {"data": b64(gz_json(payload(
            ls, owner="999988887777")))}}).encode())
    out = env.path("owner.ipfix")
    r, err, _ = run(env, "owner", ["-o", out, "-f",
                                   fltest.format_string(fmt), p])
    ck.eq(r.returncode, 0, "owner: exit status (%s)" % err[-300:])
    descs = [e.rec.get("interfaceDescription") for e in
             fltest.read_events(out) if e.kind == "record" and e.options
             and e.rec.get("interfaceName", "").startswith("eni-")]
    ck.check(descs and all(d == "account=999988887777" for d in descs),
             "owner: interface descriptions from the payload's owner (%r)"
             % descs[:3])


def through_s3(env, ck, backfill=False):
    a, b = lines(30, 6), lines(20, 7)
    text = env.write("s3plain.log", "\n".join(a + b) + "\n")
    r, err, _ = run(env, "s3plain", ["-o", env.path("s3plain.ipfix"), text])
    want = records(env.path("s3plain.ipfix"))
    sh = shapes(a, b)
    srv = s3test.S3rver(env)
    try:
        c = srv.client()
        c.create_bucket(Bucket="firehose")
        keys = {"2024/05/25/12/fl-stream-1-2024-05-25-12-00-00-0a1b":
                sh["firehose-s3-members"],
                "2024/05/25/12/fl-direct-1-2024-05-25-12-05-00-2c3d.gz":
                gzip.compress(sh["firehose-s3-messages"], mtime=0)}
        for k, body in keys.items():
            c.put_object(Bucket="firehose", Key=k, Body=body)
        for i, k in enumerate(sorted(keys)):
            ev = env.write("ev%d.json" % i, json.dumps({"Records": [{
                "eventVersion": "2.1", "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put", "s3": {
                    "bucket": {"name": "firehose"},
                    "object": {"key": k, "size": len(keys[k])}}}]}))
            out = env.path("fh%d.ipfix" % i)
            r = s3test.run(env, ["--endpoint-url", srv.url, "-o", out,
                                 "--s3-event", ev])
            err = r.stderr.decode(errors="replace")
            ck.eq(r.returncode, 0, "s3 %s: exit status (%s)" % (k, err[-300:]))
            ck.eq(records(out) if os.path.exists(out) else None, want,
                  "s3 %s: the same records as the text file" % k)
        if backfill:
            backfill_all_keys(env, ck, srv, want)
    finally:
        srv.stop()


def backfill_all_keys(env, ck, srv, want):
    url = "s3://firehose/2024/05/25/12/"
    out = env.path("fh-none.ipfix")
    r = s3test.run(env, ["--endpoint-url", srv.url, "-o", out,
                         "--stats-json", env.path("fh-none.json"), url])
    st = fltest.load_json(env.path("fh-none.json"))
    ck.eq((r.returncode, st["objects"], st["keys_skipped"]), (0, 0, 2),
          "backfill: Firehose's keys skipped without --s3-all-keys")
    out = env.path("fh-all.ipfix")
    r = s3test.run(env, ["--endpoint-url", srv.url, "--s3-all-keys", "-o",
                         out, "--stats-json", env.path("fh-all.json"), url])
    st = fltest.load_json(env.path("fh-all.json"))
    ck.eq((r.returncode, st["objects"]), (0, 2),
          "backfill --s3-all-keys: both objects read (%s)"
          % r.stderr.decode(errors="replace")[-300:])
    data, opts = records(out)
    ck.eq((data, opts), (want[0] * 2, want[1]),
          "backfill --s3-all-keys: the text file's records, once per object")


def main(env):
    env.check()
    ck = fltest.Checker("cwl_envelope")
    equivalence(env, ck)
    bad_input(env, ck)
    line_breaks(env, ck)
    messages(env, ck)
    owner(env, ck)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
