"""aws_fake: a fake AWS endpoint on 127.0.0.1 for the integration tests.

Only for what no real server here can do: every request's SigV4 signature
is checked by botocore (the reference implementation), and faults can be
programmed per key and per request (error statuses, a connection cut
mid-body, a stall, a slow body, a listing body given verbatim).  Plain S3
behaviour is tested against s3rver (s3test.py).

One server plays two services:
  - S3, path-style: ListObjectsV2 (prefix, delimiter, continuation tokens,
    max-keys, encoding-type=url) and GetObject (Range: bytes=N-[M],
    If-Match -> 412 PreconditionFailed) from an in-memory dict of objects
    (bytes, or a file for large ones);
  - SQS, JSON protocol (POST / with X-Amz-Target AmazonSQS.*):
    ReceiveMessage (MaxNumberOfMessages, WaitTimeSeconds: answers at once
    when a message is visible, else waits up to it; VisibilityTimeout: a
    received message is hidden until then), DeleteMessage,
    ChangeMessageVisibility;
  - CloudWatch Logs, JSON 1.1 (POST / with X-Amz-Target
    Logs_20140328.FilterLogEvents): logGroupName/logGroupIdentifier,
    logStreamNamePrefix, startTime/endTime (both inclusive, as AWS),
    limit, nextToken pages over the events of a LogGroup sorted by
    timestamp; events added later (an older timestamp that shows up only
    after a poll: CloudWatch's late visibility) are served from then on;
    faults: ThrottlingException, empty pages that still carry a token,
    the same token given back (the "same next token twice" quirk);
  - EC2 Query API (POST / with a form body Action=DescribeFlowLogs):
    flowLogSet items from a dict of flow logs; an unknown ID gives an
    empty set, as EC2 does.

Over TLS (FakeAws(tls=an ssl.SSLContext)): the URL is https:// and the
handshake is made in the connection's handler thread; every handshake is
recorded (handshakes: (ok, error text)), and a connection whose handshake
failed reaches no handler.  container_creds {path: dict}: a GET of that
path answers the dict as JSON, as the ECS container endpoint, unsigned.

Every request is recorded (Req) with the signature verdict; a request whose
signature is wrong gets 403 SignatureDoesNotMatch.  With session_token set,
a request must also carry that X-Amz-Security-Token, signed (else 403
InvalidToken, as AWS answers a missing or wrong one).  The server runs in a
thread and stops itself (stop()); handler threads that stall notice it.
"""

import base64
import hashlib
import http.server
import json
import os
import select
import socket
import ssl
import threading
import time
import uuid
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

import fltest

try:
    from botocore.auth import S3SigV4Auth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as e:  # pragma: no cover - depends on the host
    import sys
    sys.stderr.write("SKIP: botocore not importable with %s (%s); install "
                     "python3-botocore\n" % (sys.executable, e))
    sys.exit(77)

AKID = "AKIDFAKEAWSTEST"
SECRET = "fakeSecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
ACCOUNT = "123456789012"


# -- SigV4, checked by botocore -------------------------------------------

def parse_auth(value):
    algo, _, rest = value.partition(" ")
    fields = {}
    for part in rest.split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v
    return algo, fields


def verify_sigv4(method, raw_path, headers, body, keys, service=None):
    """None when the request is signed right, else the reason.

    method, raw_path (path and query as sent), headers (an
    http.client.HTTPMessage: get, get_all), body (bytes); keys maps access
    key IDs to secrets; service, when given, must be the scope's.  The
    request is rebuilt as an AWSRequest from what was sent and the
    headers named in SignedHeaders, and botocore's SigV4Auth
    (S3SigV4Auth for s3) computes the signature for the request's own
    X-Amz-Date."""
    auth = headers.get("Authorization")
    if auth is None:
        return "no Authorization header"
    algo, f = parse_auth(auth)
    if algo != "AWS4-HMAC-SHA256":
        return "algorithm %r" % algo
    try:
        akid, day, region, svc, term = f["Credential"].split("/")
    except (KeyError, ValueError):
        return "credential %r" % f.get("Credential")
    if akid not in keys or term != "aws4_request":
        return "credential %r" % f["Credential"]
    if service is not None and svc != service:
        return "service %r in the scope, expected %r" % (svc, service)
    signed = f.get("SignedHeaders", "").split(";")
    for need in ("host", "x-amz-date"):
        if need not in signed:
            return "%s not signed" % need
    token = headers.get("X-Amz-Security-Token")
    if token is not None and "x-amz-security-token" not in signed:
        return "token sent but not signed"
    if svc == "s3":
        sha = headers.get("X-Amz-Content-Sha256")
        if sha != hashlib.sha256(body).hexdigest():
            return "x-amz-content-sha256 %r is not the body's hash" % sha
    hdrs = {}
    for name in signed:
        values = headers.get_all(name)
        if values is None:
            return "signed header %s missing" % name
        hdrs[name] = ",".join(values)
    path, _, query = raw_path.partition("?")
    params = {}
    for pair in query.split("&") if query else []:
        if pair:
            k, _, v = pair.partition("=")
            params[unquote(k)] = unquote(v)
    url = "http://%s%s" % (headers["Host"], path)
    req = AWSRequest(method=method, url=url, data=body, headers=hdrs,
                     params=params)
    req.context["timestamp"] = headers["X-Amz-Date"]
    if day != req.context["timestamp"][:8]:
        return "scope date %s" % day
    creds = Credentials(akid, keys[akid], token)
    cls = S3SigV4Auth if svc == "s3" else SigV4Auth
    signer = cls(creds, svc, region)
    creq = signer.canonical_request(req)
    want = signer.signature(signer.string_to_sign(req, creq), req)
    if want != f.get("Signature"):
        return "signature mismatch; botocore's canonical request:\n" + creq
    want_signed = signer.signed_headers(signer.headers_to_sign(req))
    if want_signed != f["SignedHeaders"]:
        return "SignedHeaders %s, botocore %s" % (f["SignedHeaders"],
                                                  want_signed)
    return None


def aws_env(extra=None):
    """fltest.aws_env with this server's keys."""
    return fltest.aws_env(AKID, SECRET, extra)


# -- objects ----------------------------------------------------------------

class Obj:
    """An object: bytes, or a file (large objects are not held in memory)."""

    def __init__(self, data=None, path=None):
        self.path = path
        self.data = data
        if path is not None:
            self.size = os.path.getsize(path)
            h = hashlib.md5()
            with open(path, "rb") as f:
                for b in iter(lambda: f.read(1 << 20), b""):
                    h.update(b)
        else:
            self.size = len(data)
            h = hashlib.md5(data)
        self.etag = h.hexdigest()

    def pieces(self, start, end, size=65536):
        """The bytes [start, end) in pieces."""
        if self.path is None:
            for p in range(start, end, size):
                yield self.data[p:min(end, p + size)]
            return
        with open(self.path, "rb") as f:
            f.seek(start)
            left = end - start
            while left > 0:
                b = f.read(min(size, left))
                if not b:
                    return
                left -= len(b)
                yield b


class Req:
    """One request as the server saw it."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return "<Req %s %s %s %s>" % (self.op, self.key, self.status,
                                      self.range)


# -- SQS --------------------------------------------------------------------

class Message:
    def __init__(self, body, mid):
        self.id = mid
        self.body = body
        self.visible_at = 0.0
        self.receipts = []
        self.receive_count = 0
        self.deleted = False
        self.sent_at = time.monotonic()


class Queue:
    """One SQS queue: FIFO order of sending, visibility timeouts."""

    def __init__(self, name, default_visibility=30):
        self.name = name
        self.messages = []
        self.default_visibility = default_visibility
        self.cond = threading.Condition()

    def send(self, body):
        with self.cond:
            m = Message(body, str(uuid.uuid4()))
            self.messages.append(m)
            self.cond.notify_all()
            return m

    def visible(self, now):
        return [m for m in self.messages
                if not m.deleted and m.visible_at <= now]

    def by_receipt(self, rh):
        for m in self.messages:
            if rh in m.receipts:
                return m
        return None


# -- the server -------------------------------------------------------------

def s3_error(code, message, resource=""):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s"
            "</Code><Message>%s</Message><Resource>%s</Resource><RequestId>"
            "FAKE</RequestId></Error>" % (escape(code), escape(message),
                                          escape(resource))).encode()


HTTP_CODES = {403: "AccessDenied", 404: "NoSuchKey", 500: "InternalError",
              503: "SlowDown", 412: "PreconditionFailed",
              416: "InvalidRange"}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"       # keep-alive, as AWS

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        self.tls_ok = True
        fake = self.server.fake
        if fake.tls is None:
            return
        try:
            self.connection.do_handshake()
        except (ssl.SSLError, OSError) as e:
            self.tls_ok = False
            fake.record_handshake(False, str(e))
        else:
            fake.record_handshake(True, None)

    def handle(self):
        if self.tls_ok:
            super().handle()

    # -- plumbing
    def reply(self, status, body=b"", ctype="application/xml", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amz-request-id", "FAKE")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        return status

    def wait_client_gone(self, limit=None):
        """Blocks until the client closes, the server stops, or limit s."""
        srv = self.server.fake
        end = None if limit is None else time.monotonic() + limit
        while not srv.stopping.is_set():
            if end is not None and time.monotonic() >= end:
                return False
            r, _, _ = select.select([self.connection], [], [], 0.1)
            if r:
                try:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        return True
                except OSError:
                    return True
                # pipelined bytes: not expected; treat as alive
        return True

    def hang_up(self):
        self.wfile.flush()
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.close_connection = True

    # -- dispatch
    def handle_any(self):
        fake = self.server.fake
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path, _, query = self.path.partition("?")
        q = {}
        for pair in query.split("&") if query else []:
            k, _, v = pair.partition("=")
            q[unquote(k)] = unquote(v)
        target = self.headers.get("X-Amz-Target")
        req = Req(t=time.monotonic(), method=self.command, path=self.path,
                  query=q, headers={k.lower(): v for k, v in
                                    self.headers.items()},
                  body=body, op=None, bucket=None, key=None, status=None,
                  range=self.headers.get("Range"),
                  if_match=self.headers.get("If-Match"), verdict=None,
                  sent=0, thread=threading.get_ident(), args={},
                  msgs=[], msg=None, waited=0.0, late=False, queue=None,
                  code="SignatureDoesNotMatch")
        ctype = self.headers.get("Content-Type", "")
        if self.command == "GET" and path in fake.container_creds:
            req.op, req.verdict = "container", "ok"
            fake.record(req)
            req.status = self.reply(200, json.dumps(
                fake.container_creds[path]).encode(), "application/json")
            return
        if target and target.startswith("AmazonSQS."):
            req.op = target[len("AmazonSQS."):]
            service = "sqs"
        elif target and target.startswith("Logs_20140328."):
            req.op = target[len("Logs_20140328."):]
            service = "logs"
        elif ctype.startswith("application/x-www-form-urlencoded") and \
                body.startswith(b"Action="):
            form = {}
            for pair in body.decode().split("&"):
                k, _, v = pair.partition("=")
                form[unquote(k.replace("+", " "))] = \
                    unquote(v.replace("+", " "))
            req.args = form
            req.op = form.get("Action")
            service = "ec2"
        else:
            service = "s3"
            parts = path.lstrip("/").split("/", 1)
            req.bucket = unquote(parts[0])
            if len(parts) == 2 and parts[1] != "":
                req.key = unquote(parts[1])
                req.op = "get" if self.command == "GET" else self.command
            else:
                req.op = "list" if q.get("list-type") == "2" else \
                    "bucket-" + self.command
        req.verdict = verify_sigv4(self.command, self.path, self.headers,
                                   body, {AKID: SECRET}, service) or "ok"
        token = self.headers.get("X-Amz-Security-Token")
        if req.verdict == "ok" and fake.session_token is not None and \
                token != fake.session_token:
            req.verdict = "X-Amz-Security-Token %s" % (
                "missing" if token is None else "wrong")
            req.code = "InvalidToken"
        fake.record(req)
        try:
            if req.verdict != "ok":
                if service in ("logs", "ec2"):
                    req.status = self.reply(403, json.dumps({
                        "__type": "InvalidSignatureException",
                        "message": req.verdict}).encode(),
                        "application/x-amz-json-1.1")
                elif service == "sqs":
                    req.status = self.reply(403, json.dumps({
                        "__type": "com.amazonaws.sqs#" + req.code,
                        "message": req.verdict}).encode(),
                        "application/x-amz-json-1.0")
                else:
                    req.status = self.reply(403, s3_error(req.code,
                                                          req.verdict))
                return
            if service == "sqs":
                req.status = self.sqs(req)
            elif service == "logs":
                req.status = self.logs(req)
            elif service == "ec2":
                req.status = self.ec2(req)
            elif req.op == "list":
                req.status = self.s3_list(req)
            elif req.op == "get":
                req.status = self.s3_get(req)
            else:
                req.status = self.reply(501, s3_error("NotImplemented",
                                                      req.op))
        except (BrokenPipeError, ConnectionResetError):
            req.status = req.status or "client hung up"
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    # -- faults
    def status_fault(self, req, f):
        code = f.get("code") or HTTP_CODES.get(f["status"], "Error")
        return self.reply(f["status"], s3_error(
            code, f.get("message", "injected"),
            "/%s/%s" % (req.bucket, req.key or "")))

    # -- S3
    def s3_list(self, req):
        fake = self.server.fake
        f = fake.take_fault("list", req.query.get("prefix", ""))
        if f and "status" in f:
            return self.status_fault(req, f)
        if f and "body" in f:
            b = f["body"]
            if callable(b):
                return self.stream_raw(b())
            return self.reply(200, b)
        if req.bucket not in fake.buckets:
            return self.reply(404, s3_error("NoSuchBucket", "no bucket",
                                            req.bucket))
        return self.reply(200, fake.listing(req.bucket, req.query))

    def stream_raw(self, pieces_and_len):
        total, pieces = pieces_and_len
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(total))
        self.end_headers()
        for p in pieces:
            self.wfile.write(p)
        return 200

    def s3_get(self, req):
        fake = self.server.fake
        f = fake.take_fault("get", req.key)
        if f and "status" in f:
            return self.status_fault(req, f)
        with fake.lock:
            obj = fake.buckets.get(req.bucket, {}).get(req.key)
        if obj is None:
            return self.reply(404, s3_error("NoSuchKey", "The specified key "
                                            "does not exist.", req.key))
        im = req.if_match
        if im is not None and im.strip().strip('"') != obj.etag:
            return self.reply(412, s3_error(
                "PreconditionFailed", "At least one of the pre-conditions "
                "you specified did not hold", "If-Match"))
        start, end, status = 0, obj.size, 200
        if req.range:
            spec = req.range.strip()
            if not spec.startswith("bytes="):
                return self.reply(400, s3_error("InvalidArgument",
                                                "bad Range"))
            a, _, b = spec[6:].partition("-")
            start = int(a)
            if b:
                end = min(obj.size, int(b) + 1)
            if start >= obj.size:
                return self.reply(416, s3_error(
                    "InvalidRange", "The requested range is not "
                    "satisfiable"), headers=[("Content-Range", "bytes */%d"
                                              % obj.size)])
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start))
        self.send_header("ETag", '"%s"' % obj.etag)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", "Sat, 25 May 2024 00:00:00 GMT")
        if status == 206:
            self.send_header("Content-Range", "bytes %d-%d/%d"
                             % (start, end - 1, obj.size))
        self.end_headers()
        limit = None
        if f and "cut" in f:
            limit = f["cut"]
        elif f and "stall" in f:
            limit = f["stall"]
        pause = f.get("slow") if f else None
        for p in obj.pieces(start, end, f.get("piece", 65536) if f else
                            65536):
            if limit is not None and req.sent + len(p) > limit:
                p = p[:limit - req.sent]
                if p:
                    self.wfile.write(p)
                    req.sent += len(p)
                break
            if pause and req.sent:
                self.wfile.flush()
                if fake.stopping.wait(pause):
                    break
            self.wfile.write(p)
            req.sent += len(p)
        else:
            return status
        # cut or stall: the rest of the body never comes
        if "stall" in f:
            self.wfile.flush()
            req.status = "stalled"
            self.wait_client_gone()
            self.close_connection = True
            return "stalled after %d" % req.sent
        self.hang_up()
        if "replace" in f:
            fake.put(req.bucket, req.key, f["replace"])
        return "cut after %d" % req.sent

    # -- SQS
    def sqs(self, req):
        fake = self.server.fake
        try:
            args = json.loads(req.body or b"{}")
        except ValueError:
            args = None
        ctype = self.headers.get("Content-Type", "")
        if not isinstance(args, dict) or \
                ctype != "application/x-amz-json-1.0":
            return self.sqs_error(400, "InvalidParameterValue",
                                  "not a JSON 1.0 request (%s)" % ctype)
        req.args = args
        qurl = args.get("QueueUrl", "")
        queue = fake.queues.get(qurl.rstrip("/").rsplit("/", 1)[-1])
        if queue is None or not qurl.startswith(fake.url):
            return self.sqs_error(400, "QueueDoesNotExist",
                                  "no queue %s" % qurl)
        req.queue = queue.name
        f = fake.take_fault("sqs", req.op)
        if f and "status" in f:
            return self.sqs_error(f["status"], f.get("code", "InternalError"),
                                  f.get("message", "injected"),
                                  f.get("type"))
        if req.op == "ReceiveMessage":
            return self.sqs_receive(req, queue, args)
        if req.op == "DeleteMessage":
            with queue.cond:
                m = queue.by_receipt(args.get("ReceiptHandle"))
            if m is None:
                return self.sqs_error(400, "ReceiptHandleIsInvalid",
                                      "unknown receipt handle")
            req.msg = m.id
            if fake.on_delete:
                fake.on_delete(m)
            with queue.cond:
                m.deleted = True
                m.deleted_at = time.monotonic()
                queue.cond.notify_all()
            return self.reply(200, b"{}", "application/x-amz-json-1.0")
        if req.op == "ChangeMessageVisibility":
            with queue.cond:
                m = queue.by_receipt(args.get("ReceiptHandle"))
                if m is None or m.deleted:
                    return self.sqs_error(400, "ReceiptHandleIsInvalid",
                                          "unknown receipt handle")
                req.msg = m.id
                now = time.monotonic()
                if m.visible_at <= now:
                    # AWS: the message is visible again; a stale handle
                    # can no longer extend anything.
                    req.late = True
                m.visible_at = now + int(args.get("VisibilityTimeout", 0))
                queue.cond.notify_all()
            return self.reply(200, b"{}", "application/x-amz-json-1.0")
        return self.sqs_error(400, "InvalidAction", req.op)

    def sqs_error(self, status, code, msg, type_=None):
        """type_: the whole __type, when it is not SQS's own (throttling
        comes from the service framework: com.amazon.coral.availability#
        ThrottlingException)."""
        return self.reply(status, json.dumps({
            "__type": type_ or "com.amazonaws.sqs#" + code,
            "message": msg}).encode(), "application/x-amz-json-1.0")

    def sqs_receive(self, req, queue, args):
        fake = self.server.fake
        mx = int(args.get("MaxNumberOfMessages", 1))
        wait = int(args.get("WaitTimeSeconds", 0))
        vis = int(args.get("VisibilityTimeout", queue.default_visibility))
        if not 1 <= mx <= 10 or not 0 <= wait <= 20:
            return self.sqs_error(400, "InvalidParameterValue",
                                  "MaxNumberOfMessages/WaitTimeSeconds")
        end = time.monotonic() + wait
        with queue.cond:
            while True:
                now = time.monotonic()
                got = queue.visible(now)[:mx]
                if got or now >= end or fake.stopping.is_set():
                    break
                # visibility timeouts end by themselves: wake up for them
                queue.cond.wait(min(0.05, end - now))
            out = []
            for m in got:
                m.receive_count += 1
                rh = "rh-%s-%d-%s" % (m.id, m.receive_count,
                                      uuid.uuid4().hex)
                m.receipts.append(rh)
                m.visible_at = now + vis
                m.last_receive = now
                out.append({"MessageId": m.id, "ReceiptHandle": rh,
                            "MD5OfBody": hashlib.md5(
                                m.body.encode()).hexdigest(),
                            "Body": m.body,
                            "Attributes": {"ApproximateReceiveCount":
                                           str(m.receive_count)}})
        req.msgs = [o["MessageId"] for o in out]
        req.waited = time.monotonic() - req.t
        body = {"Messages": out} if out else {}
        return self.reply(200, json.dumps(body).encode(),
                          "application/x-amz-json-1.0")


    # -- CloudWatch Logs
    def logs_error(self, status, code, msg):
        return self.reply(status, json.dumps({
            "__type": code, "message": msg}).encode(),
            "application/x-amz-json-1.1")

    def logs(self, req):
        fake = self.server.fake
        ctype = self.headers.get("Content-Type", "")
        try:
            args = json.loads(req.body or b"{}")
        except ValueError:
            args = None
        if not isinstance(args, dict) or \
                ctype != "application/x-amz-json-1.1":
            return self.logs_error(400, "SerializationException",
                                   "not a JSON 1.1 request (%s)" % ctype)
        req.args = args
        if req.op != "FilterLogEvents":
            return self.logs_error(400, "UnknownOperationException", req.op)
        name = args.get("logGroupName") or args.get("logGroupIdentifier")
        if ("logGroupName" in args) == ("logGroupIdentifier" in args):
            return self.logs_error(400, "InvalidParameterException",
                                   "exactly one of logGroupName and "
                                   "logGroupIdentifier")
        if name and name.startswith("arn:"):
            name = name.split(":log-group:", 1)[-1]
        req.key = name
        f = fake.take_fault("logs", name)
        if f and "status" in f:
            return self.logs_error(f["status"], f.get("code",
                                   "ServiceUnavailableException"),
                                   f.get("message", "injected"))
        group = fake.log_groups.get(name)
        if group is None:
            return self.logs_error(400, "ResourceNotFoundException",
                                   "The specified log group does not "
                                   "exist.")
        token = args.get("nextToken")
        if f and f.get("same_token") and token:
            req.msgs = []
            return self.reply(200, json.dumps(
                {"events": [], "searchedLogStreams": [],
                 "nextToken": token}).encode(), "application/x-amz-json-1.1")
        limit = int(args.get("limit", 10000))
        if not 1 <= limit <= 10000:
            return self.logs_error(400, "InvalidParameterException", "limit")
        offset = 0
        if token:
            try:
                offset = int(base64.b64decode(token.encode()).decode()
                             .split("/")[1])
            except (ValueError, IndexError):
                return self.logs_error(400, "InvalidParameterException",
                                       "The specified nextToken is "
                                       "invalid.")
        start = args.get("startTime", 0)
        end = args.get("endTime")
        prefix = args.get("logStreamNamePrefix", "")
        with fake.lock:
            evs = [e for e in group.events
                   if e["timestamp"] >= start and
                   (end is None or e["timestamp"] <= end) and
                   e["logStreamName"].startswith(prefix)]
        evs.sort(key=lambda e: (e["timestamp"], e["eventId"]))
        size = min(limit, group.page_size)
        if f and f.get("empty"):
            page, nxt = [], offset
        else:
            page, nxt = evs[offset:offset + size], offset + size
        req.msgs = [e["eventId"] for e in page]
        body = {"events": page, "searchedLogStreams": []}
        if nxt < len(evs) or (f and f.get("empty")):
            # opaque, with '+', '/' and '=', as AWS's are
            body["nextToken"] = base64.b64encode(
                ("\xfb\xff/%d/%s" % (nxt, uuid.uuid4().hex)).encode()
            ).decode()
        return self.reply(200, json.dumps(body).encode(),
                          "application/x-amz-json-1.1")

    # -- EC2
    def ec2(self, req):
        fake = self.server.fake
        a = req.args
        if a.get("Action") != "DescribeFlowLogs" or \
                a.get("Version") != "2016-11-15":
            return self.reply(400, (
                '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors>'
                '<Error><Code>InvalidAction</Code><Message>%s</Message>'
                '</Error></Errors><RequestID>FAKE</RequestID></Response>'
                % escape(str(a.get("Action")))).encode(), "text/xml")
        ids = [v for k, v in sorted(a.items())
               if k.startswith("FlowLogId.")]
        req.key = ",".join(ids)
        x = ['<?xml version="1.0" encoding="UTF-8"?>\n<DescribeFlowLogs'
             'Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
             '<requestId>FAKE</requestId><flowLogSet>']
        for i in ids:
            fl = fake.flow_logs.get(i)
            if fl is None:
                continue
            x.append("<item><creationTime>2024-05-25T00:00:00.000Z"
                     "</creationTime><deliverLogsStatus>SUCCESS"
                     "</deliverLogsStatus><flowLogId>%s</flowLogId>"
                     "<flowLogStatus>ACTIVE</flowLogStatus>" % escape(i))
            for k in ("logGroupName", "logDestinationType",
                      "deliverLogsErrorMessage", "logFormat"):
                if fl.get(k) is not None:
                    x.append("<%s>%s</%s>" % (k, escape(fl[k]), k))
            x.append("<tagSet><item><key>Name</key><value>x</value></item>"
                     "</tagSet><maxAggregationInterval>600"
                     "</maxAggregationInterval></item>")
        x.append("</flowLogSet></DescribeFlowLogsResponse>")
        return self.reply(200, "".join(x).encode(), "text/xml")


class LogGroup:
    """A CloudWatch Logs group: events as FilterLogEvents returns them."""

    def __init__(self, name, page_size=10000):
        self.name = name
        self.page_size = page_size
        self.events = []
        self.seq = 0

    def add(self, stream, timestamp_ms, message):
        self.seq += 1
        # decimal, 56 digits, as AWS's
        eid = "%056d" % (timestamp_ms * 10 ** 6 + self.seq)
        e = {"logStreamName": stream, "timestamp": timestamp_ms,
             "message": message, "ingestionTime": int(time.time() * 1000),
             "eventId": eid}
        self.events.append(e)
        return e


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def process_request(self, request, client_address):
        with self.fake.lock:
            self.fake.accepted += 1
        super().process_request(request, client_address)


class FakeAws:
    """The fake, started on 127.0.0.1:0 in a thread."""

    def __init__(self, max_keys=1000, tls=None):
        """tls: an ssl.SSLContext (server side) to serve https://."""
        self.lock = threading.Lock()
        self.buckets = {}
        self.faults = {}            # (op, key) -> [fault dict]
        self.requests = []
        self.queues = {}
        self.log_groups = {}
        self.flow_logs = {}
        self.on_delete = None
        self.session_token = None   # required of every request when set
        self.max_keys = max_keys
        self.container_creds = {}   # path -> JSON answer of a GET
        self.tls = tls
        self.handshakes = []        # (ok, error) per TLS connection
        self.accepted = 0           # connections accepted
        self.tls_cond = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.fake = self
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(
                self.httpd.socket, server_side=True,
                do_handshake_on_connect=False)
        self.port = self.httpd.server_address[1]
        self.url = "%s://127.0.0.1:%d" % ("https" if tls else "http",
                                          self.port)
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)
        self.thread.start()

    # -- state
    def put(self, bucket, key, data=None, path=None):
        o = Obj(data=data, path=path)
        with self.lock:
            self.buckets.setdefault(bucket, {})[key] = o
        return o

    def delete(self, bucket, key):
        with self.lock:
            self.buckets.get(bucket, {}).pop(key, None)

    def clear(self):
        with self.lock:
            self.buckets.clear()
            self.faults.clear()
            self.requests.clear()

    def add_fault(self, op, key, times=1, **f):
        """The next `times` requests op ("list": key is the prefix; "get";
        "sqs": key is the action; "logs": key is the log group) on key get
        fault f:
          status=N [code=..]  an error answer (S3 XML or SQS JSON; for
                              SQS also message=.., and type=.. for a
                              whole __type of another namespace)
          cut=N [replace=b]   N body bytes, then the connection is closed
                              (replace: the object then has new bytes)
          stall=N             N body bytes, then nothing, until the client
                              goes away
          slow=S [piece=P]    a pause of S seconds between body pieces
          body=b              (list) this listing body, verbatim; or a
                              callable giving (length, iterator of bytes)
          empty=True          (logs) a page without events, with a token
          same_token=True     (logs) the request's token given back
        """
        with self.lock:
            self.faults.setdefault((op, key), []).extend([f] * times)

    def take_fault(self, op, key):
        with self.lock:
            lst = self.faults.get((op, key))
            if lst:
                return lst.pop(0)
        return None

    def record(self, req):
        with self.lock:
            self.requests.append(req)

    def record_handshake(self, ok, error):
        with self.tls_cond:
            self.handshakes.append((ok, error))
            self.tls_cond.notify_all()

    def settled_handshakes(self, timeout=10):
        """The handshakes once every connection accepted so far has its
        verdict (a client may exit before its server thread records it).
        A client that saw the server's certificate was accepted first."""
        with self.tls_cond:
            if not self.tls_cond.wait_for(
                    lambda: len(self.handshakes) >= self.accepted, timeout):
                raise TimeoutError("%d connections, %d handshakes"
                                   % (self.accepted, len(self.handshakes)))
            return list(self.handshakes)

    def reqs(self, op=None, key=None, since=0):
        with self.lock:
            return [r for r in self.requests[since:]
                    if (op is None or r.op == op)
                    and (key is None or r.key == key)]

    def mark(self):
        with self.lock:
            return len(self.requests)

    def bad_signatures(self):
        with self.lock:
            return [(r.op, r.path, r.verdict) for r in self.requests
                    if r.verdict != "ok"]

    # -- CloudWatch Logs and EC2
    def log_group(self, name, page_size=10000):
        g = LogGroup(name, page_size)
        with self.lock:
            self.log_groups[name] = g
        return g

    def add_events(self, group, items):
        """items: (stream, timestamp_ms, message); added atomically."""
        with self.lock:
            return [group.add(*it) for it in items]

    # -- SQS
    def queue(self, name="flowlogs", visibility=30):
        q = Queue(name, visibility)
        self.queues[name] = q
        return "%s/%s/%s" % (self.url, ACCOUNT, name), q

    # -- ListObjectsV2
    def listing(self, bucket, query):
        prefix = query.get("prefix", "")
        delim = query.get("delimiter") or None
        token = query.get("continuation-token")
        enc = query.get("encoding-type") == "url"
        mx = min(int(query.get("max-keys", self.max_keys)), self.max_keys)
        with self.lock:
            objs = dict(self.buckets[bucket])
        entries = []            # (name, obj or None for a prefix)
        seen = set()
        for k in sorted(objs):
            if not k.startswith(prefix):
                continue
            if delim:
                i = k.find(delim, len(prefix))
                if i >= 0:
                    cp = k[:i + len(delim)]
                    if cp not in seen:
                        seen.add(cp)
                        entries.append((cp, None))
                    continue
            entries.append((k, objs[k]))
        after = None
        if token:
            after = base64.b64decode(token.encode()).decode()[4:]
        if after is not None:
            entries = [e for e in entries if e[0] > after]
        page, rest = entries[:mx], entries[mx:]

        def e(s):
            return escape(quote(s, safe="/") if enc else s)
        x = ['<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult '
             'xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
             "<Name>%s</Name><Prefix>%s</Prefix>" % (escape(bucket),
                                                      e(prefix))]
        if delim:
            x.append("<Delimiter>%s</Delimiter>" % e(delim))
        if enc:
            x.append("<EncodingType>url</EncodingType>")
        x.append("<KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys><IsTruncated>"
                 "%s</IsTruncated>" % (len(page), mx,
                                       "true" if rest else "false"))
        if token:
            x.append("<ContinuationToken>%s</ContinuationToken>"
                     % escape(token))
        if rest:
            # opaque, and with '+', '/' and '=' in it, as AWS's are
            nt = base64.b64encode(("\xfb\xff~>" + page[-1][0]).encode()
                                  ).decode()
            x.append("<NextContinuationToken>%s</NextContinuationToken>"
                     % escape(nt))
        for name, o in page:
            if o is None:
                x.append("<CommonPrefixes><Prefix>%s</Prefix>"
                         "</CommonPrefixes>" % e(name))
            else:
                x.append("<Contents><Key>%s</Key><LastModified>2024-05-25T"
                         "00:00:00.000Z</LastModified><ETag>&quot;%s&quot;"
                         "</ETag><Size>%d</Size><StorageClass>STANDARD"
                         "</StorageClass></Contents>"
                         % (e(name), o.etag, o.size))
        x.append("</ListBucketResult>")
        return "".join(x).encode()

    def stop(self):
        self.stopping.set()
        with self.lock:
            qs = list(self.queues.values())
        for q in qs:
            with q.cond:
                q.cond.notify_all()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)
