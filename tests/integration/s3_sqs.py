#!/usr/bin/python3
"""s3_sqs: --sqs-queue and --s3-event through the real binary.

The fake of aws_fake.py plays S3 (the objects) and SQS (JSON protocol:
ReceiveMessage with MaxNumberOfMessages, WaitTimeSeconds and visibility
timeouts, DeleteMessage, ChangeMessageVisibility); botocore checks every
request's SigV4 (service "s3" or "sqs").  Records go to a TCP collector
(python3-ipfix) that the fake consults when it handles a DeleteMessage.

1. A queue of 13 messages (more than one ReceiveMessage batch): the S3
   notification shape, SNS-wrapped, EventBridge, a message announcing two
   objects, Hive keys with '=' sent as %3D and keys with a space ('+') and
   a '+' (%2B), and an s3:TestEvent.  With --sqs-exit-when-empty
   --sqs-wait 1 the run ends with exit status 0; every announced object is
   read once and its records arrive exactly once, in the order of the
   messages; every message is deleted, each only once the collector had
   already received the last record of each of its objects; the
   TestEvent is deleted and reads nothing.
2. A message announcing an object that does not exist (404): the run
   ends (exit status 2, the key and NoSuchKey named), the message is not
   deleted and becomes visible again after --sqs-visibility.
   A message that is not an event: named, left in the queue, exit
   status 2; the good message after it is exported and deleted.
3. A large object served slowly (3 s pauses between pieces) with
   --sqs-visibility 2, and a small one announced after it: the large
   object's message is extended (ChangeMessageVisibility) while it
   downloads, neither message becomes visible again nor is received
   twice, and the records are exported once.
4. --s3-event FILE with each shape, and --s3-event - (stdin): the output
   is byte-identical (export times aside) to a local-file run.
5. Throttling: ReceiveMessage answered HTTP 400 twice, first
   {"__type": "com.amazonaws.sqs#ThrottlingException"}, then the
   service framework's "com.amazon.coral.availability#ThrottlingException"
   (what SQS's JSON 1.0 protocol sends for "Rate exceeded"), and
   DeleteMessage once "com.amazonaws.sqs#RequestThrottled": each is
   retried, the object is exported once, the message deleted, exit 0.
"""

import gzip
import json
import os
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import quote_plus

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import aws_fake  # noqa: E402
import s3test  # noqa: E402
from fltest import Expect  # noqa: E402

BUCKET = "flt-events"
FIELDS = fltest.V5_GEN_FIELDS
DAY = 1716595200
LINES = 30


def t0_of(i):
    return DAY + 10000 * i


def text_for(i, n=LINES):
    return " ".join(FIELDS) + "\n" + "\n".join(
        fltest.gen_lines(FIELDS, n, seed=700 + i, t0=t0_of(i))) + "\n"


def gz(text):
    return gzip.compress(text.encode(), mtime=0)


# -- event shapes -----------------------------------------------------------

def s3_record(key, obj):
    return {"eventVersion": "2.1", "eventSource": "aws:s3",
            "awsRegion": "us-east-1", "eventTime": "2024-05-25T00:05:00.000Z",
            "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "flowlogs",
                   "bucket": {"name": BUCKET,
                              "arn": "arn:aws:s3:::" + BUCKET},
                   "object": {"key": quote_plus(key, safe="/"),
                              "size": obj.size, "eTag": obj.etag,
                              "sequencer": "0055AED6DCD90281E5"}}}


def shape_s3(items):
    return json.dumps({"Records": [s3_record(k, o) for k, o in items]})


def shape_sns(items):
    return json.dumps({
        "Type": "Notification", "MessageId": "22b80b92-fdea-4c2c-8f9d",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:flowlogs",
        "Subject": "Amazon S3 Notification", "Message": shape_s3(items),
        "Timestamp": "2024-05-25T00:05:01.000Z", "SignatureVersion": "1"})


def shape_eventbridge(items):
    (k, o), = items
    return json.dumps({
        "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103",
        "detail-type": "Object Created", "source": "aws.s3",
        "account": "123456789012", "time": "2024-05-25T00:05:00Z",
        "region": "us-east-1", "resources": ["arn:aws:s3:::" + BUCKET],
        "detail": {"version": "0", "bucket": {"name": BUCKET},
                   "object": {"key": k, "size": o.size, "etag": o.etag,
                              "sequencer": "00617F08299329D189"},
                   "reason": "PutObject"}})


TEST_EVENT = json.dumps({
    "Service": "Amazon S3", "Event": "s3:TestEvent",
    "Time": "2024-05-25T00:00:00.000Z", "Bucket": BUCKET,
    "RequestId": "5582815E1AEA5ADF", "HostId": "8cLeGAmw098X5cv4Zkwcmo8"})

SHAPES = {"s3": shape_s3, "sns": shape_sns, "eventbridge": shape_eventbridge}


def key_of(i, layout="plain", tag=None):
    return s3test.key_for(layout, DAY + 300 * i,
                          tag=tag if tag is not None else "%04d" % i)


# -- the collector ------------------------------------------------------------

class Collector:
    """One TCP connection, decoded as it comes (python3-ipfix)."""

    def __init__(self):
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(1)
        self.ls.settimeout(120)
        self.port = self.ls.getsockname()[1]
        self.lock = threading.Lock()
        self.events = []
        self.starts = set()
        self.result = None
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        try:
            conn, _ = self.ls.accept()
            conn.settimeout(120)
            with conn, conn.makefile("rb") as f:
                for ev in fltest.iter_events(f):
                    with self.lock:
                        self.events.append(ev)
                        if ev.kind == "record" and not ev.options:
                            self.starts.add(ev.rec.get("flowStartSeconds"))
            self.result = "eof"
        except Exception as e:
            self.result = "error %r" % (e,)
        finally:
            self.ls.close()

    def has_start(self, t):
        with self.lock:
            return t in self.starts


# -- helpers ------------------------------------------------------------------

def run(env, args, timeout=120, input=None):
    c = env.cmd(*args)
    fltest.log("$ " + " ".join(c))
    t0 = time.monotonic()
    try:
        r = subprocess.run(c, env=aws_fake.aws_env(), input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        r = subprocess.CompletedProcess(c, -999, e.stdout or b"",
                                        e.stderr or b"")
    r.elapsed = time.monotonic() - t0
    r.err = r.stderr.decode(errors="replace")
    fltest.log("  exit %d in %.1f s%s" % (r.returncode, r.elapsed,
               ("; stderr: " + r.err[-800:]) if r.err else ""))
    return r


def rows_of(indexes):
    text = " ".join(FIELDS) + "\n" + "".join(
        text_for(i).split("\n", 1)[1] for i in indexes)
    return fltest.parse_flowlog(text)


# -- 1. a queue ------------------------------------------------------------

def queue_run(env, ck, srv):
    qurl, q = srv.queue("flowlogs")
    plan = []           # (shape, [object index])
    n = 0
    for m in range(12):
        shape = ("s3", "sns", "eventbridge")[m % 3]
        idx = [n] if m != 4 else [n, n + 1]     # message 4: two objects
        n += len(idx)
        plan.append((shape, idx))
    keys = {}
    for i in range(n):
        if i % 4 == 1:          # Hive layout: '=' in the key
            k = key_of(i, "hive")
        elif i % 4 == 2:        # a space and a '+'
            k = key_of(i, tag="a b+c%d" % i)
        else:
            k = key_of(i)
        keys[i] = k
        srv.put(BUCKET, k, gz(text_for(i)))
    msgs = {}           # message id -> [object index]
    order = []
    for pos, (shape, idx) in enumerate(plan):
        if pos == 6:
            test = q.send(TEST_EVENT)
            msgs[test.id] = []
        items = [(keys[i], srv.buckets[BUCKET][keys[i]]) for i in idx]
        m = q.send(SHAPES[shape](items))
        msgs[m.id] = idx
        order += idx
    fltest.log("  %d messages, %d objects" % (len(msgs), n))

    col = Collector()
    checks = []

    def on_delete(m):
        # Called while the program waits for its DeleteMessage answer: the
        # writer that would send a missing record is blocked, so what has
        # not arrived within the wait was not sent before the delete.
        missing = []
        for i in msgs.get(m.id, []):
            last = t0_of(i) + LINES - 1
            try:
                fltest.wait_for(lambda: col.has_start(last), timeout=3,
                                what="record")
            except TimeoutError:
                missing.append(i)
        checks.append((m.id, missing))
    srv.on_delete = on_delete
    mark = srv.mark()
    r = run(env, ["--endpoint-url", srv.url, "--sqs-queue", qurl,
                  "--sqs-exit-when-empty", "--sqs-wait", "1",
                  "--stats-json", env.path("sqs.json"),
                  "-o", "tcp://127.0.0.1:%d" % col.port])
    srv.on_delete = None
    col.thread.join(30)
    ck.eq(r.returncode, 0, "queue: exit status")
    ck.eq(col.result, "eof", "queue: the collector decoded to the end")
    st = fltest.load_json(env.path("sqs.json")) if os.path.exists(
        env.path("sqs.json")) else {}
    ck.eq(st.get("objects"), n, "queue: objects")
    ck.eq(st.get("sqs_messages"), len(msgs), "queue: sqs_messages")
    gets = srv.reqs("get", since=mark)
    ck.eq(sorted(g.key for g in gets), sorted(keys.values()),
          "queue: each announced object read once, by its decoded key")
    ck.eq([g.status for g in gets if g.status != 200], [],
          "queue: every GetObject answered 200")
    fields, rows = rows_of(order)
    fltest.check_stream(ck, col.events, Expect(fields), rows,
                        "queue: records once, in message order")
    with q.cond:
        left = [m.id for m in q.messages if not m.deleted]
    ck.eq(left, [], "queue: every message deleted")
    ck.eq(sorted(c[0] for c in checks), sorted(msgs),
          "queue: one DeleteMessage per message")
    ck.eq([c for c in checks if c[1]], [],
          "queue: each message deleted only after the last record of each "
          "of its objects had reached the collector")
    dels = srv.reqs("DeleteMessage", since=mark)
    ck.check(any(d.msg == test.id for d in dels), "queue: the s3:TestEvent "
             "message was deleted")
    recv = srv.reqs("ReceiveMessage", since=mark)
    ck.check(len(recv) >= 2, "queue: more than one ReceiveMessage for 13 "
             "messages (%d)" % len(recv))
    ck.check(all(1 <= x.args.get("MaxNumberOfMessages", 1) <= 10
                 for x in recv), "queue: MaxNumberOfMessages in 1..10")
    ck.check(recv and recv[-1].args.get("WaitTimeSeconds") == 1 and
             not recv[-1].msgs, "queue: the run ended on an empty long "
             "poll of --sqs-wait 1")
    got_all = [x for x in recv if x.msgs]
    ck.check(all(x.waited < 0.5 for x in got_all),
             "queue: receives with messages answered at once")
    ck.eq(sum(len(x.msgs) for x in recv), len(msgs),
          "queue: each message received once")
    # a message is deleted after the GETs of its objects
    for d in dels:
        idx = msgs.get(d.msg, [])
        ok = all(g.t < d.t for g in gets for i in idx if g.key == keys[i])
        ck.check(ok, "queue: message %s deleted after its GETs" % d.msg)
    q.messages.clear()


# -- 2. a missing object --------------------------------------------------

def missing(env, ck, srv):
    qurl, q = srv.queue("missing")
    k = key_of(90)
    ghost = aws_fake.Obj(data=b"never stored")
    m = q.send(shape_s3([(k, ghost)]))
    mark = srv.mark()
    r = run(env, ["--endpoint-url", srv.url, "--sqs-queue", qurl,
                  "--sqs-exit-when-empty", "--sqs-wait", "1",
                  "--sqs-visibility", "3", "-o", env.path("missing.ipfix")],
            timeout=60)
    ck.eq(r.returncode, 2, "missing object: exit status 2")
    ck.check(k in r.err and "NoSuchKey" in r.err,
             "missing object: the message names the key and NoSuchKey")
    ck.check(r.elapsed < 30, "missing object: the run ended (%.1f s)"
             % r.elapsed)
    ck.eq(srv.reqs("DeleteMessage", since=mark), [],
          "missing object: the message is not deleted")
    ck.eq([g.status for g in srv.reqs("get", k, since=mark)], [404],
          "missing object: read once, 404")
    with q.cond:
        ck.check(not m.deleted and m.receive_count >= 1,
                 "missing object: received, not deleted")
    try:
        fltest.wait_for(lambda: q.visible(time.monotonic()), timeout=5,
                        what="the message to come back")
        came_back = True
    except TimeoutError:
        came_back = False
    ck.check(came_back, "missing object: the message is visible again "
             "after --sqs-visibility")


def poison(env, ck, srv):
    """A message that is not an S3 event, before a good one: the good
    one is exported and deleted, the bad one is named and left for the
    queue's redrive policy; exit status 2."""
    qurl, q = srv.queue("poison")
    k = key_of(95)
    o = srv.put(BUCKET, k, gz(text_for(95)))
    bad = q.send("this is not json")
    good = q.send(shape_eventbridge([(k, o)]))
    r = run(env, ["--endpoint-url", srv.url, "--sqs-queue", qurl,
                  "--sqs-exit-when-empty", "--sqs-wait", "1",
                  "--sqs-visibility", "5", "--stats-json",
                  env.path("poison.json"), "-o", env.path("poison.ipfix")],
            timeout=60)
    ck.eq(r.returncode, 2, "poison message: exit status 2")
    ck.check(bad.id in r.err, "poison message: named in the message")
    ck.eq((bad.deleted, good.deleted), (False, True),
          "poison message: left in the queue; the good one deleted")
    st = fltest.load_json(env.path("poison.json")) if os.path.exists(
        env.path("poison.json")) else {}
    ck.eq(st.get("records_out"), LINES, "poison message: the good "
          "message's object exported")


# -- 3. visibility kept while a large object downloads ----------------------

def keepalive(env, ck, srv):
    qurl, q = srv.queue("slow")
    i = 60
    k = key_of(i)
    text = text_for(i, 30000)
    o = srv.put(BUCKET, k, gz(text))
    piece = o.size // 4 + 1
    srv.add_fault("get", k, slow=3.0, piece=piece)
    m = q.send(shape_s3([(k, o)]))
    # A second message whose small object is fully downloaded at once and
    # then waits in the read-ahead window behind the slow one.
    k2 = key_of(i + 1)
    o2 = srv.put(BUCKET, k2, gz(text_for(i + 1)))
    m2 = q.send(shape_s3([(k2, o2)]))
    mark = srv.mark()
    r = run(env, ["--endpoint-url", srv.url, "--sqs-queue", qurl,
                  "--sqs-exit-when-empty", "--sqs-wait", "1",
                  "--sqs-visibility", "2", "--stats-json",
                  env.path("slow.json"), "-o", env.path("slow.ipfix")],
            timeout=90)
    ck.eq(r.returncode, 0, "slow object: exit status")
    gets = srv.reqs("get", k, since=mark)
    ck.eq([g.status for g in gets], [200], "slow object: one GetObject")
    cmv = srv.reqs("ChangeMessageVisibility", since=mark)
    recv = [x for x in srv.reqs("ReceiveMessage", since=mark) if x.msgs]
    fltest.log("  slow object: %d bytes in 4 pieces, 3 s apart; "
               "ChangeMessageVisibility at %s s after the receive"
               % (o.size, ["%.1f" % (c.t - recv[0].t) for c in cmv]
                  if recv else "?"))
    ck.check(len(cmv) >= 2, "slow object: ChangeMessageVisibility while "
             "downloading (%d calls)" % len(cmv))
    ck.check(all(c.args.get("VisibilityTimeout") == 2 for c in cmv),
             "slow object: each extends by --sqs-visibility")
    # The contract: extended every visibility/2 s, so the message never
    # becomes visible while its object downloads.  (A keep-alive driven
    # by arriving body bytes failed this; the heartbeat thread of
    # source_sqs.c is driven by the clock.)
    late = [round(c.t - recv[0].t, 1) for c in cmv if c.late] \
        if recv else None
    ck.eq(late, [], "slow object: no extension came after the message had "
          "become visible again (seconds after the receive)")
    ck.eq(m.receive_count, 1, "slow object: the message was received once")
    ck.check(m.deleted, "slow object: deleted at the end")
    ck.eq(m2.receive_count, 1, "object waiting behind the slow one: its "
          "message was received once")
    ck.eq(len(srv.reqs("get", k2, since=mark)), 1, "object waiting behind "
          "the slow one: read once")
    st = fltest.load_json(env.path("slow.json")) if os.path.exists(
        env.path("slow.json")) else {}
    ck.eq(st.get("records_out"), 30000 + LINES,
          "slow object and the one behind it: records_out (exactly once)")


# -- 4. --s3-event ------------------------------------------------------

def event_files(env, ck, srv):
    for n, (shape, layout, tag) in enumerate((
            ("s3", "hive", "e a+b"), ("sns", "hive-hourly", "f"),
            ("eventbridge", "hourly", "g c+d"), ("s3", "plain", "stdin"))):
        i = 80 + n
        k = key_of(i, layout, tag)
        data = gz(text_for(i))
        o = srv.put(BUCKET, k, data)
        local = env.path("ev-local%d" % n)
        p = os.path.join(local, "x", "obj.log.gz")
        os.makedirs(os.path.dirname(p))
        with open(p, "wb") as f:
            f.write(data)
        fr = env.run("-o", env.path("ev-file%d.ipfix" % n), local)
        ck.eq(fr.returncode, 0, "--s3-event: local run")
        doc = SHAPES[shape]([(k, o)])
        out = env.path("ev%d.ipfix" % n)
        what = "--s3-event %s (%s)" % (shape, k.rsplit("/", 1)[-1])
        mark = srv.mark()
        if tag == "stdin":
            what = "--s3-event - (stdin)"
            r = run(env, ["--endpoint-url", srv.url, "--s3-event", "-",
                          "-o", out], input=doc.encode())
        else:
            ev = env.write("event%d.json" % n, doc)
            r = run(env, ["--endpoint-url", srv.url, "--s3-event", ev,
                          "-o", out])
        ck.eq(r.returncode, 0, what + ": exit status")
        ck.eq([(g.key, g.status) for g in srv.reqs("get", since=mark)],
              [(k, 200)], what + ": the object read by its decoded key")
        a = open(out, "rb").read() if os.path.exists(out) else b""
        b = open(env.path("ev-file%d.ipfix" % n), "rb").read()
        try:
            same = s3test.ipfix_without_export_times(a) == \
                s3test.ipfix_without_export_times(b)
        except ValueError:
            same = False
        ck.check(len(a) > 500 and same, what + ": same IPFIX as the "
                 "local-file run (%d vs %d bytes)" % (len(a), len(b)))
    # a TestEvent file: nothing to read, not an error
    mark = srv.mark()
    ev = env.write("test-event.json", TEST_EVENT)
    r = run(env, ["--endpoint-url", srv.url, "--s3-event", ev, "-o",
                  env.path("test-event.ipfix")])
    ck.eq(r.returncode, 0, "--s3-event s3:TestEvent: exit status")
    ck.eq(srv.reqs("get", since=mark), [], "--s3-event s3:TestEvent: "
          "nothing read")


# -- 5. throttling -------------------------------------------------------

def throttle(env, ck, srv):
    qurl, q = srv.queue("throttled")
    k = key_of(97)
    o = srv.put(BUCKET, k, gz(text_for(97)))
    m = q.send(shape_s3([(k, o)]))
    srv.add_fault("sqs", "ReceiveMessage", status=400,
                  code="ThrottlingException", message="Rate exceeded")
    srv.add_fault("sqs", "ReceiveMessage", status=400,
                  code="ThrottlingException", message="Rate exceeded",
                  type="com.amazon.coral.availability#ThrottlingException")
    srv.add_fault("sqs", "DeleteMessage", status=400,
                  code="RequestThrottled", message="Request is throttled.")
    mark = srv.mark()
    r = run(env, ["--endpoint-url", srv.url, "--sqs-queue", qurl,
                  "--sqs-exit-when-empty", "--sqs-wait", "1",
                  "--stats-json", env.path("throttle.json"),
                  "-o", env.path("throttle.ipfix")], timeout=60)
    ck.eq(r.returncode, 0, "throttled: exit status")
    recv = [x.status for x in srv.reqs("ReceiveMessage", since=mark)]
    ck.eq(recv[:3], [400, 400, 200], "throttled: ReceiveMessage refused "
          "twice (both shapes), then answered")
    ck.eq([x.status for x in srv.reqs("DeleteMessage", since=mark)],
          [400, 200], "throttled: DeleteMessage retried after "
          "RequestThrottled")
    ck.eq([(g.key, g.status) for g in srv.reqs("get", since=mark)],
          [(k, 200)], "throttled: the object read once")
    with q.cond:
        ck.eq((m.deleted, m.receive_count), (True, 1),
              "throttled: the message received once and deleted")
    st = fltest.load_json(env.path("throttle.json")) if os.path.exists(
        env.path("throttle.json")) else {}
    ck.eq(st.get("records_out"), LINES, "throttled: the object exported")


def main(env):
    env.check()
    ck = fltest.Checker("s3_sqs")
    srv = aws_fake.FakeAws()
    srv.buckets[BUCKET] = {}
    only = os.environ.get("FL_S3_SQS_ONLY", "")
    try:
        for name, fn in (("queue", queue_run), ("missing", missing),
                         ("poison", poison),
                         ("keepalive", keepalive), ("events", event_files),
                         ("throttle", throttle)):
            if only and name not in only.split(","):
                continue
            fltest.log("== %s" % name)
            fn(env, ck, srv)
    finally:
        srv.stop()
    bad = srv.bad_signatures()
    ck.eq(bad[:3], [], "every request's SigV4 verified by botocore")
    sqs = [r for r in srv.requests if r.op in ("ReceiveMessage",
                                               "DeleteMessage",
                                               "ChangeMessageVisibility")]
    ck.check(all(r.headers.get("authorization", "").split("/")[3] == "sqs"
                 for r in sqs) and sqs, "SQS requests signed for service "
             "sqs")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
