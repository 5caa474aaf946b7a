#!/usr/bin/python3
"""s3_backfill: s3://BUCKET/PREFIX inputs against a real S3 server.

s3rver (npm, signature checking on) on 127.0.0.1 holds flow-log objects in
AWS's four key layouts (plain, hourly, Hive, Hive + hourly), over several
days, with one day folder of more than 1,000 keys (so listings page), and
one key that is not a flow log. Objects are put with botocore.

1. Equivalence: one day read from S3 and the same bytes read from local
   files give byte-identical IPFIX (export times aside).
2. Pagination: the 1,050-key day is exported whole (every object once).
3. Time range: --since/--until of one hour over the whole bucket, to a TCP
   collector (python3-ipfix): exactly the objects whose five-minute window
   overlaps the hour arrive, every record decodes to its input line, and
   s3rver's log shows that only that day's and hour's prefixes were listed.
4. Checkpoints: --state; a rerun over a wider range skips what is done.
5. Wrong credentials: refused (exit 2), S3's error code named, the secret
   never printed. s3rver 3.7.1 checks that the access key exists but does
   not compute SigV4 signatures (its source says so), so a wrong secret
   alone is refused only by the botocore-checked server of s3_faults.py;
   here the key ID is wrong too.
"""

import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import s3test  # noqa: E402
from fltest import Expect  # noqa: E402

BUCKET = "flowlogs"
FIELDS = fltest.V5_GEN_FIELDS
DAY = 1716595200            # 2024-05-25T00:00:00Z
H = 3600
ACCOUNTS = {"plain": "111122223333", "hourly": "222233334444",
            "hive": "333344445555", "hive-hourly": "444455556666"}


def text_for(i, n=12):
    return " ".join(FIELDS) + "\n" + "\n".join(
        fltest.gen_lines(FIELDS, n, seed=1000 + i, t0=DAY + i)) + "\n"


def build_bucket(srv):
    """Puts the objects; returns {key: text} of the flow-log objects."""
    c = srv.client()
    c.create_bucket(Bucket=BUCKET)
    objs = {}
    i = 0
    # Every layout: day 24, 25 and 26, one object every 20 minutes of
    # hours 09..12 (and a 09:55 one, whose window ends at 10:00).
    for layout, acct in sorted(ACCOUNTS.items()):
        for day in (DAY - 86400, DAY, DAY + 86400):
            for t in [day + 9 * H + m * 60 for m in (0, 20, 40, 55)] + \
                     [day + h * H + m * 60 for h in (10, 11, 12)
                      for m in (0, 20, 40)]:
                k = s3test.key_for(layout, t, account=acct, tag="%04d" % i)
                objs[k] = text_for(i)
                i += 1
    # A day of 1,050 small objects (listing pages), before the others.
    for j in range(1050):
        t = DAY - 2 * 86400 + j * 60
        k = s3test.key_for("plain", t, account=ACCOUNTS["plain"],
                           tag="m%04d" % j)
        objs[k] = text_for(10000 + j, n=1)
    for k, text in objs.items():
        c.put_object(Bucket=BUCKET, Key=k, Body=s3test.gz(text))
    c.put_object(Bucket=BUCKET, Key="AWSLogs/%s/vpcflowlogs/us-east-1/2024/"
                 "05/25/README.txt" % ACCOUNTS["plain"], Body=b"not a log\n")
    for m in s3test.folder_markers(objs):
        c.put_object(Bucket=BUCKET, Key=m, Body=b"")
    return objs


def stats(env, name):
    return fltest.load_json(env.path(name))


def equivalence(env, ck, srv, objs):
    prefix = "AWSLogs/%s/vpcflowlogs/us-east-1/2024/05/25/" % \
        ACCOUNTS["plain"]
    local = env.path("local")
    keys = sorted(k for k in objs if k.startswith(prefix))
    for k in keys:
        p = os.path.join(local, k)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(s3test.gz(objs[k]))
    r1 = s3test.run(env, ["--endpoint-url", srv.url, "-o",
                          env.path("s3.ipfix"), "--stats-json",
                          env.path("eq.json"), "s3://%s/%s" % (BUCKET, prefix)])
    r2 = s3test.run(env, ["-o", env.path("file.ipfix"),
                          os.path.join(local, prefix)])
    ck.eq(r1.returncode, 0, "equivalence: s3 run exit status (%s)"
          % r1.stderr.decode(errors="replace")[-800:])
    ck.eq(r2.returncode, 0, "equivalence: file run exit status")
    st = stats(env, "eq.json")
    ck.eq(st["objects"], len(keys), "equivalence: objects read from S3")
    markers = [m for m in s3test.folder_markers(objs) if m.startswith(prefix)]
    ck.eq(st["keys_skipped"], 1 + len(markers), "equivalence: README.txt "
          "and the folder marker skipped")
    a = open(env.path("s3.ipfix"), "rb").read()
    b = open(env.path("file.ipfix"), "rb").read()
    ck.check(len(a) > 1000 and s3test.ipfix_without_export_times(a) ==
             s3test.ipfix_without_export_times(b),
             "equivalence: S3 and local files give the same IPFIX bytes "
             "(%d vs %d bytes)" % (len(a), len(b)))


def pagination(env, ck, srv, objs):
    prefix = "AWSLogs/%s/vpcflowlogs/us-east-1/2024/05/23/" % \
        ACCOUNTS["plain"]
    n = sum(1 for k in objs if k.startswith(prefix))
    r = s3test.run(env, ["--endpoint-url", srv.url, "-o",
                         env.path("page.ipfix"), "--stats-json",
                         env.path("page.json"), "s3://%s/%s" % (BUCKET, prefix)])
    ck.eq(r.returncode, 0, "pagination: exit status (%s)"
          % r.stderr.decode(errors="replace")[-800:])
    st = stats(env, "page.json")
    ck.eq(st["objects"], n, "pagination: every object of a 1,050-key day")
    ck.eq(st["records_out"], n, "pagination: one record per object")
    ck.check(st["list_requests"] >= 2, "pagination: the listing paged "
             "(%d list requests)" % st["list_requests"])


def in_hour(k, since, until):
    t = fltest_key_time(k)
    return t is not None and t < until and t + 300 > since


def fltest_key_time(k):
    import calendar
    base = k.rsplit("/", 1)[-1].split("_")
    if len(base) < 6:
        return None
    return calendar.timegm(time.strptime(base[4], "%Y%m%dT%H%MZ"))


def collector():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    ls.settimeout(120)
    res = {"events": []}

    def serve():
        try:
            conn, _ = ls.accept()
            conn.settimeout(120)
            with conn, conn.makefile("rb") as f:
                for ev in fltest.iter_events(f):
                    res["events"].append(ev)
            res["r"] = "eof"
        except Exception as e:
            res["r"] = "error %r" % (e,)
        ls.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    return ls.getsockname()[1], th, res


def time_range(env, ck, srv, objs):
    since, until = DAY + 10 * H, DAY + 11 * H
    want = sorted(k for k in objs if in_hour(k, since, until))
    mark = srv.mark()
    port, th, res = collector()
    r = s3test.run(env, ["--endpoint-url", srv.url, "-o",
                         "tcp://127.0.0.1:%d" % port, "--stats-json",
                         env.path("range.json"), "--since",
                         "2024-05-25T10:00:00Z", "--until",
                         "2024-05-25T11:00:00Z", "s3://%s/AWSLogs/" % BUCKET])
    th.join(120)
    ck.eq(r.returncode, 0, "range: exit status (%s)"
          % r.stderr.decode(errors="replace")[-800:])
    st = stats(env, "range.json")
    ck.eq(len(want), 4 * 3, "range: the test bucket has 3 objects per "
          "layout in the hour")
    ck.eq(st["objects"], len(want), "range: objects exported")
    ck.eq(res.get("r"), "eof", "range: collector decoded to the end")
    text = " ".join(FIELDS) + "\n" + "".join(
        objs[k].split("\n", 1)[1] for k in want)
    fields, rows = fltest.parse_flowlog(text)
    fltest.check_stream(ck, res["events"], Expect(fields), rows, "range")
    listed = s3test.list_prefixes(srv.log_since(mark), BUCKET)
    fltest.log("  listed prefixes: %s" % listed)
    bad = [p for p in listed if "/05/24" in p or "/05/26" in p or
           "/05/23" in p or "day=24" in p or "day=26" in p or
           p.endswith("/11/") or p.endswith("hour=11/") or
           p.endswith("/12/") or p.endswith("hour=12/")]
    ck.eq(bad, [], "range: no prefix outside the hour was listed")
    ck.check(len(listed) <= 4 * 6 + 1, "range: at most a handful of list "
             "requests per account (%d in all)" % len(listed))
    ck.eq(st["list_requests"], len(listed), "range: list_requests counts "
          "what the server saw")


def checkpoints(env, ck, srv, objs):
    state = env.path("state")
    a = ["--endpoint-url", srv.url, "-o", env.path("cp.ipfix"), "--state",
         state, "--stats-json", env.path("cp1.json"), "--since",
         "2024-05-25T10:00:00Z", "--until", "2024-05-25T11:00:00Z",
         "s3://%s/AWSLogs/" % BUCKET]
    r = s3test.run(env, a)
    ck.eq(r.returncode, 0, "checkpoint: first run")
    n1 = stats(env, "cp1.json")["objects"]
    a[a.index("--until") + 1] = "2024-05-25T12:00:00Z"
    a[a.index("--stats-json") + 1] = env.path("cp2.json")
    r = s3test.run(env, a)
    ck.eq(r.returncode, 0, "checkpoint: second run")
    st = stats(env, "cp2.json")
    want = sum(1 for k in objs if in_hour(k, DAY + 10 * H, DAY + 12 * H))
    ck.eq(st["objects_skipped"], n1, "checkpoint: done objects skipped")
    ck.eq(st["objects"], want - n1, "checkpoint: only new objects read")
    ck.eq(st["objects_committed"], want - n1, "checkpoint: each committed")


def wrong_secret(env, ck, srv):
    secret = "wrong-secret-Zq81xK"
    bad = {"AWS_ACCESS_KEY_ID": "AKIDWRONG", "AWS_SECRET_ACCESS_KEY": secret}
    r = s3test.run(env, ["--endpoint-url", srv.url, "-o",
                         env.path("bad.ipfix"), "s3://%s/AWSLogs/" % BUCKET],
                   aws=bad)
    err = r.stderr.decode(errors="replace")
    ck.eq(r.returncode, 2, "wrong credentials: exit status 2 (%s)"
          % err[-500:])
    ck.check("InvalidAccessKeyId" in err and "s3://%s/" % BUCKET in err,
             "wrong credentials: S3's error code and the bucket named")
    ck.check(secret not in err and secret not in r.stdout.decode(
        errors="replace"), "wrong secret: the secret is never printed")
    r = s3test.run(env, ["-vv", "--endpoint-url", srv.url, "-o",
                         env.path("bad.ipfix"), "s3://%s/AWSLogs/" % BUCKET],
                   aws=bad)
    ck.check(secret not in r.stderr.decode(errors="replace"),
             "wrong secret: not printed with -vv either")
    r = s3test.run(env, ["--endpoint-url", srv.url, "-o",
                         env.path("bad.ipfix"), "s3://no-such-bucket/x/"])
    err = r.stderr.decode(errors="replace")
    ck.eq(r.returncode, 2, "missing bucket: exit status 2")
    ck.check("no-such-bucket" in err and "NoSuchBucket" in err,
             "missing bucket: named, with S3's code (%s)" % err[-300:])


def main(env):
    env.check()
    ck = fltest.Checker("s3_backfill")
    srv = s3test.S3rver(env)
    try:
        t0 = time.monotonic()
        objs = build_bucket(srv)
        fltest.log("  %d objects put in %.1f s" % (len(objs),
                                                   time.monotonic() - t0))
        equivalence(env, ck, srv, objs)
        pagination(env, ck, srv, objs)
        time_range(env, ck, srv, objs)
        checkpoints(env, ck, srv, objs)
        wrong_secret(env, ck, srv)
    finally:
        srv.stop()
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
