#!/usr/bin/python3
"""lambda_bench: the Lambda runtime mode's costs, measured against the
suite's Runtime API emulator (tests/integration/lambda_emulator.py) on
loopback.  Run by `tests/bench/run --lambda`; prints a Markdown section.

  cold start   process start (just before fork/exec) to its first
               GET .../invocation/next, over --cold-runs fresh processes;
  warm         one process: after --warmup invocations, the round trip of
               each invocation as the emulator sees it (event handed out
               -> answer received), for a --lines-line CloudWatch Logs
               subscription event and for a CONTROL_MESSAGE event (nothing
               to convert: the fixed cost of an invocation); and the
               runtime's own conversion time (its statistics' elapsed_s);
  memory       VmRSS after the warm-up and after --invocations
               invocations of the --lines event, and VmHWM (peak).
  S3 object   with --s3-url and --s3-key (an object in bucket "bench" on
               s3rver): --s3-runs times each, alternating, a fresh
               runtime handed an S3 event notification for it (event
               handed out -> answer) and the same binary reading it
               outside Lambda (flowlog2ipfix --endpoint-url URL s3://...),
               both to the same sink: records/s and peak RSS of each.
Records go to a TCP sink on 127.0.0.1 that reads and discards them.
Speed is measured here, never asserted.

The runtime is FL_LAMBDA_DIR/bootstrap (an unpacked Lambda zip) when set,
else --bin (default src/flowlog2ipfix) with --infomodel-dir.
"""

import argparse
import base64
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.dont_write_bytecode = True
import fltest  # noqa: E402
import lambda_emulator  # noqa: E402
from lambda_deadline import Sink  # noqa: E402  (reads and discards)


def cwl_event(lines, mtype="DATA_MESSAGE"):
    p = {"messageType": mtype, "owner": "111111111111",
         "logGroup": "/vpc/flowlogs", "logStream": "eni-0a1b2c3d-all",
         "subscriptionFilters": ["f"],
         "logEvents": [{"id": "%056d" % i, "timestamp": 1716638412000 + i,
                        "message": m} for i, m in enumerate(lines)]}
    data = gzip.compress(json.dumps(p).encode(), mtime=0)
    return json.dumps({"awslogs": {"data": base64.b64encode(data).decode()}})


def start(args, api, sink, err_path, more=None):
    argv, cwd, extra = lambda_emulator.runtime_command()
    if not os.environ.get("FL_LAMBDA_DIR"):
        argv = [args.bin]
        extra = {"FLOWLOG2IPFIX_INFOMODEL_DIR": args.infomodel_dir}
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("AWS_") or k.startswith("FLOWLOG2IPFIX_"):
            del env[k]
    env.update(extra)
    env.update({"AWS_LAMBDA_RUNTIME_API": api.address,
                "AWS_ACCESS_KEY_ID": "AKIDBENCH",
                "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true",
                "FLOWLOG2IPFIX_OUTPUT": "tcp://127.0.0.1:%d" % sink.port})
    env.update(more or {})
    t0 = time.monotonic()
    p = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                         stderr=open(err_path, "wb"))
    return p, t0


def stop(p):
    p.terminate()
    try:
        p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])       # kB
    return 0


def cpu_ms(pid):
    """CPU time of the process so far (every thread), from schedstat's
    nanoseconds: unlike wall time it hardly depends on what else the
    machine runs."""
    total = 0
    for t in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError):
            pass
    return total / 1e6


def proc_cpu_s(pid):
    """utime + stime of the process, threads that ended included (the
    pipeline's workers): /proc/PID/stat, in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def runtime_stats(err_path):
    """elapsed_s of each invocation line of the runtime's log."""
    out = []
    with open(err_path) as f:
        for line in f:
            try:
                d = json.loads(line)
            except ValueError:
                continue
            if "stats" in d:
                out.append((d["stats"]["elapsed_s"], d.get("durationMs")))
    return out


def s3_event(key, size):
    return json.dumps({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3",
        "awsRegion": "us-east-1", "eventTime": "2024-05-25T00:05:00.000Z",
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "bench",
               "bucket": {"name": "bench", "arn": "arn:aws:s3:::bench"},
               "object": {"key": key, "size": size}}}]}).encode()


def s3_lambda_run(a, sink, err_path):
    """One fresh runtime, one S3 event: (seconds, records, peak RSS kB,
    CPU seconds of the invocation)."""
    api = lambda_emulator.RuntimeApi()
    p, _ = start(a, api, sink, err_path, {
        "FLOWLOG2IPFIX_ENDPOINT_URL": a.s3_url,
        "AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"})
    api.wait_next(1, 60)
    c0 = proc_cpu_s(p.pid)
    rid, ans = api.invoke(s3_event(a.s3_key, a.s3_size), timeout=3600,
                          timeout_s=3600)
    cpu = proc_cpu_s(p.pid) - c0
    if ans.kind != "response":
        sys.exit("lambda_bench: the S3 invocation failed: %r" % ans)
    secs = ans.monotonic - api.invocations[rid].handed_out
    hwm = status(p.pid, "VmHWM")
    stop(p)
    api.close()
    return secs, ans.json()["records_out"], hwm, cpu


def s3_cli_run(a, sink):
    """The same object outside Lambda: (seconds, records, peak RSS kB,
    CPU seconds, start-up and exit included)."""
    env = dict(os.environ)
    for k in list(env):
        if k.startswith("FLOWLOG2IPFIX_") or k.startswith("AWS_LAMBDA"):
            del env[k]
    env.update({"AWS_ACCESS_KEY_ID": "S3RVER",
                "AWS_SECRET_ACCESS_KEY": "S3RVER", "AWS_REGION": "us-east-1",
                "AWS_EC2_METADATA_DISABLED": "true"})
    stats = os.path.join(a.tmp, "lambda-bench-cli.json")
    argv = [a.bin, "--infomodel-dir", a.infomodel_dir, "--endpoint-url",
            a.s3_url, "-o", "tcp://127.0.0.1:%d" % sink.port,
            "--stats-json", stats, "s3://bench/" + a.s3_key]
    errf = os.path.join(a.tmp, "lambda-bench-cli.err")
    t0 = time.monotonic()
    with open(errf, "wb") as e:
        p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                             stderr=e)
    # wait4: this process's own rusage, peak RSS included.
    _, st, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(st)
    secs = time.monotonic() - t0
    if p.returncode != 0:
        with open(errf, "rb") as e:
            sys.exit("lambda_bench: %s failed: %s" % (
                " ".join(argv), e.read().decode()[-2000:]))
    os.unlink(errf)
    with open(stats) as f:
        n = json.load(f)["records_out"]
    os.unlink(stats)
    return secs, n, ru.ru_maxrss, ru.ru_utime + ru.ru_stime


def s3_compare(a, sink, err_path):
    lam, cli = [], []
    for _ in range(a.s3_runs):
        cli.append(s3_cli_run(a, sink))
        lam.append(s3_lambda_run(a, sink, err_path))
    print("\n### One S3 object in Lambda mode and outside it\n")
    print("- object: s3://bench/%s (%d bytes) on s3rver, %d runs of each, "
          "alternating; output tcp://127.0.0.1 (a sink that discards)"
          % (a.s3_key, a.s3_size, a.s3_runs))
    print("- Lambda: a fresh runtime per run, the S3 event notification "
          "handed out -> answer; outside: `flowlog2ipfix --endpoint-url "
          "URL s3://bench/KEY`, exec -> exit (start-up included)\n")
    print("| mode | records | median s | records/s (median) | CPU s per "
          "million records (median) | peak RSS (max) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, rs in (("Lambda (S3 event)", lam), ("outside Lambda", cli)):
        secs = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[3] for r in rs)
        print("| %s | %d | %.2f | %.0f | %.2f | %.1f MiB |"
              % (name, rs[0][1], secs, rs[0][1] / secs,
                 cpu / rs[0][1] * 1e6, max(r[2] for r in rs) / 1024))
    ls = statistics.median(r[0] for r in lam)
    cs = statistics.median(r[0] for r in cli)
    print("\nLambda mode's records/s are %.0f %% of the S3 path's outside "
          "Lambda." % (100.0 * cs / ls))


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(HERE, "..", "..", "src",
                                                  "flowlog2ipfix"))
    ap.add_argument("--infomodel-dir", default=os.path.join(
        HERE, "..", "..", "infomodel"))
    ap.add_argument("--lines", type=int, default=1000)
    ap.add_argument("--cold-runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--invocations", type=int, default=10000)
    ap.add_argument("--tmp", default="/tmp")
    ap.add_argument("--s3-url", help="s3rver with the object in bucket bench")
    ap.add_argument("--s3-key")
    ap.add_argument("--s3-size", type=int, default=0)
    ap.add_argument("--s3-runs", type=int, default=3)
    ap.add_argument("--s3-only", action="store_true",
                    help="only the S3 object comparison")
    a = ap.parse_args()
    a.bin = os.path.abspath(a.bin)
    a.infomodel_dir = os.path.abspath(a.infomodel_dir)
    err_path = os.path.join(a.tmp, "lambda-bench-%d.err" % os.getpid())
    sink = Sink()
    if a.s3_only:
        s3_compare(a, sink, err_path)
        return
    lines = fltest.gen_lines(fltest.DEFAULT_FORMAT, a.lines, seed=1)
    big = cwl_event(lines).encode()
    ctrl = cwl_event(["CWL CONTROL MESSAGE: Checking health"],
                     "CONTROL_MESSAGE").encode()

    # cold start
    cold, cold_cpu = [], []
    for _ in range(a.cold_runs):
        api = lambda_emulator.RuntimeApi()
        p, t0 = start(a, api, sink, err_path)
        cold.append((api.wait_next(1, 60) - t0) * 1000)
        cold_cpu.append(cpu_ms(p.pid))
        stop(p)
        api.close()

    # warm: one process
    api = lambda_emulator.RuntimeApi()
    p, _ = start(a, api, sink, err_path)
    api.wait_next(1, 60)

    def rounds(ev, n):
        out = []
        for _ in range(n):
            rid, ans = api.invoke(ev)
            if ans.kind != "response":
                sys.exit("lambda_bench: invocation failed: %r" % ans)
            out.append((ans.monotonic
                        - api.invocations[rid].handed_out) * 1000)
        return out

    rounds(big, a.warmup)
    rss_warm = status(p.pid, "VmRSS")
    skip = len(runtime_stats(err_path))
    c0 = cpu_ms(p.pid)
    big_rt = rounds(big, a.samples)
    c1 = cpu_ms(p.pid)
    conv = [s * 1000 for s, _ in runtime_stats(err_path)[skip:]]
    ctrl_rt = rounds(ctrl, a.samples)
    c2 = cpu_ms(p.pid)
    done = a.warmup + 2 * a.samples
    rss_mid = status(p.pid, "VmRSS")
    t = time.monotonic()
    rounds(big, max(0, a.invocations - done))
    loop_s = time.monotonic() - t
    rss_end = status(p.pid, "VmRSS")
    hwm = status(p.pid, "VmHWM")
    stop(p)
    api.close()
    total = max(done, a.invocations)

    print("\n## Lambda runtime (Runtime API emulator on 127.0.0.1, "
          "-o tcp://127.0.0.1)\n")
    print("- runtime: `%s`" % (os.path.join(os.environ["FL_LAMBDA_DIR"],
                                           "bootstrap")
                               if os.environ.get("FL_LAMBDA_DIR") else a.bin))
    print("- event: a CloudWatch Logs subscription event of %d default-"
          "format lines (%d bytes); control: a CONTROL_MESSAGE event"
          % (a.lines, len(big)))
    print("- round trip = event handed out by the emulator -> answer "
          "received (both HTTP legs, the emulator's Python included)\n")
    print("| measure | median | p90 | min | max |")
    print("|---|---:|---:|---:|---:|")

    def row(name, xs, unit="ms"):
        print("| %s | %.2f %s | %.2f %s | %.2f %s | %.2f %s |"
              % (name, statistics.median(xs), unit, pct(xs, 0.9), unit,
                 min(xs), unit, max(xs), unit))
    row("cold start: exec to first `next` (%d runs)" % len(cold), cold)
    row("cold start: CPU time until the first `next`", cold_cpu)
    row("warm round trip, control event (%d)" % len(ctrl_rt), ctrl_rt)
    row("warm round trip, %d-line event (%d)" % (a.lines, len(big_rt)),
        big_rt)
    row("of which converting (pipeline elapsed_s)", conv)
    over = [b - c for b, c in zip(big_rt, conv)]
    row("%d-line event minus its conversion" % a.lines, over)
    print()
    print("Runtime CPU time per warm invocation (all threads, schedstat): "
          "%.3f ms for the %d-line event, %.3f ms for the control event."
          % ((c1 - c0) / a.samples, a.lines, (c2 - c1) / a.samples))
    print()
    print("| memory | kB |\n|---|---:|")
    print("| VmRSS after %d invocations | %d |" % (a.warmup, rss_warm))
    print("| VmRSS after %d invocations | %d |" % (done, rss_mid))
    print("| VmRSS after %d invocations | %d |" % (total, rss_end))
    print("| VmHWM (peak RSS) | %d |" % hwm)
    print("\n%d invocations of the %d-line event in %.1f s through the "
          "emulator (%.0f/s); the sink read %d bytes."
          % (max(0, a.invocations - done), a.lines, loop_s,
             max(0, a.invocations - done) / loop_s if loop_s else 0,
             sink.bytes))
    if a.s3_url:
        s3_compare(a, sink, err_path)
    os.unlink(err_path)


if __name__ == "__main__":
    main()
