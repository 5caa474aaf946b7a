#!/usr/bin/python3
"""rotate_output: -o dir://DIR, rotating IPFIX files handed over by rename.

Input is tests/flowgen text (v5-29, with header), so every optional element
and both IP versions occur.  Checked for each run:

1. --rotate-bytes 96K, --threads 2: several files named
   flowlog2ipfix-YYYYMMDDhhmmss-SEQ.ipfix (UTC time within the run, SEQ
   00000, 00001, ... without gaps), no hidden temporary file left; every
   file decodes on its own with python3-ipfix (a data set without its
   template in the same file is an error) and with ipfixDump (exit 0,
   nothing on stderr); in every file each interface/VRF ID has its options
   record before its first data record there (the files are
   self-contained); the files read in sequence order give exactly the
   expected records of the input lines, in order; ipfixDump's per-template
   counts add up to records_out of --stats-json, and bytes_out is the sum
   of the file sizes.
2. The same with --no-options (no options templates or records anywhere)
   and with --output-dir and --rotate-prefix.
3. --rotate-compress gzip: *.ipfix.gz files that gunzip to the same
   checks.
4. --rotate 1 on a slow standard input: a file is completed while the
   program is still running (time rotation without SIGHUP).
5. SIGHUP on a running process completes the current file at once (the
   test waits for the final name to appear); SIGTERM then completes the
   last one and the program exits 0; the files hold all records.
6. SIGKILL in the middle of a run: no file under a final name is
   incomplete (each decodes to the end), the temporary file is hidden; the
   next run in the same directory completes it (or removes it when it
   holds no flow record), says so, and writes its files; every file then
   decodes on its own.  (rotate_recover.py checks that no committed record
   is lost.)
7. A second process on the same directory and prefix is refused (exit 1)
   while the first runs.
"""

import glob
import gzip
import io
import json
import os
import re
import signal
import subprocess
import sys
import threading
import fcntl
import struct
import termios
import time
import warnings

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import Expect, StreamView, wait_for  # noqa: E402

NAME_RE = re.compile(r"^(?P<prefix>.+)-(?P<ts>\d{14})-(?P<seq>\d{5})"
                     r"\.ipfix(?P<gz>\.gz)?$")


def flowgen(env, lines, seed=7):
    exe = os.environ.get("FL_FLOWGEN") or os.path.join(
        env.srcdir, "tests", "flowgen")
    if not os.access(exe, os.X_OK):
        fltest.die("tests/flowgen not built (%s)" % exe)
    return subprocess.run([exe, "--format", "v5-29", "--header", "--lines",
                           str(lines), "--seed", str(seed)],
                          check=True, stdout=subprocess.PIPE).stdout.decode()


def final_files(d):
    return sorted(n for n in os.listdir(d) if NAME_RE.match(n))


def temp_files(d):
    return sorted(n for n in os.listdir(d)
                  if n.startswith(".") and n.endswith(".tmp"))


def decode(path):
    """Events of one file, decoded on its own (its own template table)."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".gz"):
        data = gzip.decompress(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return list(fltest.iter_events(io.BytesIO(data)))


def ipfixdump_counts(ck, what, path, env):
    """Data records per data template ID (1024..1279) by ipfixDump."""
    src = path
    if path.endswith(".gz"):
        src = path[:-3] + ".plain"
        with open(src, "wb") as f:
            f.write(gzip.decompress(open(path, "rb").read()))
    r = subprocess.run(["ipfixDump", "--in", src, "--element-file",
                        env.infomodel, "--stats"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=120)
    if src != path:
        os.unlink(src)
    ck.eq(r.returncode, 0, what + ": ipfixDump exit status")
    ck.eq(r.stderr.decode().strip(), "", what + ": ipfixDump stderr")
    n = 0
    for m in re.finditer(r"^\s*(\d+) \(0x[0-9a-f]+\)\s*\|\s*(\d+)",
                         r.stdout.decode(), re.M):
        if 1024 <= int(m.group(1)) < 1280:
            n += int(m.group(2))
    return n


def check_dir(ck, what, env, d, fields, rows, stats, t0, t1, options=True,
              prefix="flowlog2ipfix", gz=False, min_files=3):
    names = final_files(d)
    exp = Expect(fields)
    ck.check(len(names) >= min_files, "%s: at least %d files, got %d (%s)"
             % (what, min_files, len(names), names))
    ck.eq(temp_files(d), [], what + ": temporary files left")
    seqs = []
    for n in names:
        m = NAME_RE.match(n)
        ck.eq(m.group("prefix"), prefix, what + ": prefix of " + n)
        ck.eq(bool(m.group("gz")), gz, what + ": .gz suffix of " + n)
        ts = time.strftime("%Y%m%d%H%M%S", time.gmtime(t0 - 1))
        te = time.strftime("%Y%m%d%H%M%S", time.gmtime(t1 + 1))
        ck.check(ts <= m.group("ts") <= te, "%s: %s: time %s not within "
                 "the run (UTC %s..%s)" % (what, n, m.group("ts"), ts, te))
        seqs.append(int(m.group("seq")))
    ck.eq(seqs, list(range(len(names))), what + ": sequence numbers")
    everything, dumped, size = [], 0, 0
    for n in names:
        p = os.path.join(d, n)
        size += os.path.getsize(p)
        try:
            ev = decode(p)
        except Exception as e:  # noqa: BLE001 - any decode error fails
            ck.check(False, "%s: %s does not decode on its own: %r"
                     % (what, n, e))
            continue
        sv = StreamView(ev)
        ck.check(len(sv.data) > 0, "%s: %s has data records" % (what, n))
        if options:
            fltest.check_options(ck, sv, exp, rows, "%s: %s" % (what, n))
        else:
            ck.eq([t.tid for t in sv.templates if t.setid == 3], [],
                  "%s: %s: options templates" % (what, n))
        everything.extend(ev)
        dumped += ipfixdump_counts(ck, "%s: %s" % (what, n), p, env)
    fltest.check_stream(ck, everything, exp, rows, what + ": the files in "
                        "sequence order", options=options)
    ck.eq(dumped, stats["records_out"], what + ": ipfixDump's data records "
          "of all files = records_out")
    ck.eq(stats.get("bytes_out"), size, what + ": bytes_out = the files' "
          "sizes")


def batch(env, ck, text, what, args, **kw):
    d = env.path(what.replace(" ", "_"))
    os.mkdir(d)
    inp = env.write(what.replace(" ", "_") + ".log", text)
    sj = d + ".json"
    if "--output-dir" in args:
        args = [a if a != "@DIR" else d for a in args]
        out = []
    else:
        out = ["-o", "dir://" + d]
    t0 = time.time()
    r = env.run(*(out + args + ["--stats-json", sj, inp]), timeout=300)
    t1 = time.time()
    if not ck.eq(r.returncode, 0, what + ": exit status (stderr: %s)"
                 % r.stderr.decode()[-500:]):
        return
    fields, rows = fltest.parse_flowlog(text)
    check_dir(ck, what, env, d, fields, rows, fltest.load_json(sj), t0, t1,
              **kw)


class Feeder(threading.Thread):
    """Writes lines to the program's stdin; stops at stop (then leaves
    stdin open) or closes stdin after the last line when close_at_end."""

    def __init__(self, proc, lines, pause=0.0, close_at_end=False):
        super().__init__(daemon=True)
        self.proc, self.lines, self.pause = proc, lines, pause
        self.close_at_end = close_at_end
        self.stop = threading.Event()
        self.written = 0

    def run(self):
        w = self.proc.stdin
        try:
            for i in range(0, len(self.lines), 500):
                if self.stop.is_set():
                    return
                w.write(("\n".join(self.lines[i:i + 500]) + "\n").encode())
                w.flush()
                self.written = min(i + 500, len(self.lines))
                if self.pause:
                    self.stop.wait(self.pause)
            if self.close_at_end:
                w.close()
        except (BrokenPipeError, ValueError):
            pass


def start(env, d, extra=(), stderr_path=None):
    cmd = env.cmd("-o", "dir://" + d, *extra, "-")
    fltest.log("$ " + " ".join(cmd) + "  (stdin from the test)")
    err = open(stderr_path, "wb") if stderr_path else subprocess.PIPE
    return subprocess.Popen(cmd, stdin=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, stderr=err)


def temp_size(d):
    t = temp_files(d)
    return os.path.getsize(os.path.join(d, t[0])) if len(t) == 1 else 0


def pipe_unread(f):
    """Bytes written to the pipe f that its reader has not read yet."""
    return struct.unpack("i", fcntl.ioctl(f.fileno(), termios.FIONREAD,
                                          b"\0\0\0\0"))[0]


def settled(value, polls=10):
    """A predicate: value() was the same for polls calls in a row."""
    seen = []

    def pred():
        seen.append(value())
        return len(seen) >= polls and len(set(seen[-polls:])) == 1
    return pred


def hup_and_term(env, ck, text):
    """SIGHUP completes the file in hand at once; SIGTERM the last one."""
    what = "SIGHUP"
    d = env.path("hup")
    os.mkdir(d)
    lines = text.rstrip("\n").split("\n")
    half = len(lines) // 2
    sj = env.path("hup.json")
    proc = start(env, d, ["--stats-json", sj], env.path("hup.err"))
    try:
        # The templates reach the temporary file within a second; data
        # makes it grow (options and data records go out together).
        wait_for(lambda: temp_size(d) > 0, 10, what="the temporary file")
        empty = temp_size(d)
        proc.stdin.write(("\n".join(lines[:half]) + "\n").encode())
        proc.stdin.flush()
        wait_for(lambda: temp_size(d) > empty, 20, what="records in the "
                 "temporary file")
        ck.eq(final_files(d), [], what + ": no final file before SIGHUP")
        proc.send_signal(signal.SIGHUP)
        first = wait_for(lambda: final_files(d), 10,
                         what="a final file after SIGHUP")
        ck.eq(len(first), 1, what + ": one file completed by SIGHUP")
        ck.check(proc.poll() is None, what + ": still running after HUP")
        proc.stdin.write(("\n".join(lines[half:]) + "\n").encode())
        proc.stdin.flush()
        wait_for(lambda: temp_size(d) > empty, 20, what="records in the "
                 "second temporary file")
        # SIGTERM stops reading: what is still in the pipe is not input
        # yet.  So first the pipe empty (the program read every line), then
        # the file no longer growing (the last chunk written and flushed).
        wait_for(lambda: pipe_unread(proc.stdin) == 0, 20,
                 what="the program to read the whole second half")
        wait_for(settled(lambda: temp_size(d)), 20,
                 what="the temporary file to stop growing")
        t1 = time.time()
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    ck.eq(rc, 0, what + ": exit status after SIGTERM")
    fields, rows = fltest.parse_flowlog(text)
    check_dir(ck, what + "+SIGTERM", env, d, fields, rows,
              fltest.load_json(sj), t1 - 120, t1, min_files=2)
    ck.eq(len(final_files(d)), 2, what + ": two files (HUP, TERM)")


def time_rotation(env, ck, text):
    what = "--rotate 1"
    d = env.path("timed")
    os.mkdir(d)
    lines = text.rstrip("\n").split("\n")
    proc = start(env, d, ["--rotate", "1"], env.path("timed.err"))
    feeder = Feeder(proc, lines, pause=0.05)
    feeder.start()
    try:
        got = wait_for(lambda: final_files(d), 15,
                       what="a file completed by --rotate 1")
        ck.check(proc.poll() is None and len(got) >= 1, what + ": a file "
                 "is completed while the program runs")
    except TimeoutError as e:
        ck.check(False, "%s: %s" % (what, e))
    feeder.stop.set()
    proc.send_signal(signal.SIGTERM)
    ck.eq(proc.wait(30), 0, what + ": exit status after SIGTERM")
    feeder.join(5)
    ck.eq(temp_files(d), [], what + ": temporary files left")
    for n in final_files(d):
        try:
            decode(os.path.join(d, n))
        except Exception as e:  # noqa: BLE001
            ck.check(False, "%s: %s does not decode: %r" % (what, n, e))


def crash(env, ck, text):
    """SIGKILL: no incomplete file under a final name; the next run
    completes the temporary file."""
    what = "SIGKILL"
    d = env.path("crash")
    os.mkdir(d)
    lines = text.rstrip("\n").split("\n")
    proc = start(env, d, ["--rotate-bytes", "64K", "--threads", "2"],
                 env.path("crash.err"))
    feeder = Feeder(proc, lines * 20, pause=0.02)
    feeder.start()
    try:
        wait_for(lambda: len(final_files(d)) >= 2 and temp_size(d) > 0, 60,
                 what="two files and a temporary file with data")
    finally:
        proc.kill()
        proc.wait()
        feeder.stop.set()
        feeder.join(5)
    names = final_files(d)
    for n in names:
        try:
            sv = StreamView(decode(os.path.join(d, n)))
            ck.check(len(sv.data) > 0, "%s: %s has records" % (what, n))
        except Exception as e:  # noqa: BLE001
            ck.check(False, "%s: %s under a final name does not decode to "
                     "its end: %r" % (what, n, e))
    left = temp_files(d)
    ck.eq(len(left), 1, what + ": one hidden temporary file left")
    # The next run in the same directory.
    inp = env.write("after-crash.log", "\n".join(lines[:2001]) + "\n")
    r = env.run("-o", "dir://" + d, inp, timeout=120)
    ck.eq(r.returncode, 0, what + ": exit status of the next run")
    err = r.stderr.decode()
    # Completed when it held a whole message with flow records (the
    # usual case: it was flushed with data), else removed.
    completed = sum(n in err and "completed an incomplete file" in err
                    for n in left)
    for n in left:
        ck.check(n in err and ("completed an incomplete file" in err
                               or "removed an incomplete file" in err),
                 "%s: the next run says it completed or removed %s "
                 "(stderr: %s)" % (what, n, err[-300:]))
    ck.eq(temp_files(d), [], what + ": temporary files after the next run")
    ck.eq(len(final_files(d)), len(names) + 1 + completed, what + ": the "
          "next run added its file and the completed leftover")
    for n in final_files(d):
        try:
            decode(os.path.join(d, n))
        except Exception as e:  # noqa: BLE001
            ck.check(False, "%s: %s does not decode after the next run: %r"
                     % (what, n, e))


def second_instance(env, ck, text):
    what = "lock"
    d = env.path("locked")
    os.mkdir(d)
    proc = start(env, d, [], env.path("locked.err"))
    try:
        wait_for(lambda: temp_files(d), 10, what="the first process' file")
        inp = env.write("second.log", text)
        r = env.run("-o", "dir://" + d, inp, timeout=60)
        ck.eq(r.returncode, 1, what + ": a second process on the same "
              "directory and prefix: exit status")
        ck.check(b"another process" in r.stderr, what + ": says why (%s)"
                 % r.stderr.decode()[-300:])
        r = env.run("-o", "dir://" + d, "--rotate-prefix", "other", inp,
                    timeout=60)
        ck.eq(r.returncode, 0, what + ": another prefix is fine")
    finally:
        proc.stdin.close()
        ck.eq(proc.wait(30), 0, what + ": the first process ends at EOF")


def main(env):
    env.check()
    ck = fltest.Checker("rotate_output")
    if not os.path.exists("/usr/bin/ipfixDump") and not any(
            os.access(os.path.join(p, "ipfixDump"), os.X_OK)
            for p in os.environ.get("PATH", "").split(":")):
        fltest.die("ipfixDump is not installed (libfixbuf-tools)",
                   fltest.SKIP)
    text = flowgen(env, 6000)
    batch(env, ck, text, "bytes", ["--rotate-bytes", "96K", "--threads",
                                   "2"])
    batch(env, ck, text, "no options", ["--rotate-bytes", "96K",
                                        "--no-options"], options=False)
    batch(env, ck, text, "output dir", ["--output-dir", "@DIR",
                                        "--rotate-bytes", "128K",
                                        "--rotate-prefix", "vpc-a",
                                        "--threads", "1"], prefix="vpc-a")
    batch(env, ck, text, "gzip", ["--rotate-bytes", "96K",
                                  "--rotate-compress", "gzip"], gz=True)
    small = flowgen(env, 3000, seed=11)
    hup_and_term(env, ck, small)
    time_rotation(env, ck, small)
    crash(env, ck, small)
    second_instance(env, ck, small)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
