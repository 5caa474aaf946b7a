#!/usr/bin/python3
"""aws_credentials: the AWS credentials chain of src/aws/credentials.c,
driven through tests/aws_cred_probe against a fake AWS on 127.0.0.1.

One loopback HTTP server (port picked by the kernel) plays three parts:
  - the ECS/EKS container endpoint (GET /ecs/creds): the Authorization
    header must equal the token the server expects (401 otherwise);
  - EC2 instance metadata, IMDSv2: PUT /latest/api/token with the TTL
    header gives a token; the role list and the role's credentials
    answer 401 without that token;
  - STS: POST / with Action=AssumeRoleWithWebIdentity, Version,
    RoleArn, RoleSessionName and the WebIdentityToken, answered in XML.
Token files are rotated by the server after every use, so a source that
does not re-read its file on renewal fails.  Every answer is short-lived
(Expiration 6 minutes ahead: kept; 4 minutes ahead: renewed on every
get), and the server counts requests so caching and renewal are checked
by what reached it.

Covered: each source alone (environment, profile credentials file,
credential_process, web identity, container with a token file and with a
token variable, instance metadata); precedence (environment > profile >
container > instance metadata; web identity > profile; a profile with a
region only falls through); renewal failure with keys still valid (a
warning, the old keys); a container URI that is not allowed; a wrong
container token; "nothing found" (metadata unreachable, fast; and
disabled); with fl_log_init(3) (the program's -vv) no secret or token
reaches stderr.  HOME is a scratch directory: ~/.aws is never read.

Exit status: 0 pass, 1 fail, 77 skip.
"""

import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402

ROLE_ARN = "arn:aws:iam::111122223333:role/flowlog-test"
IMDS_ROLE = "flowlog-test-role"
CK = fltest.Checker("aws_credentials")
log = fltest.log
check = CK.check


def expiration(seconds):
    t = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class State:
    """What the fake AWS expects and what it saw."""

    def __init__(self, tmp):
        self.lock = threading.Lock()
        self.counts = {}
        self.exp_offset = 360
        self.fail_after = None      # kind -> answers before 500s
        self.ecs_token = "ecs-auth-token-0"
        self.ecs_token_file = os.path.join(tmp, "ecs-token")
        self.web_token = "web-identity-token-0"
        self.web_token_file = os.path.join(tmp, "web-token")
        self.imds_tokens = set()
        self.secrets = set()
        self.rotate = 0

    def reset(self):
        with self.lock:
            self.counts = {}
            self.imds_off = False       # as EC2 answers with IMDS off
            self.exp_offset = 360
            self.fail_after = None
            self.rotate += 1
            self.ecs_token = "ecs-auth-token-%d-%d" % (self.rotate, 0)
            self.web_token = "web-identity-token-%d-%d" % (self.rotate, 0)
            write(self.ecs_token_file, self.ecs_token + "\n")
            write(self.web_token_file, self.web_token + "\n")
            self.secrets.update([self.ecs_token, self.web_token])

    def bump(self, kind):
        """Counts a request; returns its number (1 = first)."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return self.counts[kind]

    def failing(self, kind):
        return (self.fail_after is not None and
                self.counts.get(kind, 0) > self.fail_after)

    def keys(self, prefix, n):
        secret = "%s-SECRET-%d-%d" % (prefix, self.rotate, n)
        token = "%s-SESSIONTOKEN-%d-%d" % (prefix, self.rotate, n)
        self.secrets.update([secret, token])
        return ("ASIA%s%d" % (prefix, n), secret, token,
                expiration(self.exp_offset))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n).decode() if n else ""

    def do_PUT(self):
        st = self.server.state
        self.body()
        with st.lock:
            if self.path != "/latest/api/token":
                return self.answer(404, "{}")
            if st.imds_off:
                st.bump("imds-token-403")
                return self.answer(403, "", "text/plain")
            if self.headers.get("X-aws-ec2-metadata-token-ttl-seconds") \
                    != "21600":
                return self.answer(400, "missing TTL", "text/plain")
            n = st.bump("imds-token")
            tok = "IMDSTOKEN-%d-%d" % (st.rotate, n)
            st.imds_tokens.add(tok)
            st.secrets.add(tok)
            return self.answer(200, tok, "text/plain")

    def do_GET(self):
        st = self.server.state
        with st.lock:
            if self.path == "/ecs/creds":
                return self.container(st)
            if self.path.startswith("/latest/meta-data/iam/"
                                    "security-credentials/"):
                return self.imds(st)
            return self.answer(404, "{}")

    def container(self, st):
        n = st.bump("container")
        if self.headers.get("Authorization") != st.ecs_token:
            return self.answer(401, '{"code":"AccessDenied","message":'
                               '"bad authorization token"}')
        if st.failing("container"):
            return self.answer(500, '{"code":"Broken","message":"test"}')
        # A new token for the next request, as EKS Pod Identity rotates.
        st.ecs_token = "ecs-auth-token-%d-%d" % (st.rotate, n)
        st.secrets.add(st.ecs_token)
        write(st.ecs_token_file, st.ecs_token + "\n")
        kid, secret, token, exp = st.keys("CONTAINER", n)
        return self.answer(200, '{"AccessKeyId":"%s","SecretAccessKey":'
                           '"%s","Token":"%s","Expiration":"%s"}'
                           % (kid, secret, token, exp))

    def imds(self, st):
        if self.headers.get("X-aws-ec2-metadata-token") \
                not in st.imds_tokens:
            st.bump("imds-401")
            return self.answer(401, "", "text/plain")
        rest = self.path[len("/latest/meta-data/iam/"
                             "security-credentials/"):]
        if rest == "":
            st.bump("imds-role")
            return self.answer(200, IMDS_ROLE + "\nother-role\n",
                               "text/plain")
        if rest != IMDS_ROLE:
            return self.answer(404, "", "text/plain")
        n = st.bump("imds")
        kid, secret, token, exp = st.keys("IMDS", n)
        return self.answer(200, '{"Code":"Success","LastUpdated":"%s",'
                           '"Type":"AWS-HMAC","AccessKeyId":"%s",'
                           '"SecretAccessKey":"%s","Token":"%s",'
                           '"Expiration":"%s"}'
                           % (expiration(0), kid, secret, token, exp))

    def do_POST(self):
        st = self.server.state
        form = parse_qs(self.body(), keep_blank_values=True)
        f = {k: v[0] for k, v in form.items()}
        with st.lock:
            if self.path != "/":
                return self.answer(404, "")
            n = st.bump("sts")
            st.last_form = f
            if (f.get("Action") != "AssumeRoleWithWebIdentity" or
                    f.get("Version") != "2011-06-15" or
                    f.get("RoleArn") != ROLE_ARN or
                    not f.get("RoleSessionName")):
                return self.answer(400, sts_error("InvalidParameterValue",
                                                  repr(sorted(f))),
                                   "text/xml")
            if f.get("WebIdentityToken") != st.web_token:
                return self.answer(400, sts_error("InvalidIdentityToken",
                                                  "token not current"),
                                   "text/xml")
            st.web_token = "web-identity-token-%d-%d" % (st.rotate, n)
            st.secrets.add(st.web_token)
            write(st.web_token_file, st.web_token + "\n")
            kid, secret, token, exp = st.keys("STS", n)
            return self.answer(200, sts_ok(kid, secret, token, exp),
                               "text/xml")


def sts_ok(kid, secret, token, exp):
    return ("<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts."
            "amazonaws.com/doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult>"
            "<Credentials><SessionToken>%s</SessionToken><SecretAccessKey>%s"
            "</SecretAccessKey><Expiration>%s</Expiration><AccessKeyId>%s"
            "</AccessKeyId></Credentials><Audience>sts.amazonaws.com"
            "</Audience></AssumeRoleWithWebIdentityResult><ResponseMetadata>"
            "<RequestId>r</RequestId></ResponseMetadata>"
            "</AssumeRoleWithWebIdentityResponse>"
            % (escape(token), escape(secret), exp, kid))


def sts_error(code, msg):
    return ("<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>"
            "<Message>%s</Message></Error><RequestId>r</RequestId>"
            "</ErrorResponse>" % (code, escape(msg)))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


# -- the client ---------------------------------------------------------------

def probe_path():
    p = os.environ.get("FL_CRED_PROBE")
    if p:
        return p
    b = os.environ.get("G_TEST_BUILDDIR")
    if b:
        return os.path.join(b, "aws_cred_probe")
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "aws_cred_probe")


def closed_port():
    """A loopback port nobody listens on (bound, then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Run:
    def __init__(self, cp, elapsed):
        self.rc = cp.returncode
        self.out = cp.stdout.decode("utf-8", "replace")
        self.err = cp.stderr.decode("utf-8", "replace")
        self.elapsed = elapsed
        self.source = None
        self.keys = []
        for ln in self.out.splitlines():
            if ln.startswith("source "):
                self.source = ln[len("source "):]
            elif ln.startswith("key "):
                self.keys.append(ln[len("key "):])


class Tester:
    def __init__(self, base, state, tmp):
        self.base, self.state, self.tmp = base, state, tmp
        self.home = os.path.join(tmp, "home")
        os.makedirs(os.path.join(self.home, ".aws"))
        self.all_stderr = []

    def env(self, **extra):
        """A clean environment: no AWS_* of the caller, HOME in scratch,
        instance metadata at an unused loopback port unless given."""
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("AWS_")}
        e["HOME"] = self.home
        e["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = \
            "http://127.0.0.1:%d" % closed_port()
        e.update({k: v for k, v in extra.items() if v is not None})
        return e

    def run(self, what, env, *args, gets=1):
        cmd = [probe_path(), "-v", "3", "--gets", str(gets)] + list(args)
        t0 = time.monotonic()
        cp = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, timeout=60)
        r = Run(cp, time.monotonic() - t0)
        self.all_stderr.append((what, r.err))
        if r.rc != 0 and not what.startswith("error"):
            log("  %s: exit %d, stderr:\n%s" % (what, r.rc, r.err))
        return r

    def files(self, config=None, credentials=None):
        for name, text in (("config", config), ("credentials", credentials)):
            p = os.path.join(self.home, ".aws", name)
            if text is None:
                if os.path.exists(p):
                    os.remove(p)
            else:
                write(p, text)

    def ok(self, what, r, source, keys):
        check(r.rc == 0, "%s: exit 0 (got %d)" % (what, r.rc))
        check(r.source == source, "%s: source %r, got %r"
              % (what, source, r.source))
        check(r.keys == keys, "%s: keys %r, got %r" % (what, keys, r.keys))

    def counts(self, what, want):
        got = {k: self.state.counts.get(k, 0) for k in want}
        check(got == want, "%s: server counts %r, got %r"
              % (what, want, self.state.counts))


def single_sources(t):
    st = t.state
    # environment
    st.reset()
    t.files()
    st.secrets.update(["envsecret/+=", "envsessiontoken"])
    r = t.run("environment", t.env(AWS_ACCESS_KEY_ID="AKIDENV",
                                   AWS_SECRET_ACCESS_KEY="envsecret/+=",
                                   AWS_SESSION_TOKEN="envsessiontoken"))
    t.ok("environment", r, "environment", ["AKIDENV"])
    check("token yes" in r.out, "environment: session token passed on")

    # profile, credentials file
    st.secrets.add("filesecret")
    t.files(credentials="; keys\n[default]\naws_access_key_id = AKIDFILE\n"
            "aws_secret_access_key = filesecret\n")
    r = t.run("profile", t.env())
    t.ok("profile", r, "profile default", ["AKIDFILE"])
    check("token no" in r.out, "profile: no session token")

    # credential_process, named by AWS_PROFILE, in the config file
    script = os.path.join(t.tmp, "cred-process.sh")
    st.secrets.add("processsecret")
    write(script, "#!/bin/sh\nprintf '%s'\n" % (
        '{"Version":1,"AccessKeyId":"AKIDPROC","SecretAccessKey":'
        '"processsecret","SessionToken":"processtoken","Expiration":"%s"}'
        % expiration(3600)))
    st.secrets.add("processtoken")
    os.chmod(script, 0o755)
    t.files(config="[profile proc]\ncredential_process = %s\n" % script)
    r = t.run("credential_process", t.env(AWS_PROFILE="proc"))
    t.ok("credential_process", r, "profile proc", ["AKIDPROC"])


def web_identity(t):
    st = t.state
    st.reset()
    t.files()
    env = t.env(AWS_WEB_IDENTITY_TOKEN_FILE=st.web_token_file,
                AWS_ROLE_ARN=ROLE_ARN, AWS_ROLE_SESSION_NAME="fl-test",
                AWS_ENDPOINT_URL_STS=t.base)
    r = t.run("web identity", env, gets=2)
    t.ok("web identity", r, "web identity " + ROLE_ARN,
         ["ASIASTS1", "ASIASTS1"])
    t.counts("web identity, 6 min left: cached", {"sts": 1})
    check(st.last_form.get("RoleSessionName") == "fl-test",
          "web identity: AWS_ROLE_SESSION_NAME sent")
    # 4 minutes left: renewed on every get, with the rotated token file.
    st.reset()
    st.exp_offset = 240
    env["AWS_ROLE_SESSION_NAME"] = None
    r = t.run("web identity renewed",
              {k: v for k, v in env.items() if v is not None}, gets=2)
    t.ok("web identity renewed", r, "web identity " + ROLE_ARN,
         ["ASIASTS2", "ASIASTS3"])
    t.counts("web identity, 4 min left: renewed", {"sts": 3})
    check(st.last_form.get("RoleSessionName", "").startswith(
        "flowlog2ipfix-"), "web identity: a session name of our own")
    # AWS_ENDPOINT_URL serves when AWS_ENDPOINT_URL_STS is not set.
    st.reset()
    env2 = t.env(AWS_WEB_IDENTITY_TOKEN_FILE=st.web_token_file,
                 AWS_ROLE_ARN=ROLE_ARN, AWS_ENDPOINT_URL=t.base)
    r = t.run("web identity AWS_ENDPOINT_URL", env2)
    t.ok("web identity AWS_ENDPOINT_URL", r, "web identity " + ROLE_ARN,
         ["ASIASTS1"])
    # A token STS refuses: an error naming the source and STS's code.
    st.reset()
    write(st.web_token_file, "not-the-token\n")
    r = t.run("error web identity", env2)
    check(r.rc == 1 and "web identity " + ROLE_ARN in r.err and
          "InvalidIdentityToken" in r.err,
          "web identity refused: error names source and code: %r" % r.err)


def container(t):
    st = t.state
    url = t.base + "/ecs/creds"
    st.reset()
    t.files()
    env = t.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
                AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=st.ecs_token_file)
    r = t.run("container", env, gets=2)
    t.ok("container", r, "container", ["ASIACONTAINER1", "ASIACONTAINER1"])
    t.counts("container, 6 min left: cached", {"container": 1})
    st.reset()
    st.exp_offset = 240
    r = t.run("container renewed", env, gets=2)
    t.ok("container renewed", r, "container",
         ["ASIACONTAINER2", "ASIACONTAINER3"])
    t.counts("container, 4 min left: renewed (token file re-read)",
             {"container": 3})
    # The token from the variable (no file).
    st.reset()
    env2 = t.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
                 AWS_CONTAINER_AUTHORIZATION_TOKEN=st.ecs_token)
    r = t.run("container token variable", env2)
    t.ok("container token variable", r, "container", ["ASIACONTAINER1"])
    # A wrong token: 401 is an error naming the source.
    env3 = t.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
                 AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong-token")
    r = t.run("error container token", env3)
    check(r.rc == 1 and "error: 7: container credentials" in r.err
          and "HTTP 401" in r.err and "AccessDenied" in r.err,
          "container 401: error names source and status: %r" % r.err)
    # Renewal fails while the keys are valid: a warning, the old keys.
    st.reset()
    st.exp_offset = 240
    st.fail_after = 1
    r = t.run("container renewal fails", env, gets=2)
    t.ok("container renewal fails", r, "container",
         ["ASIACONTAINER1", "ASIACONTAINER1"])
    check("warning: AWS credentials: renewal failed" in r.err and
          "HTTP 500" in r.err, "renewal failure warned: %r" % r.err)
    # A full URI that is neither https nor a permitted host.
    r = t.run("error container uri", t.env(
        AWS_CONTAINER_CREDENTIALS_FULL_URI="http://192.0.2.1/creds?x=1"))
    check(r.rc == 1 and "http://192.0.2.1/creds" in r.err and
          "x=1" not in r.err and "https" in r.err,
          "container URI refused by host: %r" % r.err)


def imds(t):
    st = t.state
    st.reset()
    t.files()
    env = t.env(AWS_EC2_METADATA_SERVICE_ENDPOINT=t.base)
    r = t.run("instance metadata", env, gets=2)
    t.ok("instance metadata", r, "instance metadata", ["ASIAIMDS1",
                                                       "ASIAIMDS1"])
    t.counts("instance metadata, 6 min left: cached",
             {"imds-token": 1, "imds-role": 1, "imds": 1, "imds-401": 0})
    st.reset()
    st.exp_offset = 240
    r = t.run("instance metadata renewed", env, gets=2)
    t.ok("instance metadata renewed", r, "instance metadata",
         ["ASIAIMDS2", "ASIAIMDS3"])
    t.counts("instance metadata, 4 min left: renewed",
             {"imds-token": 3, "imds-role": 3, "imds": 3, "imds-401": 0})
    # The fake really wants the token (IMDSv1 would be refused).
    import urllib.error
    import urllib.request
    try:
        urllib.request.urlopen(t.base + "/latest/meta-data/iam/"
                               "security-credentials/", timeout=5)
        check(False, "fake metadata answers without a token")
    except urllib.error.HTTPError as e:
        check(e.code == 401, "fake metadata: 401 without a token")


def precedence(t):
    st = t.state
    url = t.base + "/ecs/creds"
    creds = ("[default]\naws_access_key_id = AKIDFILE\n"
             "aws_secret_access_key = filesecret\n")
    st.reset()
    t.files(credentials=creds)
    r = t.run("env > profile", t.env(AWS_ACCESS_KEY_ID="AKIDENV",
                                     AWS_SECRET_ACCESS_KEY="envsecret/+="))
    t.ok("env > profile", r, "environment", ["AKIDENV"])
    r = t.run("web identity > profile", t.env(
        AWS_WEB_IDENTITY_TOKEN_FILE=st.web_token_file,
        AWS_ROLE_ARN=ROLE_ARN, AWS_ENDPOINT_URL_STS=t.base))
    t.ok("web identity > profile", r, "web identity " + ROLE_ARN,
         ["ASIASTS1"])
    st.reset()
    r = t.run("profile > container", t.env(
        AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=st.ecs_token_file,
        AWS_EC2_METADATA_SERVICE_ENDPOINT=t.base))
    t.ok("profile > container", r, "profile default", ["AKIDFILE"])
    t.counts("profile > container: nothing asked", {"container": 0,
                                                    "imds-token": 0})
    # A profile with a region only is no source: on to the container.
    t.files(config="[default]\nregion = eu-west-1\n")
    r = t.run("container > instance metadata", t.env(
        AWS_CONTAINER_CREDENTIALS_FULL_URI=url,
        AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=st.ecs_token_file,
        AWS_EC2_METADATA_SERVICE_ENDPOINT=t.base))
    t.ok("container > instance metadata", r, "container",
         ["ASIACONTAINER1"])
    t.counts("container > instance metadata: metadata not asked",
             {"container": 1, "imds-token": 0})
    r = t.run("region-only profile > instance metadata", t.env(
        AWS_EC2_METADATA_SERVICE_ENDPOINT=t.base))
    t.ok("region-only profile > instance metadata", r, "instance metadata",
         ["ASIAIMDS1"])


def nothing(t):
    t.state.reset()
    t.files(config="[default]\nregion = eu-west-1\n")
    aws = os.path.join(t.home, ".aws")
    want = ("error: 7: no AWS credentials found (tried environment, web "
            "identity, profile 'default' in %s/credentials and %s/config, "
            "container, instance metadata): " % (aws, aws))
    r = t.run("error nothing found", t.env())
    check(r.rc == 1 and want in r.err and "instance metadata: PUT http://"
          "127.0.0.1:" in r.err and "/latest/api/token" in r.err,
          "nothing found, metadata unreachable: %r" % r.err)
    check(r.elapsed < 10, "nothing found fails fast (%.1f s)" % r.elapsed)
    t.state.imds_off = True
    r = t.run("error nothing found, metadata turned off",
              t.env(AWS_EC2_METADATA_SERVICE_ENDPOINT=t.base))
    check(r.rc == 1 and want in r.err and "HTTP 403" in r.err,
          "nothing found, metadata answers 403 (turned off): %r" % r.err)
    t.counts("metadata turned off: one token request",
             {"imds-token-403": 1})
    t.state.imds_off = False
    r = t.run("error nothing found, disabled",
              t.env(AWS_EC2_METADATA_DISABLED="true"))
    check(r.rc == 1 and want + "instance metadata disabled by "
          "AWS_EC2_METADATA_DISABLED" in r.err,
          "nothing found, metadata disabled: %r" % r.err)
    t.files(config="[profile sso]\nsso_session = corp\n")
    r = t.run("error sso profile", t.env(AWS_PROFILE="sso"))
    check(r.rc == 1 and "error: 5: profile 'sso' uses sso_session" in r.err,
          "SSO profile refused by name: %r" % r.err)


def no_secrets(t):
    debug = [w for w, e in t.all_stderr if "AWS credentials from" in e]
    check(len(debug) >= 10, "debug logging on (-v 3) in the runs: %d"
          % len(debug))
    check(any("DEBUG" in e or "http" in e.lower()
              for _, e in t.all_stderr), "some HTTP debug lines seen")
    leaks = [(w, s) for w, e in t.all_stderr for s in t.state.secrets
             if s in e]
    check(not leaks, "no secret or token on stderr: %r" % leaks[:3])


def main():
    if not os.access(probe_path(), os.X_OK):
        log("FAIL: %s not built (make check builds it)" % probe_path())
        return 1
    tmp = tempfile.mkdtemp(prefix="fl-creds-")
    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(tmp)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    t = Tester("http://127.0.0.1:%d" % srv.server_address[1], srv.state,
               tmp)
    try:
        single_sources(t)
        web_identity(t)
        container(t)
        imds(t)
        precedence(t)
        nothing(t)
        no_secrets(t)
    finally:
        srv.shutdown()
        srv.server_close()
        if os.environ.get("FL_KEEP_TMP"):
            log("keeping %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    return CK.finish()


if __name__ == "__main__":
    sys.exit(main())
