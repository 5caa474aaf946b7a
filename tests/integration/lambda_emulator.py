#!/usr/bin/python3
"""lambda_emulator: the suite's own AWS Lambda Runtime API (2018-06-01).

AWS's Runtime Interface Emulator is Go and not in Debian, so this is a
loopback HTTP server written from the API's documentation:

  GET  /2018-06-01/runtime/invocation/next       blocks until an event is
       queued; 200 with the event as body and the headers
       Lambda-Runtime-Aws-Request-Id, Lambda-Runtime-Deadline-Ms (Unix ms),
       Lambda-Runtime-Invoked-Function-Arn, Lambda-Runtime-Trace-Id
  POST /2018-06-01/runtime/invocation/ID/response   202; 400 for an ID
       not handed out or already answered
  POST /2018-06-01/runtime/invocation/ID/error      202 (idem); the body
       {"errorMessage","errorType"} and the header
       Lambda-Runtime-Function-Error-Type are kept
  POST /2018-06-01/runtime/init/error               202

One emulator serves one runtime process: a "next" left open by a process
that ended would take the next event queued.
Tests queue events with invoke() (waits for the answer) or submit() and
read what the runtime did: answers, the times of its "next" requests, init
errors, protocol errors (an answer for an unknown ID, a second answer).
Used by tests/integration/lambda_runtime.py and tests/bench/lambda_bench.py.
"""

import http.server
import json
import os
import queue
import shlex
import socket
import socketserver
import threading
import time
import uuid

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:flowlog2ipfix"
TRACE_ID = ("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af"
            "755a6419;Sampled=1")


class Answer:
    """What the runtime said about one invocation."""

    def __init__(self, kind, body, headers, t):
        self.kind = kind            # "response" or "error"
        self.body = body            # bytes
        self.headers = headers      # lower-case name -> value
        self.time = t               # time.time() when it arrived
        self.monotonic = time.monotonic()

    def json(self):
        return json.loads(self.body.decode())

    def __repr__(self):
        return "<%s %r>" % (self.kind, self.body[:300])


class Invocation:
    def __init__(self, event, deadline_ms, request_id, trace_id):
        self.event = event
        self.trace_id = trace_id    # "" or None: no Lambda-Runtime-Trace-Id
        self.deadline_ms = deadline_ms
        self.request_id = request_id
        self.handed_out = None      # time.monotonic() of the hand-out


class RuntimeApi:
    def __init__(self):
        self.cond = threading.Condition()
        self.pending = queue.Queue()
        self.invocations = {}       # id -> Invocation
        self.answers = {}           # id -> Answer
        self.next_times = []        # time.monotonic() of each GET next
        self.init_errors = []       # Answer
        self.protocol_errors = []   # strings
        self.closing = False
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body leave in one segment, and nothing waits
                # for a delayed ACK (Nagle): 40 ms per answer otherwise.
                self.connection.setsockopt(socket.IPPROTO_TCP,
                                           socket.TCP_NODELAY, 1)

            def log_message(self, fmt, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                # end_headers() writes the buffered headers; the body
                # joins them so that the answer is one write.
                self._headers_buffer.append(b"\r\n" + body)
                self.flush_headers()

            def do_GET(self):
                if self.path != PREFIX + "/invocation/next":
                    self.reply(404, b'{"errorType":"NotFound"}')
                    return
                with api.cond:
                    api.next_times.append(time.monotonic())
                    api.cond.notify_all()
                inv = api._take()
                if inv is None:     # shutting down
                    self.close_connection = True
                    return
                inv.handed_out = time.monotonic()
                hdrs = [
                    ("Content-Type", "application/json"),
                    ("Lambda-Runtime-Aws-Request-Id", inv.request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(inv.deadline_ms)),
                    ("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN)]
                if inv.trace_id:
                    hdrs.append(("Lambda-Runtime-Trace-Id", inv.trace_id))
                self.reply(200, inv.event, hdrs)

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                hdrs = {k.lower(): v for k, v in self.headers.items()}
                path = self.path
                if path == PREFIX + "/init/error":
                    with api.cond:
                        api.init_errors.append(
                            Answer("error", body, hdrs, time.time()))
                        api.cond.notify_all()
                    self.reply(202, b'{"status":"OK"}')
                    return
                parts = path[len(PREFIX):].split("/")
                # ['', 'invocation', ID, 'response'|'error']
                if (not path.startswith(PREFIX) or len(parts) != 4
                        or parts[1] != "invocation"
                        or parts[3] not in ("response", "error")):
                    self.reply(404, b'{"errorType":"NotFound"}')
                    return
                rid, kind = parts[2], parts[3]
                with api.cond:
                    if rid not in api.invocations:
                        api.protocol_errors.append("answer for unknown ID %r"
                                                   % rid)
                        status = 400
                    elif rid in api.answers:
                        api.protocol_errors.append("second answer for %r"
                                                   % rid)
                        status = 400
                    else:
                        api.answers[rid] = Answer(kind, body, hdrs,
                                                  time.time())
                        status = 202
                    api.cond.notify_all()
                if status == 202:
                    self.reply(202, b'{"status":"OK"}')
                else:
                    self.reply(400, b'{"errorType":"InvalidStateTransition"}')

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

            def handle_error(self, request, client_address):
                # A runtime that exits while its "next" is open resets
                # the connection: not the emulator's error to report.
                import sys as _sys
                if not isinstance(_sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.address = "127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def _take(self):
        while True:
            try:
                return self.pending.get(timeout=0.05)
            except queue.Empty:
                if self.closing:
                    return None

    def submit(self, event, deadline_ms=None, timeout_s=30.0,
               request_id=None, trace_id=TRACE_ID):
        """Queues event (bytes, str or a JSON-able object); returns its
        request ID.  deadline_ms: Unix ms (default now + timeout_s);
        trace_id: its Lambda-Runtime-Trace-Id ("": none)."""
        if not isinstance(event, (bytes, str)):
            event = json.dumps(event)
        if isinstance(event, str):
            event = event.encode()
        if deadline_ms is None:
            deadline_ms = int((time.time() + timeout_s) * 1000)
        rid = request_id or str(uuid.uuid4())
        inv = Invocation(event, deadline_ms, rid, trace_id)
        with self.cond:
            self.invocations[rid] = inv
        self.pending.put(inv)
        return rid

    def wait_answer(self, rid, timeout=60.0):
        end = time.monotonic() + timeout
        with self.cond:
            while rid not in self.answers:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no answer for invocation %s in "
                                       "%.0f s" % (rid, timeout))
                self.cond.wait(left)
            return self.answers[rid]

    def invoke(self, event, timeout=60.0, **kw):
        rid = self.submit(event, **kw)
        return rid, self.wait_answer(rid, timeout)

    def wait_next(self, count, timeout=30.0):
        """Waits until the runtime has asked for work count times."""
        end = time.monotonic() + timeout
        with self.cond:
            while len(self.next_times) < count:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the runtime asked for work %d "
                                       "times, not %d" %
                                       (len(self.next_times), count))
                self.cond.wait(left)
            return self.next_times[count - 1]

    def wait_init_error(self, timeout=30.0):
        end = time.monotonic() + timeout
        with self.cond:
            while not self.init_errors:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no init error")
                self.cond.wait(left)
            return self.init_errors[0]

    def close(self):
        self.closing = True
        self.server.shutdown()
        self.server.server_close()


def runtime_command(env_dir=None):
    """(argv, cwd, extra environment) of the runtime under test: the
    bootstrap of an unpacked Lambda zip in FL_LAMBDA_DIR (run from there
    as Lambda does, with LAMBDA_TASK_ROOT set, so that it finds its own
    information model), else the build tree's binary with the in-tree
    model.  FL_LAMBDA_EXEC, with a zip, is a command that runs its
    bootstrap (qemu-aarch64-static for the arm64 zip on an x86_64
    machine: lambda_zip.sh sets it)."""
    d = env_dir if env_dir is not None else os.environ.get("FL_LAMBDA_DIR")
    if d:
        d = os.path.abspath(d)
        wrapper = shlex.split(os.environ.get("FL_LAMBDA_EXEC", ""))
        return (wrapper + [os.path.join(d, "bootstrap")], d,
                {"LAMBDA_TASK_ROOT": d})
    srcdir = os.path.abspath(os.environ.get(
        "FL_SRCDIR", os.path.join(os.path.dirname(__file__), "..", "..")))
    b = os.environ.get("FL_BIN") or os.path.join(srcdir, "src",
                                                 "flowlog2ipfix")
    model = os.environ.get("FL_INFOMODEL") or os.path.join(
        srcdir, "infomodel", "flowlog2ipfix.xml")
    return ([os.path.abspath(b)], None,
            {"FLOWLOG2IPFIX_INFOMODEL_DIR":
             os.path.dirname(os.path.abspath(model))})
