#!/usr/bin/python3
"""lambda_runtime: the program as an AWS Lambda custom runtime, driven by
the suite's Runtime API emulator (lambda_emulator.py) on loopback.

The runtime under test is the bootstrap of an unpacked Lambda zip when
FL_LAMBDA_DIR names its directory, else the build tree's binary; it is
configured only through FLOWLOG2IPFIX_* variables, as a function is.
Objects live on s3rver; records go to TCP (and UDP) collectors that
decode them with python3-ipfix and compare them field by field with the
lines that went in.

1. Start: the runtime asks for work without being given any input.
2. One runtime process, one sequence of events, each answer checked:
   a CloudWatch Logs subscription event; an S3 notification (its object
   read from s3rver); an SQS batch of four messages, two good, one
   announcing an object that does not exist, one whose body is no S3
   event: the answer lists exactly those two in batchItemFailures and the
   good ones' records arrive, in order; a Kinesis event of two records;
   a CONTROL_MESSAGE; text that is not JSON, a subscription event with
   damaged data, JSON of no known kind (each an error answer with its
   errorType; the process goes on); an event whose deadline has passed
   (DeadlineExceeded, nothing sent).  Every answer comes once, for its
   own request ID; stderr is JSON lines, each invocation's with its
   request ID and statistics.
3. Collector down: the collector closes the connection and stops
   listening; the next invocation answers OutputError before its
   deadline (the reconnect timeout is longer: the deadline cuts it).
   With the collector back, the next invocation succeeds on a new
   connection whose first sets are templates, then its records.
4. UDP: templates are sent again before the records of every third
   invocation (--template-refresh-invocations 3) and not in between;
   with --template-refresh 1 and no count, before the first invocation
   after more than a second of waiting (no timer ran meanwhile).
5. Start-up failures go to /init/error: a bad setting (ConfigError), a
   collector that is not there (OutputError); the process exits non-zero.
6. SIGTERM while waiting for work: exit status 0.
"""

import base64
import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote_plus

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import lambda_emulator  # noqa: E402
import s3test  # noqa: E402

CWL_FIELDS = fltest.DEFAULT_FORMAT
S3_FIELDS = fltest.V5_GEN_FIELDS
BUCKET = "flowlogs-lambda"
GROUP = "/vpc/flowlogs/prod"


# -- collectors ---------------------------------------------------------------

class TcpCollector:
    """Accepts connections one after the other on one port; each one's
    stream is decoded as it arrives (python3-ipfix) into its own list."""

    def __init__(self, port=0):
        self.lock = threading.Lock()
        self.conns = []             # [[Event]]
        self.errors = []
        self.port = port
        self.start()

    def start(self):
        self.ls = socket.socket()
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind(("127.0.0.1", self.port))
        self.ls.listen(4)
        self.port = self.ls.getsockname()[1]
        self.active = []
        self.thread = threading.Thread(target=self.accept, daemon=True)
        self.thread.start()

    def accept(self):
        while True:
            try:
                conn, _ = self.ls.accept()
            except OSError:
                return
            with self.lock:
                self.conns.append([])
                self.active.append(conn)
                mine = self.conns[-1]
            threading.Thread(target=self.read, args=(conn, mine),
                             daemon=True).start()

    def read(self, conn, mine):
        try:
            with conn.makefile("rb") as f:
                for ev in fltest.iter_events(f):
                    with self.lock:
                        mine.append(ev)
        except Exception as e:      # a closed socket ends it too
            if not isinstance(e, (OSError, ValueError)):
                with self.lock:
                    self.errors.append(repr(e))

    def stop(self):
        """Stops listening and closes every connection (FIN)."""
        # shutdown() wakes the thread in accept(); close() alone would
        # leave the socket listening until a connection came.
        try:
            self.ls.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.ls.close()
        self.thread.join(10)
        with self.lock:
            for c in self.active:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.active = []

    def snapshot(self):
        with self.lock:
            return [list(c) for c in self.conns]

    def data_count(self, conn=-1):
        with self.lock:
            if not self.conns:
                return 0
            return sum(1 for e in self.conns[conn]
                       if e.kind == "record" and not e.options)


class UdpCollector:
    """Datagrams, each decoded on its own (python3-ipfix); templates are
    kept across datagrams as a collector keeps them per session.

    No reader thread: mark() and since() first take every datagram the
    kernel holds.  Loopback delivers a datagram within the sender's
    sendmsg, so a mark taken after the runtime asked for its next event
    counts everything it sent before (a thread could still be decoding
    them: the start-up templates then counted as the first invocation's).
    """

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.datagrams = []         # [[Event]]
        self.templates = {}

    def pump(self):
        import io
        while True:
            try:
                data = self.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            evs = list(fltest.iter_events(io.BytesIO(data), self.templates))
            self.datagrams.append(evs)

    def mark(self):
        self.pump()
        return len(self.datagrams)

    def since(self, mark):
        self.pump()
        return [e for d in self.datagrams[mark:] for e in d]

    def close(self):
        self.sock.close()


# -- the runtime ------------------------------------------------------------

class Runtime:
    """The runtime process under test, pointed at an emulator."""

    count = 0

    def __init__(self, env, api, settings, s3_url=None):
        Runtime.count += 1
        argv, cwd, extra = lambda_emulator.runtime_command()
        e = s3test.aws_env(extra)
        e.update({"AWS_LAMBDA_RUNTIME_API": api.address,
                  "AWS_LAMBDA_FUNCTION_NAME": "flowlog2ipfix",
                  "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
                  "TZ": "UTC"})
        if s3_url:
            e["FLOWLOG2IPFIX_ENDPOINT_URL"] = s3_url
        for k, v in settings.items():
            e["FLOWLOG2IPFIX_" + k.upper().replace("-", "_")] = str(v)
        self.err_path = env.path("runtime%d.err" % Runtime.count)
        self.err = open(self.err_path, "wb")
        fltest.log("$ %s (%s)" % (" ".join(argv), ", ".join(
            "%s=%s" % (k, v) for k, v in sorted(e.items())
            if k.startswith("FLOWLOG2IPFIX_"))))
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(argv, cwd=cwd, env=e,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.err)

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            rc = "hung (killed)"
        self.err.close()
        return rc

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode(errors="replace")


# -- events ------------------------------------------------------------------

def b64(data):
    return base64.b64encode(data).decode()


def payload(lines, stream, first_id=0, mtype="DATA_MESSAGE"):
    return {"messageType": mtype, "owner": "111111111111",
            "logGroup": GROUP, "logStream": stream,
            "subscriptionFilters": ["flowlog2ipfix"],
            "logEvents": [{"id": "%056d" % (first_id + i),
                           "timestamp": 1716638412000 + i, "message": m}
                          for i, m in enumerate(lines)]}


def cwl_event(lines, stream="eni-0a1b2c3d4e5f60001-all", **kw):
    return {"awslogs": {"data": b64(gzip.compress(json.dumps(
        payload(lines, stream, **kw)).encode(), mtime=0))}}


def kinesis_event(chunks):
    recs = []
    for i, ls in enumerate(chunks):
        data = gzip.compress(json.dumps(payload(
            ls, "eni-k%d-all" % i, first_id=1000 * i)).encode(), mtime=0)
        recs.append({"kinesis": {"kinesisSchemaVersion": "1.0",
                                 "partitionKey": "pk%d" % i,
                                 "sequenceNumber": "4959%020d" % i,
                                 "data": b64(data),
                                 "approximateArrivalTimestamp": 1716638412.5},
                     "eventSource": "aws:kinesis", "eventVersion": "1.0",
                     "eventID": "shardId-000000000000:4959%020d" % i,
                     "eventName": "aws:kinesis:record",
                     "awsRegion": "us-east-1",
                     "eventSourceARN": "arn:aws:kinesis:us-east-1:"
                                       "123456789012:stream/flowlogs"})
    return {"Records": recs}


def s3_record(key, size):
    return {"eventVersion": "2.1", "eventSource": "aws:s3",
            "awsRegion": "us-east-1", "eventTime": "2024-05-25T00:05:00.000Z",
            "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "flowlogs",
                   "bucket": {"name": BUCKET, "arn": "arn:aws:s3:::" + BUCKET},
                   "object": {"key": quote_plus(key, safe="/"),
                              "size": size}}}


def sqs_event(bodies):
    return {"Records": [{
        "messageId": mid, "receiptHandle": "AQEB" + mid,
        "body": body, "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {}, "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:flowlogs",
        "awsRegion": "us-east-1"} for mid, body in bodies]}


# -- checks ------------------------------------------------------------------

def wait_data(col, want, conn=-1, timeout=30):
    try:
        fltest.wait_for(lambda: col.data_count(conn) >= want, timeout,
                        what="%d data records at the collector" % want)
    except TimeoutError as e:
        fltest.log("  " + str(e))


OPT_SCOPE = {fltest.TID_INTERFACE_OPT: "ingressInterface",
             fltest.TID_VRF_OPT: "ingressVRFID"}


def drop_resent_options(earlier, evs):
    """A new connection starts with every options record sent on the ones
    before (the exporter's at-least-once prologue), for IDs this check's
    records may not use: those, sent before with the same values, are not
    this check's business.  Options for IDs the records use stay."""
    def key(e):
        return (e.tid, tuple(sorted(e.rec.items())))
    before = {key(e) for c in earlier for e in c
              if e.kind == "record" and e.tid in OPT_SCOPE}
    used = set()
    for e in evs:
        if e.kind == "record" and e.tid not in OPT_SCOPE:
            for f in ("ingressInterface", "egressInterface", "ingressVRFID"):
                if f in e.rec:
                    used.add((f, e.rec[f]))
    return [e for e in evs
            if not (e.kind == "record" and e.tid in OPT_SCOPE
                    and key(e) in before
                    and (OPT_SCOPE[e.tid], e.rec.get(OPT_SCOPE[e.tid]))
                    not in used
                    and not (e.tid == fltest.TID_INTERFACE_OPT and
                             ("egressInterface",
                              e.rec.get("ingressInterface")) in used))]


def check_records(ck, col, mark, fields, rows, what):
    """The records of connection -1 after event index mark, with the
    connection's templates before them, against the rows."""
    conns = col.snapshot()
    conn = conns[-1]
    evs = [e for e in conn[mark:] if e.kind != "template"]
    evs = drop_resent_options(conns[:-1], evs)
    used = {e.tid for e in evs if e.kind == "record"}
    # The connection's templates that these records use: data templates
    # of other invocations' formats are not this check's business.
    templates = [e for e in conn if e.kind == "template" and
                 (e.setid == 3 or e.tid in used)]
    evs = templates + evs
    fltest.check_stream(ck, evs, fltest.Expect(fields), rows, what)


def lines_rows(lines, fields):
    return fltest.parse_flowlog("\n".join(lines) + "\n", fields)[1]


def ok_count(rows):
    return sum(1 for r in rows if fltest.is_ok(r))


def answer_json(ck, ans, what):
    ck.eq(ans.kind, "response", what + ": answered with a response (%r)"
          % ans)
    try:
        return ans.json()
    except ValueError:
        ck.check(False, what + ": the response is JSON (%r)" % ans.body)
        return {}


def check_error(ck, ans, etype, what, words=()):
    ck.eq(ans.kind, "error", what + ": an error answer")
    if ans.kind != "error":
        return
    try:
        doc = ans.json()
    except ValueError:
        doc = {}
    ck.eq(doc.get("errorType"), etype, what + ": errorType")
    ck.eq(ans.headers.get("lambda-runtime-function-error-type"), etype,
          what + ": Lambda-Runtime-Function-Error-Type header")
    msg = doc.get("errorMessage") or ""
    for w in words:
        ck.check(w in msg, "%s: %r in the errorMessage %r" % (what, w, msg))


# -- 2. a sequence of events -----------------------------------------------------

def put_object(client, key, text):
    body = gzip.compress(text.encode(), mtime=0)
    client.put_object(Bucket=BUCKET, Key=key, Body=body)
    return len(body)


def s3_text(seed, n=30):
    return " ".join(S3_FIELDS) + "\n" + "\n".join(
        fltest.gen_lines(S3_FIELDS, n, seed=seed, t0=1716595200 + seed * 1000,
                         nodata_every=7)) + "\n"


def sequence(env, ck, api, col, srv):
    client = srv.client()
    client.create_bucket(Bucket=BUCKET)
    rt = Runtime(env, api, {"output": "tcp://127.0.0.1:%d" % col.port,
                            "reconnect-timeout": 300}, s3_url=srv.url)
    answered = []
    try:
        api.wait_next(1, timeout=30)
        ck.check(True, "start: the runtime asks for work")
        ck.eq(len(col.snapshot()), 1, "start: one connection to the "
              "collector, made at start-up")

        # CloudWatch Logs subscription event
        ls = fltest.gen_lines(CWL_FIELDS, 60, seed=11, nodata_every=9)
        rows = lines_rows(ls, CWL_FIELDS)
        mark = len(col.snapshot()[-1])
        rid, ans = api.invoke(cwl_event(ls))
        answered.append(rid)
        doc = answer_json(ck, ans, "CWL")
        ck.eq((doc.get("records_out"), doc.get("envelope_payloads")),
              (ok_count(rows), 1), "CWL: records_out and payloads in the "
              "answer")
        wait_data(col, ok_count(rows))
        check_records(ck, col, mark, CWL_FIELDS, rows, "CWL")

        # S3 notification
        text = s3_text(21)
        key = s3test.key_for("plain", 1716595200, tag="s3event")
        size = put_object(client, key, text)
        rows = fltest.parse_flowlog(text)[1]
        mark = len(col.snapshot()[-1])
        before = col.data_count()
        rid, ans = api.invoke({"Records": [s3_record(key, size)]})
        answered.append(rid)
        doc = answer_json(ck, ans, "S3")
        ck.eq((doc.get("objects"), doc.get("records_out")),
              (1, ok_count(rows)), "S3: one object, its records")
        wait_data(col, before + ok_count(rows))
        check_records(ck, col, mark, S3_FIELDS, rows, "S3")

        # SQS batch: good, missing object, not an event, good
        texts = [s3_text(31), s3_text(32)]
        keys = [s3test.key_for("plain", 1716598800 + i, tag="sqs%d" % i)
                for i in range(2)]
        sizes = [put_object(client, k, t) for k, t in zip(keys, texts)]
        missing = s3test.key_for("plain", 1716598800, tag="missing")
        bodies = [("msg-good-1", json.dumps({"Records": [
                      s3_record(keys[0], sizes[0])]})),
                  ("msg-missing", json.dumps({"Records": [
                      s3_record(missing, 100)]})),
                  ("msg-not-an-event", "hello, not an S3 event"),
                  ("msg-good-2", json.dumps({"Records": [
                      s3_record(keys[1], sizes[1])]}))]
        rows = fltest.parse_flowlog(texts[0] + texts[1].split("\n", 1)[1])[1]
        mark = len(col.snapshot()[-1])
        before = col.data_count()
        rid, ans = api.invoke(sqs_event(bodies))
        answered.append(rid)
        doc = answer_json(ck, ans, "SQS")
        ck.eq(doc, {"batchItemFailures": [
            {"itemIdentifier": "msg-missing"},
            {"itemIdentifier": "msg-not-an-event"}]},
            "SQS: the partial-batch answer names the two bad messages")
        wait_data(col, before + ok_count(rows))
        check_records(ck, col, mark, S3_FIELDS, rows,
                      "SQS (the good messages' objects, in order)")

        # Kinesis
        a = fltest.gen_lines(CWL_FIELDS, 25, seed=41)
        b = fltest.gen_lines(CWL_FIELDS, 35, seed=42)
        rows = lines_rows(a + b, CWL_FIELDS)
        mark = len(col.snapshot()[-1])
        before = col.data_count()
        rid, ans = api.invoke(kinesis_event([a, b]))
        answered.append(rid)
        doc = answer_json(ck, ans, "Kinesis")
        ck.eq(doc, {"batchItemFailures": []}, "Kinesis: answer")
        wait_data(col, before + ok_count(rows))
        check_records(ck, col, mark, CWL_FIELDS, rows, "Kinesis")

        # a control message: nothing to send, a good answer
        before = col.data_count()
        rid, ans = api.invoke(cwl_event(
            ["CWL CONTROL MESSAGE: Checking health of destination"],
            mtype="CONTROL_MESSAGE"))
        answered.append(rid)
        doc = answer_json(ck, ans, "control message")
        ck.eq((doc.get("envelope_control"), doc.get("records_out")), (1, 0),
              "control message: counted, no records")

        # bad events: each an error answer, and the runtime goes on
        for what, ev, etype, words in (
                ("not JSON", b"this is not JSON {", "MalformedEvent",
                 ["not JSON"]),
                ("damaged subscription data", b'{"awslogs":{"data":"%%%%"}}',
                 "MalformedEvent", ["CloudWatch Logs event"]),
                ("unknown JSON", {"hello": "world", "n": 1}, "UnknownEvent",
                 ['"hello"']),
                ("DynamoDB stream", {"Records": [{"eventSource":
                                                  "aws:dynamodb"}]},
                 "UnknownEvent", ["aws:dynamodb"])):
            rid, ans = api.invoke(ev)
            answered.append(rid)
            check_error(ck, ans, etype, what, words)

        # past its deadline: refused at once, nothing read
        before = col.data_count()
        t = time.monotonic()
        rid, ans = api.invoke(cwl_event(fltest.gen_lines(CWL_FIELDS, 5,
                                                         seed=51)),
                              deadline_ms=int(time.time() * 1000) - 1000)
        answered.append(rid)
        check_error(ck, ans, "DeadlineExceeded", "past deadline",
                    ["deadline"])
        ck.check(time.monotonic() - t < 5, "past deadline: answered at once")

        # the process is alive and serves the next event
        ls = fltest.gen_lines(CWL_FIELDS, 10, seed=52)
        rows = lines_rows(ls, CWL_FIELDS)
        rid, ans = api.invoke(cwl_event(ls))
        answered.append(rid)
        doc = answer_json(ck, ans, "after the bad events")
        ck.eq(doc.get("records_out"), ok_count(rows),
              "after the bad events: converted")
        wait_data(col, before + ok_count(rows))
        ck.eq(col.data_count(), before + ok_count(rows),
              "past deadline: none of its records were sent")
        ck.eq(rt.proc.poll(), None, "the runtime is still running")

        collector_down(env, ck, api, col, rt, answered)
    finally:
        rc = rt.stop()
    ck.eq(rc, 0, "SIGTERM while waiting for work: exit status 0")
    ck.eq(api.protocol_errors, [], "no answer for an unknown ID, none twice")
    ck.eq(sorted(api.answers), sorted(answered), "one answer per invocation")
    check_logs(ck, rt.stderr(), answered)
    ck.eq(col.errors, [], "the collector decoded every message")


# -- 3. the collector goes away -----------------------------------------------

def collector_down(env, ck, api, col, rt, answered):
    conns = len(col.snapshot())
    col.stop()
    # The runtime learns of it when the next invocation begins.
    ls = fltest.gen_lines(CWL_FIELDS, 10, seed=61)
    deadline_ms = int((time.time() + 4) * 1000)
    rid, ans = api.invoke(cwl_event(ls), deadline_ms=deadline_ms)
    answered.append(rid)
    check_error(ck, ans, "OutputError", "collector down",
                ["127.0.0.1:%d" % col.port])
    ck.check(ans.time * 1000 < deadline_ms, "collector down: answered "
             "before the deadline (%.0f ms left; the reconnect timeout is "
             "300 s)" % (deadline_ms - ans.time * 1000))

    col.start()
    ls = fltest.gen_lines(CWL_FIELDS, 20, seed=62)
    rows = lines_rows(ls, CWL_FIELDS)
    rid, ans = api.invoke(cwl_event(ls, stream="eni-0a1b2c3d4e5f60002-all"))
    answered.append(rid)
    doc = answer_json(ck, ans, "collector back")
    ck.eq(doc.get("records_out"), ok_count(rows), "collector back: converted")
    fltest.wait_for(lambda: len(col.snapshot()) > conns, 10,
                    what="a new connection")
    wait_data(col, ok_count(rows))
    conn = col.snapshot()[-1]
    kinds = [e.kind for e in conn if e.kind != "message"]
    first_record = kinds.index("record") if "record" in kinds else len(kinds)
    ck.check(first_record > 0 and all(k == "template"
                                       for k in kinds[:first_record]),
             "collector back: the new connection starts with templates "
             "(%r)" % kinds[:6])
    check_records(ck, col, 0, CWL_FIELDS, rows, "collector back")


# -- logs ----------------------------------------------------------------------

def check_logs(ck, text, answered):
    docs, bad = [], []
    for line in text.splitlines():
        try:
            docs.append(json.loads(line))
        except ValueError:
            bad.append(line)
    ck.eq(bad[:3], [], "stderr: every line is a JSON object")
    ck.check(all({"timestamp", "level", "message"} <= set(d) for d in docs),
             "stderr: every line has timestamp, level and message")
    done = {d.get("requestId"): d for d in docs if "stats" in d}
    ck.eq(sorted(done), sorted(answered), "stderr: one statistics line per "
          "invocation, with its request ID")
    ck.check(all(isinstance(d["stats"].get("records_out"), int)
                 for d in done.values()),
             "stderr: the statistics lines carry records_out")
    errs = [d for d in done.values() if "errorType" in d]
    ck.check(len(errs) >= 6, "stderr: failed invocations carry their "
             "errorType (%d)" % len(errs))


# -- 4. UDP template refresh -------------------------------------------------

def template_sets(evs):
    """Options templates: sent with every template refresh, while data
    templates also come the first time their variant is used."""
    return sum(1 for e in evs if e.kind == "template" and e.setid == 3)


def udp_refresh(env, ck):
    api = lambda_emulator.RuntimeApi()
    udp = UdpCollector()
    rt = Runtime(env, api, {"output": "udp://127.0.0.1:%d" % udp.port,
                            "template-refresh": 3600,
                            "template-refresh-invocations": 3})
    try:
        api.wait_next(1)
        fltest.wait_for(lambda: template_sets(udp.since(0)) > 0, 10,
                        what="templates at start-up")
        per = []
        for i in range(4):
            mark = udp.mark()
            ls = fltest.gen_lines(CWL_FIELDS, 5, seed=70 + i)
            n = ok_count(lines_rows(ls, CWL_FIELDS))
            _, ans = api.invoke(cwl_event(ls))
            ck.eq(ans.kind, "response", "udp: invocation %d answered" % i)
            fltest.wait_for(lambda: sum(
                1 for e in udp.since(mark)
                if e.kind == "record" and not e.options) >= n, 10,
                what="the records of invocation %d" % i)
            per.append(template_sets(udp.since(mark)))
        ck.check(per[0] == 0 and per[1] == 0 and per[2] > 0 and per[3] == 0,
                 "udp: templates again before the third invocation only "
                 "(template sets per invocation: %r)" % per)
    finally:
        rt.stop()
        api.close()
    # A new emulator: the old one's handler of the stopped runtime's
    # "next" would take the first event queued.
    api = lambda_emulator.RuntimeApi()
    rt = Runtime(env, api, {"output": "udp://127.0.0.1:%d" % udp.port,
                            "template-refresh": 1,
                            "template-refresh-invocations": 0})
    try:
        api.wait_next(1)
        per = []
        for i, pause in enumerate((0, 1.5)):
            # Waiting for time itself: the runtime sits in "next", with
            # no timer that could send templates meanwhile.
            time.sleep(pause)
            mark = udp.mark()
            ls = fltest.gen_lines(CWL_FIELDS, 5, seed=80 + i)
            n = ok_count(lines_rows(ls, CWL_FIELDS))
            api.invoke(cwl_event(ls))
            fltest.wait_for(lambda: sum(
                1 for e in udp.since(mark)
                if e.kind == "record" and not e.options) >= n, 10,
                what="the records of invocation %d" % i)
            per.append(template_sets(udp.since(mark)))
        ck.check(per[0] == 0 and per[1] > 0, "udp: templates again before "
                 "the first invocation after 1.5 s idle (sets: %r)" % per)
    finally:
        rt.stop()
        api.close()
        udp.close()


# -- 5. start-up failures ----------------------------------------------------

def init_errors(env, ck):
    dead = fltest.free_port()
    for what, settings, etype, words in (
            ("bad setting", {"output": "/dev/null",
                             "time-elements": "fortnights"},
             "ConfigError", ["--time-elements"]),
            ("collector not there", {"output": "tcp://127.0.0.1:%d" % dead},
             "OutputError", ["127.0.0.1"])):
        api = lambda_emulator.RuntimeApi()
        rt = Runtime(env, api, settings)

        def check(doc):
            ck.eq(doc.get("errorType"), etype, what + ": init errorType")
            ck.check(all(w in doc.get("errorMessage", "") for w in words),
                     "%s: the init errorMessage names the cause (%r)"
                     % (what, doc.get("errorMessage")))
        expect_init_error(ck, api, rt, what, check)


def expect_init_error(ck, api, rt, what, check, timeout=30):
    """The runtime rt answers /init/error (its document to check()),
    exits with a failure, and never asks for an invocation; then rt and
    api are stopped."""
    try:
        check(api.wait_init_error(timeout).json())
        rc = rt.proc.wait(timeout)
        ck.check(rc not in (0, None), "%s: exit status %r, not 0"
                 % (what, rc))
        ck.eq(api.next_times, [], what + ": no invocation asked for")
    finally:
        rt.stop()
        api.close()


def main(env):
    lambda_dir = os.environ.get("FL_LAMBDA_DIR")
    if lambda_dir:
        if not os.access(os.path.join(lambda_dir, "bootstrap"), os.X_OK):
            fltest.die("FL_LAMBDA_DIR=%s has no executable bootstrap"
                       % lambda_dir)
        fltest.log("runtime: %s/bootstrap" % lambda_dir)
    else:
        env.check()
    ck = fltest.Checker("lambda_runtime")
    srv = s3test.S3rver(env)
    api = lambda_emulator.RuntimeApi()
    col = TcpCollector()
    try:
        sequence(env, ck, api, col, srv)
    finally:
        col.stop()
        api.close()
        srv.stop()
    udp_refresh(env, ck)
    init_errors(env, ck)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
