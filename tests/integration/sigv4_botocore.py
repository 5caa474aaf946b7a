#!/usr/bin/python3
"""sigv4_botocore: src/aws/http.c and sigv4.c against botocore, on loopback.

A small HTTP/1.1 server on 127.0.0.1 (port picked by the kernel) checks
every signed request the way AWS would: it rebuilds an AWSRequest from the
method, path, query, body and the headers named in SignedHeaders, lets
botocore's SigV4Auth (S3SigV4Auth for s3) compute the signature for the
request's own X-Amz-Date, and answers 403 when they differ (and 400 when
x-amz-content-sha256 is not the hash of the body).  Requests are made by
tests/aws_http_probe (a C program linked with src/libflowlog.a).

Covered: S3 keys with spaces and UTF-8 in the path, query strings with
reserved characters (+ / = & space ~ %), unsorted queries with lower-case
escapes, session tokens, PUT and POST bodies (sqs JSON, double-encoded
path); a wrong key is refused and not retried.  Faults: 500 then 200,
503 SlowDown then 200, 400 ThrottlingException then 200, 400 other (not
retried), a stall after the headers (low-speed limit 2 s), a connection
cut mid-body in streaming mode, connection refused; a 4 MiB streamed body
arrives intact.  With debug logging on, no secret, token or signature
reaches stderr.

Exit status: 0 pass, 1 fail, 77 skip.
"""

import hashlib
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import aws_fake  # noqa: E402  (exits 77 without botocore)

AKID = "AKIDFLOWLOGTEST"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////TOKEN+with/slash=="
BIG = 4 * 1024 * 1024
CUT_TOTAL, CUT_SENT = 1000000, 200000

CK = fltest.Checker("sigv4_botocore")
log = fltest.log
check = CK.check


def big_body():
    block = hashlib.sha256(b"flowlog").digest() * 32         # 1 KiB
    return block * (BIG // len(block))


# -- the server ---------------------------------------------------------------

class State:
    def __init__(self):
        self.lock = threading.Lock()
        self.hits = {}          # path without query -> count
        self.verdicts = []      # (path, "ok" | reason)

    def hit(self, path):
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]


def verify(handler, body):
    """None when the request is signed right, else the reason (the
    verifier is aws_fake.verify_sigv4, shared with the S3/SQS fake)."""
    return aws_fake.verify_sigv4(handler.command, handler.path,
                                 handler.headers, body, {AKID: SECRET})


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"       # keep-alive, as AWS

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test-Header", "  spaced  ")
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path = self.path.partition("?")[0]
        st = self.server.state
        nth = st.hit(path)
        kind = path.split("/")[1]
        if kind == "fail500" and nth == 1:
            return self.reply(500, b'{"message":"internal"}')
        if kind == "slowdown" and nth == 1:
            return self.reply(503, b"<Error><Code>SlowDown</Code>"
                              b"<Message>Reduce your rate</Message></Error>",
                              "application/xml")
        if kind == "throttle" and nth == 1:
            return self.reply(400, b'{"__type":"com.amazonaws.sqs#'
                              b'ThrottlingException","message":"slow"}')
        if kind == "badreq":
            return self.reply(400, b"<Error><Code>InvalidArgument</Code>"
                              b"</Error>", "application/xml")
        if kind == "notfound":
            return self.reply(404, b"<Error><Code>NoSuchKey</Code></Error>",
                              "application/xml")
        if kind == "stall":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.flush()
            self.rfile.read(1)          # until the client hangs up
            self.close_connection = True
            return
        if kind == "cut":
            self.send_response(200)
            self.send_header("Content-Length", str(CUT_TOTAL))
            self.end_headers()
            self.wfile.write(b"x" * CUT_SENT)
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        if kind == "big":
            return self.reply(200, big_body(), "application/octet-stream")
        reason = verify(self, body)
        st.verdicts.append((self.path, reason or "ok"))
        if reason is not None:
            return self.reply(403, ("<Error><Code>SignatureDoesNotMatch"
                                    "</Code><Message>%s</Message></Error>"
                                    % reason).encode(), "application/xml")
        echo = {"method": self.command, "path": self.path,
                "body_sha256": hashlib.sha256(body).hexdigest()}
        return self.reply(200, json.dumps(echo).encode())

    do_GET = do_PUT = do_POST = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


# -- the client ---------------------------------------------------------------

def probe_path():
    p = os.environ.get("FL_PROBE")
    if p:
        return p
    b = os.environ.get("G_TEST_BUILDDIR")
    if b:
        return os.path.join(b, "aws_http_probe")
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "aws_http_probe")


class Run:
    def __init__(self, cp, elapsed):
        self.rc = cp.returncode
        self.stderr = cp.stderr.decode("utf-8", "replace")
        out = cp.stdout
        first, _, self.body = out.partition(b"\n")
        self.status = None
        if first.startswith(b"status "):
            self.status = int(first.split()[1])
        self.elapsed = elapsed

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return {}


def probe(method, url, *opts, token=None, secret=SECRET, akid=AKID,
          timeout=60):
    env = dict(os.environ, AWS_SECRET_ACCESS_KEY=secret)
    env.pop("AWS_ACCESS_KEY_ID", None)
    if akid:
        env["AWS_ACCESS_KEY_ID"] = akid
    env.pop("AWS_SESSION_TOKEN", None)
    if token:
        env["AWS_SESSION_TOKEN"] = token
    args = [probe_path(), "--backoff-ms", "50"] + list(opts) + [method, url]
    t0 = time.monotonic()
    cp = subprocess.run(args, env=env, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, timeout=timeout)
    return Run(cp, time.monotonic() - t0)


def signed_ok(base, what, method, path, *opts, token=None, body=None):
    extra = list(opts)
    if body is not None:
        extra += ["--body", body]
    r = probe(method, base + path, *extra, token=token)
    ok = check(r.rc == 0 and r.status == 200,
               "%s: signature accepted (rc %d, status %r, body %r, "
               "stderr %r)" % (what, r.rc, r.status, r.body[:600],
                               r.stderr[-300:]))
    if ok:
        echo = r.json()
        check(echo.get("path") == path, "%s: path arrived as sent: %r"
              % (what, echo.get("path")))
        want = hashlib.sha256((body or "").encode()).hexdigest()
        check(echo.get("body_sha256") == want, "%s: body arrived" % what)
    return r


def signing_cases(base, st):
    s3 = ["--sign", "s3", "--region", "eu-west-1"]
    signed_ok(base, "s3 key with spaces and UTF-8", "GET",
              "/bucket/AWSLogs/my%20key%20%2B%20plus/caf%C3%A9-%E2%82%AC-"
              "%F0%9F%98%80.log.gz", *s3)
    signed_ok(base, "s3 list, reserved characters in the query", "GET",
              "/bucket?list-type=2&prefix=AWSLogs%2F1%2Fa%2Bb%3Dc%26d%20e~f"
              "%25g&continuation-token=1%2Fab%2Bcd%3D%3D&start-after=", *s3)
    signed_ok(base, "s3 query unsorted, lower-case escapes, bare name",
              "GET", "/bucket?prefix=a%2fb&delimiter=%2F&acl&max-keys=2",
              *s3)
    signed_ok(base, "s3 with a session token", "GET", "/bucket/key.log",
              *s3, token=TOKEN)
    signed_ok(base, "s3 PUT with a body", "PUT", "/bucket/new%20object",
              *s3, "-H", "Content-Type: text/plain", body="Welcome to S3 ?&=+")
    signed_ok(base, "s3 header values trimmed and collapsed", "GET",
              "/bucket/k", *s3, "-H", "X-Amz-Meta-Note:   a   b  c  ",
              "-H", "Range: bytes=0-9")
    sqs = ["--sign", "sqs", "-H", "Content-Type: application/x-amz-json-1.0",
           "-H", "X-Amz-Target: AmazonSQS.ReceiveMessage"]
    body = json.dumps({"QueueUrl": "https://sqs.us-east-1.amazonaws.com/"
                       "123456789012/flow logs", "MaxNumberOfMessages": 10,
                       "WaitTimeSeconds": 0, "Note": "a+b/c=d&e f~g%h"})
    signed_ok(base, "sqs POST JSON", "POST", "/", *sqs, body=body)
    signed_ok(base, "sqs POST JSON, token, path encoded twice", "POST",
              "/123456789012/flow%20logs%2Bq", *sqs, body=body, token=TOKEN)
    signed_ok(base, "logs GET with a query, non-S3 double encoding", "GET",
              "/a%20b/c?x=%2B%20&y=~", "--sign", "logs")

    # The verifier can fail: a wrong secret is a 403, returned as is.
    r = probe("GET", base + "/bucket/wrong-key", "--sign", "s3",
              secret="not-the-secret")
    check(r.rc == 0 and r.status == 403 and b"SignatureDoesNotMatch" in
          r.body, "wrong secret: 403 SignatureDoesNotMatch (rc %d, %r)"
          % (r.rc, r.status))
    check(st.hits.get("/bucket/wrong-key") == 1,
          "403 not retried: %r hits" % st.hits.get("/bucket/wrong-key"))

    # No keys: signing fails with FL_ERROR_AUTH and nothing is sent.
    r = probe("GET", base + "/bucket/no-keys", "--sign", "s3", akid=None)
    check(r.rc == 1 and "error: 7:" in r.stderr,
          "no keys: FL_ERROR_AUTH (rc %d, %r)" % (r.rc, r.stderr))
    check("/bucket/no-keys" not in st.hits, "no keys: no request sent")


def fault_cases(base, st):
    sign = ["--sign", "s3"]
    for kind, what in (("fail500", "500 then 200"),
                       ("slowdown", "503 SlowDown then 200"),
                       ("throttle", "400 ThrottlingException then 200")):
        for mode in ([], ["--stream"]):
            path = "/%s/%s" % (kind, "stream" if mode else "whole")
            r = probe("GET", base + path, *(sign + mode))
            check(r.rc == 0 and r.status == 200,
                  "%s %s: retried to 200 (rc %d, status %r, %r)"
                  % (what, mode, r.rc, r.status, r.stderr[-300:]))
            check(st.hits.get(path) == 2, "%s %s: 2 requests, got %r"
                  % (what, mode, st.hits.get(path)))
    for mode in ([], ["--stream"]):
        path = "/badreq/" + ("stream" if mode else "whole")
        r = probe("GET", base + path, *mode)
        check(r.rc == 0 and r.status == 400 and b"InvalidArgument" in r.body,
              "400 InvalidArgument %s returned as is" % mode)
        check(st.hits.get(path) == 1, "400 %s not retried" % mode)
    r = probe("GET", base + "/notfound/k", "--stream")
    check(r.rc == 0 and r.status == 404 and b"NoSuchKey" in r.body,
          "stream: 404 with its error body (%r, %r)" % (r.status, r.body))

    # A stall after the headers: the 2 s low-speed limit ends it.
    r = probe("GET", base + "/stall/1", "--attempts", "1",
              "--low-speed-time", "2")
    check(r.rc == 1 and "error: %d:" % 8 in r.stderr,
          "stall: FL_ERROR_NETWORK (rc %d, %r)" % (r.rc, r.stderr[-300:]))
    check(1.5 <= r.elapsed < 20, "stall: ended by the 2 s limit, took "
          "%.1f s" % r.elapsed)
    r = probe("GET", base + "/stall/2", "--stream", "--attempts", "1",
              "--low-speed-time", "2")
    check(r.rc == 2 and r.status == 200 and "error: 8:" in r.stderr,
          "stall in a stream: read fails with FL_ERROR_NETWORK (rc %d, %r)"
          % (r.rc, r.stderr[-300:]))

    # Cut mid-body while streaming: the read returns -1.
    r = probe("GET", base + "/cut/1", "--stream", "--read-size", "1000")
    check(r.rc == 2 and "error: 8:" in r.stderr,
          "cut: stream read fails with FL_ERROR_NETWORK (rc %d, %r)"
          % (r.rc, r.stderr[-300:]))
    check(0 < len(r.body) <= CUT_SENT, "cut: %d bytes read before the cut"
          % len(r.body))
    check(st.hits.get("/cut/1") == 1, "cut: a broken stream is not "
          "retried by the read")

    # A big body through a small reader: paused and resumed many times.
    r = probe("GET", base + "/big/1", "--stream", "--read-size", "777")
    check(r.rc == 0 and r.status == 200 and r.body == big_body(),
          "stream 4 MiB: intact (rc %d, %d bytes)" % (r.rc, len(r.body)))
    r = probe("GET", base + "/big/2", "--max-body", str(BIG - 1))
    check(r.rc == 1 and "error: 3:" in r.stderr,
          "whole body over max_body: FL_ERROR_LIMIT (%r)" % r.stderr[-200:])

    # Nobody listening: every attempt fails, then FL_ERROR_NETWORK.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r = probe("GET", "http://127.0.0.1:%d/x?secret=1" % port,
              "--attempts", "3")
    check(r.rc == 1 and "error: 8:" in r.stderr and "3 attempts" in
          r.stderr and "secret" not in r.stderr,
          "refused: FL_ERROR_NETWORK after 3 attempts (%r)" % r.stderr)


def logging_case(base):
    r = probe("GET", base + "/bucket/k?token=QUERYSECRET", "--sign", "s3",
              "--debug", token=TOKEN)
    check(r.rc == 0 and r.status == 200, "debug run succeeds")
    check("status 200" in r.stderr and "/bucket/k" in r.stderr,
          "debug log names URL and status: %r" % r.stderr)
    for secret in (SECRET, TOKEN, "QUERYSECRET", "Signature=",
                   "Authorization"):
        check(secret not in r.stderr, "debug log does not show %r" % secret)


def main():
    if not os.access(probe_path(), os.X_OK):
        log("FAIL: %s not built (make check builds it)" % probe_path())
        return 1
    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State()
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    try:
        signing_cases(base, srv.state)
        fault_cases(base, srv.state)
        logging_case(base)
    finally:
        srv.shutdown()
        srv.server_close()
    bad = [v for v in srv.state.verdicts if v[1] != "ok"
           and v[0] != "/bucket/wrong-key"]
    check(not bad, "every signed request verified: %r" % bad[:3])
    return CK.finish()


if __name__ == "__main__":
    sys.exit(main())
