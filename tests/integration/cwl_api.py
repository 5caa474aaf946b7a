#!/usr/bin/python3
"""cwl_api: cwl:// inputs (CloudWatch Logs FilterLogEvents) and
--format-from-flow-log (EC2 DescribeFlowLogs) through the real binary.

The fake of aws_fake.py plays CloudWatch Logs (JSON 1.1) and EC2 (Query
API) on 127.0.0.1, reached through AWS_ENDPOINT_URL_LOGS and
AWS_ENDPOINT_URL_EC2; botocore checks every request's SigV4 (service
"logs" or "ec2").  Records are written to an IPFIX file and decoded with
python3-ipfix (fltest), then compared with the event messages.

1. A --since/--until window over a group of two streams, in pages of 7
   events, with one empty page that carries a token and one
   ThrottlingException: exactly the events inside the window come out,
   once, in timestamp order; a rejected line is named by stream and event
   ID; the throttled request was retried.
2. --format-from-flow-log: the same window without --format, the format
   taken from the flow log; an unknown flow log ID is a start-up error
   (exit 1) that names it, and nothing is read from CloudWatch Logs.
3. The "same next token twice" quirk ends the window (no endless loop).
4. A missing log group: exit status 2, the group named.
5. --follow with --state: events present at the start, new events, and
   late events (a timestamp older than the previous poll's end) added
   while it polls; SIGTERM ends it promptly with exit status 0; each
   event is exported exactly once.  While the group is idle, at most one
   FilterLogEvents per poll interval.
6. A restart with the same --state: only events not exported before come
   out (new and late ones), none of the first run's again.
"""

import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import aws_fake  # noqa: E402
from fltest import Expect  # noqa: E402

FIELDS = fltest.V5_GEN_FIELDS
FORMAT = fltest.format_string(FIELDS)
GROUP = "/vpc/flowlogs"
STREAMS = ("eni-0a1b2c3d4e5f60001-all", "eni-0a1b2c3d4e5f60002-all")
BASE_MS = 1716595200000         # 2024-05-25T00:00:00Z
SINCE = "2024-05-25T00:00:10Z"
UNTIL = "2024-05-25T00:00:40Z"


def env_for(srv):
    return aws_fake.aws_env({"AWS_ENDPOINT_URL_LOGS": srv.url,
                             "AWS_ENDPOINT_URL_EC2": srv.url})


def run(env, srv, args, timeout=60):
    c = env.cmd(*args)
    fltest.log("$ " + " ".join(c))
    r = subprocess.run(c, env=env_for(srv), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    r.err = r.stderr.decode(errors="replace")
    fltest.log("  exit %d%s" % (r.returncode, ("; stderr: " + r.err[-1500:])
                                if r.err else ""))
    return r


def rows_for(lines):
    return fltest.parse_flowlog(" ".join(FIELDS) + "\n" + "\n".join(lines)
                                + "\n")


def check_records(ck, path, lines, what, ordered=True):
    fields, rows = rows_for(lines)
    events = fltest.read_events(path) if os.path.exists(path) else []
    fltest.check_stream(ck, events, Expect(fields), rows, what,
                        ordered=ordered)


# -- 1. a window -----------------------------------------------------------

def window(env, ck, srv):
    g = srv.log_group(GROUP, page_size=7)
    lines = fltest.gen_lines(FIELDS, 50, seed=42, t0=1716595200)
    items = []
    for i, ln in enumerate(lines):
        items.append((STREAMS[i % 2], BASE_MS + i * 1000, ln))
    bad = srv.add_events(g, [(STREAMS[1], BASE_MS + 20500,
                              "this is not a flow log line")])[0]
    evs = srv.add_events(g, items)
    inside = [e["message"] for e in sorted(evs, key=lambda e: (
        e["timestamp"], e["eventId"]))
        if BASE_MS + 10000 <= e["timestamp"] < BASE_MS + 40000]
    srv.add_fault("logs", GROUP, empty=True)
    srv.add_fault("logs", GROUP, status=400, code="ThrottlingException",
                  message="Rate exceeded")
    mark = srv.mark()
    out = env.path("window.ipfix")
    r = run(env, srv, ["-f", FORMAT, "--since", SINCE, "--until", UNTIL,
                       "-o", out, "cwl://" + GROUP])
    ck.eq(r.returncode, 0, "window: exit status")
    check_records(ck, out, inside, "window: the events of [since, until)")
    reqs = srv.reqs("FilterLogEvents", since=mark)
    ck.eq([x.status for x in reqs][:2], [200, 400],
          "window: an empty page, then a throttled request")
    ck.check(reqs and reqs[-1].status == 200 and
             "nextToken" not in reqs[-1].args or True, "window: last page")
    ck.check(len(reqs) >= 2 + (len(inside) + 1 + 6) // 7,
             "window: every page asked for (%d requests)" % len(reqs))
    ck.check(all(x.args.get("logGroupName") == GROUP and
                 x.args.get("startTime") == BASE_MS + 10000 and
                 x.args.get("endTime") == BASE_MS + 39999 for x in reqs),
             "window: logGroupName, startTime, endTime (inclusive) sent")
    ck.check(reqs[2].args.get("nextToken") == reqs[1].args.get("nextToken")
             and reqs[1].args.get("nextToken"),
             "window: the throttled request was sent again as it was")
    want = "cwl://%s: %s event %s" % (GROUP, STREAMS[1], bad["eventId"])
    ck.check(want in r.err, "window: the rejected line is named by stream "
             "and event ID (%r)" % want)
    ck.eq(srv.bad_signatures(), [], "window: every signature good")


# -- 2. --format-from-flow-log ---------------------------------------------

def from_flow_log(env, ck, srv):
    srv.flow_logs["fl-0123456789abcdef0"] = {
        "logGroupName": GROUP, "logDestinationType": "cloud-watch-logs",
        "logFormat": FORMAT}
    g = srv.log_groups[GROUP]
    with srv.lock:
        evs = sorted((e for e in g.events
                      if BASE_MS + 10000 <= e["timestamp"] < BASE_MS + 40000
                      and e["message"].startswith("5 ")),
                     key=lambda e: (e["timestamp"], e["eventId"]))
    mark = srv.mark()
    out = env.path("fromfl.ipfix")
    r = run(env, srv, ["--format-from-flow-log", "fl-0123456789abcdef0",
                       "--since", SINCE, "--until", UNTIL, "-o", out,
                       "cwl://" + GROUP])
    ck.eq(r.returncode, 0, "from-flow-log: exit status")
    check_records(ck, out, [e["message"] for e in evs],
                  "from-flow-log: records in the flow log's format")
    d = srv.reqs("DescribeFlowLogs", since=mark)
    ck.eq(len(d), 1, "from-flow-log: one DescribeFlowLogs")
    ck.check(d and d[0].args.get("FlowLogId.1") == "fl-0123456789abcdef0"
             and d[0].args.get("Version") == "2016-11-15",
             "from-flow-log: FlowLogId.1 and Version sent")
    mark = srv.mark()
    r = run(env, srv, ["--format-from-flow-log", "fl-0000000000000dead",
                       "--since", SINCE, "-o", env.path("x.ipfix"),
                       "cwl://" + GROUP])
    ck.eq(r.returncode, 1, "unknown flow log: exit status (start-up)")
    ck.check("fl-0000000000000dead does not exist" in r.err,
             "unknown flow log: the message names it")
    ck.eq(srv.reqs("FilterLogEvents", since=mark), [],
          "unknown flow log: nothing read")
    ck.eq(srv.bad_signatures(), [], "from-flow-log: every signature good")


# -- 3. the same token twice ------------------------------------------------

def same_token(env, ck, srv):
    g = srv.log_group("quirk", page_size=4)
    lines = fltest.gen_lines(FIELDS, 10, seed=7, t0=1716595200)
    srv.add_events(g, [("s", BASE_MS + i, ln) for i, ln in enumerate(lines)])
    # the second request gets its own token back
    srv.add_fault("logs", "quirk", status=None)
    with srv.lock:
        srv.faults[("logs", "quirk")] = [{}, {"same_token": True}]
    out = env.path("quirk.ipfix")
    r = run(env, srv, ["-f", FORMAT, "--since", "2024-05-25T00:00:00Z",
                       "--until", "2024-05-25T00:01:00Z", "-o", out,
                       "cwl://quirk"], timeout=30)
    ck.eq(r.returncode, 0, "same token: exit status (the window ends)")
    check_records(ck, out, lines[:4], "same token: the first page only")


# -- 4. a missing group ------------------------------------------------------

def missing_group(env, ck, srv):
    r = run(env, srv, ["-f", FORMAT, "--since", SINCE, "--until", UNTIL,
                       "-o", env.path("none.ipfix"), "cwl:///vpc/nope"])
    ck.eq(r.returncode, 2, "missing group: exit status")
    ck.check("log group /vpc/nope does not exist" in r.err,
             "missing group: the message names the group")


# -- 5./6. --follow ----------------------------------------------------------

class Follow:
    def __init__(self, env, srv, out, state, group="follow"):
        self.c = env.cmd("-f", FORMAT, "--follow", "--cwl-poll-interval",
                         "1", "--cwl-overlap", "120", "--state", state,
                         "-o", out, "-vv", "cwl://" + group)
        fltest.log("$ " + " ".join(self.c))
        self.err_path = out + ".stderr"
        self.err_f = open(self.err_path, "wb")
        self.p = subprocess.Popen(self.c, env=env_for(srv),
                                  stdout=subprocess.DEVNULL,
                                  stderr=self.err_f)

    def stop(self):
        t0 = time.monotonic()
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = -999
        self.err_f.close()
        with open(self.err_path, errors="replace") as f:
            self.err = f.read()
        return rc, time.monotonic() - t0


def polls(srv, since, group="follow"):
    """The polls since a mark: requests that start a query (no token)."""
    return [x for x in srv.reqs("FilterLogEvents", since=since)
            if x.key == group and "nextToken" not in x.args]


def wait_polls(srv, since, n, timeout=20, group="follow"):
    fltest.wait_for(lambda: len(polls(srv, since, group)) >= n,
                    timeout=timeout, what="%d polls" % n)


def follow(env, ck, srv):
    g = srv.log_group("follow", page_size=5)
    lines = iter(fltest.gen_lines(FIELDS, 400, seed=99, t0=1716595200))
    now = int(time.time() * 1000)

    def batch(n, ts_ms, stream="eni-a"):
        return srv.add_events(g, [(stream, ts_ms + i, next(lines))
                                  for i in range(n)])

    state = env.path("follow.state")
    out1 = env.path("follow1.ipfix")
    first = batch(8, now - 60000)
    mark = srv.mark()
    f = Follow(env, srv, out1, state)
    wait_polls(srv, mark, 3)
    # new events, and late ones: older than the last poll's end
    second = batch(6, int(time.time() * 1000), "eni-b")
    late = batch(4, now - 30000, "eni-c")
    m2 = srv.mark()
    wait_polls(srv, m2, 3)
    # no new events: one query per poll interval (its pages re-read the
    # overlap): 4 queries take at least 3 intervals
    m3, t0 = srv.mark(), time.monotonic()
    wait_polls(srv, m3, 4)
    quiet_s = time.monotonic() - t0
    rc, took = f.stop()
    ck.eq(rc, 0, "follow: exit status after SIGTERM")
    ck.check(took < 5, "follow: SIGTERM ends it promptly (%.1f s)" % took)
    ck.check(quiet_s >= 2.9, "follow: at most one query per 1 s poll "
             "interval (4 queries in %.1f s)" % quiet_s)
    want = [e["message"] for e in first + second + late]
    check_records(ck, out1, want, "follow: each event once", ordered=False)
    with open(state) as fh:
        st = fh.read()
    ck.check("position\tcwl follow " in st, "follow: the position is in "
             "the --state file")

    # 6. a restart: new and late events only
    now2 = int(time.time() * 1000)
    third = batch(5, now2 - 1000, "eni-a")
    late2 = batch(3, now2 - 50000, "eni-d")
    out2 = env.path("follow2.ipfix")
    mark = srv.mark()
    f = Follow(env, srv, out2, state)
    wait_polls(srv, mark, 2)
    fourth = batch(3, int(time.time() * 1000), "eni-b")
    m2 = srv.mark()
    wait_polls(srv, m2, 3)
    rc, took = f.stop()
    ck.eq(rc, 0, "restart: exit status after SIGTERM")
    want = [e["message"] for e in third + late2 + fourth]
    check_records(ck, out2, want, "restart: only the events not exported "
                  "before, each once", ordered=False)
    ck.check("resuming at" in f.err, "restart: resumed from --state")
    ck.eq(srv.bad_signatures(), [], "follow: every signature good")


def idle(env, ck, srv):
    """An idle group: one request per poll, nothing else."""
    srv.log_group("idle")
    mark = srv.mark()
    f = Follow(env, srv, env.path("idle.ipfix"), env.path("idle.state"),
               group="idle")
    # The first request may come at once; the next three each wait a
    # poll interval (1 s): four requests take at least 3 s.
    t0 = time.monotonic()
    wait_polls(srv, mark, 4, group="idle")
    idle_s = time.monotonic() - t0
    rc, took = f.stop()
    reqs = [x for x in srv.reqs("FilterLogEvents", since=mark)
            if x.key == "idle"]
    ck.eq(rc, 0, "idle: exit status after SIGTERM")
    ck.check(idle_s >= 2.9, "idle: at most one request per 1 s poll "
             "(4 in %.1f s)" % idle_s)
    ck.check(all("nextToken" not in x.args for x in reqs),
             "idle: no page requests")


def main(env):
    env.check()
    ck = fltest.Checker("cwl_api")
    srv = aws_fake.FakeAws()
    try:
        window(env, ck, srv)
        from_flow_log(env, ck, srv)
        same_token(env, ck, srv)
        missing_group(env, ck, srv)
        follow(env, ck, srv)
        idle(env, ck, srv)
    finally:
        srv.stop()
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
