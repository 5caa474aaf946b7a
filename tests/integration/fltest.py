#!/usr/bin/python3
"""fltest: shared helpers for the flowlog2ipfix integration tests.

What is here, and why it is independent of the program under test:
  - a small flow-log text parser and the expected IPFIX records computed from
    doc/internals/CONTRACT.md and the mapping (FNV-1a IDs, template IDs,
    option descriptions), written from the documents, not from src/;
  - an IPFIX stream walker on top of python3-ipfix (Debian's python3-ipfix
    0.9.7; run the tests with /usr/bin/python3) that yields templates and
    records in stream order, with the set ID each record came from;
  - environment defaults, a free-port helper, bounded wait helpers.

Exit codes used by the tests: 0 pass, 1 fail, 77 skip (reason on stderr).
"""

import calendar
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings

try:
    import ipfix.ie
    import ipfix.message
    import ipfix.reader
    import ipfix.template
except ImportError as e:  # pragma: no cover - depends on the host
    # Debian's python3-ipfix lives in /usr/bin/python3's dist-packages; a
    # pyenv or venv python3 first on PATH does not see it.
    if (os.path.realpath(sys.executable) !=
            os.path.realpath("/usr/bin/python3") and
            os.access("/usr/bin/python3", os.X_OK) and
            not os.environ.get("FLTEST_REEXEC")):
        os.environ["FLTEST_REEXEC"] = "1"
        main_file = getattr(sys.modules["__main__"], "__file__", None)
        if main_file:
            os.execv("/usr/bin/python3", ["/usr/bin/python3", main_file] +
                     sys.argv[1:])
    sys.stderr.write("SKIP: python3-ipfix not importable with %s (%s); "
                     "install python3-ipfix and run with /usr/bin/python3\n"
                     % (sys.executable, e))
    sys.exit(77)

PASS, FAIL, SKIP = 0, 1, 77

# --------------------------------------------------------------------------
# Environment

_HERE = os.path.dirname(os.path.abspath(__file__))


class Env:
    """FL_* variables with the documented defaults (run by hand from the
    repo root, or by automake with everything set)."""

    def __init__(self):
        self.srcdir = os.path.abspath(os.environ.get(
            "FL_SRCDIR", os.path.join(_HERE, "..", "..")))
        b = os.environ.get("FL_BIN")
        if not b:
            b = "src/flowlog2ipfix"
            if not os.path.exists(b):
                b = os.path.join(self.srcdir, "src", "flowlog2ipfix")
        self.bin = os.path.abspath(b)
        self.infomodel = os.path.abspath(os.environ.get(
            "FL_INFOMODEL",
            os.path.join(self.srcdir, "infomodel", "flowlog2ipfix.xml")))
        self.infomodel_dir = os.path.dirname(self.infomodel)
        t = os.environ.get("FL_TMPDIR")
        self._own_tmp = not t
        if t:
            os.makedirs(t, exist_ok=True)
            self.tmp = tempfile.mkdtemp(prefix="fl-", dir=t)
        else:
            self.tmp = tempfile.mkdtemp(prefix="fl-it-")

    def check(self):
        """Fail early (exit 1) when the program or infomodel is missing."""
        if not os.access(self.bin, os.X_OK):
            die("flowlog2ipfix binary not found at %s (set FL_BIN)" % self.bin)
        if not os.path.exists(self.infomodel):
            die("infomodel not found at %s (set FL_INFOMODEL)"
                % self.infomodel)

    def cleanup(self):
        if os.environ.get("FL_KEEP_TMP"):
            sys.stderr.write("keeping %s\n" % self.tmp)
            return
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def cmd(self, *args):
        """Command line for one run: the binary, --infomodel-dir, args."""
        return [self.bin, "--infomodel-dir", self.infomodel_dir] + \
            [str(a) for a in args]

    def run(self, *args, timeout=60, stdin=None, input=None):
        c = self.cmd(*args)
        log("$ " + " ".join(c))
        r = subprocess.run(c, stdin=stdin, input=input,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return r


def aws_env(key_id, secret, extra=None):
    """The environment of a program run against a test server: its keys,
    none of the developer's ~/.aws or AWS_* settings, no instance metadata
    lookups."""
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("AWS_"):
            del e[k]
    e.update({"AWS_ACCESS_KEY_ID": key_id, "AWS_SECRET_ACCESS_KEY": secret,
              "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
              "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
              "AWS_CONFIG_FILE": "/nonexistent"})
    if extra:
        e.update(extra)
    return e


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def die(msg, code=FAIL):
    log(("SKIP: " if code == SKIP else "FAIL: ") + msg)
    sys.exit(code)


class Checker:
    """Collects failed assertions so one run reports all of them."""

    def __init__(self, name):
        self.name = name
        self.failures = []
        self.count = 0

    def check(self, cond, what):
        self.count += 1
        if not cond:
            self.failures.append(what)
            log("  not ok: " + what)
        return cond

    def eq(self, got, exp, what):
        return self.check(got == exp, "%s: expected %r, got %r"
                          % (what, exp, got))

    def finish(self):
        if self.failures:
            log("%s: FAIL (%d of %d checks failed)"
                % (self.name, len(self.failures), self.count))
            return FAIL
        log("%s: PASS (%d checks)" % (self.name, self.count))
        return PASS


# --------------------------------------------------------------------------
# Ports and waiting

def free_port(kind=socket.SOCK_STREAM, host="127.0.0.1"):
    """A port the kernel says is free right now on host."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, kind)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def wait_for(pred, timeout=10.0, interval=0.02, what="condition"):
    """Poll pred() until it is true or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s"
                               % (timeout, what))
        time.sleep(interval)


def wait_file(path, timeout=10.0):
    return wait_for(lambda: os.path.exists(path), timeout,
                    what="file %s" % path)


# --------------------------------------------------------------------------
# Contract: generated IDs and template IDs

def fnv1a32(s):
    h = 2166136261
    for b in s.encode():
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def interface_id(name, bits=32):
    """ENI / TGW attachment -> ingressInterface; ACCEPT=1, REJECT=2."""
    if name == "ACCEPT":
        return 1
    if name == "REJECT":
        return 2
    h = fnv1a32(name)
    if bits == 16:
        return 16 + h % 65520
    return 16 + h % (2 ** 32 - 16)


def vrf_id(name, bits=32):
    h = fnv1a32(name)
    if bits == 16:
        return 1 + h % 65535
    return 1 + h % (2 ** 32 - 1)


TID_INTERFACE_OPT = 1280
TID_VRF_OPT = 1281
TID_TYPE_OPT = 1282

V_IPV6, V_TCP, V_DIR, V_VRF, V_EGRESS, V_DROP, V_SEC, V_MSEC = \
    1, 2, 4, 8, 16, 32, 64, 128

# --------------------------------------------------------------------------
# Flow log text

DEFAULT_FORMAT = ("version account-id interface-id srcaddr dstaddr srcport "
                  "dstport protocol packets bytes start end action "
                  "log-status").split()

TGW_V6_FORMAT = (
    "version resource-type account-id tgw-id tgw-attachment-id "
    "tgw-src-vpc-account-id tgw-dst-vpc-account-id tgw-src-vpc-id "
    "tgw-dst-vpc-id tgw-src-subnet-id tgw-dst-subnet-id tgw-src-eni "
    "tgw-dst-eni tgw-src-az-id tgw-dst-az-id tgw-pair-attachment-id srcaddr "
    "dstaddr srcport dstport protocol packets bytes start end log-status "
    "type packets-lost-no-route packets-lost-blackhole "
    "packets-lost-mtu-exceeded packets-lost-ttl-expired tcp-flags region "
    "flow-direction pkt-src-aws-service pkt-dst-aws-service").split()

PACKETS_LOST = ("packets-lost-no-route", "packets-lost-blackhole",
                "packets-lost-mtu-exceeded", "packets-lost-ttl-expired")


def parse_format(s):
    """'${a} ${b}' or 'a b' -> ['a', 'b']."""
    out = []
    for tok in s.split():
        if tok.startswith("${") and tok.endswith("}"):
            tok = tok[2:-1]
        out.append(tok)
    return out


def format_string(fields, dollar=True):
    if dollar:
        return " ".join("${%s}" % f for f in fields)
    return " ".join(fields)


def parse_flowlog(text, fields=None):
    """Return (fields, rows). With fields None the first line is the
    header. rows: list of dicts name -> token, one per non-blank line,
    plus '_line' (1-based line number in the file) and '_bad' (True when
    the token count does not match the format)."""
    lines = text.split("\n")
    start = 0
    if fields is None:
        fields = lines[0].split()
        start = 1
    rows = []
    for i in range(start, len(lines)):
        ln = lines[i].rstrip("\r")
        if not ln.strip():
            continue
        toks = ln.split()
        row = {"_line": i + 1, "_bad": len(toks) != len(fields)}
        if not row["_bad"]:
            row.update(zip(fields, toks))
        rows.append(row)
    return fields, rows


def is_ok(row):
    return not row["_bad"] and row.get("log-status") == "OK"


class Expect:
    """Expected IPFIX output for one flow-log format, per the contract."""

    IF_KEYS_VPC = (("account", "account-id"), ("vpc", "vpc-id"),
                   ("subnet", "subnet-id"), ("instance", "instance-id"),
                   ("region", "region"), ("az", "az-id"))
    IF_KEYS_TGW = (("account", "account-id"), ("tgw", "tgw-id"),
                   ("vpc", "tgw-src-vpc-id"), ("region", "region"))
    VRF_KEYS = (("account", "account-id"), ("region", "region"))
    # CONTRACT.md says "same rules" for the VRF description; for a TGW log
    # the VPC's own account is tgw-src-vpc-account-id (account-id is the
    # transit gateway owner). src/mapper.c does this; CONTRACT.md should
    # say it in so many words.
    VRF_KEYS_TGW = (("account", "tgw-src-vpc-account-id"),
                    ("region", "region"))

    def __init__(self, fields, time_elements="seconds", id_bits=32):
        self.fields = list(fields)
        self.time = time_elements
        self.bits = id_bits
        self.profile = "vpc" if "interface-id" in fields else "tgw"
        self.if_field = ("interface-id" if self.profile == "vpc"
                         else "tgw-attachment-id")
        self.vrf_field = "vpc-id" if self.profile == "vpc" \
            else "tgw-src-vpc-id"
        self.has_tcp = "tcp-flags" in fields
        self.has_dir = "flow-direction" in fields
        self.has_vrf = self.vrf_field in fields
        self.has_drop = (self.profile == "tgw" and
                         any(p in fields for p in PACKETS_LOST))

    def variant_bits(self, v6):
        v = V_IPV6 if v6 else 0
        if self.has_tcp:
            v |= V_TCP
        if self.has_dir:
            v |= V_DIR
        if self.has_vrf:
            v |= V_VRF
        if self.profile == "vpc":
            v |= V_EGRESS
        if self.has_drop:
            v |= V_DROP
        if self.time in ("seconds", "both"):
            v |= V_SEC
        if self.time in ("milliseconds", "both"):
            v |= V_MSEC
        return v

    def record(self, row):
        """(template id, {element name: python-ipfix value}) for an OK row."""
        src = ipaddress.ip_address(row["srcaddr"])
        dst = ipaddress.ip_address(row["dstaddr"])
        v6 = src.version == 6
        r = {}
        if v6:
            r["sourceIPv6Address"] = src
            r["destinationIPv6Address"] = dst
        else:
            r["sourceIPv4Address"] = src
            r["destinationIPv4Address"] = dst
        r["sourceTransportPort"] = int(row["srcport"])
        r["destinationTransportPort"] = int(row["dstport"])
        r["protocolIdentifier"] = int(row["protocol"])
        r["packetDeltaCount"] = int(row["packets"])
        r["octetDeltaCount"] = int(row["bytes"])
        r["ingressInterface"] = interface_id(row[self.if_field], self.bits)
        if self.profile == "vpc":
            r["egressInterface"] = interface_id(row["action"], self.bits)
        # An optional field that is '-' on an OK line: CONTRACT.md does not
        # say how to export it; accepted are 0 in the format's template or
        # the element left out (template ID without its bit). self.loose
        # (for the last row) maps such elements to their variant bit.
        self.loose = {}

        def opt(key, bit, tok, conv):
            if tok == "-":
                r[key] = 0
                self.loose[key] = bit
            else:
                r[key] = conv(tok)
        if self.has_tcp:
            opt("tcpControlBits", V_TCP, row["tcp-flags"], int)
        if self.has_dir:
            opt("flowDirection", V_DIR, row["flow-direction"],
                lambda t: {"ingress": 0, "egress": 1}[t])
        if self.has_vrf:
            opt("ingressVRFID", V_VRF, row[self.vrf_field],
                lambda t: vrf_id(t, self.bits))
        if self.has_drop:
            lost = [row[p] for p in PACKETS_LOST if p in row]
            if all(t == "-" for t in lost):
                opt("droppedPacketDeltaCount", V_DROP, "-", int)
            else:
                r["droppedPacketDeltaCount"] = sum(
                    int(t) for t in lost if t != "-")
        start, end = int(row["start"]), int(row["end"])
        if self.time in ("seconds", "both"):
            r["flowStartSeconds"] = start
            r["flowEndSeconds"] = end
        if self.time in ("milliseconds", "both"):
            r["flowStartMilliseconds"] = start * 1000
            r["flowEndMilliseconds"] = end * 1000
        return 1024 + self.variant_bits(v6), r

    def records(self, rows):
        return [self.record(r) for r in rows if is_ok(r)]

    def records_loose(self, rows):
        """[(tid, rec, loose)] for the OK rows; see record()."""
        out = []
        for r in rows:
            if is_ok(r):
                tid, rec = self.record(r)
                out.append((tid, rec, self.loose))
        return out

    def _desc(self, row, keys):
        parts = []
        for k, f in keys:
            if f in self.fields and row.get(f, "-") != "-":
                parts.append("%s=%s" % (k, row[f]))
        return " ".join(parts)

    def interface_options(self, rows):
        """{id: (interfaceName, interfaceDescription)} for every ID the
        rows carry (ENIs/attachments from any line, ACCEPT/REJECT from OK
        lines). The description follows the first line carrying the ID."""
        out = {}
        keys = self.IF_KEYS_VPC if self.profile == "vpc" else \
            self.IF_KEYS_TGW
        for row in rows:
            if row["_bad"]:
                continue
            name = row.get(self.if_field, "-")
            if name != "-":
                i = interface_id(name, self.bits)
                if i not in out:
                    out[i] = (name, self._desc(row, keys))
            if self.profile == "vpc" and is_ok(row):
                a = row["action"]
                i = interface_id(a, self.bits)
                if i not in out:
                    out[i] = (a, "flow log action " + a)
        return out

    def vrf_options(self, rows):
        out = {}
        if not self.has_vrf:
            return out
        for row in rows:
            if row["_bad"]:
                continue
            name = row.get(self.vrf_field, "-")
            if name == "-":
                continue
            i = vrf_id(name, self.bits)
            if i not in out:
                out[i] = (name, self._desc(
                    row, self.VRF_KEYS if self.profile == "vpc"
                    else self.VRF_KEYS_TGW))
        return out

    def counts(self, rows):
        c = {"ok": 0, "ipv4": 0, "ipv6": 0, "nodata": 0, "skipdata": 0,
             "bad": 0}
        for r in rows:
            if r["_bad"]:
                c["bad"] += 1
                continue
            st = r.get("log-status")
            if st == "OK":
                c["ok"] += 1
                if ipaddress.ip_address(r["srcaddr"]).version == 6:
                    c["ipv6"] += 1
                else:
                    c["ipv4"] += 1
            elif st == "NODATA":
                c["nodata"] += 1
            elif st == "SKIPDATA":
                c["skipdata"] += 1
        return c


def make_line(fields, values):
    """One flow-log line: values maps field name -> token ('-' if absent)."""
    return " ".join(str(values.get(f, "-")) for f in fields)


# Metadata of the ENIs used by generated inputs: name -> fields.
GEN_ENIS = [
    {"interface-id": "eni-0a1b2c3d4e5f60001", "account-id": "111111111111",
     "vpc-id": "vpc-0aaa1111bbbb2222c", "subnet-id": "subnet-0123aaaa",
     "instance-id": "i-0123456789abcdef0", "region": "us-east-1",
     "az-id": "use1-az1"},
    {"interface-id": "eni-0a1b2c3d4e5f60002", "account-id": "222222222222",
     "vpc-id": "vpc-0ddd3333eeee4444f", "subnet-id": "subnet-0456bbbb",
     "instance-id": "i-0fedcba9876543210", "region": "eu-west-1",
     "az-id": "euw1-az2"},
    {"interface-id": "eni-0a1b2c3d4e5f60003", "account-id": "111111111111",
     "vpc-id": "vpc-0aaa1111bbbb2222c", "subnet-id": "subnet-0789cccc",
     "instance-id": "-", "region": "us-east-1", "az-id": "use1-az4"},
]


def gen_lines(fields, n, seed=1, t0=1700000000, nodata_every=0,
              v6_every=5, enis=GEN_ENIS):
    """n deterministic pseudo-random VPC flow-log lines for fields.

    Every ENI's first line is an OK line; metadata is constant per ENI.
    nodata_every=k adds a NODATA (odd) / SKIPDATA (even) line after every
    k-th OK line."""
    import random
    rnd = random.Random(seed)
    out = []
    protos = [6, 6, 6, 17, 17, 1]
    k = 0
    for i in range(n):
        eni = enis[i % len(enis)]
        v = dict(eni)
        v["version"] = 5
        v["type"] = "IPv4"
        if v6_every and i % v6_every == v6_every - 1:
            v["srcaddr"] = "2001:db8:%x::%x" % (rnd.randrange(65536),
                                                rnd.randrange(1, 65536))
            v["dstaddr"] = "2001:db8:ffff:%x::%x" % (
                rnd.randrange(65536), rnd.randrange(1, 65536))
            v["type"] = "IPv6"
        else:
            v["srcaddr"] = "10.%d.%d.%d" % (rnd.randrange(256),
                                            rnd.randrange(256),
                                            rnd.randrange(1, 255))
            v["dstaddr"] = "198.51.100.%d" % rnd.randrange(1, 255)
        v["pkt-srcaddr"] = v["srcaddr"]
        v["pkt-dstaddr"] = v["dstaddr"]
        p = protos[rnd.randrange(len(protos))]
        if p == 1 and v["type"] == "IPv6":
            p = 58
        v["protocol"] = p
        if p in (1, 58):
            v["srcport"], v["dstport"] = 0, 0
        else:
            v["srcport"] = rnd.randrange(1024, 65536)
            v["dstport"] = rnd.choice([22, 53, 80, 443, 3389, 65535])
        pk = rnd.randrange(1, 5000)
        v["packets"] = pk
        v["bytes"] = pk * rnd.randrange(40, 1500)
        st = t0 + i
        v["start"] = st
        v["end"] = st + rnd.randrange(0, 60)
        v["action"] = "ACCEPT" if rnd.random() < 0.8 else "REJECT"
        v["tcp-flags"] = rnd.choice([0, 1, 2, 3, 4, 18, 19]) if p == 6 \
            else 0
        v["flow-direction"] = rnd.choice(["ingress", "egress"])
        v["traffic-path"] = "-" if v["flow-direction"] == "ingress" else 1
        v["log-status"] = "OK"
        out.append(make_line(fields, v))
        k += 1
        if nodata_every and k % nodata_every == 0:
            w = dict(eni)
            w["version"] = 5
            w["start"], w["end"] = st, st + 60
            w["log-status"] = "NODATA" if (k // nodata_every) % 2 else \
                "SKIPDATA"
            out.append(make_line(fields, w))
    return out


# --------------------------------------------------------------------------
# Reading IPFIX with python3-ipfix

_model_ready = False


def init_model():
    global _model_ready
    if not _model_ready:
        ipfix.ie.use_iana_default()
        ipfix.ie.for_spec("vrfDescription(21659/413)<string>[65535]")
        _model_ready = True


def _epoch(v):
    """python3-ipfix gives naive-UTC datetimes for dateTime* elements."""
    if hasattr(v, "timetuple"):
        return calendar.timegm(v.timetuple()) + v.microsecond / 1e6
    return v


def normalize(rec):
    """Turn python3-ipfix values into plain comparable ones: seconds as
    int, milliseconds as int ms; drop paddingOctets."""
    out = {}
    for k, v in rec.items():
        if k == "paddingOctets":
            continue
        if k in ("flowStartSeconds", "flowEndSeconds"):
            v = int(round(_epoch(v)))
        elif k in ("flowStartMilliseconds", "flowEndMilliseconds"):
            v = int(round(_epoch(v) * 1000))
        out[k] = v
    return out


class Event:
    """One item of an IPFIX stream, in stream order.

    kind: 'message' (header; .msg), 'template' (.tid, .tmpl, .setid 2|3),
    'record' (.tid, .tmpl, .rec = normalized dict, .options bool)."""

    __slots__ = ("kind", "tid", "tmpl", "setid", "rec", "options", "msg",
                 "msgno", "pos")

    def __init__(self, kind, **kw):
        self.kind = kind
        for k in self.__slots__[1:]:
            setattr(self, k, kw.get(k))

    def __repr__(self):
        return "<%s tid=%s setid=%s rec=%s>" % (self.kind, self.tid,
                                                self.setid, self.rec)


def iter_messages(stream):
    """Yield (header tuple, MessageBuffer) for each message read."""
    init_model()
    msg = ipfix.message.MessageBuffer()
    while True:
        try:
            msg.read_message(stream)
        except EOFError:
            return
        yield msg


def iter_events(stream, templates=None):
    """Walk an IPFIX stream (file or socket makefile) set by set.

    templates: dict shared across calls (per transport session); new by
    default. Raises ipfix.template.IpfixDecodeError on malformed input and
    KeyError-derived RuntimeError on a data set without a known template."""
    init_model()
    if templates is None:
        templates = {}
    msgno = 0
    for msg in iter_messages(stream):
        msgno += 1
        yield Event("message", msg=(msg.length, msg.export_epoch,
                                    msg.sequence, msg.odid), msgno=msgno)
        for (offset, setid, setlen) in msg.setlist:
            setend = offset + setlen
            offset += 4
            if setid in (2, 3):
                while offset + 4 <= setend:
                    tmpl, offset = ipfix.template.decode_template_from(
                        msg.mbuf, offset, setid)
                    templates[(msg.odid, tmpl.tid)] = tmpl
                    yield Event("template", tid=tmpl.tid, tmpl=tmpl,
                                setid=setid, msgno=msgno)
            elif setid < 256:
                raise ipfix.template.IpfixDecodeError(
                    "illegal set id %d in message %d" % (setid, msgno))
            else:
                tmpl = templates.get((msg.odid, setid))
                if tmpl is None:
                    raise RuntimeError("data set %d without template "
                                       "(message %d)" % (setid, msgno))
                if tmpl.count() == 0:
                    raise RuntimeError("data set %d for withdrawn template"
                                       % setid)
                while offset + tmpl.minlength <= setend:
                    rec, offset = tmpl.decode_namedict_from(msg.mbuf, offset)
                    yield Event("record", tid=setid, tmpl=tmpl,
                                setid=setid, rec=normalize(rec),
                                options=tmpl.scopecount > 0, msgno=msgno)


def read_events(path):
    with open(path, "rb") as f:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            return list(iter_events(f))


def template_ies(tmpl):
    """[(pen, num, name)] of a python3-ipfix template."""
    return [(e.pen, e.num, e.name) for e in tmpl.ies]


class StreamView:
    """Convenience split of an event list."""

    def __init__(self, events):
        self.events = events
        for i, e in enumerate(events):
            e.pos = i
        self.templates = [e for e in events if e.kind == "template"]
        self.records = [e for e in events if e.kind == "record"]
        self.data = [e for e in self.records if not e.options]
        self.options = [e for e in self.records if e.options]

    def options_of(self, tid):
        return [e for e in self.options if e.tid == tid]


def loose_match(tid, rec, loose, got_tid, got):
    """Expected (tid, rec) adjusted to what was received for the elements
    that may be 0 or left out (see Expect.record)."""
    rec = dict(rec)
    for k, bit in loose.items():
        if k not in got:
            del rec[k]
            tid &= ~bit
    return tid, rec


def _rec_key(tid_rec):
    tid, rec = tid_rec
    return (tid, sorted((k, str(v)) for k, v in rec.items()))


def check_stream(ck, events, exp, rows, what, options=True, ordered=True):
    """The shared oracle: check a decoded event list against the rows of a
    flow log per the contract. ordered=False compares the data records as
    a multiset (inputs read in parallel). Returns the StreamView."""
    sv = StreamView(events)
    wantl = exp.records_loose(rows)
    want = [(t, r) for t, r, _ in wantl]
    if not ordered:
        got = sorted(((e.tid, e.rec) for e in sv.data), key=_rec_key)
        want = sorted(want, key=_rec_key)
        ck.eq(len(got), len(want), what + ": number of data records "
              "(= OK lines)")
        nbad = sum(1 for g, w in zip(got, want) if g != w)
        ck.eq(nbad, 0, what + ": data records (as a multiset) that differ "
              "from the input lines")
        if options:
            check_options(ck, sv, exp, rows, what)
        return sv
    ck.eq(len(sv.data), len(want), what + ": number of data records "
          "(= OK lines)")
    oklines = [r["_line"] for r in rows if is_ok(r)]
    bad = badtid = 0
    for n, (ev, (tid, rec, loose)) in enumerate(zip(sv.data, wantl)):
        okline = oklines[n]
        if loose:
            tid, rec = loose_match(tid, rec, loose, ev.tid, ev.rec)
        if ev.tid != tid:
            badtid += 1
            if badtid <= 5:
                ck.eq(ev.tid, tid, "%s: record %d (input line %d) template"
                      " ID" % (what, n + 1, okline))
        if ev.rec != rec:
            bad += 1
            if bad <= 5:
                ck.check(False, "%s: record %d (input line %d) fields:\n"
                         "      expected %r\n      got      %r\n"
                         "      diff (expected, got) %r"
                         % (what, n + 1, okline, rec, ev.rec,
                            diff_dicts(rec, ev.rec)))
    ck.eq(bad, 0, what + ": data records whose fields differ from the "
          "input line")
    ck.eq(badtid, 0, what + ": data records with a wrong template ID")
    # templates: every data template carries exactly its variant's set
    for t in sv.templates:
        if t.setid == 2:
            ck.check(1024 <= t.tid <= 1024 + 255,
                     "%s: data template ID %d in 1024..1279"
                     % (what, t.tid))
    if not exp.has_tcp:
        for t in sv.templates:
            ck.check(all(num != 6 or pen != 0
                         for pen, num, _ in template_ies(t.tmpl)),
                     "%s: template %d has tcpControlBits although the "
                     "format has no tcp-flags" % (what, t.tid))
    if not options:
        ck.eq([t.tid for t in sv.templates if t.setid == 3], [],
              what + ": options templates with --no-options")
        ck.eq(len(sv.options), 0, what + ": options records with "
              "--no-options")
        return sv
    check_options(ck, sv, exp, rows, what)
    return sv


def check_options(ck, sv, exp, rows, what):
    want_if = exp.interface_options(rows)
    want_vrf = exp.vrf_options(rows)
    opt_tids = {t.tid: t for t in sv.templates if t.setid == 3}
    for tid in (TID_INTERFACE_OPT,) + ((TID_VRF_OPT,) if want_vrf else ()):
        ck.check(tid in opt_tids, "%s: options template %d present"
                 % (what, tid))
    if TID_INTERFACE_OPT in opt_tids:
        t = opt_tids[TID_INTERFACE_OPT].tmpl
        ck.eq(t.scopecount, 1, what + ": 1280 scope count")
        ck.eq([x[2] for x in template_ies(t)][:1], ["ingressInterface"],
              what + ": 1280 scope element")
        ck.eq(sorted(x[2] for x in template_ies(t)[1:]),
              ["interfaceDescription", "interfaceName"],
              what + ": 1280 fields")
    if TID_VRF_OPT in opt_tids:
        t = opt_tids[TID_VRF_OPT].tmpl
        ck.eq(t.scopecount, 1, what + ": 1281 scope count")
        ck.eq([x[2] for x in template_ies(t)][:1], ["ingressVRFID"],
              what + ": 1281 scope element")
        ck.eq(sorted((x[0], x[1], x[2]) for x in template_ies(t)[1:]),
              [(0, 236, "VRFname"), (21659, 413, "vrfDescription")],
              what + ": 1281 fields")
    # every options record: known ID, right name and description
    seen_if, seen_vrf = {}, {}
    for ev in sv.options:
        if ev.tid == TID_INTERFACE_OPT:
            i = ev.rec.get("ingressInterface")
            got = (ev.rec.get("interfaceName"),
                   ev.rec.get("interfaceDescription"))
            if ck.check(i in want_if, "%s: interface options record for "
                        "unknown ID %r (%r)" % (what, i, got)):
                ck.eq(got, want_if[i], "%s: interface option ID %d"
                      % (what, i))
            seen_if.setdefault(i, ev.pos)
        elif ev.tid == TID_VRF_OPT:
            i = ev.rec.get("ingressVRFID")
            got = (ev.rec.get("VRFname"), ev.rec.get("vrfDescription"))
            if ck.check(i in want_vrf, "%s: VRF options record for unknown "
                        "ID %r (%r)" % (what, i, got)):
                ck.eq(got, want_vrf[i], "%s: VRF option ID %d" % (what, i))
            seen_vrf.setdefault(i, ev.pos)
    # ... and before the first data record that uses the ID
    first_if, first_vrf = {}, {}
    for ev in sv.data:
        pos = ev.pos
        for k in ("ingressInterface", "egressInterface"):
            if k in ev.rec:
                first_if.setdefault(ev.rec[k], pos)
        if ev.rec.get("ingressVRFID"):    # 0: the line had no VPC
            first_vrf.setdefault(ev.rec["ingressVRFID"], pos)
    for i, pos in sorted(first_if.items()):
        ck.check(i in seen_if and seen_if[i] < pos,
                 "%s: interface options record for ID %d (%s) before its "
                 "first data record" % (what, i, want_if.get(i, ("?",))[0]))
    for i, pos in sorted(first_vrf.items()):
        ck.check(i in seen_vrf and seen_vrf[i] < pos,
                 "%s: VRF options record for ID %d (%s) before its first "
                 "data record" % (what, i, want_vrf.get(i, ("?",))[0]))


def diff_dicts(a, b):
    keys = sorted(set(a) | set(b))
    return {k: (a.get(k, "<absent>"), b.get(k, "<absent>"))
            for k in keys if a.get(k, "<absent>") != b.get(k, "<absent>")}


def load_json(path):
    with open(path) as f:
        return json.load(f)


# --------------------------------------------------------------------------
# Command line for the shell tests

V5_GEN_FIELDS = ("version account-id interface-id srcaddr dstaddr srcport "
                 "dstport protocol bytes packets start end action log-status "
                 "vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr "
                 "pkt-dstaddr region az-id flow-direction "
                 "traffic-path").split()


def gen_text(name, n, seed):
    """A generated input with header: v5 (custom order with every optional
    element) or v2 (the default format)."""
    fields = {"v5": V5_GEN_FIELDS, "v2": DEFAULT_FORMAT}[name]
    return " ".join(fields) + "\n" + "\n".join(
        gen_lines(fields, n, seed=seed, nodata_every=11)) + "\n"


_PROTO_NAMES = {"TCP": 6, "UDP": 17, "ICMP": 1, "ICMP6": 58}


def nfdump_key(parts):
    """Normalize one nfdump 'fmt:%ts|%te|%sa|%da|%sp|%dp|%pr|%pkt|%byt|%in
    |%out' line (TZ=UTC, -N) to a comparable tuple."""
    import datetime as dt
    p = [x.strip() for x in parts]

    def ms(t):
        d = dt.datetime.strptime(t, "%Y-%m-%d %H:%M:%S.%f")
        return int(round(calendar.timegm(d.timetuple()) * 1000 +
                         d.microsecond / 1000))
    proto = int(_PROTO_NAMES.get(p[6], p[6]))
    dport = p[5]
    if "." in dport:   # ICMP: nfdump prints type.code from dstport
        a, b = dport.split(".")
        dport = int(a) * 256 + int(b)
    return (ms(p[0]), ms(p[1]), str(ipaddress.ip_address(p[2])),
            str(ipaddress.ip_address(p[3])), int(p[4]), int(dport), proto,
            int(p[7]), int(p[8]), int(p[9]), int(p[10]))


def expected_key(rec):
    """The same tuple from an expected record (milliseconds mode)."""
    sa = rec.get("sourceIPv4Address", rec.get("sourceIPv6Address"))
    da = rec.get("destinationIPv4Address", rec.get("destinationIPv6Address"))
    return (rec["flowStartMilliseconds"], rec["flowEndMilliseconds"],
            str(sa), str(da), rec["sourceTransportPort"],
            rec["destinationTransportPort"], rec["protocolIdentifier"],
            rec["packetDeltaCount"], rec["octetDeltaCount"],
            rec["ingressInterface"], rec.get("egressInterface", 0))


_TSHARK_KEYS = {"SrcAddr": "src", "DstAddr": "dst", "SrcPort": "sp",
                "DstPort": "dp", "Protocol": "proto", "Packets": "pkts",
                "Octets": "bytes", "InputInt": "in", "OutputInt": "out",
                "Direction": "dir", "Ingress VRFID": "vrf",
                "StartTime": "start", "EndTime": "end"}


def parse_tshark(text):
    """Data records (set IDs 1024..1279) from 'tshark -V' text of the
    cflow dissector, in order: list of dicts with the _TSHARK_KEYS values
    (numbers as int, times as epoch seconds, 'proto' from '(N)')."""
    import datetime as dt
    import re
    flows = []
    cur = None
    in_data = False
    set_re = re.compile(r"^    Set \d+ \[id=(\d+)\]")
    for ln in text.split("\n"):
        m = set_re.match(ln)
        if m:
            in_data = 1024 <= int(m.group(1)) < 1280
            cur = None
            continue
        if ln.startswith("    ") and not ln.startswith("     "):
            in_data = False     # next dissector-level line
            cur = None
            continue
        if not in_data:
            continue
        if re.match(r"^        Flow \d+$", ln):
            cur = {}
            flows.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"^ +([A-Za-z ]+?): (.*)$", ln)
        if not m or m.group(1) not in _TSHARK_KEYS:
            continue
        k, v = _TSHARK_KEYS[m.group(1)], m.group(2).strip()
        if k in ("start", "end"):
            d = dt.datetime.strptime(v.split(".")[0],
                                     "%b %d, %Y %H:%M:%S")
            v = calendar.timegm(d.timetuple())
        elif k in ("proto", "dir"):
            v = int(re.search(r"\((\d+)\)", v).group(1))
        elif k in ("src", "dst"):
            v = str(ipaddress.ip_address(v))
        else:
            v = int(v)
        cur.setdefault(k, v)
    return flows


def tshark_expected(rec):
    sa = rec.get("sourceIPv4Address", rec.get("sourceIPv6Address"))
    da = rec.get("destinationIPv4Address", rec.get("destinationIPv6Address"))
    d = {"src": str(sa), "dst": str(da), "sp": rec["sourceTransportPort"],
         "dp": rec["destinationTransportPort"],
         "proto": rec["protocolIdentifier"], "pkts": rec["packetDeltaCount"],
         "bytes": rec["octetDeltaCount"], "in": rec["ingressInterface"],
         "start": rec["flowStartSeconds"], "end": rec["flowEndSeconds"]}
    if "egressInterface" in rec:
        d["out"] = rec["egressInterface"]
    if "flowDirection" in rec:
        d["dir"] = rec["flowDirection"]
    if "ingressVRFID" in rec:
        d["vrf"] = rec["ingressVRFID"]
    return d


def _cli(argv):
    import argparse
    ap = argparse.ArgumentParser(prog="fltest.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("free-port")
    p.add_argument("proto", choices=["tcp", "udp"])
    p = sub.add_parser("summary", help="data template IDs, record count "
                       "and largest interface ID of an IPFIX file, one "
                       "'key value' a line")
    p.add_argument("ipfix")
    p = sub.add_parser("gen")
    p.add_argument("name", choices=["v5", "v2"])
    p.add_argument("n", type=int)
    p.add_argument("seed", type=int)
    for name in ("expect-tids", "expect-count", "nfdump-compare",
                 "expect-json", "tshark-compare"):
        p = sub.add_parser(name)
        p.add_argument("input")
        p.add_argument("--time", default="seconds")
        p.add_argument("--bits", type=int, default=32)
        if name == "nfdump-compare":
            p.add_argument("nfdump_output")
        if name == "tshark-compare":
            p.add_argument("tshark_output")
    a = ap.parse_args(argv)
    if a.cmd == "free-port":
        print(free_port(socket.SOCK_STREAM if a.proto == "tcp"
                        else socket.SOCK_DGRAM))
        return 0
    if a.cmd == "summary":
        ev = read_events(a.ipfix)
        sv = StreamView(ev)
        print("data_tids", " ".join(str(t) for t in
                                    sorted({e.tid for e in sv.data})))
        print("option_tids", " ".join(str(t) for t in
                                      sorted({e.tid for e in sv.options})))
        print("records", len(sv.data))
        print("odids", " ".join(str(o) for o in sorted(
            {e.msg[3] for e in ev if e.kind == "message"})))
        print("max_id", max([e.rec.get(k, 0) for e in sv.data
                             for k in ("ingressInterface",
                                       "ingressVRFID")] or [0]))
        return 0
    if a.cmd == "gen":
        sys.stdout.write(gen_text(a.name, a.n, a.seed))
        return 0
    import gzip
    opener = gzip.open if a.input.endswith(".gz") else open
    with opener(a.input, "rt") as f:
        fields, rows = parse_flowlog(f.read())
    exp = Expect(fields, a.time, a.bits)
    recs = exp.records(rows)
    if a.cmd == "expect-count":
        print(len(recs))
    elif a.cmd == "expect-tids":
        tids = {}
        for t, _ in recs:
            tids[t] = tids.get(t, 0) + 1
        for t in sorted(tids):
            print(t, tids[t])
    elif a.cmd == "expect-json":
        out = [dict(tid=t, **{k: str(v) if not isinstance(v, int) else v
                              for k, v in r.items()}) for t, r in recs]
        print(json.dumps(out, indent=1))
    elif a.cmd == "nfdump-compare":
        from collections import Counter
        want = Counter(expected_key(r) for _, r in recs)
        got = Counter()
        bad = []
        with open(a.nfdump_output) as f:
            for ln in f:
                if not ln.strip():
                    continue
                try:
                    got[nfdump_key(ln.rstrip("\n").split("|"))] += 1
                except (ValueError, IndexError) as e:
                    bad.append((ln.rstrip(), str(e)))
        for b in bad[:5]:
            log("  unparsable nfdump line %r: %s" % b)
        missing = want - got
        extra = got - want
        log("  nfdump flows: %d, expected %d, missing %d, unexpected %d"
            % (sum(got.values()), sum(want.values()),
               sum(missing.values()), sum(extra.values())))
        for k in list(missing)[:5]:
            log("  missing:    %r" % (k,))
        for k in list(extra)[:5]:
            log("  unexpected: %r" % (k,))
        return 1 if (missing or extra or bad) else 0
    elif a.cmd == "tshark-compare":
        with open(a.tshark_output) as f:
            got = parse_tshark(f.read())
        want = [tshark_expected(r) for _, r in recs]
        log("  tshark data records: %d, expected %d" % (len(got), len(want)))
        nbad = 0
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                nbad += 1
                if nbad <= 5:
                    log("  record %d differs (expected, got): %r"
                        % (i + 1, diff_dicts(w, g)))
        if nbad:
            log("  %d records differ" % nbad)
        return 1 if (nbad or len(got) != len(want)) else 0
    return 0


def run_main(fn):
    """Run fn(env) -> exit code, with cleanup and a readable crash."""
    env = Env()
    code = FAIL
    try:
        code = fn(env)
    except SystemExit as e:
        code = e.code
    except Exception:  # a broken test is a failure, with the traceback
        import traceback
        traceback.print_exc()
        code = FAIL
    finally:
        env.cleanup()
    sys.exit(code)


if __name__ == "__main__":
    sys.exit(_cli(sys.argv[1:]))
