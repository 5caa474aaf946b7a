#!/usr/bin/python3
"""Counting IPFIX receiver for tests/bench/run.

Listens on 127.0.0.1 only, on a free port it picks itself and writes to
--port-file once it is ready.  Counts bytes, messages, data sets and data
records (template-aware: a data set holds floor(set body / record length)
records for fixed-length templates; variable-length ones are walked), and
the records the exporter says it sent: an IPFIX message's sequence number
(header bytes 8-11) is the number of data records sent before it in the
stream, so max(sequence number + records in the message) is the number sent
up to the last message received.  On SIGTERM / SIGINT it drains what is
queued (TCP: until every peer has closed, at most --drain seconds), prints
one JSON object on stdout and exits.  It also stops by itself after
--max-seconds, so a forgotten sink cannot linger.
"""

import argparse
import json
import os
import selectors
import signal
import socket
import ssl
import struct
import sys
import time

VARLEN = 65535
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)


class Counter:
    def __init__(self):
        self.bytes = 0
        self.messages = 0
        self.data_sets = 0
        self.records = 0  # all data records, flow and options
        self.options_records = 0
        self.records_no_template = 0  # sets whose template never came
        self.malformed = 0
        # (domain, id) -> (fixed length or None, field lengths, is options)
        self.templates = {}
        self.sent_by_seq = {}  # domain -> max(seq + records in message)

    def _template_set(self, domain, buf, off, end, options):
        while off + 4 <= end:
            tid, count = struct.unpack_from("!HH", buf, off)
            off += 4
            if tid < 256:
                break  # padding
            if count == 0:  # withdrawal
                self.templates.pop((domain, tid), None)
                continue
            if options:
                off += 2  # scope field count
            lengths = []
            for _ in range(count):
                ie, length = struct.unpack_from("!HH", buf, off)
                off += 8 if ie & 0x8000 else 4
                lengths.append(length)
            fixed = None if VARLEN in lengths else sum(lengths)
            self.templates[(domain, tid)] = (fixed, lengths, options)

    def _walk(self, buf, off, end, lengths):
        """Counts records of a template with variable-length fields."""
        n = 0
        while off < end:
            start = off
            for length in lengths:
                if length == VARLEN:
                    if off >= end:
                        return n
                    length = buf[off]
                    off += 1
                    if length == 255:
                        if off + 2 > end:
                            return n
                        length = struct.unpack_from("!H", buf, off)[0]
                        off += 2
                off += length
            if off > end or off == start:
                return n
            n += 1
        return n

    def message(self, buf, length):
        """One complete IPFIX message in buf[0:length]."""
        self.messages += 1
        self.bytes += length
        if length < 16:
            self.malformed += 1
            return
        version, _, _, seq, domain = struct.unpack_from("!HHIII", buf, 0)
        if version != 10:
            self.malformed += 1
            return
        off = 16
        in_message = 0
        while off + 4 <= length:
            sid, slen = struct.unpack_from("!HH", buf, off)
            if slen < 4 or off + slen > length:
                self.malformed += 1
                break
            body, end = off + 4, off + slen
            if sid == 2 or sid == 3:
                self._template_set(domain, buf, body, end, sid == 3)
            elif sid >= 256:
                self.data_sets += 1
                t = self.templates.get((domain, sid))
                if t is None:
                    self.records_no_template += 1
                else:
                    fixed, lengths, options = t
                    if fixed:
                        n = (end - body) // fixed
                    else:
                        n = self._walk(buf, body, end, lengths)
                    in_message += n
                    if options:
                        self.options_records += n
            off += slen
        self.records += in_message
        sent = seq + in_message
        if sent > self.sent_by_seq.get(domain, 0):
            self.sent_by_seq[domain] = sent

    def result(self, proto):
        return {
            "proto": proto,
            "bytes": self.bytes,
            "messages": self.messages,
            "data_sets": self.data_sets,
            "records": self.records,
            "options_records": self.options_records,
            "flow_records": self.records - self.options_records,
            "records_sent_by_seq": sum(self.sent_by_seq.values()),
            "sets_without_template": self.records_no_template,
            "malformed": self.malformed,
        }


class MemTls:
    """A server TLS session over a raw socket through memory BIOs.

    An SSLSocket reads each 16 KiB TLS record with its own system calls
    and wakes select() once per record; here one recv of up to 1 MiB
    feeds all the records in it.  The sink then costs about what it costs
    over plain TCP, so the benchmark times the exporter, not the sink.
    """

    def __init__(self, ctx, sock):
        self.sock = sock
        self.inb, self.outb = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inb, self.outb, server_side=True)
        sock.setblocking(True)
        while True:
            try:
                self.obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("closed during the handshake")
                self.inb.write(data)
        self._flush()           # the session tickets
        sock.setblocking(False)

    def _flush(self):
        """Sends what the session wrote: the handshake, tickets, the
        answer to close_notify (a few hundred bytes: sendall does not
        block on them even once the socket is non-blocking)."""
        data = self.outb.read()
        if data:
            self.sock.sendall(data)

    def fileno(self):
        return self.sock.fileno()

    def close(self):
        self.sock.close()

    def recv_into(self, view):
        """(bytes put into view, eof) from what the socket has;
        BlockingIOError when it has nothing yet.  Records are decrypted
        straight into view (SSLObject.read(n) would allocate n bytes a
        call, and a call gives one 16 KiB record)."""
        raw = self.sock.recv(1 << 20)
        if not raw:
            return 0, True
        self.inb.write(raw)
        got, eof = 0, False
        while got < len(view):
            try:
                n = self.obj.read(len(view) - got, view[got:])
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:  # close_notify
                eof = True
                break
            if not n:
                eof = True
                break
            got += n
        self._flush()
        return got, eof


def serve_tcp(sock, counter, stop, args, tls=None):
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ, None)
    peers = {}  # socket -> bytearray
    rbuf = bytearray(1 << 20)
    rview = memoryview(rbuf)
    deadline = time.monotonic() + args.max_seconds
    drain_until = None
    while time.monotonic() < deadline:
        if stop["now"] and drain_until is None:
            drain_until = time.monotonic() + args.drain
        if drain_until is not None and (
                not peers or time.monotonic() > drain_until):
            break
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            if s is sock:
                conn, _ = sock.accept()
                if not tls:
                    conn.setblocking(False)
                else:       # handshake blocking, then through memory BIOs
                    try:
                        conn = MemTls(tls, conn)
                    except (ssl.SSLError, ConnectionError, OSError) as e:
                        print("TLS handshake failed: %s" % e, file=sys.stderr)
                        conn.close()
                        continue
                peers[conn] = bytearray()
                sel.register(conn, selectors.EVENT_READ, None)
                continue
            try:
                # Into one reused buffer: a fresh 1 MiB bytes object per
                # call would cost more than the data, and the sink must
                # not be what the benchmark measures.
                if tls:
                    got, eof = s.recv_into(rview)
                else:
                    got = s.recv_into(rbuf)
                    eof = not got
                chunk = rview[:got]
            except (BlockingIOError, InterruptedError):
                continue
            except (ConnectionError, ssl.SSLError):
                chunk, eof = b"", True
            buf = peers[s]
            buf += chunk
            if eof:
                parse_messages(buf, counter)
                if buf:
                    counter.malformed += 1  # a truncated message at EOF
                sel.unregister(s)
                s.close()
                del peers[s]
                continue
            parse_messages(buf, counter)


def parse_messages(buf, counter):
    """Counts the whole messages at the start of buf and removes them."""
    view = memoryview(buf)
    off = 0
    while len(buf) - off >= 4:
        mlen = struct.unpack_from("!H", buf, off + 2)[0]
        if mlen < 16:  # cannot resynchronise a TCP stream
            counter.malformed += 1
            off = len(buf)
            break
        if len(buf) - off < mlen:
            break
        counter.message(view[off:off + mlen], mlen)
        off += mlen
    view.release()
    del buf[:off]


def serve_udp(sock, counter, stop, args):
    buf = bytearray(65535)
    sock.settimeout(0.1)
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        if stop["now"]:
            sock.setblocking(False)  # drain what is queued, then stop
        try:
            n = sock.recv_into(buf)
        except (socket.timeout, BlockingIOError, InterruptedError):
            if stop["now"]:
                break
            continue
        counter.message(buf, n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("proto", choices=("tcp", "udp", "tls"))
    ap.add_argument("--cert", help="TLS: server certificate (PEM)")
    ap.add_argument("--key", help="TLS: its key (PEM)")
    ap.add_argument("--port-file", required=True,
                    help="written (atomically) with the port once listening")
    ap.add_argument("--max-seconds", type=float, default=3600.0)
    ap.add_argument("--drain", type=float, default=10.0,
                    help="TCP: seconds to wait for peers to close "
                    "after SIGTERM")
    args = ap.parse_args()

    stop = {"now": False}

    def on_signal(signum, frame):
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    tls = None
    if args.proto == "tls":
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
    if args.proto in ("tcp", "tls"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # A big receive buffer so a burst does not count as loss; forcing
        # past rmem_max needs root, so fall back to the ordinary option.
        for opt in (SO_RCVBUFFORCE, socket.SO_RCVBUF):
            try:
                sock.setsockopt(socket.SOL_SOCKET, opt, 32 << 20)
                break
            except OSError:
                continue
    sock.bind(("127.0.0.1", 0))
    if args.proto in ("tcp", "tls"):
        sock.listen(8)
        sock.setblocking(False)
    port = sock.getsockname()[1]
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.rename(tmp, args.port_file)

    counter = Counter()
    if args.proto in ("tcp", "tls"):
        serve_tcp(sock, counter, stop, args, tls)
    else:
        serve_udp(sock, counter, stop, args)
    sock.close()
    json.dump(counter.result(args.proto), sys.stdout)
    sys.stdout.write("\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
