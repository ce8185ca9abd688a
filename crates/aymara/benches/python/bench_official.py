#!/usr/bin/env python3
"""One measurement of the official Python client (aymara-ai-sdk 1.2.1) against an emulator.

Run through run_official.sh (which sets up the virtualenv); the Rust bench binary
(`cargo bench -p aymara --bench sdk -- --python`) calls it once per scenario, in a fresh process:

    bench_official.py upload     --url URL --key KEY --file PATH
    bench_official.py pagination --url URL --key KEY --limit 100
    bench_official.py requests   --url URL --key KEY --id FILE_UUID --n 10000 --concurrency 1|32

It prints one line, `BENCH-RESULT {json}`, with the same fields as the Rust children: wall and
CPU (user + system, this process only) time of the measured region, peak RSS (ru_maxrss, KiB),
bytes, count, hash (FNV-1a 64 of the listed ids, each followed by a newline) and id.
"""

import argparse
import json
import os
import resource
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from aymara_ai import AymaraAI

WARM_UP = 100


def cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def hash_ids(ids):
    h = 0xCBF29CE484222325
    for i in ids:
        for b in i.encode() + b"\n":
            h ^= b
            h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


class Meter:
    def __init__(self):
        self.cpu = cpu_seconds()
        self.wall = time.perf_counter()

    def stop(self):
        return time.perf_counter() - self.wall, cpu_seconds() - self.cpu


def upload(client, args):
    size = os.path.getsize(args.file)
    meter = Meter()
    # The documented way (httpx streams the open file; peak RSS shows whether it was read whole).
    with open(args.file, "rb") as f:
        uploaded = client.files.upload(file=f)
    wall, cpu = meter.stop()
    return {"wall_s": wall, "cpu_s": cpu, "bytes": size, "count": 1, "id": uploaded.file_uuid or ""}


def pagination(client, args):
    meter = Meter()
    # Auto-iteration: it stops after the first page (reference section 4.3).
    ids = [f.file_uuid for f in client.files.list(limit=args.limit)]
    wall, cpu = meter.stop()
    return {"wall_s": wall, "cpu_s": cpu, "count": len(ids), "hash": hash_ids(ids)}


def requests(client, args):
    file_uuid = args.id

    def get(_):
        detail = client.files.get(file_uuid)
        if detail.file_uuid != file_uuid:
            raise SystemExit(f"asked for {file_uuid}, got {detail.file_uuid}")

    def run(n):
        if args.concurrency <= 1:
            for i in range(n):
                get(i)
        else:
            with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                for _ in pool.map(get, range(n)):
                    pass

    run(min(WARM_UP, args.n))
    meter = Meter()
    run(args.n)
    wall, cpu = meter.stop()
    return {"wall_s": wall, "cpu_s": cpu, "count": args.n}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["upload", "pagination", "requests"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--file")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--id")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--cpu", type=int, help="pin this process (and its threads) to a CPU")
    args = parser.parse_args()
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})

    client = AymaraAI(base_url=args.url, api_key=args.key)
    result = {"upload": upload, "pagination": pagination, "requests": requests}[args.scenario](
        client, args
    )
    # ru_maxrss is in KiB on Linux.
    result["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("BENCH-RESULT " + json.dumps(result), flush=True)


if __name__ == "__main__":
    sys.exit(main())
