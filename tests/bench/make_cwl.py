#!/usr/bin/python3
"""make_cwl: the benchmark's text lines as CloudWatch Logs subscription
events, as a Lambda receives them ({"awslogs":{"data":base64(gzip(
payload))}}), EVENTS lines per file, in DIR (sorted names keep the order).

  make_cwl.py TEXT_FILE DIR [EVENTS]

The header line of TEXT_FILE is dropped: CloudWatch Logs events have none.
"""

import base64
import gzip
import json
import os
import sys


def write(dirname, n, owner, events):
    payload = {"messageType": "DATA_MESSAGE", "owner": owner,
               "logGroup": "/vpc/flowlogs/bench",
               "logStream": "eni-bench-%04d-all" % n,
               "subscriptionFilters": ["bench"], "logEvents": events}
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode(),
                                          compresslevel=6)).decode()
    with open(os.path.join(dirname, "event-%06d.json" % n), "w") as f:
        json.dump({"awslogs": {"data": data}}, f)


def main():
    src, dirname = sys.argv[1], sys.argv[2]
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 50000
    os.makedirs(dirname, exist_ok=True)
    events, n, i = [], 0, 0
    with open(src) as f:
        f.readline()                        # the S3 header line
        for line in f:
            events.append({"id": "%056d" % i, "timestamp": 1700000000000,
                           "message": line.rstrip("\n")})
            i += 1
            if len(events) == per:
                write(dirname, n, "123456789012", events)
                events, n = [], n + 1
    if events:
        write(dirname, n, "123456789012", events)


if __name__ == "__main__":
    main()
