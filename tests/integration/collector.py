"""collector: a test IPFIX collector over TCP or TLS that can die.

Used by tcp_replay.py and tls_output.py. It reads raw bytes, cuts them into
IPFIX messages by their header length and decodes each with python3-ipfix
(templates with ipfix.template, data records with the template's own
decoder), counting data records by flow key: (template ID, the record python3-ipfix
decoded, as its bytes). An incomplete message at the end of a connection is dropped,
as a collector that dies would lose it.

It dies the way that tests the exporter and not the test (kill()):
  1. stops accepting (the listening socket is closed);
  2. shuts the connection down for reading and writing: from now on the
     kernel acknowledges no new data (data arriving after SHUT_RD in
     FIN_WAIT is answered with a reset), so what was acknowledged is
     exactly what is in the receive queue;
  3. reads that queue to its end and decodes it;
  4. closes with a reset (SO_LINGER 0).
A collector that dies with unread bytes would lose them, which no exporter
can know; this one reads every byte its kernel acknowledged.
"""

import collections
import os
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import ipfix  # noqa: E402  (python3-ipfix; fltest checks it is there)

OPTION_TIDS = (1280, 1281, 1282)    # interface, VRF options; RFC 5610 types


def listen(host, port=0):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(4)
    return s


class Decoder:
    """Messages to counts.  One per transport session (templates)."""

    def __init__(self):
        fltest.init_model()
        self.templates = {}
        self.keys = collections.Counter()
        self.records = 0            # data records (flows)
        self.options = 0            # options records
        self.order = []             # ('T', tid) / ('O', tid) / ('D', tid),
        self.messages = 0           # for the first few hundred sets
        self.error = None
        self.seqs = []              # (sequence, data records) per message

    def message(self, buf):
        msg = ipfix.message.MessageBuffer()
        msg.from_bytes(bytes(buf))
        self.messages += 1
        nrec = 0
        for (offset, setid, setlen) in msg.setlist:
            setend = offset + setlen
            offset += 4
            if setid in (2, 3):
                while offset + 4 <= setend:
                    tmpl, offset = ipfix.template.decode_template_from(
                        msg.mbuf, offset, setid)
                    self.templates[tmpl.tid] = tmpl
                    self._note("T", tmpl.tid)
                continue
            tmpl = self.templates.get(setid)
            if tmpl is None:
                raise RuntimeError("data set %d without a template on this "
                                   "connection (message %d)"
                                   % (setid, self.messages))
            opt = tmpl.scopecount > 0
            self._note("O" if opt else "D", setid)
            while offset + tmpl.minlength <= setend:
                start = offset
                _, offset = tmpl.decode_tuple_from(msg.mbuf, offset)
                nrec += 1
                if opt:
                    self.options += 1
                else:
                    # The key: the record python3-ipfix decoded, as its
                    # bytes (hashing the decoded addresses is slow).
                    self.records += 1
                    self.keys[(setid, bytes(msg.mbuf[start:offset]))] += 1
        self.seqs.append((msg.sequence, nrec))

    def _note(self, kind, tid):
        if len(self.order) < 400 and (not self.order
                                      or self.order[-1] != (kind, tid)):
            self.order.append((kind, tid))


def split_messages(buf, dec):
    """Decode every complete message at the start of buf; return the rest."""
    off = 0
    while len(buf) - off >= 16:
        version, length = struct.unpack_from("!HH", buf, off)
        if version != 10 or length < 16:
            raise RuntimeError("not an IPFIX message at byte %d "
                               "(version %d, length %d)"
                               % (off, version, length))
        if len(buf) - off < length:
            break
        dec.message(buf[off:off + length])
        off += length
    return buf[off:]


class Connection:
    def __init__(self, sock):
        self.sock = sock
        self.dec = Decoder()
        self.rest = b""
        self.closed_by_peer = False
        self.error = None

    def feed(self, data):
        self.rest = split_messages(self.rest + data, self.dec)


class Collector(threading.Thread):
    """Accepts connections one after the other on one port and decodes
    them.  kill_when(coll) is checked after every read of the first
    connection: when true the collector dies (see the module comment),
    stays down until reopen is set, then listens again on the same port.
    stall_when(coll): stop reading the first connection (full window)
    until the exporter is blocked, then die."""

    def __init__(self, host="127.0.0.1", tls=None, kill_when=None,
                 stall_when=None):
        super().__init__(daemon=True)
        self.host = host
        self.tls = tls                  # ssl.SSLContext (server) or None
        self.lsock = listen(host)
        self.port = self.lsock.getsockname()[1]
        self.kill_when = kill_when
        self.stall_when = stall_when
        self.conns = []
        self.killed = threading.Event()
        self.reopen = threading.Event()
        self.listening = threading.Event()
        self.done = threading.Event()
        self.stalled_bytes = 0
        self.error = None
        self.tls_errors = []
        self.stop = False

    def records(self):
        return sum(c.dec.records for c in self.conns)

    def _accept(self):
        self.lsock.settimeout(120)
        s, _ = self.lsock.accept()
        s.settimeout(120)
        if self.tls:
            try:
                s = self.tls.wrap_socket(s, server_side=True)
            except (ssl.SSLError, OSError) as e:
                self.tls_errors.append(repr(e))
                s.close()
                return None
        c = Connection(s)
        self.conns.append(c)
        return c

    def _recv(self, c):
        try:
            return c.sock.recv(262144)
        except ssl.SSLZeroReturnError:
            return b""
        except (ssl.SSLError, ConnectionResetError) as e:
            c.error = repr(e)
            return b""

    def _serve(self, c, dying=False):
        while True:
            data = self._recv(c)
            if not data:
                return
            c.feed(data)
            if dying:
                continue
            if self.killed.is_set():
                continue                # the second life: to the end
            if self.stall_when and self.stall_when(self):
                self._stall(c)
                return
            if self.kill_when and self.kill_when(self):
                self._kill(c)
                return

    def _stall(self, c):
        """Stop reading until the receive queue stops growing (the window
        is full and the exporter blocked), then die."""
        raw = c.sock
        last, same = -1, 0
        while same < 5:
            time.sleep(0.2)
            n = _inq(raw)
            same = same + 1 if n == last and n > 0 else 0
            last = n
        self.stalled_bytes = last
        self._kill(c)

    def _kill(self, c):
        self.lsock.close()                          # 1. stop accepting
        socket.socket.shutdown(c.sock, socket.SHUT_RDWR)   # 2. (raw fd)
        self._serve(c, dying=True)                  # 3. read what is acked
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack("ii", 1, 0))
        socket.socket.close(c.sock)                 # 4. reset
        self.killed.set()

    def run(self):
        try:
            c = None
            while c is None:
                self.listening.set()
                c = self._accept()
            self._serve(c)
            if self.killed.is_set():
                if not self.reopen.wait(120):
                    raise RuntimeError("reopen never requested")
                self.lsock = listen(self.host, self.port)
                self.listening.set()
                c = None
                while c is None:
                    c = self._accept()
                self._serve(c)
            if c.sock.fileno() >= 0:
                c.sock.close()
        except Exception as e:
            self.error = repr(e)
        finally:
            try:
                self.lsock.close()
            except OSError:
                pass
            self.done.set()


def _inq(sock):
    import fcntl
    import termios
    buf = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
    return struct.unpack("i", buf)[0]


def reference_keys(env, inp, what):
    """The flow keys of inp as the program writes them to a file, decoded
    the same way: what a collector must see at least once."""
    out = env.path(what + ".ref.ipfix")
    r = env.run("-o", out, inp, timeout=300)
    if r.returncode != 0:
        raise RuntimeError("reference run failed: %s" % r.stderr[-500:])
    dec = Decoder()
    with open(out, "rb") as f:
        rest = split_messages(f.read(), dec)
    os.unlink(out)
    if rest:
        raise RuntimeError("reference file ends inside a message")
    return dec.keys


def openssl(*args, cwd):
    import subprocess
    r = subprocess.run(("openssl",) + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args),
                                                r.stderr.decode()[-500:]))


def make_certs(d):
    """Certificates for the TLS tests, made with `openssl req` and
    `openssl x509` in directory d:
      ca.pem/ca.key        the test CA
      server.pem/.key      127.0.0.1 and localhost, signed by the CA
      wronghost.pem/.key   only wrong.example, signed by the CA
      expired.pem/.key     127.0.0.1, signed by the CA, expired
      selfsigned.pem/.key  127.0.0.1, signed by itself (untrusted)
      client.pem/.key      a client certificate signed by the CA
      rogue.pem/.key       a client certificate signed by another CA
      client-enc.key       client.key encrypted, pass phrase in pass.txt
    """
    def key_and_csr(name, cn):
        openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn,
                cwd=d)

    def sign(name, ca, san, days="30", extra=()):
        with open(os.path.join(d, name + ".ext"), "w") as f:
            f.write("subjectAltName=%s\n" % san if san else "")
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                "-CAkey", ca + ".key", "-CAcreateserial", "-out",
                name + ".pem", "-days", days, "-extfile", name + ".ext",
                *extra, cwd=d)

    for ca in ("ca", "otherca"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                ca + ".key", "-out", ca + ".pem", "-days", "30", "-subj",
                "/CN=flowlog2ipfix test " + ca, cwd=d)
    key_and_csr("server", "127.0.0.1")
    sign("server", "ca", "IP:127.0.0.1,DNS:localhost")
    key_and_csr("wronghost", "wrong.example")
    sign("wronghost", "ca", "DNS:wrong.example")
    key_and_csr("expired", "127.0.0.1")
    # `openssl x509` of OpenSSL 3.0 cannot backdate; `openssl ca` can:
    # valid for one day, ending yesterday.
    with open(os.path.join(d, "ca.cnf"), "w") as f:
        f.write("[ca]\ndefault_ca = test\n[test]\ndir = .\n"
                "database = index.txt\nnew_certs_dir = .\n"
                "serial = ca.srl\ndefault_md = sha256\npolicy = any\n"
                "copy_extensions = none\n[any]\ncommonName = supplied\n"
                "[ext]\nsubjectAltName = IP:127.0.0.1\n")
    open(os.path.join(d, "index.txt"), "w").close()
    day = 86400
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem",
            "-keyfile", "ca.key", "-in", "expired.csr", "-out",
            "expired.pem", "-notext", "-extensions", "ext", "-startdate",
            time.strftime("%Y%m%d%H%M%SZ", time.gmtime(time.time() - 2 * day)),
            "-enddate",
            time.strftime("%Y%m%d%H%M%SZ", time.gmtime(time.time() - day)),
            cwd=d)
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
            "selfsigned.key", "-out", "selfsigned.pem", "-days", "30",
            "-subj", "/CN=127.0.0.1", "-addext",
            "subjectAltName=IP:127.0.0.1", cwd=d)
    key_and_csr("client", "flowlog2ipfix client")
    sign("client", "ca", None)
    key_and_csr("rogue", "rogue client")
    sign("rogue", "otherca", None)
    with open(os.path.join(d, "pass.txt"), "w") as f:
        f.write("correct horse battery staple\n")
    openssl("pkey", "-in", "client.key", "-aes256", "-passout",
            "file:pass.txt", "-out", "client-enc.key", cwd=d)


def server_context(d, cert="server", client_ca=None, version=None):
    """A server ssl.SSLContext with d/cert.pem; client_ca: require a client
    certificate signed by it; version: ssl.TLSVersion to pin."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, cert + ".pem"),
                        os.path.join(d, cert + ".key"))
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(os.path.join(d, client_ca + ".pem"))
    if version:
        ctx.minimum_version = ctx.maximum_version = version
    return ctx
