#!/usr/bin/python3
"""daemon_life: --pidfile, logging, SIGINT, SIGHUP's --id-map reload.

The program runs on a standard input the test holds open, so it lives
until a signal ends it; every wait is on a condition (a file, a line).

1. --pidfile: the file appears holding the process ID; a second process
   with the same --pidfile exits 1 saying it is already running; SIGINT
   ends the first with exit 0 and a complete output, and the pid file is
   gone.  A stale pid file (a process that has exited) is replaced, with a
   warning.
2. --log-file: messages go to the file (time stamp, process ID), not to
   standard error; after the file is renamed away, SIGHUP makes the program
   write a new one (logrotate's way); --log-level error leaves the
   warning about a rejected line out, --log-level warning has it.
3. --log journal: warnings on standard error carry the journal's <4>
   priority, and so they do without --log when JOURNAL_STREAM names
   standard error (as systemd sets it), not when it names another stream; --log syslog runs (exit 0) and keeps the warning off standard
   error (no syslog daemon is needed: syslog(3) drops what it cannot send).
4. --id-map and SIGHUP: an ENI pinned to one ID and description is
   exported with them; the map is changed and SIGHUP sent: the file in
   hand is completed, and the records that follow carry the new ID and
   the new description in the next file; a map broken on disk at the next
   SIGHUP is refused with a warning and the last good one stays in use.
"""

import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import StreamView, wait_for  # noqa: E402

HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport "
          "protocol packets bytes start end action log-status")


def line(eni, i):
    return ("2 123456789012 %s 10.0.%d.%d 10.1.0.1 %d 443 6 10 840 "
            "1700000000 1700000060 ACCEPT OK" % (eni, i // 250 % 250,
                                                 i % 250 + 1, 1024 + i))


def start(env, args, err_path):
    cmd = env.cmd(*args, "-")
    fltest.log("$ " + " ".join(cmd) + "  (stdin from the test)")
    return subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL,
                            stderr=open(err_path, "wb"))


def send(proc, lines):
    proc.stdin.write(("\n".join(lines) + "\n").encode())
    proc.stdin.flush()


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def stop(proc, sig=signal.SIGTERM):
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def pidfile(env, ck):
    what = "--pidfile"
    pf, out = env.path("run.pid"), env.path("pid.ipfix")
    proc = start(env, ["--pidfile", pf, "-o", out], env.path("pid.err"))
    try:
        wait_for(lambda: read(pf).endswith("\n"), 10, what="the pid file")
        ck.eq(read(pf), "%d\n" % proc.pid, what + ": holds the process ID")
        send(proc, [HEADER] + [line("eni-0a1b2c3d4e5f60001", i)
                               for i in range(50)])
        r = env.run("--pidfile", pf, "-o", env.path("second.ipfix"),
                    env.write("one.log", HEADER + "\n"), timeout=30)
        ck.eq(r.returncode, 1, what + ": a second process: exit status")
        ck.check(b"already running" in r.stderr, what + ": the second "
                 "says why: " + r.stderr.decode()[-200:])
        ck.check(proc.poll() is None, what + ": the first still runs")
        ck.eq(read(pf), "%d\n" % proc.pid, what + ": still the first's")
        rc = stop(proc, signal.SIGINT)
    finally:
        stop(proc, signal.SIGKILL)
    ck.eq(rc, 0, what + ": exit status after SIGINT")
    ck.check(not os.path.exists(pf), what + ": removed at exit")
    try:
        sv = StreamView(fltest.read_events(out))
        ck.eq(len(sv.data), 50, what + ": records in the output after "
              "SIGINT")
    except Exception as e:  # noqa: BLE001
        ck.check(False, "%s: output after SIGINT does not decode: %r"
                 % (what, e))
    # A stale file: the process ID of a process that has exited.
    gone = subprocess.Popen(["true"])
    gone.wait()
    with open(pf, "w") as f:
        f.write("%d\n" % gone.pid)
    r = env.run("--pidfile", pf, "-o", env.path("stale.ipfix"),
                env.write("two.log", HEADER + "\n" + line("eni-1", 1)),
                timeout=30)
    ck.eq(r.returncode, 0, what + ": a stale pid file: exit status")
    ck.check(b"stale" in r.stderr, what + ": a stale pid file is "
             "reported: " + r.stderr.decode()[-200:])
    ck.check(not os.path.exists(pf), what + ": removed after that run")


def log_file(env, ck):
    what = "--log-file"
    lf, out = env.path("fl.log"), env.path("log.ipfix")
    err = env.path("log.err")
    proc = start(env, ["--log-file", lf, "-o", out], err)
    try:
        send(proc, [HEADER, "2 123 eni-1 not-an-address"])
        wait_for(lambda: "not-an-address" in read(lf) or "field" in read(lf),
                 10, what="the rejected line's warning in the log file")
        first = read(lf)
        ck.check("warning:" in first and "flowlog2ipfix[%d]" % proc.pid
                 in first, what + ": time stamp, process ID, level: "
                 + first[-200:])
        ck.check(first[:4].isdigit() and "T" in first[:20], what + ": a "
                 "time stamp starts the line: " + first[:40])
        os.rename(lf, lf + ".1")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "SIGHUP" in read(lf), 10,
                 what="a new log file after SIGHUP")
        ck.check("SIGHUP" not in read(lf + ".1"), what + ": the renamed "
                 "file is no longer written")
        rc = stop(proc)
    finally:
        stop(proc, signal.SIGKILL)
    ck.eq(rc, 0, what + ": exit status")
    ck.check("not-an-address" not in read(err) and "SIGHUP" not in
             read(err), what + ": messages not on standard error")
    bad = env.write("bad.log", HEADER + "\n2 123 eni-1 x\n")
    for level, want in (("error", False), ("warning", True)):
        lf2 = env.path("level-%s.log" % level)
        r = env.run("--log-file", lf2, "--log-level", level, "-o",
                    env.path("lvl.ipfix"), bad, timeout=30)
        ck.eq(r.returncode, 0, "--log-level %s: exit status" % level)
        ck.eq("bad.log:2" in read(lf2), want, "--log-level %s: the "
              "rejected line's warning in the log" % level)


def log_dest(env, ck):
    bad = env.write("bad2.log", HEADER + "\n2 123 eni-1 x\n")
    r = env.run("--log", "journal", "-o", env.path("j.ipfix"), bad,
                timeout=30)
    ck.eq(r.returncode, 0, "--log journal: exit status")
    warn = [ln for ln in r.stderr.decode().splitlines() if "bad2.log:2" in ln]
    ck.check(len(warn) == 1 and warn[0].startswith("<4>"),
             "--log journal: the warning has priority <4>: %r" % warn)
    # Started by systemd: JOURNAL_STREAM names standard error's device
    # and inode; a value naming another stream changes nothing.
    for match in (True, False):
        errp = env.path("js-%s.err" % match)
        with open(errp, "wb") as ef:
            st = os.fstat(ef.fileno())
            e = dict(os.environ, JOURNAL_STREAM="%d:%d" % (
                st.st_dev, st.st_ino + (0 if match else 1)))
            rc = subprocess.run(env.cmd("-o", env.path("js.ipfix"), bad),
                                stderr=ef, env=e, timeout=30).returncode
        ck.eq(rc, 0, "JOURNAL_STREAM %s: exit status" % match)
        warn = [ln for ln in read(errp).splitlines() if "bad2.log:2" in ln]
        ck.eq([w[:3] for w in warn], ["<4>" if match else "flo"],
              "JOURNAL_STREAM %s: journal priorities on stderr" % match)
    r = env.run("--log", "syslog", "-o", env.path("s.ipfix"), bad,
                timeout=30)
    ck.eq(r.returncode, 0, "--log syslog: exit status")
    ck.check(b"bad2.log:2" not in r.stderr, "--log syslog: the warning is "
             "not on standard error")
    r = env.run("--log", "syslog", "--log-file", env.path("x.log"), bad)
    ck.eq(r.returncode, 1, "--log syslog with --log-file: usage error")


def temp_size(d):
    t = [n for n in os.listdir(d) if n.endswith(".tmp")]
    return os.path.getsize(os.path.join(d, t[0])) if len(t) == 1 else 0


def finals(d):
    return sorted(n for n in os.listdir(d) if not n.startswith("."))


def id_map_reload(env, ck):
    what = "--id-map SIGHUP"
    eni = "eni-0123456789abcdef0"
    idmap = env.write("map.csv", "interface,%s,1000,first map\n" % eni)
    d = env.path("idmap")
    os.mkdir(d)
    err = env.path("idmap.err")
    proc = start(env, ["--id-map", idmap, "-o", "dir://" + d], err)
    try:
        wait_for(lambda: temp_size(d) > 0, 10, what="the temporary file")
        empty = temp_size(d)
        send(proc, [HEADER] + [line(eni, i) for i in range(20)])
        wait_for(lambda: temp_size(d) > empty, 20, what="records written")
        env.write("map.csv", "interface,%s,2000,second map\n" % eni)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: len(finals(d)) == 1, 10, what="the first file")
        send(proc, [line(eni, i) for i in range(20, 50)])
        wait_for(lambda: temp_size(d) > empty, 20, what="records written "
                 "after SIGHUP")
        env.write("map.csv", "interface,%s,oops\n" % eni)
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "stays in use" in read(err), 10,
                 what="the broken map refused")
        wait_for(lambda: len(finals(d)) == 2, 10, what="the second file")
        send(proc, [line(eni, i) for i in range(50, 60)])
        wait_for(lambda: temp_size(d) > empty, 20, what="records written "
                 "after the broken map")
        rc = stop(proc)
    finally:
        stop(proc, signal.SIGKILL)
    ck.eq(rc, 0, what + ": exit status")
    files = finals(d)
    ck.eq(len(files), 3, what + ": files (SIGHUP, SIGHUP, SIGTERM)")
    want = [(20, 1000, "first map"), (30, 2000, "second map"),
            (10, 2000, "second map")]
    for n, (count, iid, desc) in zip(files, want):
        sv = StreamView(fltest.read_events(os.path.join(d, n)))
        ck.eq(len(sv.data), count, "%s: %s: records" % (what, n))
        ck.eq(sorted({e.rec.get("ingressInterface") for e in sv.data}),
              [iid], "%s: %s: ingressInterface" % (what, n))
        opts = {e.rec["ingressInterface"]: e.rec.get("interfaceDescription")
                for e in sv.options if e.tid == fltest.TID_INTERFACE_OPT}
        ck.eq(opts.get(iid), desc, "%s: %s: description of %d"
              % (what, n, iid))


def main(env):
    env.check()
    ck = fltest.Checker("daemon_life")
    pidfile(env, ck)
    log_file(env, ck)
    log_dest(env, ck)
    id_map_reload(env, ck)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
