#!/usr/bin/python3
"""tls_output: IPFIX over TLS to a Python ssl server, and every refusal.

Certificates are made by the test with `openssl req`, `openssl x509` and
`openssl ca` (collector.make_certs).

1. Delivery: a server with a certificate of the test CA, pinned to TLS 1.2
   and then to TLS 1.3, decodes the stream with python3-ipfix; every record
   is checked against the input (fltest.check_stream, the shared oracle).
   Also mutual TLS with a client certificate whose key is encrypted
   (--tls-key-pass-file): the pass phrase appears nowhere in -vv output.
2. Refusals, each with exit status 3, a message that names the reason,
   one connection attempt only (a certificate problem is not retried) and
   no data record accepted by the server:
   untrusted server certificate (self-signed; and the test CA without
   --tls-ca), wrong host name, expired certificate, and with a server that
   requires a client certificate: none given (TLS 1.2 and 1.3, where the
   refusal comes after the handshake) and one from another CA.
3. A wrong pass phrase: exit status 1 naming the key file.
"""

import os
import socket
import ssl
import sys
import threading

sys.dont_write_bytecode = True     # the source tree may be read-only
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import collector  # noqa: E402
from fltest import Expect  # noqa: E402


class Server(threading.Thread):
    """Accepts TLS connections until stopped; decodes what they carry."""

    def __init__(self, ctx):
        super().__init__(daemon=True)
        self.ctx = ctx
        self.lsock = collector.listen("127.0.0.1")
        self.port = self.lsock.getsockname()[1]
        self.accepts = 0
        self.events = []
        self.handshake_errors = []
        self.result = None

    def run(self):
        self.lsock.settimeout(0.2)
        while not getattr(self, "stopping", False):
            try:
                raw, _ = self.lsock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.accepts += 1
            raw.settimeout(30)
            try:
                s = self.ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.handshake_errors.append(str(e))
                raw.close()
                continue
            f = s.makefile("rb")
            try:
                for ev in fltest.iter_events(f):
                    self.events.append(ev)
                self.result = "eof"
            except Exception as e:
                self.result = "decode error: %r" % (e,)
            finally:
                f.close()
                s.close()

    def stop(self):
        self.stopping = True
        self.join(10)
        self.lsock.close()


def deliver(env, ck, certs, what, version, extra=(), client_ca=None):
    text = fltest.gen_text("v5", 800, 71)
    fields, rows = fltest.parse_flowlog(text)
    inp = env.write(what + ".log", text)
    srv = Server(collector.server_context(certs, client_ca=client_ca,
                                          version=version))
    srv.start()
    r = env.run("-vv", "-o", "tls://127.0.0.1:%d" % srv.port, "--tls-ca",
                os.path.join(certs, "ca.pem"), *extra, inp, timeout=120)
    srv.stop()
    err = r.stderr.decode(errors="replace")
    ck.eq(r.returncode, 0, "%s: exit status (stderr %s)" % (what, err[-800:]))
    ck.eq(srv.result, "eof", what + ": the server read the stream to its "
          "end without decoding errors")
    ck.eq(srv.handshake_errors, [], what + ": handshake errors")
    fltest.check_stream(ck, srv.events, Expect(fields), rows, what)
    return err


def refused(env, ck, certs, what, server_cert, host, expect, extra=(),
            client_ca=None, version=None, ca=True):
    inp = env.write(what + ".log", fltest.gen_text("v5", 50, 72))
    srv = Server(collector.server_context(certs, cert=server_cert,
                                          client_ca=client_ca,
                                          version=version))
    srv.start()
    args = ["-o", "tls://%s:%d" % (host, srv.port), "--reconnect-timeout",
            "30"]
    if ca:
        args += ["--tls-ca", os.path.join(certs, "ca.pem")]
    r = env.run(*args, *extra, inp, timeout=120)
    srv.stop()
    err = r.stderr.decode(errors="replace")
    fltest.log("  %s: exit %d: %s" % (what, r.returncode,
                                      err.strip().splitlines()[-1:]))
    ck.eq(r.returncode, 3, "%s: exit status 3 (stderr %s)" % (what, err))
    ck.check(expect in err, "%s: the error says %r" % (what, expect))
    ck.eq(srv.accepts, 1, what + ": one connection attempt (not retried)")
    ck.eq([e for e in srv.events if e.kind == "record" and not e.options],
          [], what + ": no data record reached the server")


def main(env):
    env.check()
    ck = fltest.Checker("tls_output")
    certs = env.path("certs")
    os.mkdir(certs)
    collector.make_certs(certs)
    c = lambda n: os.path.join(certs, n)  # noqa: E731

    deliver(env, ck, certs, "tls1.2", ssl.TLSVersion.TLSv1_2)
    deliver(env, ck, certs, "tls1.3", ssl.TLSVersion.TLSv1_3)
    err = deliver(env, ck, certs, "mutual", None,
                  ("--tls-cert", c("client.pem"), "--tls-key",
                   c("client-enc.key"), "--tls-key-pass-file",
                   c("pass.txt")), client_ca="ca")
    ck.check("battery staple" not in err, "mutual: the pass phrase is not "
             "in the -vv output")

    refused(env, ck, certs, "untrusted", "selfsigned", "127.0.0.1",
            "certificate was not accepted: self-signed certificate")
    refused(env, ck, certs, "no-tls-ca", "server", "127.0.0.1",
            "certificate was not accepted: unable to get local issuer",
            ca=False)
    refused(env, ck, certs, "wrong-host", "wronghost", "localhost",
            "certificate was not accepted: hostname mismatch")
    refused(env, ck, certs, "wrong-ip", "wronghost", "127.0.0.1",
            "certificate was not accepted: IP address mismatch")
    refused(env, ck, certs, "expired", "expired", "127.0.0.1",
            "certificate was not accepted: certificate has expired")
    for v, name, why in ((ssl.TLSVersion.TLSv1_2, "1.2", "alert 40"),
                         (ssl.TLSVersion.TLSv1_3, "1.3", "alert 116")):
        refused(env, ck, certs, "no-client-cert-" + name, "server",
                "127.0.0.1", "refused the session (" + why,
                client_ca="ca", version=v)
    refused(env, ck, certs, "rogue-client-cert", "server", "127.0.0.1",
            "refused the session (alert 48",
            ("--tls-cert", c("rogue.pem"), "--tls-key", c("rogue.key")),
            client_ca="ca", version=ssl.TLSVersion.TLSv1_3)

    inp = env.write("pass.log", fltest.gen_text("v5", 5, 73))
    bad = env.write("wrong-pass.txt", "not the pass phrase\n")
    r = env.run("-o", "tls://127.0.0.1:9", "--tls-cert", c("client.pem"),
                "--tls-key", c("client-enc.key"), "--tls-key-pass-file", bad,
                inp)
    err = r.stderr.decode(errors="replace")
    ck.eq(r.returncode, 1, "wrong pass phrase: exit status 1 (%s)" % err)
    ck.check("client-enc.key" in err, "wrong pass phrase: the error names "
             "the key file")
    ck.check("not the pass phrase" not in err, "wrong pass phrase: not "
             "echoed")
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
