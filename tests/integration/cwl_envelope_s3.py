#!/usr/bin/python3
"""cwl_envelope_s3: Firehose's S3 objects through the S3 source.

Both kinds Firehose writes (gzip payload members one after the other, and
{"message"} objects one after the other, gzip-compressed), under
Firehose's key names (no .log suffix), are put into s3rver and announced
by an S3 event (--s3-event): each gives the same records as the text file
of the same lines (python3-ipfix).  A backfill of their date folder
(s3://BUCKET/2024/05/25/12/) skips them without --s3-all-keys and reads
both with it.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cwl_envelope  # noqa: E402
import fltest  # noqa: E402


def main(env):
    env.check()
    ck = fltest.Checker("cwl_envelope_s3")
    cwl_envelope.through_s3(env, ck, backfill=True)
    return ck.finish()


if __name__ == "__main__":
    fltest.run_main(main)
