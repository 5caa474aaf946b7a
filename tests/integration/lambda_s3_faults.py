#!/usr/bin/python3
"""lambda_s3_faults: S3 events in the Lambda runtime when things go wrong,
driven by the suite's Runtime API emulator (lambda_emulator.py), objects
on s3rver, records to a TCP collector on 127.0.0.1 that reads and
discards.

1. Deadline inside one big object: a gzip object of some hundred
   thousand lines (one gzip member) is converted once with plenty of
   time; its own time says how long it takes here.  The same S3 event
   with a deadline a third of that away (plus --lambda-deadline-margin):
   the answer is an error of type DeadlineExceeded that arrives no later
   than the deadline, and reports the object as failed (not done); an
   event for a small object afterwards converts: the process goes on.
   Nothing about speed is asserted.
2. libcurl missing (only with FL_LAMBDA_DIR, an unpacked zip, as
   lambda_zip.sh runs it): a copy of the zip without lib/libcurl.so.4.
   An S3 event is answered with an error that says libcurl could not be
   loaded; the process lives, a CloudWatch Logs event after it converts,
   and a second S3 event is answered with the same error.  With
   container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI, no keys),
   whose URL libcurl parses, the start-up fails (/init/error) saying that
   libcurl is not available, not that the URL is bad.
   lambda_zip_udp.py runs this part again over UDP, for the arm64 zip.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import lambda_deadline  # noqa: E402
import lambda_emulator  # noqa: E402
import lambda_runtime  # noqa: E402
import s3test  # noqa: E402

MARGIN_MS = 500
BIG_LINES = 300000
FIELDS = lambda_runtime.S3_FIELDS


class Runtime:
    """The runtime; output defaults to the TCP sink's address.  env_set
    adds to its environment, a value None removes the variable."""

    def __init__(self, env, api, sink, name, srv, lambda_dir=None,
                 output=None, env_set=None):
        argv, cwd, extra = lambda_emulator.runtime_command(lambda_dir)
        e = s3test.aws_env(extra)
        e.update({"AWS_LAMBDA_RUNTIME_API": api.address,
                  "AWS_LAMBDA_FUNCTION_NAME": "flowlog2ipfix",
                  "FLOWLOG2IPFIX_OUTPUT": output or
                  "tcp://127.0.0.1:%d" % sink.port,
                  "FLOWLOG2IPFIX_ENDPOINT_URL": srv.url,
                  "FLOWLOG2IPFIX_LAMBDA_DEADLINE_MARGIN": str(MARGIN_MS)})
        for k, v in (env_set or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        self.err_path = env.path(name + ".err")
        with open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(argv, cwd=cwd, env=e,
                                         stdout=subprocess.DEVNULL,
                                         stderr=err)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            return self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "hung (killed)"

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")


def text(n, seed):
    return " ".join(FIELDS) + "\n" + "\n".join(
        fltest.gen_lines(FIELDS, n, seed=seed, t0=1716595200)) + "\n"


def s3_event(client, key, body):
    client.put_object(Bucket=lambda_runtime.BUCKET, Key=key, Body=body)
    return {"Records": [lambda_runtime.s3_record(key, len(body))]}


def deadline(env, ck, srv, client, sink):
    fltest.log("building a %d-line object" % BIG_LINES)
    big = s3test.gz(text(BIG_LINES, 5))
    fltest.log("object: %d bytes of gzip" % len(big))
    ev = s3_event(client, s3test.key_for("plain", 1716595200, tag="big"),
                  big)
    small = s3_event(client, s3test.key_for("plain", 1716595300,
                                            tag="small"),
                     s3test.gz(text(20, 6)))
    api = lambda_emulator.RuntimeApi()
    rt = Runtime(env, api, sink, "deadline", srv)
    whole = late = None
    try:
        api.wait_next(1, 60)
        rid, ans = api.invoke(ev, timeout=300, timeout_s=300)
        ck.eq(ans.kind, "response", "big object with time enough: "
              "answered (%s)" % ans.body[:300])
        doc = ans.json() if ans.kind == "response" else {}
        ck.check((doc.get("records_out") or 0) > 0, "big object: records "
                 "converted (%r)" % doc.get("records_out"))
        whole = rid
        took = api.answers[rid].monotonic - api.invocations[rid].handed_out
        fltest.log("big object took %.0f ms" % (took * 1000))

        budget_ms = int(took * 1000 / 3) + MARGIN_MS
        deadline_ms = int(time.time() * 1000) + budget_ms
        rid, ans = api.invoke(ev, deadline_ms=deadline_ms, timeout=300)
        arrived_ms = ans.time * 1000
        fltest.log("deadline in %d ms; answered %.0f ms before it: %s"
                   % (budget_ms, deadline_ms - arrived_ms, ans.body[:300]))
        ck.eq(ans.kind, "error", "short deadline: an error answer")
        doc = ans.json() if ans.kind == "error" else {}
        ck.eq(doc.get("errorType"), "DeadlineExceeded",
              "short deadline: errorType")
        ck.check(arrived_ms <= deadline_ms, "short deadline: answered no "
                 "later than the deadline (%.0f ms %s it)"
                 % (abs(deadline_ms - arrived_ms),
                    "before" if arrived_ms <= deadline_ms else "after"))
        late = rid

        rid, ans = api.invoke(small)
        ck.eq(ans.kind, "response", "after the deadline: a small object "
              "is answered (%s)" % ans.body[:300])
        n = ans.json().get("records_out") if ans.kind == "response" else 0
        ck.eq(n, 20, "after the deadline: its records converted")
    finally:
        rc = rt.stop()
        api.close()
    ck.eq(rc, 0, "deadline run: exit status 0 on SIGTERM")
    stats = {d.get("requestId"): d["stats"]
             for d in lambda_deadline.log_lines(rt.stderr()) if "stats" in d}
    for what, r, want in (("time enough", whole, 1),
                          ("short deadline", late, 0)):
        st = stats.get(r, {})
        ck.eq(st.get("objects_committed"), want, "%s: objects committed "
              "(%r)" % (what, {k: st.get(k) for k in (
                  "objects", "objects_failed", "records_out")}))


def no_libcurl(env, ck, srv, client, sink, lambda_dir, output=None):
    """output: where the runtime sends (default the TCP sink)."""
    copy = tempfile.mkdtemp(prefix="nocurl.", dir=env.path("."))
    shutil.rmtree(copy)
    shutil.copytree(lambda_dir, copy, symlinks=True)
    os.unlink(os.path.join(copy, "lib", "libcurl.so.4"))
    ev = s3_event(client, s3test.key_for("plain", 1716595400, tag="nocurl"),
                  s3test.gz(text(20, 7)))
    no_libcurl_container(env, ck, srv, sink, copy, output)
    api = lambda_emulator.RuntimeApi()
    rt = Runtime(env, api, sink, "nocurl", srv, lambda_dir=copy,
                 output=output)
    try:
        api.wait_next(1, 60)
        for n in (1, 2):
            rid, ans = api.invoke(ev, timeout=60)
            ck.eq(ans.kind, "error", "without libcurl, S3 event %d: an "
                  "error answer" % n)
            msg = ans.json().get("errorMessage", "") \
                if ans.kind == "error" else ""
            fltest.log("without libcurl, S3 event %d: %s" % (n, msg))
            ck.check("libcurl" in msg, "without libcurl, S3 event %d: the "
                     "message names libcurl (%s)" % (n, msg))
            ck.eq(rt.proc.poll(), None, "without libcurl, S3 event %d: "
                  "the runtime lives" % n)
            if n == 1:
                ls = fltest.gen_lines(lambda_runtime.CWL_FIELDS, 15, seed=8)
                rid, ans = api.invoke(lambda_runtime.cwl_event(ls))
                ck.eq(ans.kind, "response", "without libcurl: a CloudWatch "
                      "Logs event is answered (%s)" % ans.body[:300])
                got = ans.json().get("records_out") \
                    if ans.kind == "response" else None
                ck.eq(got, 15, "without libcurl: the CWL event's records")
    finally:
        rc = rt.stop()
        api.close()
    ck.eq(rc, 0, "without libcurl: exit status 0 on SIGTERM")
    err = rt.stderr()
    ck.check("Assertion" not in err and "assertion" not in err,
             "without libcurl: no assertion failed")


def no_libcurl_container(env, ck, srv, sink, copy, output):
    """Container credentials without libcurl: libcurl parses their URL,
    and its absence must be named as such.  Credentials are found at
    start-up, so this is an init error.  Nothing listens at the URL: it
    is never fetched."""
    what = "without libcurl, container credentials"
    url = "http://127.0.0.1:%d/creds" % fltest.free_port()
    api = lambda_emulator.RuntimeApi()
    rt = Runtime(env, api, sink, "nocurl-container", srv, lambda_dir=copy,
                 output=output,
                 env_set={"AWS_ACCESS_KEY_ID": None,
                          "AWS_SECRET_ACCESS_KEY": None,
                          "AWS_CONTAINER_CREDENTIALS_FULL_URI": url})

    def check(doc):
        msg = doc.get("errorMessage", "")
        fltest.log("%s: %s" % (what, msg))
        ck.check("libcurl is not available" in msg and
                 "not a URL" not in msg and url in msg,
                 "%s: the init error names the URL and says libcurl is not "
                 "available, not that the URL is bad (%s)" % (what, msg))
    lambda_runtime.expect_init_error(ck, api, rt, what, check, timeout=60)


def main(env):
    lambda_dir = os.environ.get("FL_LAMBDA_DIR")
    if not lambda_dir:
        env.check()
    ck = fltest.Checker("lambda_s3_faults")
    srv = s3test.S3rver(env)
    sink = lambda_deadline.Sink()
    try:
        client = srv.client()
        client.create_bucket(Bucket=lambda_runtime.BUCKET)
        deadline(env, ck, srv, client, sink)
        if lambda_dir:
            no_libcurl(env, ck, srv, client, sink, lambda_dir)
        else:
            fltest.log("without libcurl: not run (needs an unpacked zip "
                       "in FL_LAMBDA_DIR; lambda_zip.sh runs it so)")
    finally:
        sink.close()
        srv.stop()
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
