#!/usr/bin/python3
"""udp_refused: UDP to a port where nothing listens is not a success.

1. A closed port on 127.0.0.1 (bound, then closed by the test, so nothing
   listens): every datagram draws an ICMP port unreachable. The run ends
   with status 3, says how many datagrams were refused, and
   datagrams_refused in --stats-json matches that number and is at least
   the number of datagrams a listening server receives for the same input
   (run 3), less nothing: all of them were refused.
2. The same with --udp-best-effort: status 0, the count still reported.
3. With a server listening: status 0, datagrams_refused 0, and the server
   receives IPFIX (first bytes version 10).
"""

import os
import re
import socket
import sys
import threading

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402


def closed_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main(env):
    env.check()
    ck = fltest.Checker("udp_refused")
    inp = env.write("in.log", fltest.gen_text("v5", 3000, 81))

    # 3 first: how many datagrams this input makes
    srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    srv.bind(("127.0.0.1", 0))
    got = []

    def serve():
        srv.settimeout(2.0)
        while True:
            try:
                got.append(srv.recv(65536))
            except (socket.timeout, OSError):
                return

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    stats = env.path("ok.json")
    r = env.run("-o", "udp://127.0.0.1:%d" % srv.getsockname()[1],
                "--stats-json", stats, inp)
    th.join(30)
    srv.close()
    ck.eq(r.returncode, 0, "listening: exit status (%s)"
          % r.stderr.decode(errors="replace")[-500:])
    ck.eq(fltest.load_json(stats).get("datagrams_refused"), 0,
          "listening: datagrams_refused")
    ck.check(got and all(d[:2] == b"\x00\x0a" for d in got),
             "listening: the server received IPFIX datagrams (%d)" % len(got))
    sent = len(got)

    for what, extra, status in (("refused", (), 3),
                                ("best-effort", ("--udp-best-effort",), 0)):
        stats = env.path(what + ".json")
        r = env.run("-o", "udp://127.0.0.1:%d" % closed_port(),
                    "--stats-json", stats, *extra, inp)
        err = r.stderr.decode(errors="replace")
        fltest.log("  %s: exit %d: %s" % (what, r.returncode,
                                          err.strip().splitlines()[-3:]))
        ck.eq(r.returncode, status, "%s: exit status (%s)" % (what, err))
        n = fltest.load_json(stats).get("datagrams_refused", -1)
        m = re.search(r"(\d+) of (\d+) datagram\(s\) refused", err)
        ck.check(m is not None, what + ": the run says how many datagrams "
                 "were refused")
        if m:
            ck.eq(int(m.group(1)), n, what + ": the message and "
                  "datagrams_refused agree")
            ck.eq(int(m.group(2)), sent, what + ": datagrams sent = those a "
                  "listening server received")
        # Every datagram is refused on loopback (no ICMP rate limit there).
        ck.eq(n, sent, what + ": datagrams_refused = datagrams sent")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
