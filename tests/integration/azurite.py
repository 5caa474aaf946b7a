"""azurite: Azure Blob Storage for the tests (azurite, Microsoft's own
storage emulator, the npm package, run on 127.0.0.1 on a port picked
here, data in memory) and a small client that writes to it.

The client is written from Microsoft's documentation ("Authorize with
Shared Key", "Create a service SAS"), not from our C code: the emulator
checks its signatures, so it is an independent check of both.  It uses
azurite's well-known development account (devstoreaccount1 and its
published key).
"""

import base64
import datetime
import email.utils
import hashlib
import hmac
import os
import re
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request

import fltest

ACCOUNT = "devstoreaccount1"
# The emulator's published development key (Microsoft's docs, "Use the
# Azurite emulator"): not a secret.
KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
       "K1SZFPTOtr/KBHBeksoGMGw==")
VERSION = "2020-10-02"


def azurite_path(env):
    p = os.environ.get("FL_AZURITE") or os.path.join(
        env.srcdir, "tests", "npm", "node_modules", ".bin", "azurite-blob")
    return p if os.access(p, os.X_OK) else None


class Azurite:
    """azurite-blob on 127.0.0.1; its debug log (one entry per request)
    is kept so tests can see which prefixes were listed."""

    def __init__(self, env, name="azurite"):
        exe = azurite_path(env)
        if exe is None:
            fltest.die("azurite not installed (tests/run-suite installs it "
                       "with npm ci in tests/npm; or set FL_AZURITE)",
                       fltest.SKIP)
        self.dir = env.path(name)
        os.makedirs(self.dir, exist_ok=True)
        self.debug = os.path.join(self.dir, "debug.log")
        self.port = fltest.free_port()
        self.proc = subprocess.Popen(
            [exe, "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
             "--inMemoryPersistence", "--extentMemoryLimit", "256",
             "--disableTelemetry", "--debug", self.debug],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            cwd=self.dir)
        self.lines = []
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                if "successfully listen" in line:
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        if not ready.wait(60) or self.proc.poll() is not None:
            self.stop()
            fltest.die("azurite did not start: %s" % "\n".join(self.lines))
        self.url = "http://127.0.0.1:%d/%s" % (self.port, ACCOUNT)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def listed_prefixes(self):
        """The prefix of every List Blobs request so far, in order."""
        out = []
        try:
            text = open(self.debug, errors="replace").read()
        except OSError:
            return out
        for m in re.finditer(r"RequestURL=(\S+)", text):
            u = urllib.parse.urlsplit(m.group(1))
            q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
            if q.get("comp") == ["list"]:
                out.append(q.get("prefix", [""])[0])
        return out


def _canon(method, url, headers, length):
    """Microsoft's Shared Key string-to-sign (Blob service, 2009-09-19
    and later)."""
    h = {k.lower(): v.strip() for k, v in headers.items()}
    std = ["content-encoding", "content-language", "content-length",
           "content-md5", "content-type", "date", "if-modified-since",
           "if-match", "if-none-match", "if-unmodified-since", "range"]
    vals = []
    for name in std:
        v = h.get(name, "")
        if name == "content-length":
            v = str(length) if length else ""
        vals.append(v)
    ms = sorted((k, v) for k, v in h.items() if k.startswith("x-ms-"))
    u = urllib.parse.urlsplit(url)
    res = "/%s%s" % (ACCOUNT, u.path)
    q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
    for k in sorted(q, key=str.lower):
        res += "\n%s:%s" % (k.lower(), ",".join(sorted(q[k])))
    return (method + "\n" + "\n".join(vals) + "\n" +
            "".join("%s:%s\n" % kv for kv in ms) + res)


def _bid(name):
    """A block ID: the IDs of one blob must all have one length."""
    return base64.b64encode(("%-16s" % name).encode()).decode()


class Client:
    """Create Container, Put Blob, Put Block, Put Block List with the
    Shared Key of the development account."""

    def __init__(self, url):
        self.url = url

    def request(self, method, path, query="", body=b"", headers=None):
        url = "%s/%s%s" % (self.url, urllib.parse.quote(path, safe="/~"),
                           "?" + query if query else "")
        h = {"x-ms-version": VERSION,
             "x-ms-date": email.utils.formatdate(usegmt=True)}
        h.update(headers or {})
        if method == "PUT":
            # urllib would add a form Content-Type, unsigned.
            h["Content-Type"] = "application/octet-stream"
        if body:
            h["Content-Length"] = str(len(body))
        sts = _canon(method, url, h, len(body))
        sig = base64.b64encode(hmac.new(base64.b64decode(KEY),
                                        sts.encode(), hashlib.sha256)
                               .digest()).decode()
        h["Authorization"] = "SharedKey %s:%s" % (ACCOUNT, sig)
        req = urllib.request.Request(url, data=body or None, method=method,
                                     headers=h)
        if method == "PUT" and not body:
            req.data = b""
            h["Content-Length"] = "0"
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: %d %s" % (method, path, e.code,
                                                 e.read()[:300]))

    def create_container(self, name):
        self.request("PUT", name, "restype=container")

    def put_blob(self, container, name, data):
        self.request("PUT", "%s/%s" % (container, name), body=data,
                     headers={"x-ms-blob-type": "BlockBlob"})

    def put_blocks(self, container, name, blocks):
        """Stages blocks ([(id, bytes)]) and commits the given ids."""
        for bid, data in blocks:
            q = "comp=block&blockid=" + urllib.parse.quote(_bid(bid),
                                                           safe="")
            self.request("PUT", "%s/%s" % (container, name), q, body=data)

    def commit(self, container, name, ids):
        xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>" + \
            "".join("<Latest>%s</Latest>" % _bid(i) for i in ids) + \
            "</BlockList>"
        self.request("PUT", "%s/%s" % (container, name), "comp=blocklist",
                     body=xml.encode())


def container_sas(container, perms="rl", hours=1):
    """A service SAS for a container, by Microsoft's documented
    string-to-sign for versions 2018-11-09 to 2020-10-02."""
    now = datetime.datetime.now(datetime.timezone.utc)
    st = (now - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    se = (now + datetime.timedelta(hours=hours)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    sv, sr, spr = "2020-02-10", "c", "http"
    canon = "/blob/%s/%s" % (ACCOUNT, container)
    sts = "\n".join([perms, st, se, canon, "", "", spr, sv, sr, "",
                     "", "", "", "", ""])
    sig = base64.b64encode(hmac.new(base64.b64decode(KEY), sts.encode(),
                                    hashlib.sha256).digest()).decode()
    return urllib.parse.urlencode({"sv": sv, "st": st, "se": se, "sr": sr,
                                   "sp": perms, "spr": spr, "sig": sig})
