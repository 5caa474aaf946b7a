#!/usr/bin/python3
"""lambda_deadline: the Lambda runtime answers before an invocation's
deadline even in the middle of one big event, and then goes on.

The runtime (the bootstrap of an unpacked zip with FL_LAMBDA_DIR, else
the build tree's binary) is driven by the suite's Runtime API emulator
(lambda_emulator.py) and writes to a TCP collector on 127.0.0.1 that
reads and discards.

1. A CloudWatch Logs subscription event of some hundred thousand lines
   (megabytes of base64: one envelope, one payload) is converted once
   with plenty of time; its own durationMs says how long it takes here.
2. The same event with a deadline a third of that time away (plus
   --lambda-deadline-margin at its default, 500 ms): the answer is an error of type
   DeadlineExceeded, and it arrives no later than the deadline.  Nothing
   about speed is asserted: the deadline is derived from this machine's
   own time for the event.
3. A small event afterwards converts and is answered as usual: the
   process is alive and its exporter usable.
4. Each invocation's Lambda-Runtime-Trace-Id is exported as
   _X_AMZN_TRACE_ID while it runs: the invocation's log line reports the
   variable's value (read back from the environment), which must be that
   invocation's own trace ID; one without the header has none.
"""

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
import lambda_emulator  # noqa: E402
import lambda_runtime  # noqa: E402
import s3test  # noqa: E402

# --lambda-deadline-margin's default: what a deployed function runs with.
MARGIN_MS = 500
BIG_LINES = 250000


class Sink:
    """A TCP collector that reads and discards."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(4)
        self.port = self.ls.getsockname()[1]
        self.bytes = 0
        self.done = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.done:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self.drain, args=(c,),
                             daemon=True).start()

    def drain(self, c):
        with c:
            while True:
                try:
                    b = c.recv(1 << 20)
                except OSError:
                    return
                if not b:
                    return
                self.bytes += len(b)

    def close(self):
        self.done = True
        self.ls.close()


def log_lines(text):
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def main(env):
    if not os.environ.get("FL_LAMBDA_DIR"):
        env.check()
    ck = fltest.Checker("lambda_deadline")
    sink = Sink()
    api = lambda_emulator.RuntimeApi()
    argv, cwd, extra = lambda_emulator.runtime_command()
    e = s3test.aws_env(extra)
    e.update({"AWS_LAMBDA_RUNTIME_API": api.address,
              "AWS_LAMBDA_FUNCTION_NAME": "flowlog2ipfix",
              "FLOWLOG2IPFIX_OUTPUT": "tcp://127.0.0.1:%d" % sink.port,
              "FLOWLOG2IPFIX_LAMBDA_DEADLINE_MARGIN": str(MARGIN_MS)})
    e.pop("_X_AMZN_TRACE_ID", None)
    err_path = env.path("runtime.err")
    fltest.log("building a %d-line event" % BIG_LINES)
    lines = fltest.gen_lines(fltest.DEFAULT_FORMAT, BIG_LINES, seed=9)
    big = json.dumps(lambda_runtime.cwl_event(lines)).encode()
    fltest.log("event: %d bytes" % len(big))
    with open(err_path, "wb") as err:
        proc = subprocess.Popen(argv, cwd=cwd, env=e,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        api.wait_next(1, 60)
        # 1. with time enough
        rid, ans = api.invoke(big, timeout=300, timeout_s=300,
                              trace_id="Root=1-00000001-big;Sampled=1")
        ck.eq(ans.kind, "response", "big event with time enough: answered")
        doc = ans.json() if ans.kind == "response" else {}
        ck.eq(doc.get("records_out") is not None
              and doc.get("records_out") > 0, True,
              "big event: records converted (%r)" % doc.get("records_out"))
        took = api.answers[rid].monotonic - api.invocations[rid].handed_out
        fltest.log("big event took %.0f ms" % (took * 1000))

        # 2. a third of that time, plus the margin
        budget_ms = int(took * 1000 / 3) + MARGIN_MS
        deadline_ms = int(time.time() * 1000) + budget_ms
        rid, ans = api.invoke(big, deadline_ms=deadline_ms, timeout=300,
                              trace_id="Root=1-00000002-late;Sampled=1")
        arrived_ms = ans.time * 1000
        fltest.log("deadline in %d ms; answered %.0f ms before it"
                   % (budget_ms, deadline_ms - arrived_ms))
        ck.eq(ans.kind, "error", "short deadline: an error answer")
        etype = ans.json().get("errorType") if ans.kind == "error" else None
        ck.eq(etype, "DeadlineExceeded", "short deadline: errorType")
        ck.check(arrived_ms <= deadline_ms, "short deadline: answered no "
                 "later than the deadline (%.0f ms %s it)"
                 % (abs(deadline_ms - arrived_ms),
                    "before" if arrived_ms <= deadline_ms else "after"))

        # 3. the process goes on
        small = fltest.gen_lines(fltest.DEFAULT_FORMAT, 20, seed=10)
        rid, ans = api.invoke(lambda_runtime.cwl_event(small),
                              trace_id="Root=1-00000003-small;Sampled=1")
        ck.eq(ans.kind, "response", "after the deadline: next event "
              "answered")
        n = ans.json().get("records_out") if ans.kind == "response" else 0
        ck.check(n and n > 0, "after the deadline: records converted (%r)"
                 % n)
        # 4. no trace header
        rid, ans = api.invoke(lambda_runtime.cwl_event(small[:3]),
                              trace_id="")
        ck.eq(ans.kind, "response", "no trace header: answered")
        ck.eq(proc.poll(), None, "the runtime is still running")
    finally:
        if proc.poll() is None:
            proc.terminate()
        try:
            rc = proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
        api.close()
        sink.close()
    ck.eq(rc, 0, "SIGTERM while waiting: exit status 0")
    with open(err_path, "rb") as f:
        logs = log_lines(f.read().decode(errors="replace"))
    traces = [d.get("traceId") for d in logs if "stats" in d]
    ck.eq(traces, ["Root=1-00000001-big;Sampled=1",
                   "Root=1-00000002-late;Sampled=1",
                   "Root=1-00000003-small;Sampled=1", None],
          "each invocation's log line: _X_AMZN_TRACE_ID as it ran")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
