#!/usr/bin/python3
"""parquet_s3: Parquet objects from S3 (s3rver on 127.0.0.1, objects put
with botocore) give the records their text twins give.

One hour of AWS's layout holds a .log.parquet object (written by DuckDB
from flowgen text) and a damaged one after it; a second prefix holds the
same lines as .log.gz.  The s3:// runs of both must give equal data
records; the damaged object must fail alone, with one error naming the
key, and not stop the run.
"""

import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import s3test  # noqa: E402

BUCKET = "flowlogs"
T = 1716638400


def records(path):
    return [(e.tid, e.rec) for e in fltest.read_events(path)
            if e.kind == "record" and not e.options]


def main(env):
    env.check()
    npm = os.path.join(env.srcdir, "tests", "npm")
    if not os.path.isdir(os.path.join(npm, "node_modules", "@duckdb",
                                      "node-api")):
        fltest.die("@duckdb/node-api is not installed (cd tests/npm && npm "
                   "ci)", fltest.SKIP)
    flowgen = os.environ.get("FL_FLOWGEN", os.path.join(env.srcdir, "tests",
                                                        "flowgen"))
    ck = fltest.Checker("parquet_s3")
    txt = env.path("v5.txt")
    with open(txt, "wb") as f:
        subprocess.run([flowgen, "-n", "4000", "-f", "v5", "--header",
                        "--start", str(T)], stdout=f, check=True)
    pq = env.path("v5.parquet")
    subprocess.run(["node", os.path.join(npm, "make_parquet.mjs"), "duckdb",
                    txt, pq, "codec=SNAPPY", "rows=2048"], check=True,
                   timeout=120)
    body = open(pq, "rb").read()
    text = open(txt).read()
    srv = s3test.S3rver(env)
    try:
        c = srv.client()
        c.create_bucket(Bucket=BUCKET)
        keys = {}
        for top, suffix, data in (("pq", ".log.parquet", body),
                                  ("gz", ".log.gz", s3test.gz(text))):
            keys[top] = s3test.key_for("hourly", T, tag="a", suffix=suffix,
                                       top=top)
            c.put_object(Bucket=BUCKET, Key=keys[top], Body=data)
        bad = s3test.key_for("hourly", T, tag="b", suffix=".log.parquet",
                             top="pq")
        c.put_object(Bucket=BUCKET, Key=bad, Body=body[:-100] + body[-8:])
        for m in s3test.folder_markers(list(keys.values())):
            c.put_object(Bucket=BUCKET, Key=m, Body=b"")
        prefix = keys["pq"].rsplit("/", 1)[0] + "/"
        r = s3test.run(env, ["--endpoint-url", srv.url, "-o",
                             env.path("pq.ipfix"), "--stats-json",
                             env.path("pq.json"),
                             "s3://%s/%s" % (BUCKET, prefix)])
        err = r.stderr.decode(errors="replace")
        ck.eq(r.returncode, 2, "parquet run: exit status 2 (one object "
              "failed): " + err[-800:])
        st = fltest.load_json(env.path("pq.json"))
        ck.eq(st["objects"], 2, "parquet run: objects")
        ck.eq(st["objects_failed"], 1, "parquet run: objects failed")
        bad_lines = [ln for ln in err.splitlines() if bad in ln]
        ck.eq(len(bad_lines), 1, "one error names the damaged key: %r"
              % bad_lines)
        prefix = keys["gz"].rsplit("/", 1)[0] + "/"
        r = s3test.run(env, ["--endpoint-url", srv.url, "-o",
                             env.path("gz.ipfix"),
                             "s3://%s/%s" % (BUCKET, prefix)])
        ck.eq(r.returncode, 0, "text run: " + r.stderr.decode()[-800:])
    finally:
        srv.stop()
    a, b = records(env.path("gz.ipfix")), records(env.path("pq.ipfix"))
    ck.check(len(a) > 3500, "text gives records (%d)" % len(a))
    ck.check(a == b, "S3 Parquet and S3 text give the same data records "
             "(%d vs %d)" % (len(a), len(b)))
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
