#!/usr/bin/python3
"""tcp_collector: IPFIX over TCP to a Python collector (python3-ipfix).

1. Plain collection: a server on 127.0.0.1 (and on [::1] when the host has
   IPv6 loopback) decodes the stream message by message; every record is
   checked against the input per the contract (same oracle as
   oracle_file.py), options records before first use.

2. Collector restart: the program reads a slow stdin (the test writes the
   input in bursts and waits on what the collector has seen). The collector
   reads until it has data records, then dies (stops listening, shuts the
   connection down, reads what its kernel took, resets it), stays down
   while the next burst is written (a fixed outage of OUTAGE seconds: a
   scenario parameter, not synchronisation), then listens again on the
   same port. The program must reconnect; on the new connection templates
   (set IDs 2/3) come before any data set, every data set's template and
   every used ID's options record are sent again on that connection, every
   record decodes to an input line (in input order), and every input
   record arrives at least once (before: 145 of 1,600 were lost).
"""

import collections
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import Expect, wait_for  # noqa: E402

OUTAGE = 1.0          # seconds the collector is down in the restart test
BURST = 400           # lines per burst (several TCP messages each)
FIELDS = fltest.V5_GEN_FIELDS


def reader_events(conn, sink, stop_after=None, die=None):
    """Decode conn into sink (a list, appended live). With stop_after,
    once a message with data records has been decoded and stop_after(sink)
    is true, call die() (the collector's death: no new data is accepted
    from then on) and go on reading what the kernel already took, to the
    end. Returns 'eof', 'stopped' or an error text."""
    f = conn.makefile("rb")
    dying = False
    try:
        for ev in fltest.iter_events(f):
            sink.append(ev)
            if (not dying and ev.kind == "message" and stop_after
                    and stop_after(sink)):
                die()
                dying = True
        if stop_after and stop_after(sink):
            return "stopped"
        return "eof"
    except Exception as e:  # decoding errors are test failures
        if dying and isinstance(e, (EOFError, ConnectionResetError)):
            return "stopped"    # the end of what was taken, mid-message
        return "decode error: %r" % (e,)
    finally:
        f.close()


def listen(host, port=0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(4)
    return s


def dest(host, port):
    return "tcp://%s:%d" % ("[%s]" % host if ":" in host else host, port)


# -- 1. plain collection ------------------------------------------------------

def plain(env, ck, host, text, what):
    fields, rows = fltest.parse_flowlog(text)
    exp = Expect(fields)
    inp = env.write(what + ".log", text)
    lsock = listen(host)
    lsock.settimeout(60)
    port = lsock.getsockname()[1]
    events, result = [], {}

    def serve():
        try:
            conn, _ = lsock.accept()
        except OSError as e:
            result["r"] = "accept: %r" % (e,)
            return
        conn.settimeout(60)
        with conn:
            result["r"] = reader_events(conn, events)
        result["conns"] = 1

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    r = env.run("-o", dest(host, port), inp, timeout=120)
    th.join(60)
    lsock.close()
    ck.eq(r.returncode, 0, "%s: exit status (stderr %s)"
          % (what, r.stderr.decode(errors="replace")[-1500:]))
    ck.check(not th.is_alive(), what + ": collector saw EOF after the run")
    ck.eq(result.get("r"), "eof", what + ": collector read the stream "
          "to its end without decoding errors")
    fltest.check_stream(ck, events, exp, rows, what)


# -- 2. restart -----------------------------------------------------------------

class RestartCollector(threading.Thread):
    """Connection 1 until it has data records, then close and stop
    listening; listen again when reopen is set; connection 2 to EOF."""

    def __init__(self, host):
        super().__init__(daemon=True)
        self.host = host
        self.lsock = listen(host)
        self.port = self.lsock.getsockname()[1]
        self.ev1, self.ev2 = [], []
        self.r1 = self.r2 = None
        self.closed1 = threading.Event()
        self.reopen = threading.Event()
        self.listening2 = threading.Event()
        self.accepted2 = threading.Event()
        self.extra_conns = 0
        self.error = None

    @staticmethod
    def has_data(evs):
        return any(e.kind == "record" and not e.options for e in evs)

    def run(self):
        try:
            self.lsock.settimeout(60)
            conn, _ = self.lsock.accept()
            conn.settimeout(60)

            def die():
                # A crash that loses nothing the kernel acknowledged: stop
                # accepting, shut down (from now on new data is answered
                # with a reset, not acknowledged), read what was taken,
                # then reset.  Unread acknowledged bytes would be lost in
                # a way no exporter can know.
                self.lsock.close()
                conn.shutdown(socket.SHUT_RDWR)

            self.r1 = reader_events(conn, self.ev1, stop_after=self.has_data,
                                    die=die)
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))
            conn.close()
            self.closed1.set()
            if not self.reopen.wait(120):
                self.error = "reopen never requested"
                return
            self.lsock = listen(self.host, self.port)
            self.lsock.settimeout(60)
            self.listening2.set()
            conn, _ = self.lsock.accept()
            self.accepted2.set()
            conn.settimeout(60)
            with conn:
                self.r2 = reader_events(conn, self.ev2)
            # a further connection would mean the exporter dropped this one
            self.lsock.settimeout(0.2)
            try:
                c, _ = self.lsock.accept()
                self.extra_conns += 1
                c.close()
            except OSError:
                pass
        except Exception as e:
            self.error = repr(e)
        finally:
            self.closed1.set()
            self.listening2.set()
            try:
                self.lsock.close()
            except OSError:
                pass


def restart(env, ck, host):
    what = "restart"
    lines_a = fltest.gen_lines(FIELDS, BURST, seed=61, nodata_every=13)
    lines_b = fltest.gen_lines(FIELDS, BURST, seed=62, t0=1700100000)
    lines_c = fltest.gen_lines(FIELDS, BURST, seed=63, t0=1700200000)
    lines_d = fltest.gen_lines(FIELDS, BURST, seed=64, t0=1700300000)
    header = " ".join(FIELDS)
    text = "\n".join([header] + lines_a + lines_b + lines_c + lines_d) + "\n"
    fields, rows = fltest.parse_flowlog(text)
    exp = Expect(fields)
    want = exp.records(rows)                 # (tid, rec) in input order
    want_d = Expect(fields).records(
        fltest.parse_flowlog("\n".join(lines_d), fields)[1])

    col = RestartCollector(host)
    col.start()
    errf = open(env.path("restart.stderr"), "wb")
    cmd = env.cmd("-o", dest(host, col.port), "-")
    fltest.log("$ " + " ".join(cmd) + "  (stdin written in bursts)")
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=errf)

    # The writer runs in its own thread: the exporter may stop reading its
    # stdin while it cannot send (back-pressure), and that must not stall
    # the collector's restart.
    wstate = {"step": "start", "error": None}

    def writer():
        try:
            def write(lines, step):
                wstate["step"] = step
                proc.stdin.write(("\n".join(lines) + "\n").encode())
                proc.stdin.flush()
            write([header] + lines_a, "burst A")
            wstate["step"] = "waiting for connection 1 to close"
            if not col.closed1.wait(120):
                return
            write(lines_b, "burst B (collector down)")
            wstate["step"] = "waiting for the collector to listen again"
            if not col.listening2.wait(120):
                return
            write(lines_c, "burst C (collector listening again)")
            wstate["step"] = "waiting for data on connection 2"
            wait_for(lambda: col.accepted2.is_set() and col.has_data(col.ev2),
                     120, what="data on connection 2")
            write(lines_d, "burst D (after the reconnection)")
            proc.stdin.close()
            wstate["step"] = "done"
        except Exception as e:
            wstate["error"] = "%s: %r" % (wstate["step"], e)

    def alive():
        return proc.poll() is None

    wt = threading.Thread(target=writer, daemon=True)
    wt.start()
    try:
        try:
            wait_for(lambda: col.closed1.is_set() or not alive(), 60,
                     what="collector to see data records on connection 1")
        except TimeoutError as e:
            ck.check(False, "%s: %s (writer at: %s)"
                     % (what, e, wstate["step"]))
            return
        ck.check(col.has_data(col.ev1),
                 what + ": connection 1 received data records")
        time.sleep(OUTAGE)             # the outage (scenario, not a sync)
        ck.check(alive(), what + ": exporter still running during the "
                 "collector outage (exit status %r)" % proc.poll())
        col.reopen.set()
        try:
            wait_for(lambda: col.accepted2.is_set() or not alive(), 60,
                     what="exporter to reconnect")
        except TimeoutError as e:
            ck.check(False, "%s: %s (writer at: %s)"
                     % (what, e, wstate["step"]))
            return
        ck.check(col.accepted2.is_set(),
                 what + ": exporter reconnected after the collector restart"
                 " (exit status %r)" % proc.poll())
        wt.join(120)
        ck.eq(wstate["error"], None, what + ": writing the input")
        ck.eq(wstate["step"], "done", what + ": writer finished")
        try:
            rc = proc.wait(120)
        except subprocess.TimeoutExpired:
            ck.check(False, what + ": exporter did not exit after EOF")
            return
        fltest.log("  exporter exit status: %d" % rc)
        ck.eq(rc, 0, what + ": exit status")
        col.join(60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        errf.close()
        with open(env.path("restart.stderr"), "rb") as f:
            tail = f.read()[-1500:].decode(errors="replace")
        if ck.failures:
            fltest.log("  exporter stderr (tail):\n" + tail)

    ck.eq(col.error, None, what + ": collector errors")
    ck.eq(col.r1, "stopped", what + ": connection 1 decoded cleanly")
    ck.eq(col.r2, "eof", what + ": connection 2 decoded to its end without "
          "errors (a data set without a template on this connection is an "
          "error)")
    ck.eq(col.extra_conns, 0, what + ": no third connection")

    # new connection: templates first
    sets2 = [e for e in col.ev2 if e.kind in ("template", "record")]
    if ck.check(sets2, what + ": connection 2 carried sets"):
        ck.check(sets2[0].kind == "template" and sets2[0].setid in (2, 3),
                 what + ": first set on connection 2 is a template set "
                 "(got %r)" % (sets2[0],))
        first_data = next((i for i, e in enumerate(sets2)
                           if e.kind == "record"), None)
        ck.check(first_data is not None and
                 all(e.kind == "template" for e in sets2[:first_data]),
                 what + ": template sets (2/3) before any data set")
    sv2 = fltest.StreamView(col.ev2)
    used = sorted({e.tid for e in sv2.data})
    tmpl2 = {e.tid for e in sv2.templates}
    ck.eq([t for t in used if t not in tmpl2], [],
          what + ": data template IDs used on connection 2 without a "
          "template on connection 2")
    # options records for every ID used after the restart
    fltest.check_options(ck, sv2, exp, rows, what + " (connection 2)")

    # every record correct and in input order, on both connections
    for name, evs in (("connection 1", col.ev1), ("connection 2", col.ev2)):
        data = [(e.tid, e.rec) for e in fltest.StreamView(evs).data]
        j, bad = 0, []
        for n, got in enumerate(data):
            while j < len(want) and want[j] != got:
                j += 1
            if j == len(want):
                bad.append((n + 1, got))
                j = 0
            else:
                j += 1
        ck.eq(bad[:3], [], "%s: %s records that are not the expected "
              "record of an input line, in input order [(n, record)]"
              % (what, name))
        fltest.log("  %s: %d data records" % (name, len(data)))
    got2 = [(e.tid, e.rec) for e in sv2.data]
    ck.eq(len(got2) >= len(want_d) and got2[-len(want_d):] == want_d, True,
          what + ": every record of the burst written after the "
          "reconnection arrived, in order, on connection 2")
    # at least once: every input record on one connection or the other
    def key(x):
        return repr(fltest._rec_key(x))
    have = collections.Counter(key(x) for x in
                               [(e.tid, e.rec) for e in
                                fltest.StreamView(col.ev1).data] + got2)
    need = collections.Counter(key(x) for x in want)
    lost = sum(max(0, n - have[k]) for k, n in need.items())
    dups = sum(max(0, n - need[k]) for k, n in have.items())
    fltest.log("  records lost around the outage: %d, duplicates: %d"
               % (lost, dups))
    ck.eq(lost, 0, what + ": input records that arrived on neither "
          "connection (at least once over TCP)")


def have_ipv6_loopback():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def main(env):
    env.check()
    ck = fltest.Checker("tcp_collector")
    text = fltest.gen_text("v5", 1500, 51)
    plain(env, ck, "127.0.0.1", text, "tcp-ipv4")
    if have_ipv6_loopback():
        plain(env, ck, "::1", fltest.gen_text("v2", 200, 52), "tcp-ipv6")
    else:
        fltest.log("  (no IPv6 loopback here: tcp://[::1] part not run)")
    restart(env, ck, "127.0.0.1")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
