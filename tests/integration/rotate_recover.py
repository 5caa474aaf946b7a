#!/usr/bin/python3
"""rotate_recover: a dir:// output killed after committing input loses
nothing.

Many small gzip'd flow-log objects in a fake S3 on loopback (aws_fake.py,
SigV4 checked by botocore), read with --state and -o dir://DIR; each
GetObject is slowed down (pauses between body pieces) so that the run is
still going when the test has seen some objects committed.  Then SIGKILL:
the committed records are only in the hidden temporary file.  The same
command again (same --state): it skips the committed objects, its log says
the leftover was completed, no temporary file is left, and decoding every
final file with python3-ipfix (each file on its own) gives every input
record at least once (counted by flow key).  Once with plain files, once
with --rotate-compress gzip.
"""

import collections
import gzip
import io
import os
import signal
import subprocess
import sys
import warnings

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import aws_fake  # noqa: E402
import s3test  # noqa: E402

BUCKET = "flt-recover"
FIELDS = fltest.V5_GEN_FIELDS
DAY = 1716595200
N_OBJECTS = 120
LINES = 6
KEY_IN = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "bytes",
          "packets", "start")
KEY_OUT = (("sourceIPv4Address", "sourceIPv6Address"),
           ("destinationIPv4Address", "destinationIPv6Address"),
           ("sourceTransportPort",), ("destinationTransportPort",),
           ("protocolIdentifier",), ("octetDeltaCount",),
           ("packetDeltaCount",), ("flowStartSeconds",
                                   "flowStartMilliseconds"))


def objects(prefix):
    """{key: gzip bytes}, Counter of input flow keys."""
    names = FIELDS
    objs, want = {}, collections.Counter()
    for i in range(N_OBJECTS):
        lines = fltest.gen_lines(FIELDS, LINES, seed=900 + i,
                                 t0=DAY + 60 * i)
        for ln in lines:
            row = dict(zip(names, ln.split()))
            if row.get("log-status", "OK") != "OK":
                continue
            want[tuple(row[k] for k in KEY_IN)] += 1
        k = s3test.key_for("plain", DAY + 300 * i, tag="r%04d" % i,
                           top=prefix + "AWSLogs")
        objs[k] = gzip.compress((" ".join(FIELDS) + "\n" + "\n".join(lines)
                                 + "\n").encode(), mtime=0)
    return objs, want


def out_key(rec):
    vals = []
    for alts in KEY_OUT:
        v = next((rec[a] for a in alts if a in rec), None)
        if alts[-1] == "flowStartMilliseconds" and "flowStartSeconds" \
                not in rec and v is not None:
            v = int(v.timestamp()) if hasattr(v, "timestamp") else v
        elif hasattr(v, "timestamp"):
            v = int(v.timestamp())
        vals.append(str(v))
    return tuple(vals)


def decode_dir(ck, what, d):
    got = collections.Counter()
    for n in sorted(os.listdir(d)):
        if n.startswith("."):
            continue
        data = open(os.path.join(d, n), "rb").read()
        if n.endswith(".gz"):
            data = gzip.decompress(data)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                for e in fltest.iter_events(io.BytesIO(data)):
                    if e.kind == "record" and not e.options:
                        got[out_key(e.rec)] += 1
        except Exception as e:  # noqa: BLE001
            ck.check(False, "%s: %s does not decode on its own: %r"
                     % (what, n, e))
    return got


def temp_files(d):
    return sorted(n for n in os.listdir(d)
                  if n.startswith(".") and n.endswith(".tmp"))


def scenario(env, ck, srv, what, extra):
    prefix = what + "/"
    objs, want = objects(prefix)
    for k, b in objs.items():
        srv.put(BUCKET, k, b)
        srv.add_fault("get", k, slow=0.05, piece=64)
    d = env.path(what + ".dir")
    os.mkdir(d)
    state = env.path(what + ".state")
    c = env.cmd("--endpoint-url", srv.url, "--state", state, "-o",
                "dir://" + d, *extra, "s3://%s/%s" % (BUCKET, prefix))
    fltest.log("$ " + " ".join(c))

    def committed():
        if not os.path.exists(state):
            return 0
        return sum(k in open(state).read() for k in objs)

    p = subprocess.Popen(c, env=aws_fake.aws_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        fltest.wait_for(lambda: committed() >= N_OBJECTS // 4
                        or p.poll() is not None, timeout=120,
                        what="a quarter of the objects committed")
    finally:
        p.send_signal(signal.SIGKILL)
        p.communicate(timeout=30)
    n_done = committed()
    ck.check(0 < n_done < N_OBJECTS, "%s: killed with %d of %d objects "
             "committed" % (what, n_done, N_OBJECTS))
    left = temp_files(d)
    ck.eq(len(left), 1, what + ": one temporary file after SIGKILL")
    ck.eq([n for n in os.listdir(d) if not n.startswith(".")], [],
          what + ": no final file yet (one file per run)")
    with srv.lock:
        srv.faults.clear()      # the restart at full speed
    r = subprocess.run(c, env=aws_fake.aws_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=180)
    err = r.stderr.decode(errors="replace")
    ck.eq(r.returncode, 0, "%s: exit status of the restart (%s)"
          % (what, err[-400:]))
    for n in left:
        ck.check(n in err and "completed an incomplete file" in err
                 and "kept " in err,
                 "%s: the restart says it completed %s (stderr: %s)"
                 % (what, n, err[-400:]))
    ck.eq(temp_files(d), [], what + ": no temporary file after the restart")
    ck.eq(committed(), N_OBJECTS, what + ": every object committed")
    got = decode_dir(ck, what, d)
    fltest.log("  %s: %d of %d objects committed at the kill; %d records in,"
               " %d out; e.g. %s" % (what, n_done, N_OBJECTS,
                                     sum(want.values()), sum(got.values()),
                                     next(iter(want), None)))
    fltest.log("  " + "\n  ".join(ln for ln in err.splitlines()
                                   if "completed" in ln))
    missing = [k for k, n in want.items() if got[k] < n]
    ck.eq(missing[:3], [], "%s: every input record in the final files "
          "(%d of %d flow keys missing)" % (what, len(missing), len(want)))
    ck.check(sum(got.values()) >= sum(want.values()), "%s: %d records out "
             "for %d in" % (what, sum(got.values()), sum(want.values())))


def main(env):
    env.check()
    ck = fltest.Checker("rotate_recover")
    srv = aws_fake.FakeAws()
    srv.buckets[BUCKET] = {}
    try:
        scenario(env, ck, srv, "plain", [])
        scenario(env, ck, srv, "gzip", ["--rotate-compress", "gzip"])
    finally:
        srv.stop()
    bad = [(r.op, r.path, r.verdict) for r in srv.requests
           if r.verdict != "ok"]
    ck.eq(bad[:3], [], "every request's SigV4 verified by botocore")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
