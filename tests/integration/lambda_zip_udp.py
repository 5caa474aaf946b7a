#!/usr/bin/python3
"""lambda_zip_udp: the Lambda runtime of an unpacked zip (FL_LAMBDA_DIR),
run through FL_LAMBDA_EXEC, checked with a UDP collector.

lambda_zip.sh runs it for the arm64 zip under qemu-aarch64-static.  There
the TCP output cannot start: qemu-user answers getsockopt(TCP_INFO) with
an int only, and the TCP output needs tcpi_bytes_acked (the kernel of an
arm64 Lambda has it).  So lambda_runtime.py, lambda_deadline.py and
lambda_s3_faults.py, with their TCP collectors, run on the x86_64 zip,
and this covers for the arm64 one what needs no TCP:

1. One runtime process, a UDP collector (python3-ipfix), objects on
   s3rver: a CloudWatch Logs event; an S3 notification (libcurl and its
   dependencies loaded from the zip at that first request); an SQS batch
   with one good message and one for a missing object (batchItemFailures
   names it); a Kinesis event; text that is not JSON (MalformedEvent, the
   process goes on).  Each answer, and the records of each good event
   field by field, after the templates the collector holds.
2. lambda_runtime.py's UDP template refresh and start-up failures.
3. lambda_s3_faults.py's runs without libcurl, over UDP.
"""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fltest  # noqa: E402
import lambda_emulator  # noqa: E402
import lambda_runtime as lr  # noqa: E402
import lambda_s3_faults  # noqa: E402
import s3test  # noqa: E402


def data_count(udp, mark):
    return sum(1 for e in udp.since(mark)
               if e.kind == "record" and not e.options)


def check_udp_records(ck, udp, mark, fields, rows, what):
    """The records that came after mark, preceded by the templates the
    collector holds for them (sent at start-up or with a refresh)."""
    fltest.wait_for(lambda: data_count(udp, mark) >= lr.ok_count(rows), 60,
                    what="%s: %d data records" % (what, lr.ok_count(rows)))
    evs = [e for e in udp.since(mark) if e.kind != "template"]
    used = {e.tid for e in evs if e.kind == "record"}
    seen, templates = set(), []
    for e in udp.since(0):
        if e.kind == "template" and (e.setid == 3 or e.tid in used) \
                and e.tid not in seen:
            seen.add(e.tid)
            templates.append(e)
    fltest.check_stream(ck, templates + evs, fltest.Expect(fields), rows,
                        what)


def sequence(env, ck, srv):
    client = srv.client()
    client.create_bucket(Bucket=lr.BUCKET)
    api = lambda_emulator.RuntimeApi()
    udp = lr.UdpCollector()
    rt = lr.Runtime(env, api, {"output": "udp://127.0.0.1:%d" % udp.port},
                    s3_url=srv.url)
    answered = []
    try:
        api.wait_next(1, timeout=60)
        ck.check(True, "start: the runtime asks for work")

        ls = fltest.gen_lines(lr.CWL_FIELDS, 40, seed=111, nodata_every=9)
        rows = lr.lines_rows(ls, lr.CWL_FIELDS)
        mark = udp.mark()
        rid, ans = api.invoke(lr.cwl_event(ls), timeout=120)
        answered.append(rid)
        doc = lr.answer_json(ck, ans, "CWL")
        ck.eq(doc.get("records_out"), lr.ok_count(rows), "CWL: records_out")
        check_udp_records(ck, udp, mark, lr.CWL_FIELDS, rows, "CWL")

        text = lr.s3_text(121)
        key = s3test.key_for("plain", 1716595200, tag="udp-s3")
        size = lr.put_object(client, key, text)
        rows = fltest.parse_flowlog(text)[1]
        mark = udp.mark()
        rid, ans = api.invoke({"Records": [lr.s3_record(key, size)]},
                              timeout=120)
        answered.append(rid)
        doc = lr.answer_json(ck, ans, "S3")
        ck.eq((doc.get("objects"), doc.get("records_out")),
              (1, lr.ok_count(rows)), "S3: one object, its records "
              "(libcurl loaded from the zip)")
        check_udp_records(ck, udp, mark, lr.S3_FIELDS, rows, "S3")

        text = lr.s3_text(131)
        key = s3test.key_for("plain", 1716598800, tag="udp-sqs")
        size = lr.put_object(client, key, text)
        missing = s3test.key_for("plain", 1716598800, tag="udp-missing")
        rows = fltest.parse_flowlog(text)[1]
        mark = udp.mark()
        rid, ans = api.invoke(lr.sqs_event([
            ("msg-good", json.dumps({"Records": [
                lr.s3_record(key, size)]})),
            ("msg-missing", json.dumps({"Records": [
                lr.s3_record(missing, 100)]}))]), timeout=120)
        answered.append(rid)
        doc = lr.answer_json(ck, ans, "SQS")
        ck.eq(doc, {"batchItemFailures": [{"itemIdentifier": "msg-missing"}]},
              "SQS: the partial-batch answer names the missing object's "
              "message")
        check_udp_records(ck, udp, mark, lr.S3_FIELDS, rows, "SQS")

        a = fltest.gen_lines(lr.CWL_FIELDS, 15, seed=141)
        b = fltest.gen_lines(lr.CWL_FIELDS, 20, seed=142)
        rows = lr.lines_rows(a + b, lr.CWL_FIELDS)
        mark = udp.mark()
        rid, ans = api.invoke(lr.kinesis_event([a, b]), timeout=120)
        answered.append(rid)
        doc = lr.answer_json(ck, ans, "Kinesis")
        ck.eq(doc, {"batchItemFailures": []}, "Kinesis: answer")
        check_udp_records(ck, udp, mark, lr.CWL_FIELDS, rows, "Kinesis")

        rid, ans = api.invoke(b"this is not JSON {", timeout=120)
        answered.append(rid)
        lr.check_error(ck, ans, "MalformedEvent", "not JSON", ["not JSON"])
        ck.eq(rt.proc.poll(), None, "the runtime is still running")
    finally:
        rc = rt.stop()
        api.close()
        udp.close()
    ck.eq(rc, 0, "SIGTERM while waiting for work: exit status 0")
    ck.eq(api.protocol_errors, [], "no answer for an unknown ID, none twice")
    ck.eq(sorted(api.answers), sorted(answered), "one answer per invocation")


def main(env):
    lambda_dir = os.environ.get("FL_LAMBDA_DIR")
    if not lambda_dir:
        fltest.die("needs an unpacked zip in FL_LAMBDA_DIR (lambda_zip.sh "
                   "runs it so)", fltest.SKIP)
    fltest.log("runtime: %s %s/bootstrap"
               % (os.environ.get("FL_LAMBDA_EXEC", ""), lambda_dir))
    ck = fltest.Checker("lambda_zip_udp")
    srv = s3test.S3rver(env)
    try:
        sequence(env, ck, srv)
        lr.udp_refresh(env, ck)
        lr.init_errors(env, ck)
        udp = lr.UdpCollector()
        try:
            lambda_s3_faults.no_libcurl(
                env, ck, srv, srv.client(), None, lambda_dir,
                output="udp://127.0.0.1:%d" % udp.port)
        finally:
            udp.close()
    finally:
        srv.stop()
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
