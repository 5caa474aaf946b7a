#!/usr/bin/python3
"""pubsub_push: --listen-pubsub on 127.0.0.1 (a port picked here) with
--pubsub-token, fed real Pub/Sub push bodies (base64 LogEntry JSON in
message.data, messageId, attributes, publishTime, subscription) by a
Python client, as a push subscription sends them.

Asserted: good messages answered 204 (only once committed: their records
are in the output after the program ends); bad base64 and bad JSON inside
the data answered 400, logged naming their messageId and counted as
rejected; a body that is no push body 400; a wrong token 403, no token
403; GET 405; another path 404; a body over 16 MiB 413 without being read;
a slow client sending half a body, and one sending half a head, are cut
off by the server while good requests are answered meanwhile; twenty
connections opened and dropped are survived; the program stops on SIGTERM
within seconds.  The IPFIX output is decoded by python3-ipfix and
compared field by field with the entries sent.
"""

import base64
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import gcp_flow  # noqa: E402

TOKEN = "s3cr3t-token"
SUB = "projects/host-proj/subscriptions/flows-push"


def body(data, msg_id):
    return json.dumps({
        "message": {"data": data, "messageId": msg_id,
                    "message_id": msg_id,
                    "attributes": {"logging.googleapis.com/timestamp":
                                   "2024-05-25T12:01:00.123Z"},
                    "publishTime": "2024-05-25T12:01:01.5Z",
                    "publish_time": "2024-05-25T12:01:01.5Z"},
        "subscription": SUB}).encode()


def good(f, msg_id):
    raw = json.dumps(gcp_flow.entry(**f)).encode()
    return body(base64.b64encode(raw).decode(), msg_id)


def post(port, path, data, method="POST", timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request(method, path, body=data,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


def raw(port, data, wait=True, timeout=30):
    """Sends data on a new connection; returns what the server answered
    before closing (b"" when it closed without a word)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    got = b""
    if wait:
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except ConnectionResetError:
            pass
    s.close()
    return got


def main(env):
    env.check()
    ck = fltest.Checker("pubsub_push")
    port = fltest.free_port()
    out, stats = env.path("out.ipfix"), env.path("stats.json")
    errf = open(env.path("stderr"), "w+b")
    cmd = env.cmd("--listen-pubsub", "127.0.0.1:%d/push" % port,
                  "--pubsub-token", TOKEN, "-o", out, "--time-elements",
                  "both", "--stats-json", stats)
    fltest.log("$ " + " ".join(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf)
    try:
        def listening():
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return True
            except OSError:
                return False
        fltest.wait_for(listening, timeout=10, what="the listener")
        path = "/push?token=" + TOKEN

        # Slow clients first, left hanging while the rest goes on.
        slow = {}

        def slow_body():
            slow["body"] = raw(port, b"POST " + path.encode() +
                               b" HTTP/1.1\r\nContent-Length: 1000\r\n\r\n"
                               b"{\"message\":")

        def slow_head():
            slow["head"] = raw(port, b"POST " + path.encode() +
                               b" HTTP/1.1\r\nContent-Le")
        threads = [threading.Thread(target=slow_body),
                   threading.Thread(target=slow_head)]
        for t in threads:
            t.start()

        flows = gcp_flow.FLOWS
        for i, f in enumerate(flows):
            ck.eq(post(port, path, good(f, "100%d" % i)), 204,
                  "good message %d" % i)
        ck.eq(post(port, path, body("!!not base64!!", "2001")), 400,
              "bad base64")
        ck.eq(post(port, path, body(base64.b64encode(b"{not json").decode(),
                                    "2002")), 400, "bad JSON in the data")
        ck.eq(post(port, path, b"hello"), 400, "not a push body")
        ck.eq(post(port, "/push?token=wrong", good(flows[0], "3001")), 403,
              "wrong token")
        ck.eq(post(port, "/push", good(flows[0], "3002")), 403, "no token")
        ck.eq(post(port, path, None, method="GET"), 405, "GET")
        ck.eq(post(port, "/other?token=" + TOKEN, good(flows[0], "3003")),
              404, "another path")
        huge = raw(port, b"POST " + path.encode() + b" HTTP/1.1\r\n"
                   b"Content-Length: 17000000\r\n\r\n" + b"x" * 65536)
        ck.check(huge.startswith(b"HTTP/1.1 413"),
                 "a body over 16 MiB: 413 (%r)" % huge[:40])
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"POST /push")
            s.close()

        # The slow ones are cut off by the server (10 s per read).
        for t in threads:
            t.join(40)
        ck.check(not any(t.is_alive() for t in threads),
                 "slow clients cut off by the server")
        ck.check(slow.get("body", b"").startswith(b"HTTP/1.1 408")
                 or slow.get("body") == b"",
                 "half a body: 408 or closed (%r)" % slow.get("body"))
        ck.eq(slow.get("head"), b"", "half a head: closed")
        # Still serving after all that.
        ck.eq(post(port, path, good(flows[0], "4001")), 204,
              "good message after the hostile ones")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            ck.check(False, "stopped by SIGTERM within 15 s")
    errf.seek(0)
    err = errf.read().decode()
    errf.close()
    fltest.log(err)
    for msg_id, what in (("2001", "not base64"), ("2002", "")):
        ck.check(any(SUB + "/" + msg_id in ln and "skipped" in ln
                     and what in ln for ln in err.splitlines()),
                 "the bad message %s named in the log" % msg_id)
    st = fltest.load_json(stats)
    ck.eq(st["rejected"], 2, "rejected: the two bad messages")
    ck.eq(st["records_out"], len(flows) + 1, "records out")
    events = fltest.read_events(out)
    recs = [e.rec for e in events if e.kind == "record" and not e.options]
    gcp_flow.compare(ck, "push", recs, flows + [flows[0]])
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
