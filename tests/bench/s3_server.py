#!/usr/bin/python3
"""s3_server: s3rver on 127.0.0.1 for `make bench`, with the benchmark's
objects in it.

  s3_server.py --data DIR --port-file FILE [--object KEY=PATH]...
               [--many N]

Starts s3rver (tests/npm, or FL_S3RVER) on a port it picks, in the data
directory DIR (kept between runs: a bucket already filled is reused), puts
each PATH as KEY in bucket "bench" unless an object of that size is there,
and with --many N fills bucket "many" once with N small flow-log objects in
the hourly key layout, 12 per hour (five-minute files), one account, one
region, plus the folder markers s3rver's delimiter listings need. Writes
the port to FILE, then serves until SIGTERM.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.dont_write_bytecode = True


def start(data):
    exe = os.environ.get("FL_S3RVER") or os.path.join(
        HERE, "..", "npm", "node_modules", ".bin", "s3rver")
    if not os.access(exe, os.X_OK):
        sys.exit("s3_server: s3rver not installed (npm ci in tests/npm)")
    env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
    p = subprocess.Popen([exe, "-s", "-d", data, "-a", "127.0.0.1", "-p",
                          "0"], env=env, stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    while line and "listening on" not in line:
        line = p.stdout.readline()
    if not line:
        sys.exit("s3_server: s3rver did not start")
    threading.Thread(target=p.stdout.read, daemon=True).start()
    return p, int(line.rsplit(":", 1)[1])


def client(port):
    import botocore.config
    import botocore.session
    return botocore.session.get_session().create_client(
        "s3", region_name="us-east-1",
        endpoint_url="http://127.0.0.1:%d" % port,
        aws_access_key_id="S3RVER", aws_secret_access_key="S3RVER",
        config=botocore.config.Config(s3={"addressing_style": "path"},
                                      max_pool_connections=16))


def ensure_bucket(c, name):
    try:
        c.head_bucket(Bucket=name)
        return False
    except Exception:
        c.create_bucket(Bucket=name)
        return True


def put_objects(c, objects):
    ensure_bucket(c, "bench")
    for spec in objects:
        key, path = spec.split("=", 1)
        size = os.path.getsize(path)
        try:
            if c.head_object(Bucket="bench", Key=key)["ContentLength"] == size:
                continue
        except Exception:
            pass
        with open(path, "rb") as f:
            c.put_object(Bucket="bench", Key=key, Body=f)


def many_keys(n):
    t0 = 1716595200 - (n // 12) * 300      # ends 2024-05-25T00:00Z
    keys = []
    for i in range(n):
        t = time.gmtime(t0 + i * 300)
        keys.append("AWSLogs/111122223333/vpcflowlogs/us-east-1/%s/"
                    "111122223333_vpcflowlogs_us-east-1_fl-0bench_%s_%06d"
                    ".log.gz" % (time.strftime("%Y/%m/%d/%H", t),
                                 time.strftime("%Y%m%dT%H%MZ", t), i))
    return keys


def fill_many(c, n):
    import gzip
    ensure_bucket(c, "many")
    try:
        c.head_object(Bucket="many", Key=".complete-%d" % n)
        return                                  # filled by an earlier run
    except Exception:
        pass
    keys = many_keys(n)
    markers = set()
    for k in keys:
        parts = k.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            markers.add("/".join(parts[:i]) + "/")
    body = gzip.compress(b"version account-id interface-id srcaddr dstaddr "
                         b"srcport dstport protocol packets bytes start end "
                         b"action log-status\n", mtime=0)
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda k: c.put_object(Bucket="many", Key=k, Body=body),
                    keys))
        list(ex.map(lambda k: c.put_object(Bucket="many", Key=k, Body=b""),
                    sorted(markers)))
    c.put_object(Bucket="many", Key=".complete-%d" % n, Body=b"")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--object", action="append", default=[])
    ap.add_argument("--many", type=int, default=0)
    a = ap.parse_args()
    os.makedirs(a.data, exist_ok=True)
    p, port = start(a.data)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        c = client(port)
        put_objects(c, a.object)
        if a.many:
            t = time.monotonic()
            fill_many(c, a.many)
            sys.stderr.write("s3_server: bucket 'many' ready (%.0f s)\n"
                             % (time.monotonic() - t))
        with open(a.port_file + ".part", "w") as f:
            f.write("%d\n" % port)
        os.rename(a.port_file + ".part", a.port_file)
        while not stop.wait(1):
            if p.poll() is not None:
                sys.exit("s3_server: s3rver died")
    finally:
        p.terminate()
        p.wait()


if __name__ == "__main__":
    main()
