#!/usr/bin/python3
"""azblob: azblob:// inputs against azurite (Microsoft's storage emulator,
npm) on 127.0.0.1, blobs written by an independent client (azurite.py,
from Microsoft's documented Shared Key and SAS strings-to-sign), the
IPFIX output decoded by python3-ipfix.

Cases:
  - time range: VNet and NSG paths (y=/m=/d=/h=) for three hours; --since/
    --until over one hour reads only its blobs, lists no other hour, and
    exports exactly their tuples;
  - growth: a PT1H.json committed block by block (Put Block + Put Block
    List) is read, grows, is read again by a new process with --state:
    only the new tuples come out; a third run finds nothing new; every
    tuple put in is exported exactly once over the runs;
  - a blob written whole (Put Blob, no blocks) that is rewritten longer:
    the footer is found by the blob's tail, only the new tuples come out;
  - a blob rewritten with other blocks: a warning, read whole again;
  - a blob that does not end in ]}: an error naming it, counted as failed,
    the other blob still read;
  - a Get Blob cut after 100 bytes by a relay: the rest is asked for
    with a Range from where it stopped, each tuple exported once;
  - SAS: a service SAS made here from AZURE_STORAGE_SAS_TOKEN and from
    --azure-sas-file reads the container;
  - wrong key, wrong SAS: refused with the service's error code and the
    container's name, exit status 2, and neither secret in the output;
    a key that is not base64: exit 1, not printed;
  - --follow: a blob whose read failed is read again by the next poll;
  - --follow --since -1h: a running process lists the range, then
    re-lists, reads the blob that grew, and exports only the new tuples.
"""

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import azurite  # noqa: E402

VNET_C = "insights-logs-flowlogflowevent"
NSG_C = "insights-logs-networksecuritygroupflowevent"
VNET_RES = "flowLogResourceID=/3A1F0C22_NETWORKWATCHERRG/NETWORKWATCHER_" \
    "WESTEUROPE_FL1/"
NSG_RES = "resourceId=/SUBSCRIPTIONS/3A1F0C22/RESOURCEGROUPS/RG/PROVIDERS/" \
    "MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-WEB/"
MAC = "000D3A0B1C2D"
DAY = 1796083200            # 2026-12-01T00:00:00Z
HEAD, FOOT = b'{"records":[', b"]}"

_port = [20000]


def tuples(n, t, dport=443):
    """n VNet tuples, each with its own source port: (text, key)."""
    out = []
    for _ in range(n):
        p = _port[0]
        _port[0] += 1
        out.append(("%d,10.1.0.4,10.2.0.9,%d,%d,6,O,C,NX,3,%d,0,0"
                    % (t * 1000, p, dport, p), p))
    return out


def vnet_record(tt, t):
    return {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
            "flowLogVersion": 4, "macAddress": MAC,
            "category": "FlowLogFlowEvent",
            "flowLogResourceID": "/SUBSCRIPTIONS/X/FLOWLOGS/FL1",
            "targetResourceID": "/subscriptions/x/resourceGroups/rg/"
            "providers/Microsoft.Network/virtualNetworks/vnet1",
            "operationName": "FlowLogFlowEvent",
            "flowRecords": {"flows": [{"aclID": "acl", "flowGroups": [
                {"rule": "AllowAll", "flowTuples": [x for x, _ in tt]}]}]}}


def nsg_record(tt, t):
    # NSG v2 tuples: time in seconds, T/U, decision A, state E.
    texts = ["%d,10.3.0.4,10.4.0.9,%d,80,T,O,A,E,2,%d,0,0"
             % (t, p, p) for _, p in tt]
    return {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)),
            "macAddress": MAC, "category": "NetworkSecurityGroupFlowEvent",
            "resourceId": "/" + NSG_RES[len("resourceId=/"):-1],
            "operationName": "NetworkSecurityGroupFlowEvents",
            "properties": {"Version": 2, "flows": [{"rule": "R", "flows": [
                {"mac": MAC, "flowTuples": texts}]}]}}


def hour_path(res, t):
    g = time.gmtime(t)
    return "%sy=%04d/m=%02d/d=%02d/h=%02d/m=00/macAddress=%s/PT1H.json" % (
        res, g.tm_year, g.tm_mon, g.tm_mday, g.tm_hour, MAC)


class Blob:
    """A PT1H.json written as Azure does: a header block, one block per
    record (',' before all but the first), a footer block."""

    def __init__(self, cli, container, name):
        self.cli, self.container, self.name = cli, container, name
        self.ids = []
        self.n = 0
        cli.put_blocks(container, name, [("head", HEAD), ("foot", FOOT)])

    def append(self, records):
        blocks = []
        for r in records:
            data = json.dumps(r).encode()
            if self.ids:
                data = b"," + data
            bid = "r%d" % self.n
            self.n += 1
            blocks.append((bid, data))
            self.ids.append(bid)
        self.cli.put_blocks(self.container, self.name, blocks)
        self.cli.commit(self.container, self.name,
                        ["head"] + self.ids + ["foot"])


def exported_ports(path):
    """Source ports of the data records (each tuple has its own)."""
    ev = fltest.read_events(path)
    return [e.rec["sourceTransportPort"] for e in ev
            if e.kind == "record" and not e.options]


def run(env, srv, args, key=azurite.KEY, sas=None, timeout=120):
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("AZURE_STORAGE")}
    if key is not None:
        e["AZURE_STORAGE_KEY"] = key
    if sas is not None:
        e["AZURE_STORAGE_SAS_TOKEN"] = sas
    c = env.cmd("--endpoint-url", srv.url, *args)
    fltest.log("$ " + " ".join(c))
    return subprocess.run(c, env=e, capture_output=True, timeout=timeout)


def err(r):
    return r.stderr.decode(errors="replace")


def time_range(env, ck, srv, cli):
    want = []
    for c in (VNET_C, NSG_C):
        cli.create_container(c)
    for h in (9, 10, 11):
        t = DAY + h * 3600
        tv, tn = tuples(2, t + 60), tuples(2, t + 120)
        b = Blob(cli, VNET_C, hour_path(VNET_RES, t))
        b.append([vnet_record(tv, t + 60)])
        b2 = Blob(cli, NSG_C, hour_path(NSG_RES, t))
        b2.append([nsg_record(tn, t + 120)])
        if h == 10:
            want += [p for _, p in tv + tn]
    # A blob of the same hour on the next day: not in the range.
    Blob(cli, VNET_C, hour_path(VNET_RES, DAY + 86400 + 10 * 3600)).append(
        [vnet_record(tuples(1, DAY + 86400 + 36000), DAY + 86400 + 36000)])
    got = []
    for c in (VNET_C, NSG_C):
        before = len(srv.listed_prefixes())
        out = env.path("range-%s.ipfix" % c)
        r = run(env, srv, ["-o", out, "--stats-json", env.path("r.json"),
                           "--since", "2026-12-01T10:00:00Z", "--until",
                           "2026-12-01T11:00:00Z",
                           "azblob://%s/%s/" % (azurite.ACCOUNT, c)])
        ck.eq(r.returncode, 0, "range %s: exit status (%s)" % (c, err(r)))
        st = fltest.load_json(env.path("r.json"))
        ck.eq(st["objects"], 1, "range %s: one blob read" % c)
        listed = srv.listed_prefixes()[before:]
        fltest.log("  listed: %s" % listed)
        ck.check(all("h=09" not in p and "h=11" not in p and "d=02" not in p
                     for p in listed), "range %s: no other hour listed" % c)
        ck.check(any(p.endswith("y=2026/m=12/d=01/h=10/") for p in listed),
                 "range %s: the hour's prefix was listed" % c)
        ck.eq(st["list_requests"], len(listed), "range %s: list_requests "
              "counts what azurite saw" % c)
        got += exported_ports(out)
    ck.eq(sorted(got), sorted(want), "range: exactly the hour's tuples")


def growth(env, ck, srv, cli):
    c = "growth"
    cli.create_container(c)
    t = DAY + 14 * 3600
    b = Blob(cli, c, hour_path(VNET_RES, t))
    batches = [tuples(3, t + 60), tuples(2, t + 120), tuples(4, t + 180)]
    b.append([vnet_record(batches[0][:2], t + 60),
              vnet_record(batches[0][2:], t + 70)])
    state = env.path("growth.state")
    loc = "azblob://%s/%s/" % (azurite.ACCOUNT, c)
    got = []
    for i in range(4):
        out = env.path("growth%d.ipfix" % i)
        r = run(env, srv, ["-o", out, "--state", state, "--stats-json",
                           env.path("g.json"), loc])
        ck.eq(r.returncode, 0, "growth run %d: exit status (%s)"
              % (i + 1, err(r)))
        ports = exported_ports(out)
        exp = [p for _, p in batches[i]] if i < 3 else []
        ck.eq(sorted(ports), sorted(exp), "growth run %d: only the new "
              "tuples" % (i + 1))
        got += ports
        if i < 2:
            b.append([vnet_record(batches[i + 1], t + 120 + 60 * i)])
    st = fltest.load_json(env.path("g.json"))
    ck.eq(st["objects_skipped"], 1, "growth: the unchanged blob is skipped")
    allp = [p for bt in batches for _, p in bt]
    ck.eq(sorted(got), sorted(allp), "growth: every tuple exactly once "
          "across the runs")
    ck.eq(len(set(got)), len(got), "growth: no tuple twice")


def put_blob(env, ck, srv, cli):
    c = "whole"
    cli.create_container(c)
    t = DAY + 15 * 3600
    name = hour_path(VNET_RES, t)
    a, b = tuples(2, t + 60), tuples(3, t + 120)
    doc1 = {"records": [vnet_record(a, t + 60)]}
    doc2 = {"records": [vnet_record(a, t + 60), vnet_record(b, t + 120)]}
    state = env.path("whole.state")
    loc = "azblob://%s/%s/" % (azurite.ACCOUNT, c)
    got = []
    for i, doc in enumerate((doc1, doc2)):
        cli.put_blob(c, name, json.dumps(doc, indent=1).encode() + b"\n")
        out = env.path("whole%d.ipfix" % i)
        r = run(env, srv, ["-o", out, "--state", state, loc])
        ck.eq(r.returncode, 0, "put blob run %d: exit status (%s)"
              % (i + 1, err(r)))
        ports = exported_ports(out)
        ck.eq(sorted(ports), sorted(p for _, p in (a if i == 0 else b)),
              "put blob run %d: only the new tuples" % (i + 1))
        got += ports
    ck.eq(len(set(got)), 5, "put blob: five tuples, each once")


def rewritten(env, ck, srv, cli):
    c = "rewrite"
    cli.create_container(c)
    t = DAY + 17 * 3600
    name = hour_path(VNET_RES, t)
    a, b = tuples(2, t + 60), tuples(3, t + 120)
    cli.put_blocks(c, name, [("head", HEAD), ("foot", FOOT),
                             ("a", json.dumps(vnet_record(a, t + 60))
                              .encode())])
    cli.commit(c, name, ["head", "a", "foot"])
    state = env.path("rewrite.state")
    loc = "azblob://%s/%s/" % (azurite.ACCOUNT, c)
    r = run(env, srv, ["-o", env.path("rw1.ipfix"), "--state", state, loc])
    ck.eq(r.returncode, 0, "rewritten run 1: exit status (%s)" % err(r))
    # Another document under the same name: the block read is gone.
    cli.put_blocks(c, name, [("b", json.dumps(vnet_record(b, t + 120))
                              .encode())])
    cli.commit(c, name, ["head", "b", "foot"])
    r = run(env, srv, ["-o", env.path("rw2.ipfix"), "--state", state, loc])
    ck.eq(r.returncode, 0, "rewritten run 2: exit status (%s)" % err(r))
    ck.check("rewritten" in err(r) and name in err(r),
             "rewritten: a warning names the blob (%s)" % err(r))
    ck.eq(sorted(exported_ports(env.path("rw2.ipfix"))),
          sorted(p for _, p in b), "rewritten: the new document read whole")


def bad_blob(env, ck, srv, cli):
    c = "badblob"
    cli.create_container(c)
    t = DAY + 18 * 3600
    good = tuples(2, t + 60)
    cli.put_blob(c, "a/" + hour_path(VNET_RES, t), HEAD + b'{"time":')
    Blob(cli, c, "b/" + hour_path(VNET_RES, t)).append(
        [vnet_record(good, t + 60)])
    out = env.path("bad.ipfix")
    r = run(env, srv, ["-o", out, "--stats-json", env.path("bad.json"),
                       "azblob://%s/%s/" % (azurite.ACCOUNT, c)])
    e = err(r)
    ck.eq(r.returncode, 2, "bad blob: exit status 2 (%s)" % e)
    ck.check("azblob://%s/%s/a/" % (azurite.ACCOUNT, c) in e and
             "does not end in ]}" in e, "bad blob: the error names it")
    st = fltest.load_json(env.path("bad.json"))
    ck.eq(st["objects_failed"], 1, "bad blob: counted as failed")
    ck.eq(sorted(exported_ports(out)), sorted(p for _, p in good),
          "bad blob: the other blob's tuples are out")


class CutProxy:
    """A TCP relay to azurite that cuts the first BUDGET responses to a
    Get Blob of container CONT after their headers and KEEP body bytes,
    and records the x-ms-range of every Get Blob of it."""

    def __init__(self, port, cont, budget=1, keep=100):
        self.port, self.cont, self.keep = port, cont, keep
        self.ranges, self.cuts, self.budget = [], 0, budget
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(8)
        self.url = "http://127.0.0.1:%d/%s" % (self.ls.getsockname()[1],
                                                azurite.ACCOUNT)
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            s = socket.create_connection(("127.0.0.1", self.port))
            st = {"cut": False}
            threading.Thread(target=self.up, args=(c, s, st),
                             daemon=True).start()
            threading.Thread(target=self.down, args=(s, c, st),
                             daemon=True).start()

    def up(self, c, s, st):
        buf = b""
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                buf = (buf + d)[-65536:]
                for m in re.finditer(rb"GET /%s/%s/([^ ?]+) HTTP/1.1\r\n"
                                     rb"(.*?)\r\n\r\n" % (
                                         azurite.ACCOUNT.encode(),
                                         self.cont.encode()), buf, re.S):
                    r = re.search(rb"x-ms-range: *(\S+)", m.group(2), re.I)
                    self.ranges.append(r.group(1).decode() if r else None)
                    if self.budget > 0:
                        self.budget -= 1
                        st["cut"] = True
                    buf = buf[m.end():]
                s.sendall(d)
        except OSError:
            pass

    def down(self, s, c, st):
        head, body = b"", 0
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                if st["cut"]:
                    head += d
                    i = head.find(b"\r\n\r\n")
                    if i >= 0 and len(head) - i - 4 >= self.keep:
                        c.sendall(head[:i + 4 + self.keep])
                        self.cuts += 1
                        break
                    continue
                c.sendall(d)
        except OSError:
            pass
        for x in (c, s):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            x.close()

    def close(self):
        self.ls.close()


def cut_resume(env, ck, srv, cli):
    c = "cutresume"
    cli.create_container(c)
    t = DAY + 19 * 3600
    tt = tuples(6, t + 60)
    Blob(cli, c, hour_path(VNET_RES, t)).append([vnet_record(tt, t + 60)])
    proxy = CutProxy(srv.port, c)
    try:
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("AZURE_STORAGE")}
        e["AZURE_STORAGE_KEY"] = azurite.KEY
        out = env.path("cut.ipfix")
        cmd = env.cmd("--endpoint-url", proxy.url, "-o", out,
                      "--max-attempts", "3",
                      "azblob://%s/%s/" % (azurite.ACCOUNT, c))
        fltest.log("$ " + " ".join(cmd))
        r = subprocess.run(cmd, env=e, capture_output=True, timeout=120)
    finally:
        proxy.close()
    ck.eq(r.returncode, 0, "cut: exit status (%s)" % err(r))
    ck.eq(proxy.cuts, 1, "cut: the proxy cut one body")
    gets = [x for x in proxy.ranges if x is not None]
    ck.check(len(gets) == 2 and gets[0].startswith("bytes=0-") and
             not gets[1].startswith("bytes=0-") and
             gets[0].split("-")[1] == gets[1].split("-")[1],
             "cut: the rest of the range asked for again (%s)" % gets)
    ck.eq(sorted(exported_ports(out)), sorted(p for _, p in tt),
          "cut: every tuple once")


def follow_retry(env, ck, srv, cli):
    """--follow: a blob whose read fails (cut twice after the headers,
    --max-attempts 1 allows one resume without progress) is read again by
    the next poll, not skipped."""
    c = "followretry"
    cli.create_container(c)
    now = int(time.time())
    tt = tuples(4, now - 10)
    Blob(cli, c, hour_path(VNET_RES, now - now % 3600)).append(
        [vnet_record(tt, now - 10)])
    proxy = CutProxy(srv.port, c, budget=2, keep=0)
    state, out = env.path("fr.state"), env.path("fr.ipfix")
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("AZURE_STORAGE")}
    e["AZURE_STORAGE_KEY"] = azurite.KEY
    cmd = env.cmd("--endpoint-url", proxy.url, "-o", out, "--state", state,
                  "--max-attempts", "1", "--follow", "--cwl-poll-interval",
                  "1", "azblob://%s/%s/" % (azurite.ACCOUNT, c))
    fltest.log("$ " + " ".join(cmd))
    p = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        def written():
            try:
                return "\tazblob://" in open(state).read()
            except OSError:
                return False
        fltest.wait_for(written, 30, what="the blob read after a failure")
    finally:
        p.send_signal(signal.SIGTERM)
        _, stderr = p.communicate(timeout=60)
        proxy.close()
    e = stderr.decode(errors="replace")
    ck.eq(proxy.cuts, 2, "follow retry: two bodies cut")
    ck.check("body cut short" in e, "follow retry: the failure is "
             "reported (%s)" % e[-400:])
    ck.eq(sorted(exported_ports(out)), sorted(q for _, q in tt),
          "follow retry: every tuple once, by the next poll")


def sas(env, ck, srv, cli):
    c = "sas"
    cli.create_container(c)
    t = DAY + 16 * 3600
    tt = tuples(2, t + 60)
    Blob(cli, c, hour_path(VNET_RES, t)).append([vnet_record(tt, t + 60)])
    loc = "azblob://%s/%s/" % (azurite.ACCOUNT, c)
    token = azurite.container_sas(c)
    r = run(env, srv, ["-o", env.path("sas1.ipfix"), loc], key=None,
            sas=token)
    ck.eq(r.returncode, 0, "SAS from AZURE_STORAGE_SAS_TOKEN: exit status "
          "(%s)" % err(r))
    ck.eq(sorted(exported_ports(env.path("sas1.ipfix"))),
          sorted(p for _, p in tt), "SAS from the variable: the tuples")
    f = env.write("sas.token", "?" + token + "\n")
    r = run(env, srv, ["-o", env.path("sas2.ipfix"), "--azure-sas-file", f,
                       loc], key=None)
    ck.eq(r.returncode, 0, "SAS from --azure-sas-file: exit status (%s)"
          % err(r))
    ck.eq(sorted(exported_ports(env.path("sas2.ipfix"))),
          sorted(p for _, p in tt), "SAS from the file: the tuples")
    # A SAS for another container does not open this one.
    bad = azurite.container_sas("other")
    sig = [v for v in bad.split("&") if v.startswith("sig=")][0][4:]
    r = run(env, srv, ["-vv", "-o", env.path("sas3.ipfix"), loc], key=None,
            sas=bad)
    e = err(r)
    ck.eq(r.returncode, 2, "wrong SAS: exit status 2 (%s)" % e)
    ck.check("AuthorizationFailure" in e or "AuthenticationFailed" in e,
             "wrong SAS: the service's error code is reported")
    ck.check("azblob://%s/%s" % (azurite.ACCOUNT, c) in e,
             "wrong SAS: the container is named")
    ck.check(sig not in e and bad not in e and
             sig not in r.stdout.decode(errors="replace"),
             "wrong SAS: the token is not printed, not even with -vv")


def wrong_key(env, ck, srv, cli):
    loc = "azblob://%s/%s/" % (azurite.ACCOUNT, "sas")
    wrong = base64.b64encode(b"not the account key, 64 bytes long........"
                             b"......................").decode()
    r = run(env, srv, ["-vv", "-o", env.path("wk.ipfix"), loc], key=wrong)
    e = err(r) + r.stdout.decode(errors="replace")
    ck.eq(r.returncode, 2, "wrong key: exit status 2 (%s)" % e[-600:])
    ck.check("AuthorizationFailure" in e or "AuthenticationFailed" in e,
             "wrong key: the service's error code is reported")
    ck.check("azblob://%s/sas" % azurite.ACCOUNT in e,
             "wrong key: the container is named")
    ck.check(wrong not in e and wrong[:20] not in e,
             "wrong key: the key is not printed")
    f = env.write("key.txt", "not*base64*at*all-secretvalue\n")
    r = run(env, srv, ["-o", env.path("wk2.ipfix"), "--azure-key-file", f,
                       loc], key=None)
    e = err(r)
    ck.eq(r.returncode, 1, "key not base64: exit status 1 (%s)" % e)
    ck.check("--azure-key-file" in e and "secretvalue" not in e,
             "key not base64: the option is named, the text is not printed")


def follow(env, ck, srv, cli):
    c = "follow"
    cli.create_container(c)
    now = int(time.time())
    t = now - now % 3600
    b = Blob(cli, c, hour_path(VNET_RES, t))
    first, second = tuples(2, now - 10), tuples(3, now - 5)
    b.append([vnet_record(first, now - 10)])
    state = env.path("follow.state")
    out = env.path("follow.ipfix")
    e = {k: v for k, v in os.environ.items()
         if not k.startswith("AZURE_STORAGE")}
    e["AZURE_STORAGE_KEY"] = azurite.KEY
    cmd = env.cmd("--endpoint-url", srv.url, "-o", out, "--state", state,
                  "--follow", "--cwl-poll-interval", "1", "--since", "-1h",
                  "azblob://%s/%s/" % (azurite.ACCOUNT, c))
    fltest.log("$ " + " ".join(cmd))
    p = subprocess.Popen(cmd, env=e, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        def positions():
            try:
                return open(state).read().count("\tazblob://")
            except OSError:
                return 0
        fltest.wait_for(lambda: positions() >= 1, 30, what="first read")
        b.append([vnet_record(second, now - 5)])
        fltest.wait_for(lambda: positions() >= 2, 30, what="second read")
    finally:
        p.send_signal(signal.SIGTERM)
        _, stderr = p.communicate(timeout=60)
    ck.eq(p.returncode, 0, "follow: exit 0 on SIGTERM (%s)"
          % stderr.decode(errors="replace")[-600:])
    ck.eq(sorted(exported_ports(out)), sorted(q for _, q in first + second),
          "follow: the first tuples, then only the new ones")


def main():
    env = fltest.Env()
    env.check()
    ck = fltest.Checker("azblob")
    srv = azurite.Azurite(env)
    try:
        cli = azurite.Client(srv.url)
        time_range(env, ck, srv, cli)
        growth(env, ck, srv, cli)
        put_blob(env, ck, srv, cli)
        rewritten(env, ck, srv, cli)
        bad_blob(env, ck, srv, cli)
        cut_resume(env, ck, srv, cli)
        sas(env, ck, srv, cli)
        wrong_key(env, ck, srv, cli)
        follow(env, ck, srv, cli)
        follow_retry(env, ck, srv, cli)
    finally:
        srv.stop()
        env.cleanup()
    return ck.finish()


if __name__ == "__main__":
    sys.exit(main())
