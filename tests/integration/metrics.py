#!/usr/bin/python3
"""metrics.py: /metrics serves Prometheus text that agrees with the run's
final statistics; --metrics-file holds the same; --stats-interval logs.

A --watch run with --metrics-listen on a loopback port picked here,
--metrics-file and --stats-interval 1 is given files with IPv4 and IPv6
records, NODATA and SKIPDATA lines and rejected lines.  The endpoint is
scraped (urllib) until it shows every record (a condition, not a sleep),
parsed with prometheus_client's parser (Debian python3-prometheus-client),
and after SIGTERM every value is compared with the --stats-json file and
with the expected counts of the input; the metrics file, written at the
end, must say the same.  Other paths answer 404, other methods 405; a
taken port fails at start-up.
"""

import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import Checker, log, wait_for  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    fltest.die("python3-prometheus-client is not installed", fltest.SKIP)


def parse(text):
    """{(sample name, frozenset(labels)): value}"""
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def scrape(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), \
                r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, ""
    except OSError:
        return None, None, ""


def value(m, name, **labels):
    return m.get((name, frozenset(labels.items())))


def main(env):
    env.check()
    ck = Checker("metrics")
    d = env.path("in")
    os.makedirs(d)
    fields = fltest.DEFAULT_FORMAT
    rows_all = []
    for i in range(6):
        lines = fltest.gen_lines(fields, 300, seed=i + 7, nodata_every=9)
        if i == 2:
            lines[5] = "2 123 eni-1 10.0.0.1"                  # field-count
            w = lines[10].split()
            w[fields.index("packets")] = "x"                    # number
            lines[10] = " ".join(w)
        text = " ".join(fields) + "\n" + "\n".join(lines) + "\n"
        rows_all += fltest.parse_flowlog(text)[1]
        with open(os.path.join(d, ".f%d.tmp" % i), "w") as f:
            f.write(text)
    for r in rows_all:
        if r.get("packets") == "x":
            r["_bad"] = True            # fltest does not check numbers
    exp = fltest.Expect(fields).counts(rows_all)
    log("expected: %s" % exp)

    port = fltest.free_port()
    url = "http://127.0.0.1:%d/metrics" % port
    mfile = env.path("m.prom")
    stats = env.path("s.json")
    cmd = env.cmd("-o", env.path("out.ipfix"), "--watch", "--settle", "1",
                  "--threads", "2", "--metrics-listen",
                  "127.0.0.1:%d" % port, "--metrics-file", mfile,
                  "--stats-interval", "1", "--stats-json", stats, d)
    log("$ " + " ".join(cmd))
    err = open(env.path("err"), "w+")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: scrape(url)[0] == 200, 15, what="the endpoint")
        for i in range(6):
            os.rename(os.path.join(d, ".f%d.tmp" % i),
                      os.path.join(d, "f%d.log" % i))

        def all_out():
            st, _, body = scrape(url)
            m = parse(body) if st == 200 else {}
            got = sum(v for (n, _), v in m.items()
                      if n == "flowlog2ipfix_records_out_total")
            return m if got == exp["ok"] and value(
                m, "flowlog2ipfix_objects_done_total") == 6 else None
        live = wait_for(all_out, 30, what="every record in /metrics")
        st, ctype, _ = scrape(url)
        ck.check(ctype is not None and ctype.startswith("text/plain"),
                 "Content-Type %r" % ctype)
        ck.eq(scrape(url.replace("/metrics", "/other"))[0], 404,
              "another path: 404")
        req = urllib.request.Request(url, data=b"x", method="POST")
        try:
            urllib.request.urlopen(req, timeout=5)
            code = 200
        except urllib.error.HTTPError as e:
            code = e.code
        ck.eq(code, 405, "POST: 405")
        # The port is taken now: a second instance fails at start-up.
        r = env.run("-o", env.path("o2.ipfix"), "--metrics-listen",
                    "127.0.0.1:%d" % port, d, timeout=30)
        ck.eq(r.returncode, 1, "a taken port: exit status 1 (%s)"
              % r.stderr.decode().strip())
        wait_for(lambda: b"stats:" in open(env.path("err"), "rb").read(),
                 10, what="a --stats-interval line")
    finally:
        p.send_signal(signal.SIGTERM)
        rc = p.wait(timeout=20)
    ck.eq(rc, 0, "exit status after SIGTERM")
    err.close()

    s = fltest.load_json(stats)
    pairs = [
        ("flowlog2ipfix_objects_total", {}, "objects"),
        ("flowlog2ipfix_objects_done_total", {}, "objects_done"),
        ("flowlog2ipfix_objects_failed_total", {}, "objects_failed"),
        ("flowlog2ipfix_lines_read_total", {}, "lines_read"),
        ("flowlog2ipfix_records_out_total", {"family": "ipv4"},
         "records_ipv4"),
        ("flowlog2ipfix_records_out_total", {"family": "ipv6"},
         "records_ipv6"),
        ("flowlog2ipfix_nodata_total", {}, "nodata"),
        ("flowlog2ipfix_skipdata_total", {}, "skipdata"),
        ("flowlog2ipfix_options_records_total", {}, "options_records"),
        ("flowlog2ipfix_input_bytes_total", {}, "bytes_in"),
        ("flowlog2ipfix_output_reconnects_total", {}, "reconnects"),
        ("flowlog2ipfix_objects_committed_total", {}, "objects_committed"),
    ]
    with open(mfile) as f:
        final = parse(f.read())
    for name, labels, key in pairs:
        ck.eq(value(live, name, **labels), s[key],
              "scraped %s%s = --stats-json %s" % (name, labels or "", key))
        ck.eq(value(final, name, **labels), s[key],
              "metrics file %s%s = --stats-json %s"
              % (name, labels or "", key))
    for reason, n in s["rejected_by_reason"].items():
        ck.eq(value(live, "flowlog2ipfix_records_rejected_total",
                    reason=reason), n, "rejected{reason=%s}" % reason)
    ck.eq(s["rejected_by_reason"]["field-count"], 1, "one field-count "
          "reject in the input")
    ck.eq(s["rejected_by_reason"]["number"], 1, "one number reject")
    ck.eq(value(live, "flowlog2ipfix_newest_flow_end_seconds"),
          s["newest_flow_end"], "newest flow end = --stats-json")
    newest = max(int(r["end"]) for r in rows_all if fltest.is_ok(r))
    ck.eq(s["newest_flow_end"], float(newest), "newest flow end = the "
          "latest end of the input's OK lines")
    ck.eq(s["records_ipv4"], exp["ipv4"], "IPv4 records of the input")
    ck.eq(s["records_ipv6"], exp["ipv6"], "IPv6 records of the input")
    ck.eq(s["nodata"], exp["nodata"], "NODATA lines of the input")
    ck.eq(s["skipdata"], exp["skipdata"], "SKIPDATA lines of the input")
    ck.eq(value(final, "flowlog2ipfix_output_bytes_total"),
          s["bytes_out"], "metrics file: bytes out at the end")

    # A malformed address is a usage error.
    r = env.run("-o", env.path("o3.ipfix"), "--metrics-listen",
                "not-an-address", d, timeout=30)
    ck.eq(r.returncode, 1, "a malformed address: exit status 1")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
