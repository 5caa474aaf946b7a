#!/usr/bin/python3
"""refresh_timers: --template-refresh (UDP) and --options-interval (TCP).

The program reads a slow stdin (a writer thread feeds one line every 0.1 s
while the test waits) and exports to a Python collector on 127.0.0.1:

1. UDP, --template-refresh 1: the data templates and the options templates
   are sent again later in the same stream (the wait ends as soon as the
   collector has seen a data template a second time, at most 15 s); every
   datagram decodes, every data record is the expected one, in order.
2. TCP, --options-interval 1: the Interface options record of an ID seen at
   the start is sent again at least 0.5 s later on the same connection.
"""

import os
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import Expect, wait_for  # noqa: E402

FIELDS = fltest.V5_GEN_FIELDS


class SlowFeeder(threading.Thread):
    """Writes the header and a first burst, then one line every 0.1 s
    until stop is set or the lines run out; then closes stdin."""

    def __init__(self, proc, lines, first=10):
        super().__init__(daemon=True)
        self.proc, self.lines, self.first = proc, lines, first
        self.stop = threading.Event()
        self.written = 0
        self.error = None

    def run(self):
        try:
            w = self.proc.stdin
            w.write(("\n".join(self.lines[:self.first + 1]) + "\n").encode())
            w.flush()
            self.written = self.first
            for ln in self.lines[self.first + 1:]:
                if self.stop.wait(0.1):
                    break
                w.write((ln + "\n").encode())
                w.flush()
                self.written += 1
            w.close()
        except Exception as e:
            self.error = repr(e)


def udp_refresh(env, ck):
    what = "udp --template-refresh 1"
    text = fltest.gen_text("v5", 300, 101)
    lines = text.rstrip("\n").split("\n")
    fields = lines[0].split()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    port = sock.getsockname()[1]
    cmd = env.cmd("-o", "udp://127.0.0.1:%d" % port, "--template-refresh",
                  "1", "-")
    fltest.log("$ " + " ".join(cmd) + "  (slow stdin)")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    feeder = SlowFeeder(proc, lines)
    events, tmpl_times = [], {}
    state = {"error": None, "done": False}
    templates = {}

    def collect():
        while not state["done"]:
            try:
                d = sock.recv(65535)
            except socket.timeout:
                continue
            if d == b"FLTEST-END":
                state["done"] = True
                break
            now = time.monotonic()
            try:
                import io
                for e in fltest.iter_events(io.BytesIO(d), templates):
                    events.append(e)
                    if e.kind == "template":
                        tmpl_times.setdefault(e.tid, []).append(now)
            except Exception as e:
                state["error"] = repr(e)

    col = threading.Thread(target=collect, daemon=True)
    col.start()
    feeder.start()

    def data_tids():
        return {e.tid for e in events if e.kind == "record" and e.tid >= 1024
                and e.tid < 1280}

    def resent():
        return any(len(tmpl_times.get(t, [])) >= 2 for t in data_tids())
    try:
        wait_for(lambda: resent() or proc.poll() is not None, 15,
                 what="a data template sent a second time")
    except TimeoutError as e:
        ck.check(False, "%s: %s" % (what, e))
    feeder.stop.set()
    feeder.join(10)
    try:
        rc = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    err = proc.stderr.read().decode(errors="replace")
    n_sent = feeder.written

    # The exporter has exited, so its datagrams are queued; a sentinel sent
    # now arrives after them.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s2:
        s2.sendto(b"FLTEST-END", ("127.0.0.1", port))
    col.join(20)
    ck.check(state["done"], what + ": collector drained the stream")
    state["done"] = True
    sock.close()

    ck.eq(rc, 0, "%s: exit status (stderr: %s)" % (what, err[-800:]))
    ck.eq(feeder.error, None, what + ": writing stdin")
    ck.eq(state["error"], None, what + ": every datagram decodes (a data "
          "set before its template is an error)")
    for t in sorted(data_tids()):
        ts = tmpl_times.get(t, [])
        ck.check(len(ts) >= 2 and ts[-1] - ts[0] >= 0.5,
                 "%s: data template %d sent again later (at %s s)"
                 % (what, t, [round(x - ts[0], 2) for x in ts]))
    for t in (fltest.TID_INTERFACE_OPT, fltest.TID_VRF_OPT):
        ck.check(len(tmpl_times.get(t, [])) >= 2,
                 "%s: options template %d sent again" % (what, t))
    # the records of the lines written, in order
    sent_text = "\n".join(lines[:n_sent + 1]) + "\n"
    _, rows = fltest.parse_flowlog(sent_text)
    want = Expect(fields).records(rows)
    got = [(e.tid, e.rec) for e in fltest.StreamView(events).data]
    ck.eq(len(got), len(want), what + ": data records received (%d lines "
          "written)" % n_sent)
    ck.eq([i for i, (g, w) in enumerate(zip(got, want)) if g != w][:5], [],
          what + ": records differing from their input line (indexes)")


def tcp_options_interval(env, ck):
    what = "tcp --options-interval 1"
    text = fltest.gen_text("v5", 300, 102)
    lines = text.rstrip("\n").split("\n")
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(30)
    port = lsock.getsockname()[1]
    events, times = [], []
    state = {"r": None}

    def serve():
        try:
            conn, _ = lsock.accept()
        except OSError as e:
            state["r"] = repr(e)
            return
        conn.settimeout(60)
        f = conn.makefile("rb")
        try:
            for e in fltest.iter_events(f):
                events.append(e)
                times.append(time.monotonic())
            state["r"] = "eof"
        except Exception as e:
            state["r"] = repr(e)
        finally:
            f.close()
            conn.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    cmd = env.cmd("-o", "tcp://127.0.0.1:%d" % port, "--options-interval",
                  "1", "-")
    fltest.log("$ " + " ".join(cmd) + "  (slow stdin)")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    feeder = SlowFeeder(proc, lines)
    feeder.start()

    def option_times():
        out = {}
        for e, t in zip(list(events), list(times)):
            if e.kind == "record" and e.tid == fltest.TID_INTERFACE_OPT:
                out.setdefault(e.rec.get("ingressInterface"), []).append(t)
        return out

    def repeated():
        return any(len(v) >= 2 and v[-1] - v[0] >= 0.5
                   for v in option_times().values())
    try:
        wait_for(lambda: repeated() or proc.poll() is not None, 15,
                 what="an interface options record sent again")
    except TimeoutError as e:
        ck.check(False, "%s: %s" % (what, e))
    feeder.stop.set()
    feeder.join(10)
    try:
        rc = proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    th.join(30)
    lsock.close()
    err = proc.stderr.read().decode(errors="replace")
    ck.eq(rc, 0, "%s: exit status (stderr: %s)" % (what, err[-800:]))
    ck.eq(state["r"], "eof", what + ": stream decoded to its end")
    ot = option_times()
    ck.check(repeated(), "%s: an Interface options record repeated at "
             "least 0.5 s later on the same connection (times per ID: %s)"
             % (what, {k: [round(x - v[0], 2) for x in v]
                       for k, v in list(ot.items())[:4]}))
    # the repeated records still carry the right name and description
    _, rows = fltest.parse_flowlog("\n".join(
        lines[:feeder.written + 1]) + "\n")
    fltest.check_options(ck, fltest.StreamView(events),
                         Expect(lines[0].split()), rows, what)


def main(env):
    env.check()
    ck = fltest.Checker("refresh_timers")
    udp_refresh(env, ck)
    tcp_options_interval(env, ck)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
