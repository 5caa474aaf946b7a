#!/usr/bin/python3
"""progress.py: the progress line is drawn on a terminal only, and never
changes the IPFIX.

The same batch run (12 files, slowed by --max-rate so that it lasts more
than the quarter of a second before the first line) is made
  - with standard error on a pseudo-terminal (Python's pty): the line
    ("N/12 objects", redrawn with "\\r" and erase-to-end-of-line) appears;
  - with standard error on a pipe, and on the terminal with -q: it does not;
  - with -o - and standard error on the terminal: standard output holds
    IPFIX that decodes cleanly, and nothing else.
The data records (python3-ipfix) are the same in every output; the files
differ at most in the export times of the message headers.
"""

import io
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
from fltest import Checker, log  # noqa: E402

N_FILES = 12


def run_pty(cmd, stdout_path=None):
    """Runs cmd with standard error on a new pseudo-terminal (standard
    output to stdout_path, a file, so that nothing waits on a pipe);
    returns (exit status, what it wrote on the terminal, standard
    output bytes)."""
    master, slave = os.openpty()
    log("$ " + " ".join(cmd) + "   (stderr on a pty)")
    so_f = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    p = subprocess.Popen(cmd, stdout=so_f, stderr=slave)
    os.close(slave)
    out = b""
    while True:
        try:
            d = os.read(master, 65536)
        except OSError:         # EIO: the last writer closed the terminal
            break
        if not d:
            break
        out += d
    os.close(master)
    rc = p.wait()
    so = b""
    if stdout_path:
        so_f.close()
        with open(stdout_path, "rb") as f:
            so = f.read()
    return rc, out, so


def records(data):
    return [(ev.tid, sorted(ev.rec.items(), key=lambda kv: kv[0]))
            for ev in fltest.iter_events(io.BytesIO(data))
            if ev.kind == "record"]


def strip_export_times(data):
    """The bytes with each message header's export time zeroed."""
    b = bytearray(data)
    pos = 0
    while pos + 16 <= len(b):
        n = b[pos + 2] << 8 | b[pos + 3]
        b[pos + 4:pos + 8] = b"\0\0\0\0"
        pos += n
    return bytes(b)


def main(env):
    env.check()
    ck = Checker("progress")
    d = env.path("in")
    os.makedirs(d)
    fields = fltest.DEFAULT_FORMAT
    for i in range(N_FILES):
        with open(os.path.join(d, "f%02d.log" % i), "w") as f:
            f.write(" ".join(fields) + "\n" + "\n".join(
                fltest.gen_lines(fields, 250, seed=i + 1)) + "\n")
    base = ["--threads", "2", "--max-rate", "3000"]

    rc, tty, _ = run_pty(env.cmd("-o", env.path("tty.ipfix"), *base, d))
    ck.eq(rc, 0, "terminal run: exit status")
    ck.check(b"/%d objects" % N_FILES in tty,
             "terminal run: a progress line (%r)" % tty[-300:])
    ck.check(b"\r\x1b[K" in tty, "terminal run: the line is redrawn in "
             "place")

    r = env.run("-o", env.path("pipe.ipfix"), *base, d)
    ck.eq(r.returncode, 0, "pipe run: exit status")
    ck.check(b"objects," not in r.stderr and b"\r" not in r.stderr
             and b"\x1b" not in r.stderr,
             "pipe run: no progress line (%r)" % r.stderr[-300:])

    rc, quiet, _ = run_pty(env.cmd("-q", "-o", env.path("q.ipfix"),
                                   *base, d))
    ck.eq(rc, 0, "-q run: exit status")
    ck.eq(quiet, b"", "-q on a terminal: nothing on standard error")

    rc, tty2, so = run_pty(env.cmd("-o", "-", *base, d),
                           stdout_path=env.path("stdout.ipfix"))
    ck.eq(rc, 0, "stdout run: exit status")
    ck.check(b"/%d objects" % N_FILES in tty2,
             "stdout run: the progress line is on the terminal")

    with open(env.path("tty.ipfix"), "rb") as f:
        a = f.read()
    with open(env.path("pipe.ipfix"), "rb") as f:
        b = f.read()
    ra = records(a)
    ck.check(len(ra) > 2500, "records decoded (%d)" % len(ra))
    ck.check(ra == records(b), "terminal and pipe runs: the same records")
    ck.check(strip_export_times(a) == strip_export_times(b),
             "terminal and pipe runs: the same bytes but export times")
    try:
        rs = records(so)
    except Exception as e:  # noqa: BLE001 - any decode failure fails
        rs = None
        ck.check(False, "stdout run: standard output decodes (%s)" % e)
    ck.check(rs == ra, "stdout run: standard output holds the same "
             "records and nothing else")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
