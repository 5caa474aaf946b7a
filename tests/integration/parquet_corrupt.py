#!/usr/bin/python3
"""parquet_corrupt: hostile Parquet files give one clear error each, no
crash, bounded memory, and the next input still goes on.

Files are made by pqcraft (a small writer of our own that can make every
number in a file lie): a truncated file, a wrong magic at the end, a
footer length past the file, lying page sizes (stored and uncompressed),
negative counts (chunk values, page values, rows), a dictionary index out
of range, unknown and unsupported codecs, a claimed 10 GiB column chunk in
a 1 MiB file, a footer nested 10,000 deep.  Each bad file is followed by
a good one on the same command line: its records must all be out.  The
peak resident size of each run (GNU time) must stay under 64 MiB.
"""

import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import pqcraft as pq  # noqa: E402

TIME = "/usr/bin/time"
MAX_RSS_KIB = 64 * 1024


def table(**o):
    n = 3
    cols = [
        pq.Column("version", pq.INT32, [2] * n, optional=False),
        pq.Column("account_id", pq.BYTE_ARRAY, ["123456789010"] * n,
                  dictionary=o.pop("dict_acct", False)),
        pq.Column("interface_id", pq.BYTE_ARRAY,
                  ["eni-1", "eni-2", "eni-1"], dictionary=True),
        pq.Column("srcaddr", pq.BYTE_ARRAY, ["10.0.0.%d" % i
                                             for i in range(n)]),
        pq.Column("dstaddr", pq.BYTE_ARRAY, ["10.0.1.1"] * n),
        pq.Column("srcport", pq.INT32, [1000, 1001, None]),
        pq.Column("dstport", pq.INT32, [443, 443, None]),
        pq.Column("protocol", pq.INT32, [6, 6, None]),
        pq.Column("packets", pq.INT64, [10, 20, None]),
        pq.Column("bytes", pq.INT64, [1000, 2000, None]),
        pq.Column("start", pq.INT64, [1700000000] * n),
        pq.Column("end", pq.INT64, [1700000060] * n),
        pq.Column("action", pq.BYTE_ARRAY, ["ACCEPT", "REJECT", None]),
        pq.Column("log_status", pq.BYTE_ARRAY, ["OK", "OK", "NODATA"]),
    ]
    first = o.pop("first", None)
    if first is not None:
        cols.insert(0, cols.pop([c.name for c in cols].index(first)))
    return pq.make(cols, **o)


# name -> (bytes, words the message must hold)
def cases():
    good = table()
    gz = table(codec=pq.GZIP)
    return {
        "truncated": (good[:len(good) // 2], ["no PAR1 at the end"]),
        "tail_magic": (good[:-4] + b"PAR2", ["no PAR1 at the end"]),
        "footer_past_file": (table(footer_len=10 ** 9),
                             ["footer length 1000000000 past the start"]),
        "page_size_lie": (table(page_lie={"compressed": 1 << 20}),
                          ["row group 0, column 'version'", "page 0",
                           "runs past the column chunk"]),
        "gzip_size_lie": (table(codec=pq.GZIP,
                                page_lie={"uncompressed": 4}),
                          ["row group 0, column 'version'", "page 0",
                           "GZIP"]),
        "negative_chunk_values": (table(num_values=-5),
                                  ["row group 0, column 'version'",
                                   "negative"]),
        "negative_page_values": (table(page_values=-1),
                                 ["row group 0, column 'version'", "page 0",
                                  "-1 values"]),
        "negative_rows": (table(num_rows=-3), ["negative row count"]),
        "dict_index": (table(first="interface_id", dict_index=7),
                       ["row group 0, column 'interface_id'", "page 1",
                        "dictionary index 7 out of range (2 entries)"]),
        "codec_unknown": (table(**{"codec": 42}),
                          ["column 'version'", "codec unknown (42)"]),
        "codec_lzo": (table(**{"codec": 3}),
                      ["column 'version'", "codec LZO (3) is not supported"]),
        "chunk_10gib": (table(pad=1 << 20, chunk_size=10 << 30),
                        ["row group 0, column 'version'",
                         "10737418240 bytes", "outside the data"]),
        "deep_footer": (table(deep=10000), ["nested too deep"]),
        "gzip_good_control": (gz, None),
    }


def run(env, ck, name, data, words, good, good_records):
    bad = env.path(name + ".parquet")
    with open(bad, "wb") as f:
        f.write(data)
    stats = env.path(name + ".json")
    out = env.path(name + ".ipfix")
    cmd = [TIME, "-f", "maxrss=%M"] + env.cmd("-o", out, "--stats-json",
                                               stats, bad, good)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=60)
    err = r.stderr.decode(errors="replace")
    rss = [int(line.split("=")[1]) for line in err.splitlines()
           if line.startswith("maxrss=")]
    ck.check(r.returncode in (0, 2) and not err.startswith("Command "
                                                           "terminated"),
             "%s: ran to its end (exit %d)" % (name, r.returncode))
    ck.check(rss and rss[0] < MAX_RSS_KIB, "%s: peak RSS %s KiB < %d"
             % (name, rss, MAX_RSS_KIB))
    with open(stats) as f:
        st = json.load(f)
    if words is None:
        ck.eq(r.returncode, 0, name + ": exit status")
        ck.eq(st.get("records_out"), 2 * good_records, name + ": records")
        return
    ck.eq(r.returncode, 2, name + ": exit status (an input failed)")
    lines = [ln for ln in err.splitlines() if bad in ln]
    ck.eq(len(lines), 1, name + ": one error naming the file " + repr(lines))
    for w in words:
        ck.check(any(w in ln for ln in lines), "%s: message has %r: %r"
                 % (name, w, lines))
    ck.eq(st.get("objects_failed"), 1, name + ": objects_failed")
    # the good file after it: every record out
    ck.check(st.get("records_out", 0) >= good_records,
             "%s: the next input's %d records are out (%s)"
             % (name, good_records, st.get("records_out")))


def main(env):
    env.check()
    if not os.access(TIME, os.X_OK):
        fltest.die("GNU time (%s) is missing: apt-get install time" % TIME,
                   fltest.SKIP)
    ck = fltest.Checker("parquet_corrupt")
    good = env.path("good.parquet")
    with open(good, "wb") as f:
        f.write(table())
    r = env.run("-o", env.path("good.ipfix"), "--stats-json",
                env.path("good.json"), good)
    ck.eq(r.returncode, 0, "the good file converts: " + r.stderr.decode())
    with open(env.path("good.json")) as f:
        good_records = json.load(f)["records_out"]
    ck.eq(good_records, 2, "records of the good file (one NODATA)")
    for name, (data, words) in sorted(cases().items()):
        run(env, ck, name, data, words, good, good_records)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
