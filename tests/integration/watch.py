#!/usr/bin/python3
"""watch.py: --watch reads each file of a watched directory exactly once,
and only once it is complete.

Every line written carries a flow key of its own (source address = file,
source port = line), so the decoded output (python3-ipfix) shows whether
a line went out never, once or twice:
  1. a file there before the start, a file written slowly in pieces (the
     pauses are longer than --settle: only the close makes it complete),
     one written under a hidden .tmp name and renamed into place, one left
     as .part (never an input), a subdirectory made after the start, and a
     burst of 1,000 small files;
  2. the run is stopped (SIGTERM) in the middle of a second burst and
     started again with the same --state: no key is missing or repeated
     across the two outputs, and the second run skips what the first did;
  3. --after-processing delete and move:DIR: when a file leaves the
     directory, every one of its records is in the output already (the
     output read up to its last complete message at that moment).
"""

import collections
import io
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import Checker, log, wait_for  # noqa: E402

HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport "
          "protocol packets bytes start end action log-status")


def line(fid, n):
    """Line n of file fid: its key is (10.x.y.z of fid, port n)."""
    return ("2 123456789012 eni-0a1b2c3d4e5f60001 10.%d.%d.%d 192.0.2.1 %d "
            "443 6 10 840 1700000000 1700000060 ACCEPT OK"
            % (fid >> 16 & 255, fid >> 8 & 255, fid & 255, n + 1))


def text(fid, nlines):
    return HEADER + "\n" + "".join(line(fid, i) + "\n"
                                   for i in range(nlines))


def keys_of(fid, nlines):
    return [("10.%d.%d.%d" % (fid >> 16 & 255, fid >> 8 & 255, fid & 255),
             i + 1) for i in range(nlines)]


def write_atomic(path, data):
    tmp = os.path.join(os.path.dirname(path),
                       "." + os.path.basename(path) + ".tmp")
    with open(tmp, "w") as f:
        f.write(data)
    os.rename(tmp, path)


def complete_prefix(data):
    """The bytes of the whole IPFIX messages at the start of data."""
    pos = 0
    while pos + 16 <= len(data):
        n = data[pos + 2] << 8 | data[pos + 3]
        if n < 16 or pos + n > len(data):
            break
        pos += n
    return data[:pos]


def output_keys(path, partial=False):
    """Counter of (source address, source port) of the data records."""
    with open(path, "rb") as f:
        data = f.read()
    if partial:
        data = complete_prefix(data)
    c = collections.Counter()
    for ev in fltest.iter_events(io.BytesIO(data)):
        if ev.kind == "record" and not ev.options:
            c[(str(ev.rec["sourceIPv4Address"]),
               ev.rec["sourceTransportPort"])] += 1
    return c


def journal_count(path):
    try:
        with open(path) as f:
            return sum(1 for ln in f if ln.startswith("file\t"))
    except FileNotFoundError:
        return 0


class Run:
    def __init__(self, env, name, args):
        self.out = env.path(name + ".ipfix")
        self.stats = env.path(name + ".json")
        self.err = open(env.path(name + ".err"), "w+")
        cmd = env.cmd("-o", self.out, "--stats-json", self.stats,
                      "--threads", "2", *args)
        log("$ " + " ".join(cmd))
        self.p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                  stderr=self.err)

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait()
        self.err.seek(0)
        self.errtext = self.err.read()
        self.err.close()
        return rc


def part_one_two(env, ck):
    d = env.path("spool")
    state = env.path("state")
    os.makedirs(d)
    expect = collections.Counter()

    def add(fid, n):
        for k in keys_of(fid, n):
            expect[k] += 1

    # There before the start, old enough to be complete at once.
    with open(os.path.join(d, "pre.log"), "w") as f:
        f.write(text(1, 20))
    os.utime(os.path.join(d, "pre.log"), (time.time() - 3600,) * 2)
    add(1, 20)
    a = Run(env, "a", ["--watch", "--settle", "1", "--state", state, d])
    wait_for(lambda: journal_count(state) == 1, 20, what="pre.log done")

    # Written in five pieces, 1.5 s apart (--settle is 1 s): only the
    # close makes it complete.
    body = text(2, 50).splitlines(True)
    with open(os.path.join(d, "slow.log"), "w") as f:
        for i in range(5):
            f.writelines(body[i * 10:(i + 1) * 10 + (1 if i == 4 else 0)])
            f.flush()
            time.sleep(1.5)
            ck.eq(journal_count(state), 1,
                  "slow.log not taken after piece %d of 5" % (i + 1))
    add(2, 50)
    # Renamed into place; a .part never renamed is not an input.
    write_atomic(os.path.join(d, "renamed.log"), text(3, 30))
    add(3, 30)
    with open(os.path.join(d, "left.part"), "w") as f:
        f.write(text(4, 30))
    os.makedirs(os.path.join(d, "2024", "05"))
    write_atomic(os.path.join(d, "2024", "05", "deep.log"), text(5, 7))
    add(5, 7)
    # A burst of 1,000 small files.
    for i in range(1000):
        with open(os.path.join(d, "burst-%04d.log" % i), "w") as f:
            f.write(text(100 + i, 3))
        add(100 + i, 3)
    wait_for(lambda: journal_count(state) == 1004, 60,
             what="1,004 files in the journal")

    # A second burst, stopped in the middle, then resumed.
    for i in range(1000):
        with open(os.path.join(d, "second-%04d.log" % i), "w") as f:
            f.write(text(2000 + i, 3))
        add(2000 + i, 3)
    wait_for(lambda: journal_count(state) > 1004, 30, what="second burst")
    ck.eq(a.stop(), 0, "first run: exit status after SIGTERM")
    first = journal_count(state)
    log("first run stopped after %d of 2,004 files" % first)
    for i in range(1000, 1100):          # more while it is down
        with open(os.path.join(d, "second-%04d.log" % i), "w") as f:
            f.write(text(2000 + i, 3))
        add(2000 + i, 3)
    b = Run(env, "b", ["--watch", "--settle", "1", "--state", state, d])
    wait_for(lambda: journal_count(state) == 2104, 60,
             what="2,104 files in the journal")
    ck.eq(b.stop(), 0, "second run: exit status after SIGTERM")

    got = output_keys(a.out) + output_keys(b.out)
    missing = [k for k in expect if got[k] == 0]
    twice = [k for k in got if got[k] > 1]
    extra = [k for k in got if k not in expect]
    ck.eq(len(missing), 0, "keys missing (e.g. %s)" % missing[:3])
    ck.eq(len(twice), 0, "keys exported twice (e.g. %s)" % twice[:3])
    ck.eq(len(extra), 0, "keys of no input (e.g. .part: %s)" % extra[:3])
    ck.eq(sum(got.values()), sum(expect.values()), "records in all")
    sb = fltest.load_json(b.stats)
    ck.eq(sb["objects_skipped"], first,
          "second run skips what the first did (--state)")
    ck.eq(sb["objects"], 2104 - first, "second run reads the rest")
    ck.check(os.path.exists(os.path.join(d, "left.part")),
             "the .part file is left alone")


def part_three(env, ck, mode):
    d = env.path("spool-" + mode)
    dest = env.path("moved")
    os.makedirs(os.path.join(d, "sub"))
    arg = "delete" if mode == "delete" else "move:" + dest
    r = Run(env, mode, ["--watch", "--settle", "1", "--after-processing",
                        arg, d])
    base = 5000 if mode == "delete" else 6000
    for i in range(40):
        name = os.path.join("sub" if i % 2 else "", "f%02d.log" % i)
        src = os.path.join(d, name)
        write_atomic(src, text(base + i, 200))
        wait_for(lambda: not os.path.exists(src), 20,
                 what="%s acted on" % name)
        # The moment it left, its records were out.
        got = output_keys(r.out, partial=True)
        miss = [k for k in keys_of(base + i, 200) if got[k] != 1]
        ck.eq(len(miss), 0, "%s %s: records out before it left (missing "
              "%s)" % (mode, name, miss[:3]))
        if mode != "delete":
            ck.check(os.path.exists(os.path.join(dest, name)),
                     "%s moved to %s" % (name, dest))
    ck.eq(r.stop(), 0, "%s run: exit status" % mode)
    ck.eq(fltest.load_json(r.stats)["objects_committed"], 40,
          "%s: 40 objects committed" % mode)


def main(env):
    env.check()
    if not os.path.isdir("/proc/sys/fs/inotify"):
        fltest.die("no inotify on this system: --watch would only poll",
                   fltest.SKIP)
    ck = Checker("watch")
    os.makedirs(env.path("u"))
    f = env.write("u.log", text(9, 1))
    for args, what in (
            (["--watch", "--after-processing", "copy", env.path("u")],
             "an unknown --after-processing"),
            (["--after-processing", "delete", env.path("u")],
             "--after-processing without --watch"),
            (["--watch", f], "--watch without a directory"),
            (["--watch", env.path("u"), f], "--watch, directory not last")):
        r = env.run("-o", env.path("u.ipfix"), *args)
        ck.eq(r.returncode, 1, "%s: usage error (%s)"
              % (what, r.stderr.decode().strip()))
    part_one_two(env, ck)
    part_three(env, ck, "delete")
    part_three(env, ck, "move")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
