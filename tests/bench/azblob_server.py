#!/usr/bin/python3
"""azblob_server: azurite (Microsoft's storage emulator, tests/npm) on
127.0.0.1 for `make bench`, with the benchmark's Azure documents in it.

  azblob_server.py --dir DIR --port-file FILE

Starts azurite's blob service in memory on a free port, puts every file
of DIR (the azure input: PT1H-NNNNNN.json documents) as a blob of the same
name in container "bench" with Put Blob (the development account's Shared
Key, tests/integration/azurite.py), writes the port to FILE once they are
all there, then serves until SIGTERM.
"""

import argparse
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.dont_write_bytecode = True
os.environ.setdefault("FL_SRCDIR", os.path.join(HERE, "..", ".."))
import fltest  # noqa: E402
import azurite  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    a = ap.parse_args()
    env = fltest.Env()
    srv = azurite.Azurite(env)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    try:
        cli = azurite.Client(srv.url)
        cli.create_container("bench")
        for name in sorted(os.listdir(a.dir)):
            with open(os.path.join(a.dir, name), "rb") as f:
                cli.put_blob("bench", name, f.read())
        with open(a.port_file + ".part", "w") as f:
            f.write("%d\n" % srv.port)
        os.rename(a.port_file + ".part", a.port_file)
        while not stop:
            time.sleep(0.2)
    finally:
        srv.stop()
        env.cleanup()


if __name__ == "__main__":
    main()
