#!/usr/bin/python3
"""tcp_replay: no record lost when the collector dies and comes back.

A one-million-record run (tests/flowgen, gzip) goes to the test collector
of collector.py over TCP, and again over TLS. The collector dies in the
middle of the run the way a crashed collector does (see collector.py: stop
accepting, shut the socket down, read what its kernel acknowledged, close
with a reset) and listens again a second later. A third run stops reading
first (the window fills and the exporter blocks), then dies.

For each run:
  - the exporter ends with status 0 after one reconnection or more;
  - every input record arrives at least once, counted by flow key (the
    template ID and the decoded record) against the same file's records
    written to an IPFIX file by the program;
  - the duplicates are at most records_resent of --stats-json;
  - the new connection starts with templates (sets 2/3), then options
    records, before any data record; its sequence numbers run on without
    gaps (RFC 7011: data records before each message).

FL_REPLAY_RECORDS sets the input size. The default is 400000, not the
million of the issue: the Python collector decodes some 30000 records/s
on a busy two-core machine, so a million takes three minutes for the three
runs (FL_REPLAY_RECORDS=1000000 passes too, and is worth running after a
change to src/output/stream.c).
"""

import json
import os
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import collector  # noqa: E402

RECORDS = int(os.environ.get("FL_REPLAY_RECORDS", "400000"))
KILL_AT = RECORDS // 3          # records the first connection gets
OUTAGE = 1.0                    # seconds down (a scenario, not a sync)


def make_input(env):
    flowgen = os.environ.get("FL_FLOWGEN") or os.path.join(
        os.path.dirname(env.bin), "..", "tests", "flowgen")
    if not os.access(flowgen, os.X_OK):
        fltest.die("tests/flowgen not built (%s)" % flowgen)
    path = env.path("input.log.gz")
    with open(path, "wb") as out:
        gen = subprocess.Popen([flowgen, "-n", str(RECORDS), "--header",
                                "--seed", "18", "--nodata-share", "0"], stdout=subprocess.PIPE)
        gz = subprocess.run(["gzip", "-1"], stdin=gen.stdout, stdout=out)
        gen.stdout.close()
        if gen.wait() != 0 or gz.returncode != 0:
            fltest.die("could not generate the input with %s" % flowgen)
    return path


def run_case(env, ck, name, inp, ref, dest_scheme, coll, extra=()):
    stats = env.path(name + ".stats.json")
    cmd = env.cmd("-o", "%s://127.0.0.1:%d" % (dest_scheme, coll.port),
                  "--stats-json", stats, "--reconnect-timeout", "60",
                  *extra, inp)
    fltest.log("$ " + " ".join(cmd))
    errf = open(env.path(name + ".stderr"), "wb")
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf)
    try:
        if not coll.killed.wait(180):
            ck.check(False, "%s: the collector never died (error %r; "
                     "exporter status %r)" % (name, coll.error, proc.poll()))
            return
        time.sleep(OUTAGE)              # the outage (scenario, not a sync)
        coll.reopen.set()
        rc = proc.wait(300)
        coll.done.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        errf.close()
    with open(env.path(name + ".stderr"), "rb") as f:
        tail = f.read()[-2000:].decode(errors="replace")
    fltest.log("  %s: exit %d after %.1f s; stderr tail:\n%s"
               % (name, rc, time.time() - t0, tail))
    ck.eq(rc, 0, name + ": exit status")
    ck.eq(coll.error, None, name + ": collector errors")
    ck.eq(len(coll.conns), 2, name + ": connections (one before the "
          "collector died, one after)")
    if len(coll.conns) < 2 or rc != 0:
        return
    st = fltest.load_json(stats)
    resent = st.get("records_resent", -1)
    ck.check(st.get("reconnects", 0) >= 1, name + ": reconnects >= 1 in "
             "the statistics (%r)" % st.get("reconnects"))

    c1, c2 = coll.conns
    got = c1.dec.keys + c2.dec.keys
    missing = sum(max(0, n - got[k]) for k, n in ref.items())
    dups = sum(max(0, n - ref.get(k, 0)) for k, n in got.items())
    unknown = sum(n for k, n in got.items() if k not in ref)
    fltest.log("  %s: connection 1 %d records (%d bytes in the full window "
               "when it died), connection 2 %d; missing %d, duplicates %d, "
               "records_resent %d" % (name, c1.dec.records,
                                      coll.stalled_bytes, c2.dec.records,
                                      missing, dups, resent))
    ck.check(c1.dec.records >= KILL_AT // 2,
             name + ": the first connection carried data before it died")
    ck.eq(missing, 0, name + ": input records that never arrived")
    ck.eq(unknown, 0, name + ": records that are no input record")
    ck.check(0 <= dups <= resent, "%s: duplicates %d <= records_resent %d"
             % (name, dups, resent))

    order = c2.dec.order
    first_data = next((i for i, (k, _) in enumerate(order) if k == "D"),
                      len(order))
    ck.check(order and order[0][0] == "T",
             name + ": connection 2 starts with a template set (%r)"
             % (order[:3],))
    ck.check(any(k == "O" and t in (1280, 1281) for k, t in
                 order[:first_data]),
             name + ": options records before the first data record on "
             "connection 2")
    seqs = c2.dec.seqs
    gaps = [i for i in range(1, len(seqs))
            if seqs[i][0] != (seqs[i - 1][0] + seqs[i - 1][1]) & 0xFFFFFFFF]
    ck.eq(gaps[:3], [], name + ": connection 2's sequence numbers count "
          "the data records before each message")


def main(env):
    env.check()
    ck = fltest.Checker("tcp_replay")
    inp = make_input(env)
    t0 = time.time()
    ref = collector.reference_keys(env, inp, "ref")
    fltest.log("  input: %d records, %d distinct keys (decoded in %.1f s)"
               % (sum(ref.values()), len(ref), time.time() - t0))
    ck.eq(sum(ref.values()), RECORDS, "reference run: every line a record")

    def killer(coll):
        return coll.records() >= KILL_AT

    coll = collector.Collector(kill_when=killer)
    coll.start()
    run_case(env, ck, "tcp", inp, ref, "tcp", coll)

    coll = collector.Collector(stall_when=killer)
    coll.start()
    run_case(env, ck, "tcp-full-window", inp, ref, "tcp", coll)

    certs = env.path("certs")
    os.mkdir(certs)
    collector.make_certs(certs)
    coll = collector.Collector(tls=collector.server_context(certs),
                               kill_when=killer)
    coll.start()
    run_case(env, ck, "tls", inp, ref, "tls", coll,
             ("--tls-ca", os.path.join(certs, "ca.pem")))
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
