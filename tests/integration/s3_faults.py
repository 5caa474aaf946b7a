#!/usr/bin/python3
"""s3_faults: s3:// inputs against a faulty S3 (aws_fake.py) on loopback.

Every request the program sends is checked by botocore's SigV4 (a wrong
signature is a 403 and fails the run).  Runs go through the real binary.

1. Retries: 500 then 200, and 503 SlowDown then 200, on a listing and on
   a GetObject: the run succeeds, and its IPFIX is byte-identical (export
   times zeroed) to a run over local files of the same bytes.
2. A connection cut mid-object (part of the body sent with a full
   Content-Length, then closed): the program resumes with
   Range: bytes=N- (N = what was sent) and If-Match: "ETAG"; output
   identical to the local run.
3. The object replaced between the cut and the resume: If-Match fails
   (412); that object fails (exit status 2, the message names it), the
   others go on, and with --state it is not checkpointed.
4. A stall mid-body: the low-speed limit (--stall-timeout 2) ends the
   transfer and the object is resumed.  A server that stalls for ever:
   the object fails after --max-attempts 3 tries without progress, with
   the key and the byte named.
5. A 200 MiB gzip object (tests/flowgen) read with -o /dev/null: peak
   RSS (/usr/bin/time) under 100 MiB, records_out = lines.
6. Hostile listings: a 10,000-key page (accepted), a 1 KiB key, also in
   UTF-8 (3 KiB url-encoded) (accepted),
   a 2 KiB key, malformed XML, a truncated page without
   NextContinuationToken, a 20 MiB body: each refused with exit status 2
   and a message naming bucket and prefix, within the time limit.
7. 403 AccessDenied and 404 NoSuchKey on a get: that object fails with
   the code in the message, the others are exported, exit status 2.
8. Secrets: the right access key ID with a wrong secret (without and with
   -vv): the fake answers 403 SignatureDoesNotMatch (botocore's verdict),
   the run exits 2 naming the bucket and the code, reads no object, and
   neither the wrong secret nor the right one is in stderr or stdout.
   With AWS_SESSION_TOKEN, against a fake that requires that token on
   every request: every request carries it in X-Amz-Security-Token, signed,
   the run succeeds with the local run's IPFIX, and -vv shows neither the
   token nor the secret; without the token the same fake refuses the run
   (403 InvalidToken, exit 2), so the requirement is really checked.
"""

import gzip
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import aws_fake  # noqa: E402
import s3test  # noqa: E402
from fltest import Expect  # noqa: E402

BUCKET = "flt-faults"
FIELDS = fltest.V5_GEN_FIELDS
DAY = 1716595200            # 2024-05-25T00:00:00Z


def text_for(i, n=40):
    return " ".join(FIELDS) + "\n" + "\n".join(
        fltest.gen_lines(FIELDS, n, seed=500 + i, t0=DAY + 1000 * i)) + "\n"


def gz(text):
    return gzip.compress(text.encode(), mtime=0)


def key(prefix, i, tag=""):
    return s3test.key_for("plain", DAY + 300 * i, tag="%s%04d" % (tag, i),
                          top=prefix + "AWSLogs")


class T:
    def __init__(self, env, ck, srv):
        self.env, self.ck, self.srv = env, ck, srv
        self.n = 0
        self.refused = []       # (first, end) request ranges meant to fail

    def run(self, args, timeout=180, time_rss=False, env_extra=None):
        """One run against the fake; returns (CompletedProcess, seconds,
        stats dict or None).  env_extra: variables set or replaced in the
        environment of aws_fake.aws_env()."""
        self.n += 1
        sj = self.env.path("stats%d.json" % self.n)
        c = self.env.cmd("--endpoint-url", self.srv.url, "--stats-json", sj,
                         *args)
        if time_rss:
            c = ["/usr/bin/time", "-f", "%M", "-o",
                 self.env.path("rss%d" % self.n)] + c
        fltest.log("$ " + " ".join(c))
        t0 = time.monotonic()
        try:
            r = subprocess.run(c, env=aws_fake.aws_env(env_extra),
                               stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired as e:
            self.ck.check(False, "run did not end within %d s: %s"
                          % (timeout, " ".join(args)))
            r = subprocess.CompletedProcess(c, -999, e.stdout or b"",
                                            e.stderr or b"")
        dt = time.monotonic() - t0
        st = None
        if os.path.exists(sj):
            try:
                st = fltest.load_json(sj)
            except Exception:
                st = None
        r.err = r.stderr.decode(errors="replace")
        fltest.log("  exit %d in %.1f s%s" % (r.returncode, dt,
                   ("; stderr: " + r.err[-600:]) if r.err else ""))
        return r, dt, st

    def local(self, objs, name):
        """Runs the program over local files holding objs {key: bytes};
        returns the IPFIX bytes."""
        d = self.env.path("local-" + name)
        for k, b in objs.items():
            p = os.path.join(d, k)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(b)
        out = self.env.path(name + "-file.ipfix")
        r = self.env.run("-o", out, d, timeout=120)
        self.ck.eq(r.returncode, 0, "%s: local-file run exit status" % name)
        return open(out, "rb").read()

    def same_ipfix(self, got_path, want, what):
        got = open(got_path, "rb").read() if os.path.exists(got_path) \
            else b""
        try:
            a = s3test.ipfix_without_export_times(got)
            b = s3test.ipfix_without_export_times(want)
        except ValueError as e:
            return self.ck.check(False, "%s: output is not IPFIX: %s"
                                 % (what, e))
        return self.ck.check(len(got) > 500 and a == b,
                             "%s: same IPFIX bytes as the local-file run "
                             "(%d vs %d bytes)" % (what, len(got), len(want)))

    def put_set(self, prefix, n, lines=40, tag=""):
        objs = {}
        for i in range(n):
            k = key(prefix, i, tag)
            objs[k] = gz(text_for(i + 10 * len(prefix), lines))
            self.srv.put(BUCKET, k, objs[k])
        return objs


def statuses(reqs):
    return [r.status for r in reqs]


# -- 1. retries ---------------------------------------------------------

def retries(t):
    ck, srv = t.ck, t.srv
    for name, fault in (("500", dict(status=500, code="InternalError")),
                        ("503 SlowDown", dict(status=503, code="SlowDown"))):
        prefix = "retry%s/" % name.split()[0]
        objs = t.put_set(prefix, 3)
        want = t.local(objs, "retry" + name.split()[0])
        victim = sorted(objs)[1]
        srv.add_fault("list", prefix, **fault)
        srv.add_fault("get", victim, **fault)
        m = srv.mark()
        out = t.env.path("retry%s.ipfix" % name.split()[0])
        r, _, st = t.run(["-o", out, "s3://%s/%s" % (BUCKET, prefix)])
        what = "%s then 200" % name
        ck.eq(r.returncode, 0, what + ": exit status")
        ck.eq(statuses(srv.reqs("list", since=m)), [fault["status"], 200],
              what + ": the listing was retried")
        ck.eq(statuses(srv.reqs("get", victim, since=m)),
              [fault["status"], 200], what + ": the get was retried")
        ck.eq(st and st["objects"], 3, what + ": objects")
        t.same_ipfix(out, want, what)


# -- 2./3./4. cuts, replacement, stalls -----------------------------------

def big_text_object(prefix, i, lines):
    return gz(text_for(i, lines))


def cut(t):
    ck, srv = t.ck, t.srv
    prefix = "cut/"
    k0 = key(prefix, 0)
    objs = {k0: big_text_object(prefix, 0, 20000)}
    objs[key(prefix, 1)] = gz(text_for(7))
    for k, b in objs.items():
        srv.put(BUCKET, k, b)
    size = len(objs[k0])
    at = size // 3
    fltest.log("  cut: object of %d bytes, cut after %d" % (size, at))
    want = t.local(objs, "cut")
    srv.add_fault("get", k0, cut=at)
    m = srv.mark()
    out = t.env.path("cut.ipfix")
    r, _, st = t.run(["-o", out, "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 0, "cut: exit status")
    gets = srv.reqs("get", k0, since=m)
    ck.eq(statuses(gets), ["cut after %d" % at, 206],
          "cut: a cut, then one resumed request")
    if len(gets) == 2:
        ck.eq(gets[0].range, None, "cut: the first request has no Range")
        ck.eq(gets[1].range, "bytes=%d-" % at,
              "cut: resumed at the byte where the cut was")
        ck.eq(gets[1].if_match, '"%s"' % srv.buckets[BUCKET][k0].etag,
              "cut: the resume carries If-Match with the ETag")
    t.same_ipfix(out, want, "cut")
    ck.eq(st and st["objects_failed"], 0, "cut: no object failed")


def replaced(t):
    ck, srv = t.ck, t.srv
    prefix = "replace/"
    objs = {key(prefix, i): gz(text_for(20 + i, 30 if i != 1 else 20000))
            for i in range(3)}
    for k, b in objs.items():
        srv.put(BUCKET, k, b)
    victim = key(prefix, 1)
    at = len(objs[victim]) // 2
    old_etag = srv.buckets[BUCKET][victim].etag
    srv.add_fault("get", victim, cut=at, replace=gz(text_for(99, 20000)))
    state = t.env.path("replace.state")
    m = srv.mark()
    r, _, st = t.run(["-o", t.env.path("replace.ipfix"), "--state", state,
                      "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 2, "replaced: exit status 2")
    gets = srv.reqs("get", victim, since=m)
    ck.eq(statuses(gets), ["cut after %d" % at, 412],
          "replaced: cut, then the resume refused by If-Match")
    if len(gets) == 2:
        ck.eq(gets[1].if_match, '"%s"' % old_etag,
              "replaced: If-Match names the version first read")
        ck.eq(gets[1].range, "bytes=%d-" % at, "replaced: Range")
    ck.check("s3://%s/%s" % (BUCKET, victim) in r.err,
             "replaced: the message names s3://bucket/key")
    ck.check("412" in r.err or "PreconditionFailed" in r.err,
             "replaced: the message says the precondition failed")
    ck.eq(st and (st["objects_failed"], st["objects_committed"]), (1, 2),
          "replaced: one failed, the two others committed")
    text = open(state).read() if os.path.exists(state) else ""
    ck.check(victim not in text, "replaced: the object is not in --state")
    for k in objs:
        if k != victim:
            ck.check(k in text, "replaced: %s is in --state" % k)


def stall(t):
    ck, srv = t.ck, t.srv
    prefix = "stall/"
    k0 = key(prefix, 0)
    objs = {k0: big_text_object(prefix, 3, 20000)}
    srv.put(BUCKET, k0, objs[k0])
    at = len(objs[k0]) // 4
    want = t.local(objs, "stall")
    # Once: the low-speed limit (1 byte/s over --stall-timeout) ends the
    # stalled transfer; the resume completes the object.
    srv.add_fault("get", k0, stall=at)
    m = srv.mark()
    out = t.env.path("stall.ipfix")
    r, dt, _ = t.run(["--stall-timeout", "2", "-o", out,
                      "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 0, "stall once: exit status")
    gets = srv.reqs("get", k0, since=m)
    ck.eq([g.range for g in gets], [None, "bytes=%d-" % at],
          "stall once: resumed at the byte where it stalled")
    ck.check(dt < 20, "stall once: ended by the 2 s low-speed limit in "
             "%.0f s" % dt)
    t.same_ipfix(out, want, "stall once")
    srv.add_fault("get", k0, stall=at)
    srv.add_fault("get", k0, times=20, stall=0)
    m = srv.mark()
    r, dt, st = t.run(["--stall-timeout", "2", "--max-attempts", "3", "-o",
                       t.env.path("stall2.ipfix"),
                       "s3://%s/%s" % (BUCKET, prefix)], timeout=120)
    ck.eq(r.returncode, 2, "stall for ever: exit status 2")
    ck.check("s3://%s/%s" % (BUCKET, k0) in r.err and str(at) in r.err,
             "stall for ever: the message names the key and the byte")
    ck.check(len(srv.reqs("get", k0, since=m)) <= 4,
             "stall for ever: at most --max-attempts resumes after the "
             "first try (%d requests)" % len(srv.reqs("get", k0, since=m)))
    fltest.log("  stall for ever: ended after %.0f s" % dt)


def stopped(t):
    """SIGTERM while an object is half read: the run ends with status 0
    (nothing failed), the object is named as stopped, not counted as
    failed, and not checkpointed; the object before it is."""
    ck, srv = t.ck, t.srv
    prefix = "stopped/"
    k0, k1 = key(prefix, 0), key(prefix, 1)
    objs = {k0: gz(text_for(0)), k1: big_text_object(prefix, 1, 20000)}
    for k, b in objs.items():
        srv.put(BUCKET, k, b)
    at = len(objs[k1]) // 3
    srv.add_fault("get", k1, stall=at)
    state = t.env.path("stopped.state")
    sj = t.env.path("stopped.json")
    c = t.env.cmd("--endpoint-url", srv.url, "--stats-json", sj, "--state",
                  state, "-o", t.env.path("stopped.ipfix"),
                  "s3://%s/%s" % (BUCKET, prefix))
    fltest.log("$ " + " ".join(c))
    p = subprocess.Popen(c, env=aws_fake.aws_env(), stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    # The stall has begun once the server sent the first bytes of k1, and
    # k0 is done once it is in the state file (objects download ahead, so
    # the first may still be on its way when the second stalls).
    def k0_done():
        return os.path.exists(state) and k0 in open(state).read()
    fltest.wait_for(lambda: any(r.sent >= at for r in srv.reqs("get", k1))
                    and k0_done(), timeout=30,
                    what="the stalled transfer after the first object")
    p.terminate()
    out, err = p.communicate(timeout=30)
    err = err.decode(errors="replace")
    ck.eq(p.returncode, 0, "stopped: exit status 0 (%s)" % err[-400:])
    # Named either by the download ("stopped at byte N") or by the
    # reader that gave it up ("stopped before its end"): which one sees
    # the signal first is a race, and both say "not committed".
    ck.check("s3://%s/%s: stopped " % (BUCKET, k1) in err
             and "; not committed" in err,
             "stopped: the unfinished object is named (%s)" % err[-300:])
    st = fltest.load_json(sj)
    ck.eq((st["objects_failed"], st["objects_committed"]), (0, 1),
          "stopped: nothing failed, the first object committed")
    text = open(state).read()
    ck.check(k0 in text and k1 not in text,
             "stopped: only the finished object is in --state")


# -- 5. a 200 MiB object ------------------------------------------------

def big(t):
    ck, srv = t.ck, t.srv
    flowgen = os.environ.get("FL_FLOWGEN") or os.path.join(
        t.env.srcdir, "tests", "flowgen")
    if not os.access(flowgen, os.X_OK):
        ck.check(False, "big: tests/flowgen not built (%s)" % flowgen)
        return
    lines = int(os.environ.get("FL_S3_BIG_LINES", "5600000"))
    path = t.env.path("big.log.gz")
    t0 = time.monotonic()
    with open(path, "wb") as f:
        g = subprocess.Popen([flowgen, "--header", "--format", "v2",
                              "--lines", str(lines), "--seed", "1",
                              "--nodata-share", "0"],
                             stdout=subprocess.PIPE)
        z = subprocess.Popen(["gzip", "-1"], stdin=g.stdout, stdout=f)
        g.stdout.close()
        ck.eq((z.wait(), g.wait()), (0, 0), "big: flowgen | gzip")
    k = key("big/", 0)
    o = srv.put(BUCKET, k, path=path)
    fltest.log("  big: %d lines, %.1f MiB gzip, made in %.1f s"
               % (lines, o.size / 1048576, time.monotonic() - t0))
    r, dt, st = t.run(["-o", "/dev/null", "s3://%s/big/" % BUCKET],
                      timeout=600, time_rss=True)
    ck.eq(r.returncode, 0, "big: exit status")
    ck.eq(st and st["records_out"], lines, "big: records_out = lines")
    try:
        rss = int(open(t.env.path("rss%d" % t.n)).read().split()[-1])
    except (OSError, ValueError, IndexError):
        rss = None
    fltest.log("  big: %.1f MiB object read in %.1f s, peak RSS %s KiB"
               % (o.size / 1048576, dt, rss))
    # AddressSanitizer's shadow memory and quarantine are not ours
    # (tests/run-suite --sanitizers sets FL_SANITIZERS).
    if os.environ.get("FL_SANITIZERS"):
        fltest.log("  big: peak RSS not checked under sanitizers")
    else:
        ck.check(rss is not None and rss < 100 * 1024,
                 "big: peak RSS %s KiB under 100 MiB (64 MiB documented + "
                 "margin)" % rss)
    srv.delete(BUCKET, k)
    os.unlink(path)


# -- 6. hostile listings ------------------------------------------------

def listing_xml(keys, truncated=False, token=None, prefix=""):
    x = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns='
         '"http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name><Prefix>'
         '%s</Prefix><EncodingType>url</EncodingType><IsTruncated>%s'
         '</IsTruncated>' % (BUCKET, prefix, "true" if truncated else
                             "false")]
    if token:
        x.append("<NextContinuationToken>%s</NextContinuationToken>" % token)
    for k, size in keys:
        x.append("<Contents><Key>%s</Key><ETag>&quot;0123456789abcdef&quot;"
                 "</ETag><Size>%d</Size></Contents>" % (k, size))
    x.append("</ListBucketResult>")
    return "".join(x).encode()


def hostile(t):
    ck, srv = t.ck, t.srv

    def refused(prefix, what, words=()):
        r, dt, _ = t.run(["-o", t.env.path("hostile.ipfix"),
                          "s3://%s/%s" % (BUCKET, prefix)], timeout=120)
        ck.eq(r.returncode, 2, "%s: exit status 2" % what)
        ck.check("s3://%s/%s" % (BUCKET, prefix) in r.err,
                 "%s: the message names s3://%s/%s" % (what, BUCKET, prefix))
        for w in words:
            ck.check(w in r.err, "%s: the message says %r" % (what, w))
        ck.check(dt < 60, "%s: no hang (%.1f s)" % (what, dt))
        return r

    # 10,000 keys on one page (AWS sends at most 1,000): accepted; the
    # 9,997 that are not flow logs are counted as skipped.
    prefix = "many/"
    real = t.put_set(prefix, 3, lines=5)
    keys = [(k, len(b)) for k, b in real.items()]
    keys += [("%snoise/%05d.txt" % (prefix, i), 10) for i in range(9997)]
    keys.sort()
    srv.add_fault("list", prefix, body=listing_xml(keys, prefix=prefix))
    want = t.local(real, "many")
    out = t.env.path("many.ipfix")
    r, _, st = t.run(["-o", out, "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 0, "10,000-key page: exit status")
    ck.eq(st and (st["objects"], st["keys_skipped"]), (3, 9997),
          "10,000-key page: objects read, keys skipped")
    t.same_ipfix(out, want, "10,000-key page")

    # A key of exactly 1,024 bytes (S3's limit): listed and read.
    prefix = "longkey/"
    base = key(prefix, 0)
    k = base[:base.rindex("/") + 1]
    k += "x" * (1024 - len(k) - len(".log.gz")) + ".log.gz"
    ck.eq(len(k.encode()), 1024, "1 KiB key: the test key's length")
    srv.put(BUCKET, k, gz(text_for(1)))
    r, _, st = t.run(["-o", t.env.path("lk.ipfix"),
                      "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 0, "1 KiB key: exit status")
    ck.eq(st and st["objects"], 1, "1 KiB key: read")

    # 1,024 bytes of UTF-8 ('\u00e9' is 2 bytes): a valid S3 key whose
    # url-encoded form in the listing (encoding-type=url) is 3 KiB.
    # (src/aws/s3_xml.c once bounded the encoded text at 2,048 bytes and
    # refused this valid key as hostile.)
    prefix = "utf8key/"
    k = prefix + "\u00e9" * ((1024 - len(prefix) - 7) // 2)
    k += "x" * (1024 - len(k.encode()) - 7) + ".log.gz"
    ck.eq(len(k.encode()), 1024, "1 KiB UTF-8 key: the test key's length")
    srv.put(BUCKET, k, gz(text_for(2)))
    r, _, st = t.run(["-o", t.env.path("lk8.ipfix"),
                      "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 0, "1 KiB UTF-8 key (3 KiB url-encoded): exit "
          "status")
    ck.eq(st and st["objects"], 1, "1 KiB UTF-8 key: read")

    # Keys with a space, '+', '=', '%' and UTF-8: url-encoded in the
    # listing, decoded, and encoded again in the GetObject path.
    prefix = "odd keys/"
    ks = [prefix + n for n in ("a b+c.log.gz", "year=2024/%41 caf\u00e9.log",
                               "~x&y;z,(1)!'*.log.gz")]
    for n, k in enumerate(ks):
        srv.put(BUCKET, k, gz(text_for(40 + n)))
    m = srv.mark()
    r, _, st = t.run(["-o", t.env.path("odd.ipfix"),
                      "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 0, "odd keys: exit status")
    ck.eq(sorted((g.key, g.status) for g in srv.reqs("get", since=m)),
          sorted((k, 200) for k in ks), "odd keys: each read by its key")

    # 2 KiB: no S3 key is that long.
    prefix = "longkey2/"
    k = prefix + "y" * (2048 - len(prefix) - 7) + ".log.gz"
    srv.put(BUCKET, k, gz(text_for(1)))
    refused(prefix, "2 KiB key", ["1024"])
    m = srv.mark()

    prefix = "badxml/"
    srv.add_fault("list", prefix, body=b'<?xml version="1.0"?>\n'
                  b'<ListBucketResult><Contents><Key>badxml/a.log.gz</Key>'
                  b'<Size>12</Si')
    refused(prefix, "malformed XML")
    prefix = "notxml/"
    srv.add_fault("list", prefix, body=b"<html><body>Hello</body></html>")
    refused(prefix, "an HTML page")

    prefix = "notoken/"
    srv.add_fault("list", prefix, body=listing_xml(
        [(prefix + "a.log.gz", 10)], truncated=True, prefix=prefix))
    refused(prefix, "truncated listing without a token",
            ["NextContinuationToken"])

    prefix = "huge/"
    entry = ("<Contents><Key>%snoise/%%08d.txt</Key><Size>1</Size>"
             "</Contents>" % prefix)
    head = listing_xml([], prefix=prefix)[:-len(b"</ListBucketResult>")]
    n = 20 * 1048576 // len(entry % 0) + 1

    def huge():
        total = len(head) + sum(len(entry % i) for i in range(n)) + \
            len(b"</ListBucketResult>")

        def gen():
            yield head
            buf = []
            for i in range(n):
                buf.append(entry % i)
                if len(buf) == 2000:
                    yield "".join(buf).encode()
                    buf = []
            yield "".join(buf).encode() + b"</ListBucketResult>"
        return total, gen()
    srv.add_fault("list", prefix, body=huge)
    refused(prefix, "20 MiB listing")
    ck.eq(srv.reqs("get", since=m), [], "hostile listings: no object read")


# -- 7. 403 and 404 on a get ---------------------------------------------

def refusals(t):
    ck, srv = t.ck, t.srv
    prefix = "deny/"
    objs = t.put_set(prefix, 4)
    keys = sorted(objs)
    srv.add_fault("get", keys[1], times=10, status=403, code="AccessDenied",
                  message="Access Denied")
    srv.add_fault("get", keys[2], times=10, status=404, code="NoSuchKey",
                  message="The specified key does not exist.")
    m = srv.mark()
    out = t.env.path("deny.ipfix")
    r, _, st = t.run(["-o", out, "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 2, "403/404: exit status 2")
    for k, code in ((keys[1], "AccessDenied"), (keys[2], "NoSuchKey")):
        line = [ln for ln in r.err.splitlines() if k in ln]
        ck.check(any(code in ln for ln in line),
                 "403/404: a message names %s with %s" % (k, code))
        ck.eq(len(srv.reqs("get", k, since=m)), 1,
              "403/404: %s not retried" % code)
    ck.eq(st and (st["objects_failed"], st["objects"]), (2, 4),
          "403/404: objects failed, objects")
    text = " ".join(FIELDS) + "\n" + "".join(
        gzip.decompress(objs[k]).decode().split("\n", 1)[1]
        for k in (keys[0], keys[3]))
    fields, rows = fltest.parse_flowlog(text)
    try:
        events = fltest.read_events(out)
    except Exception as e:
        ck.check(False, "403/404: output decodes (%s)" % e)
        return
    fltest.check_stream(ck, events, Expect(fields), rows, "403/404")


# -- 8. a wrong secret; a session token ----------------------------------

WRONG_SECRET = "wrongSecret/Q2xfNOTtheRIGHTone+EXAMPLEKEY"
TOKEN = ("IQoJb3JpZ2luX2VjEFakeSessionToken//////////wEaCXVzLWVhc3QtMSJH"
         "MEUCIQDfake+token/with=odd+chars")


def signed_headers(req):
    _, f = aws_fake.parse_auth(req.headers.get("authorization", ""))
    return f.get("SignedHeaders", "").split(";")


def no_secrets(ck, r, what, secrets):
    out = r.stdout.decode(errors="replace")
    for name, s in secrets:
        # the whole secret, and its first half (a truncated quote)
        for part in (s, s[:len(s) // 2]):
            ck.check(part not in r.err and part not in out,
                     "%s: %s (%r) not in stderr or stdout"
                     % (what, name, part[:8] + "..."))


def credentials(t):
    ck, srv = t.ck, t.srv
    prefix = "creds/"
    objs = t.put_set(prefix, 2, lines=5)
    url = "s3://%s/%s" % (BUCKET, prefix)
    for verbose in ([], ["-vv"]):
        what = "wrong secret" + (" -vv" if verbose else "")
        m = srv.mark()
        r, dt, _ = t.run(verbose + ["-o", t.env.path("wrong.ipfix"), url],
                         env_extra={"AWS_SECRET_ACCESS_KEY": WRONG_SECRET},
                         timeout=60)
        t.refused.append((m, srv.mark()))
        ck.eq(r.returncode, 2, what + ": exit status 2")
        lists = srv.reqs("list", since=m)
        ck.check(lists and all(x.status == 403 and
                               x.verdict.startswith("signature mismatch")
                               for x in lists),
                 "%s: the fake found the signature wrong and answered 403 "
                 "(%s)" % (what, [(x.status, x.verdict[:30])
                                   for x in lists]))
        ck.eq(srv.reqs("get", since=m), [], what + ": no object read")
        ck.check("s3://%s/%s" % (BUCKET, prefix) in r.err and
                 "SignatureDoesNotMatch" in r.err,
                 what + ": stderr names s3://bucket/prefix and "
                 "SignatureDoesNotMatch")
        if verbose:
            ck.check(len(r.err.splitlines()) > 3, what + ": -vv logged "
                     "more (%d lines)" % len(r.err.splitlines()))
        no_secrets(ck, r, what, (("the wrong secret", WRONG_SECRET),
                                 ("the right secret", aws_fake.SECRET)))
        ck.check(dt < 30, "%s: ended in %.1f s" % (what, dt))

    want = t.local(objs, "token")
    srv.session_token = TOKEN
    try:
        m = srv.mark()
        out = t.env.path("token.ipfix")
        r, _, st = t.run(["-vv", "-o", out, url],
                         env_extra={"AWS_SESSION_TOKEN": TOKEN})
        reqs = srv.requests[m:]
        ck.eq(r.returncode, 0, "session token: exit status")
        ck.eq(sorted(x.op for x in reqs), ["get", "get", "list"],
              "session token: one listing, two gets")
        ck.eq([(x.op, x.verdict) for x in reqs if x.verdict != "ok"], [],
              "session token: every request signed right, with the token")
        ck.check(reqs and all(
            x.headers.get("x-amz-security-token") == TOKEN and
            "x-amz-security-token" in signed_headers(x) for x in reqs),
            "session token: X-Amz-Security-Token on every request, among "
            "the SignedHeaders")
        t.same_ipfix(out, want, "session token")
        no_secrets(ck, r, "session token -vv", (("the token", TOKEN),
                                                ("the secret",
                                                 aws_fake.SECRET)))
        # The control: the same fake refuses a run without the token.
        m = srv.mark()
        r, _, _ = t.run(["-o", t.env.path("notoken.ipfix"), url],
                        timeout=60)
        t.refused.append((m, srv.mark()))
        ck.eq(r.returncode, 2, "no session token: exit status 2")
        ck.check("InvalidToken" in r.err, "no session token: the fake's "
                 "InvalidToken is named")
        ck.check(all(x.verdict == "X-Amz-Security-Token missing"
                     for x in srv.requests[m:]) and srv.requests[m:],
                 "no session token: refused for the missing token")
    finally:
        srv.session_token = None


def main(env):
    env.check()
    ck = fltest.Checker("s3_faults")
    srv = aws_fake.FakeAws()
    t = T(env, ck, srv)
    srv.buckets[BUCKET] = {}
    only = os.environ.get("FL_S3_FAULTS_ONLY", "")
    try:
        for name, fn in (("retries", retries), ("cut", cut),
                         ("replaced", replaced), ("refusals", refusals),
                         ("hostile", hostile), ("big", big),
                         ("stall", stall), ("stopped", stopped),
                         ("credentials", credentials)):
            if only and name not in only.split(","):
                continue
            fltest.log("== %s" % name)
            fn(t)
    finally:
        srv.stop()
    meant = set(i for a, b in t.refused for i in range(a, b))
    bad = [(r.op, r.path, r.verdict) for i, r in enumerate(srv.requests)
           if r.verdict != "ok" and i not in meant]
    ck.eq(bad[:3], [], "every request's SigV4 verified by botocore (but "
          "those of the runs meant to be refused)")
    fltest.log("  %d requests in all" % len(srv.requests))
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
