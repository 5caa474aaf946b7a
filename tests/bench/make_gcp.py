#!/usr/bin/python3
"""make_gcp: the benchmark's text lines as Google Cloud VPC Flow Logs
entries (Cloud Logging LogEntry JSON, one a line, as a Cloud Storage export
writes them), PER entries per file, in DIR (sorted names keep the order).

  make_gcp.py TEXT_FILE DIR [PER]

Each v2 line becomes one entry with the same addresses, ports, protocol,
counters and times; the ENI names the VM; reporters alternate SRC and DEST,
so every entry becomes one record, as every text line does.
"""

import datetime
import json
import os
import sys


def rfc3339(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%S.123456789Z")


def entry(words, i):
    (_, account, eni, src, dst, sport, dport, proto, packets, nbytes, start,
     end) = words[:12]
    side = {"project_id": "proj-%s" % account[-4:],
            "zone": "europe-west1-b", "region": "europe-west1",
            "vm_name": "vm-%s" % eni[4:]}
    vpc = {"project_id": "host-proj", "vpc_name": "prod",
           "subnetwork_name": "sub-%s" % eni[-2:]}
    reporter = "SRC" if i % 2 == 0 else "DEST"
    payload = {
        "connection": {"src_ip": src, "dest_ip": dst, "src_port": int(sport),
                       "dest_port": int(dport), "protocol": int(proto)},
        "bytes_sent": nbytes, "packets_sent": packets,
        "start_time": rfc3339(start), "end_time": rfc3339(end),
        "reporter": reporter, "rtt_msec": "3",
        "src_instance" if reporter == "SRC" else "dest_instance": side,
        "src_vpc" if reporter == "SRC" else "dest_vpc": vpc,
    }
    return {
        "insertId": "%016x" % i,
        "jsonPayload": payload,
        "logName": "projects/host-proj/logs/"
                   "compute.googleapis.com%2Fvpc_flows",
        "receiveTimestamp": rfc3339(end),
        "resource": {"labels": {"location": "europe-west1-b",
                                "project_id": "host-proj",
                                "subnetwork_id": "1234567890",
                                "subnetwork_name": vpc["subnetwork_name"]},
                     "type": "gce_subnetwork"},
        "timestamp": rfc3339(end),
    }


def main():
    src, dirname = sys.argv[1], sys.argv[2]
    per = int(sys.argv[3]) if len(sys.argv) > 3 else 50000
    os.makedirs(dirname, exist_ok=True)
    out, n, i = None, 0, 0
    with open(src) as f:
        f.readline()                        # the S3 header line
        for line in f:
            words = line.split()
            if words[-1] != "OK":
                continue                    # Google has no NODATA lines
            if i % per == 0:
                if out:
                    out.close()
                out = open(os.path.join(dirname, "flows-%06d.json" % n), "w")
                n += 1
            out.write(json.dumps(entry(words, i), separators=(",", ":")))
            out.write("\n")
            i += 1
    if out:
        out.close()


if __name__ == "__main__":
    main()
