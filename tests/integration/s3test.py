"""s3test: an S3 server for the tests (s3rver, the npm package, run on
127.0.0.1 with signature checking on) and what the S3 tests share.

s3rver checks every request's SigV4 signature against its one key pair
(S3RVER / S3RVER). Objects are put with botocore (Debian's
python3-botocore), an independent S3 client, never with our program.
"""

import gzip
import os
import re
import shutil
import subprocess
import threading

import fltest

KEY_ID = SECRET = "S3RVER"


def s3rver_path(env):
    p = os.environ.get("FL_S3RVER") or os.path.join(
        env.srcdir, "tests", "npm", "node_modules", ".bin", "s3rver")
    return p if os.access(p, os.X_OK) else None


class S3rver:
    """s3rver on 127.0.0.1, on a port it picks; its request log is kept
    (one line per request) so tests can see which prefixes were listed."""

    def __init__(self, env, name="s3rver"):
        exe = s3rver_path(env)
        if exe is None:
            fltest.die("s3rver not installed (tests/run-suite installs it "
                       "with npm ci in tests/npm; or set FL_S3RVER)",
                       fltest.SKIP)
        self.dir = env.path(name)
        os.makedirs(self.dir, exist_ok=True)
        # s3rver 3.7.1 makes continuation tokens with a cipher that the
        # OpenSSL 3 of Node.js 17+ only has in its legacy provider.
        env_ = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        self.proc = subprocess.Popen(
            [exe, "-d", self.dir, "-a", "127.0.0.1", "-p", "0"], env=env_,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines = []
        self.lock = threading.Lock()
        self.port = None
        ready = threading.Event()

        def pump():
            for line in self.proc.stdout:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
                if m and not self.port:
                    self.port = int(m.group(1))
                    ready.set()
                with self.lock:
                    self.lines.append(line.rstrip("\n"))
            ready.set()

        self.thread = threading.Thread(target=pump, daemon=True)
        self.thread.start()
        if not ready.wait(30) or not self.port:
            self.stop()
            fltest.die("s3rver did not start: %s" % "\n".join(self.lines))
        self.url = "http://127.0.0.1:%d" % self.port

    def client(self, secret=SECRET):
        import botocore.config
        import botocore.session
        s = botocore.session.get_session()
        return s.create_client(
            "s3", region_name="us-east-1", endpoint_url=self.url,
            aws_access_key_id=KEY_ID, aws_secret_access_key=secret,
            config=botocore.config.Config(s3={"addressing_style": "path"}))

    def mark(self):
        with self.lock:
            return len(self.lines)

    def log_since(self, mark):
        with self.lock:
            return list(self.lines[mark:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def aws_env(extra=None):
    """fltest.aws_env with this server's keys."""
    return fltest.aws_env(KEY_ID, SECRET, extra)


def run(env, args, aws=None, timeout=120):
    c = env.cmd(*args)
    fltest.log("$ " + " ".join(c))
    return subprocess.run(c, env=aws_env(aws), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


# Key layouts (AWS's four) of one object, by time t (a Unix time).
def key_for(layout, t, account="111122223333", region="us-east-1",
            flow_log="fl-0a1b2c3d", tag="x", suffix=".log.gz", top="AWSLogs"):
    import time as _t
    g = _t.gmtime(t)
    stamp = _t.strftime("%Y%m%dT%H%MZ", g)
    name = "%s_vpcflowlogs_%s_%s_%s_%s%s" % (account, region, flow_log,
                                             stamp, tag, suffix)
    y, mo, d, h = (_t.strftime(f, g) for f in ("%Y", "%m", "%d", "%H"))
    if layout == "plain":
        p = "%s/%s/vpcflowlogs/%s/%s/%s/%s/" % (top, account, region, y, mo, d)
    elif layout == "hourly":
        p = "%s/%s/vpcflowlogs/%s/%s/%s/%s/%s/" % (top, account, region, y,
                                                   mo, d, h)
    elif layout == "hive":
        p = ("%s/aws-account-id=%s/aws-service=vpcflowlogs/aws-region=%s/"
             "year=%s/month=%s/day=%s/" % (top, account, region, y, mo, d))
    elif layout == "hive-hourly":
        p = ("%s/aws-account-id=%s/aws-service=vpcflowlogs/aws-region=%s/"
             "year=%s/month=%s/day=%s/hour=%s/" % (top, account, region, y,
                                                   mo, d, h))
    else:
        raise ValueError(layout)
    return p + name


def folder_markers(keys):
    """The "folder" objects (KEY/ with no body, as the S3 console makes
    them) of every prefix of keys.  s3rver 3.7.1 rolls up CommonPrefixes
    only from keys one level below the listed prefix; with markers its
    delimiter listings are complete. Real S3 needs none; the walker
    skips them as keys that are not flow logs."""
    out = set()
    for k in keys:
        parts = k.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]) + "/")
    return sorted(out)


def gz(text):
    return gzip.compress(text.encode(), mtime=0)


def ipfix_without_export_times(data):
    """The IPFIX byte stream with every message's export time zeroed: two
    runs of the same input must then be byte-identical."""
    out = bytearray(data)
    pos = 0
    while pos + 16 <= len(out):
        ln = (out[pos + 2] << 8) | out[pos + 3]
        if ln < 16:
            raise ValueError("bad message length %d at %d" % (ln, pos))
        out[pos + 4:pos + 8] = b"\0\0\0\0"
        pos += ln
    if pos != len(out):
        raise ValueError("trailing %d bytes" % (len(out) - pos))
    return bytes(out)


def list_prefixes(log_lines, bucket):
    """Prefixes of the ListObjects requests, from s3rver's log lines
    'Fetched bucket "B" with options {...}'."""
    import json
    out = []
    pat = re.compile(r'Fetched bucket "%s" with options (\{.*\})'
                     % re.escape(bucket))
    for line in log_lines:
        m = pat.search(line)
        if m:
            out.append(json.loads(m.group(1)).get("prefix") or "")
    return out
