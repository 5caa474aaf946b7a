#!/usr/bin/python3
"""parquet_equiv: the same flow logs as text and as Parquet give the same
IPFIX records.

Text comes from tests/flowgen (the default v2 format, a v5 custom format,
a Transit Gateway format; with IPv6, NODATA and SKIPDATA lines).  Two
independent writers turn it into Parquet with the schema AWS writes
(tests/npm/make_parquet.mjs): DuckDB (data page v1 and v2, every codec,
dictionary and plain, DELTA_* with v2, row groups of 2,048 rows or one)
and hyparquet-writer (data page v2, dictionary, PLAIN, DELTA_BINARY_PACKED,
DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, REQUIRED and OPTIONAL columns,
row groups of 700 rows).  Both outputs are decoded by python3-ipfix: the
data records must be equal and in the same order, the options records
equal as a set (they go out before the first message that needs them,
and messages are cut differently).  A Parquet file on stdin is read too
(spooled), and one run uses --threads 1.
"""

import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402

LINES = 6000

VARIANTS = [
    ("duckdb", ["codec=UNCOMPRESSED", "rows=2048"]),
    ("duckdb", ["codec=SNAPPY"]),
    ("duckdb", ["codec=GZIP", "rows=2048", "encoding=plain"]),
    ("duckdb", ["codec=ZSTD", "version=v2", "rows=2048"]),
    ("duckdb", ["codec=SNAPPY", "version=v2", "encoding=plain"]),
    ("hyparquet", ["codec=SNAPPY", "rows=700"]),
    ("hyparquet", ["codec=GZIP", "encoding=plain", "required=1"]),
    ("hyparquet", ["codec=UNCOMPRESSED", "encoding=delta", "rows=700"]),
    ("hyparquet", ["codec=SNAPPY", "encoding=delta", "required=1"]),
]


def records(path):
    ev = [e for e in fltest.read_events(path) if e.kind == "record"]
    data = [(e.tid, e.rec) for e in ev if not e.options]
    opts = sorted(repr((e.tid, sorted(e.rec.items()))) for e in ev
                  if e.options)
    return data, opts


def main(env):
    env.check()
    npm = os.path.join(env.srcdir, "tests", "npm")
    for m in ("@duckdb/node-api", "hyparquet-writer"):
        if not os.path.isdir(os.path.join(npm, "node_modules", m)):
            fltest.die("%s is not installed (cd tests/npm && npm ci)" % m,
                       fltest.SKIP)
    if shutil.which("node") is None:
        fltest.die("node is not installed", fltest.SKIP)
    flowgen = os.environ.get("FL_FLOWGEN", os.path.join(env.srcdir, "tests",
                                                        "flowgen"))
    ck = fltest.Checker("parquet_equiv")
    for fmt in ("v2", "v5", "tgw"):
        txt = env.path(fmt + ".txt")
        with open(txt, "wb") as f:
            subprocess.run([flowgen, "-n", str(LINES), "-f", fmt, "--header",
                            "--nodata-share", "0.03", "--seed", "7"],
                           stdout=f, check=True)
        r = env.run("-o", env.path(fmt + ".ipfix"), txt)
        ck.eq(r.returncode, 0, fmt + " text: " + r.stderr.decode())
        want = records(env.path(fmt + ".ipfix"))
        ck.check(len(want[0]) > LINES * 0.9, "%s: text gives records" % fmt)
        for i, (writer, opts) in enumerate(VARIANTS):
            what = "%s %s %s" % (fmt, writer, " ".join(opts))
            pq = env.path("%s-%d.parquet" % (fmt, i))
            g = subprocess.run(["node", os.path.join(npm, "make_parquet.mjs"),
                                writer, txt, pq] + opts,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=300)
            if not ck.eq(g.returncode, 0, what + ": writer: "
                         + g.stderr.decode()[-500:]):
                continue
            out = env.path("%s-%d.ipfix" % (fmt, i))
            args = ["-o", out, pq]
            if i == 1:
                args = ["--threads", "1"] + args
            r = env.run(*args)
            ck.eq(r.returncode, 0, what + ": " + r.stderr.decode()[-500:])
            got = records(out)
            ck.eq(len(got[0]), len(want[0]), what + ": data records")
            ck.check(got[0] == want[0], what + ": data records equal, in "
                     "order")
            ck.check(got[1] == want[1], what + ": options records equal")
        # stdin: spooled to a temporary file
        pq = env.path("%s-1.parquet" % fmt)
        with open(pq, "rb") as f:
            r = env.run("-o", env.path("stdin.ipfix"), "-", stdin=f)
        ck.eq(r.returncode, 0, fmt + " stdin: " + r.stderr.decode()[-500:])
        ck.check(records(env.path("stdin.ipfix"))[0] == want[0],
                 fmt + " stdin: data records equal")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
