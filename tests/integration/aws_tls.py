#!/usr/bin/python3
"""aws_tls: TLS of the AWS requests, through the real binary, against the
fake S3 of aws_fake.py served over https on 127.0.0.1.

The test makes its own CA and two server certificates with the openssl
CLI: one for IP 127.0.0.1 (subjectAltName IP:127.0.0.1), one for the
wrong name (DNS:wrong.example, also its CN), both signed by that CA, and
serves one flow-log object from two https fakes, one with each
certificate.  Controls (openssl verify; a python ssl client) show the
certificates are what they claim, so a failure below is the program's.

1. --endpoint-url https://127.0.0.1:PORT --ca-bundle CA: exit 0, the
   object's records out (decoded and compared with the lines), every
   request SigV4-checked by botocore, every handshake good.
2. The same without --ca-bundle (the system's CAs, which do not hold the
   test CA): exit 2, libcurl's "SSL certificate problem" in the message
   with the s3:// URL, the server saw the handshake refused by the client
   (an alert, no request reached a handler).
3. The wrong-name certificate with the right CA: exit 2, libcurl's host
   name mismatch in the message; the handshake itself succeeded (the CA
   is right), yet no request was sent.
4. --ca-bundle /nonexistent: refused at start-up (exit 1, a
   configuration error), the message names the file; no request reached
   a handler.
(2 and 3 are not retried: a certificate does not get better; the
message says "not retried" and the server saw one handshake per request.)
5. Credentials over https (AWS_CONTAINER_CREDENTIALS_FULL_URI=
   https://127.0.0.1:PORT/creds, no keys in the environment): with
   --ca-bundle the container endpoint is asked once and every S3 request
   carries its session token (the fake requires it), so the credentials'
   HTTP client uses --ca-bundle too; without --ca-bundle, and with the
   wrong-name server, the credentials fetch fails on the certificate
   (exit 1, as for credentials not found), naming the source, and no
   request reaches either handler.

Failing handshakes are waited for on the server side (settled_handshakes:
every accepted connection has its verdict), never slept for.

Exit status: 0 pass, 1 fail, 77 skip (no openssl CLI, botocore or
python3-ipfix).
"""

import gzip
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import aws_fake  # noqa: E402
import s3test  # noqa: E402
from fltest import Expect  # noqa: E402

BUCKET = "flt-tls"
PREFIX = "tls/"
FIELDS = fltest.V5_GEN_FIELDS
LINES = 25
DAY = 1716595200            # 2024-05-25T00:00:00Z
TOKEN = "IQoJb3JpZ2luX2VjEFakeContainerSessionToken+tls/test="

# libcurl's wording (OpenSSL backend): lib/vtls/openssl.c
NOT_VERIFIED = "SSL certificate problem"
NO_ISSUER = "unable to get local issuer certificate"
WRONG_NAME = "no alternative certificate subject name matches"


def openssl(ck, d, *args):
    r = subprocess.run(["openssl"] + list(args), cwd=d,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode != 0:
        fltest.die("openssl %s: %s" % (" ".join(args),
                                       r.stderr.decode(errors="replace")))
    return r.stdout.decode()


def make_pki(ck, d):
    """CA, a certificate for 127.0.0.1 and one for wrong.example, in d."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
          "-nodes"]
    openssl(ck, d, "req", "-x509", *ec, "-keyout", "ca.key", "-out",
            "ca.pem", "-days", "2", "-subj", "/CN=flowlog2ipfix test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    for name, cn, san, serial in (("good", "127.0.0.1", "IP:127.0.0.1", "2"),
                                  ("wrong", "wrong.example",
                                   "DNS:wrong.example", "3")):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("basicConstraints=CA:FALSE\n"
                    "keyUsage=critical,digitalSignature\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=%s\n" % san)
        openssl(ck, d, "req", *ec, "-keyout", name + ".key", "-out",
                name + ".csr", "-subj", "/CN=" + cn)
        openssl(ck, d, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem",
                "-CAkey", "ca.key", "-set_serial", serial, "-days", "2",
                "-extfile", name + ".ext", "-out", name + ".pem")
        out = openssl(ck, d, "verify", "-CAfile", "ca.pem", name + ".pem")
        ck.check(out.strip().endswith(": OK"),
                 "control: openssl verify %s.pem against the CA" % name)
    text = openssl(ck, d, "x509", "-in", "good.pem", "-noout", "-ext",
                   "subjectAltName")
    ck.check("IP Address:127.0.0.1" in text,
             "control: good.pem's subjectAltName is IP:127.0.0.1")


def server_context(d, name):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, name + ".pem"),
                        os.path.join(d, name + ".key"))
    return ctx


def python_handshake(port, ca, check_hostname):
    """None when a python ssl client verifies the server with ca, else
    the error."""
    ctx = ssl.create_default_context(cafile=ca)
    ctx.check_hostname = check_hostname
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="127.0.0.1"):
                return None
    except (ssl.SSLError, OSError) as e:
        return str(e)


def flow_text():
    return " ".join(FIELDS) + "\n" + "\n".join(
        fltest.gen_lines(FIELDS, LINES, seed=4242, t0=DAY + 600)) + "\n"


class T:
    def __init__(self, env, ck):
        self.env, self.ck = env, ck
        self.n = 0

    def run(self, srv, args, env_extra=None, keys=True, timeout=120):
        """One run against srv; (CompletedProcess with .err, stats)."""
        self.n += 1
        sj = self.env.path("stats%d.json" % self.n)
        c = self.env.cmd("--endpoint-url", srv.url, "--stats-json", sj,
                         "--max-attempts", "2", *args)
        e = aws_fake.aws_env(env_extra)
        # libcurl honours proxies from the environment; OpenSSL its
        # default CA locations: neither may come from the developer's.
        for k in ("http_proxy", "https_proxy", "HTTPS_PROXY", "ALL_PROXY",
                  "all_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR",
                  "CURL_CA_BUNDLE"):
            e.pop(k, None)
        if not keys:
            del e["AWS_ACCESS_KEY_ID"], e["AWS_SECRET_ACCESS_KEY"]
        fltest.log("$ " + " ".join(c))
        t0 = time.monotonic()
        try:
            r = subprocess.run(c, env=e, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=timeout)
        except subprocess.TimeoutExpired as x:
            self.ck.check(False, "run did not end within %d s" % timeout)
            r = subprocess.CompletedProcess(c, -999, x.stdout or b"",
                                            x.stderr or b"")
        r.err = r.stderr.decode(errors="replace")
        fltest.log("  exit %d in %.1f s%s" % (
            r.returncode, time.monotonic() - t0,
            ("; stderr: " + r.err[-800:]) if r.err else ""))
        st = None
        if os.path.exists(sj):
            try:
                st = fltest.load_json(sj)
            except Exception:
                st = None
        return r, st

    def check_records(self, out, st, what):
        ck = self.ck
        ck.eq(st and st["records_out"], LINES, what + ": records_out")
        fields, rows = fltest.parse_flowlog(flow_text())
        try:
            events = fltest.read_events(out)
        except Exception as e:
            ck.check(False, "%s: output decodes (%s)" % (what, e))
            return
        fltest.check_stream(ck, events, Expect(fields), rows, what)

    def refused(self, srvs, r, what, words, status=2):
        """A run that must fail before any request reached a handler."""
        ck = self.ck
        ck.eq(r.returncode, status, what + ": exit status %d" % status)
        for w in words:
            ck.check(w in r.err, "%s: the message says %r" % (what, w))
        for s, m in srvs:
            ck.eq([(x.op, x.path) for x in s.requests[m:]], [],
                  "%s: no request reached %s's handler" % (what, s.url))


def marks(*srvs):
    return [(s, s.mark()) for s in srvs]


def main(env):
    env.check()
    if shutil.which("openssl") is None:
        fltest.die("no openssl CLI to make the test certificates",
                   fltest.SKIP)
    ck = fltest.Checker("aws_tls")
    t = T(env, ck)
    pki = env.path("pki")
    os.makedirs(pki)
    make_pki(ck, pki)
    ca = os.path.join(pki, "ca.pem")

    key = s3test.key_for("plain", DAY, tag="tls0", top=PREFIX + "AWSLogs")
    url = "s3://%s/%s" % (BUCKET, PREFIX)
    good = aws_fake.FakeAws(tls=server_context(pki, "good"))
    wrong = None
    try:
        wrong = aws_fake.FakeAws(tls=server_context(pki, "wrong"))
        for s in (good, wrong):
            s.put(BUCKET, key, gzip.compress(flow_text().encode(), mtime=0))
        ck.check(good.url.startswith("https://127.0.0.1:"),
                 "the fake's URL is https://127.0.0.1:PORT (%s)" % good.url)

        # Controls: python's ssl client trusts good with the CA, and
        # wrong's only fault is its name.
        ck.eq(python_handshake(good.port, ca, True), None,
              "control: python verifies good's certificate for 127.0.0.1")
        ck.eq(python_handshake(wrong.port, ca, False), None,
              "control: python verifies wrong's chain (name unchecked)")
        e = python_handshake(wrong.port, ca, True)
        ck.check(e is not None and "match" in e,
                 "control: python refuses wrong's name (%s)" % e)
        e = python_handshake(good.port, None, True)
        ck.check(e is not None and "CERTIFICATE_VERIFY_FAILED" in e,
                 "control: the system's CAs do not trust the test CA (%s)"
                 % e)

        # 1. the right CA
        what = "--ca-bundle CA"
        (m, h) = (good.mark(), len(good.settled_handshakes()))
        out = env.path("ok.ipfix")
        r, st = t.run(good, ["--ca-bundle", ca, "-o", out, url])
        ck.eq(r.returncode, 0, what + ": exit status")
        reqs = good.requests[m:]
        ck.eq(sorted((x.op, x.status, x.verdict) for x in reqs),
              [("get", 200, "ok"), ("list", 200, "ok")],
              what + ": one listing, one get, SigV4 right, over https")
        hs = good.settled_handshakes()[h:]
        ck.check(hs and all(ok for ok, _ in hs),
                 what + ": every handshake good (%s)" % hs)
        t.check_records(out, st, what)

        # 2. no --ca-bundle: the system's CAs
        what = "no --ca-bundle"
        ms, h = marks(good), len(good.settled_handshakes())
        r, st = t.run(good, ["-o", env.path("noca.ipfix"), url])
        t.refused(ms, r, what, [NOT_VERIFIED, NO_ISSUER, url,
                                "not retried"])
        hs = good.settled_handshakes()[h:]
        ck.eq(len(hs), 1, what + ": one handshake, not retried")
        ck.check(hs and all(not ok and "unknown ca" in err.lower()
                            for ok, err in hs),
                 what + ": the server saw each handshake refused by the "
                 "client with an unknown-CA alert (%s)" % hs)
        ck.check(st is not None and st["records_out"] == 0,
                 what + ": no records out")

        # 3. the wrong name, the right CA
        what = "wrong name"
        ms, h = marks(wrong), len(wrong.settled_handshakes())
        r, _ = t.run(wrong, ["--ca-bundle", ca, "-o",
                             env.path("wrong.ipfix"), url])
        t.refused(ms, r, what, [WRONG_NAME, "127.0.0.1", url])
        ck.check(NOT_VERIFIED not in r.err,
                 what + ": not reported as an untrusted certificate")
        hs = wrong.settled_handshakes()[h:]
        ck.check(hs and all(ok for ok, _ in hs),
                 what + ": the handshakes completed (the chain is good), "
                 "the client hung up on the name (%s)" % hs)

        # 4. a CA bundle that does not exist
        what = "--ca-bundle /nonexistent"
        ms = marks(good)
        r, _ = t.run(good, ["--ca-bundle", "/nonexistent", "-o",
                            env.path("nofile.ipfix"), url])
        t.refused(ms, r, what, ["--ca-bundle: '/nonexistent' is not a "
                                "readable file"], status=1)

        # 5. credentials from a container endpoint over https
        exp = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        creds = {"AccessKeyId": aws_fake.AKID,
                 "SecretAccessKey": aws_fake.SECRET, "Token": TOKEN,
                 "Expiration": exp}
        for s in (good, wrong):
            s.container_creds["/creds"] = creds
            s.session_token = TOKEN

        what = "container credentials over https, --ca-bundle CA"
        m = good.mark()
        out = env.path("cont.ipfix")
        r, st = t.run(good, ["--ca-bundle", ca, "-o", out, url], keys=False,
                      env_extra={"AWS_CONTAINER_CREDENTIALS_FULL_URI":
                                 good.url + "/creds"})
        ck.eq(r.returncode, 0, what + ": exit status")
        reqs = good.requests[m:]
        ck.eq(sorted((x.op, x.status, x.verdict) for x in reqs),
              [("container", 200, "ok"), ("get", 200, "ok"),
               ("list", 200, "ok")],
              what + ": the endpoint asked once; S3 requests signed with "
              "its keys and its token")
        t.check_records(out, st, what)

        what = "container credentials over https, no --ca-bundle"
        ms, h = marks(good), len(good.settled_handshakes())
        r, _ = t.run(good, ["-o", env.path("cont-noca.ipfix"), url],
                     keys=False, env_extra={
                         "AWS_CONTAINER_CREDENTIALS_FULL_URI":
                         good.url + "/creds"})
        ck.eq(r.returncode, 1, what + ": exit status 1 (credentials)")
        for w in ("container credentials", NOT_VERIFIED):
            ck.check(w in r.err, "%s: the message says %r" % (what, w))
        ck.eq([(x.op, x.path) for x in good.requests[ms[0][1]:]], [],
              what + ": no request reached the handler")
        hs = good.settled_handshakes()[h:]
        ck.check(hs and all(not ok and "unknown ca" in err.lower()
                            for ok, err in hs),
                 what + ": every handshake refused by the client (%s)" % hs)

        what = "container credentials, wrong name"
        ms = marks(good, wrong)
        r, _ = t.run(good, ["--ca-bundle", ca, "-o",
                            env.path("cont-wrong.ipfix"), url], keys=False,
                     env_extra={"AWS_CONTAINER_CREDENTIALS_FULL_URI":
                                wrong.url + "/creds"})
        ck.eq(r.returncode, 1, what + ": exit status 1 (credentials)")
        for w in ("container credentials", WRONG_NAME):
            ck.check(w in r.err, "%s: the message says %r" % (what, w))
        for s, m in ms:
            ck.eq([(x.op, x.path) for x in s.requests[m:]], [],
                  "%s: no request reached %s's handler" % (what, s.url))
    finally:
        good.stop()
        if wrong is not None:
            wrong.stop()
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
