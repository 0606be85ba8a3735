#!/usr/bin/env python3
"""Rewind's Kafka client (`kafka://`) against kcat, same broker (`rewind serve`), same records, same run.

    python3 Benchmarks/kafka-client.py [--rewind .build/release/rewind] [--bench .build/release/RewindBench] [--records 1000000]

Prints one line per figure with its baseline and the ratio:
- consume: `rewind consume TOPIC --dir kafka://… --from-beginning` (JSON lines to /dev/null) vs
  `kcat -C -e -o beginning` (values to /dev/null) and `kcat -C -e -o beginning -J` (JSON), records/s,
  best of three interleaved runs each;
- seek by time + first page of 50 records over kafka:// (RewindBench --kafka-seek, in-process):
  p50/p99 vs the same seeks on the embedded copy;
- the explorer over kafka:// (RewindBench --kafka-explorer): open (the replica fetched), key → frame
  p50/p99 vs the same keys on a local copy of the same events;
- mirror: `rewind mirror` of the topic (from an embedded copy) into the broker vs `kcat -P` of the
  same records, records/s.
The broker listens on loopback only; everything runs on this machine.
"""
import argparse
import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(command, **kwargs):
    started = time.perf_counter()
    subprocess.run(command, check=True, **kwargs)
    return time.perf_counter() - started


def end_offset(bootstrap, topic):
    import confluent_kafka as ck
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-check"})
    low, high = c.get_watermark_offsets(ck.TopicPartition(topic, 0), timeout=10)
    c.close()
    return high


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rewind", default=".build/release/rewind")
    parser.add_argument("--bench", default=".build/release/RewindBench")
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="rewind-kafka-bench-")
    port = free_port()
    bootstrap = "127.0.0.1:%d" % port
    url = "kafka://" + bootstrap
    broker = subprocess.Popen([args.rewind, "serve", "--headless", "--dir", work + "/served", "--listen", bootstrap],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
                break
            except OSError:
                time.sleep(0.01)
        n = args.records
        # 99-byte values with an 8-byte key, like serve-vs-tansu's bulk produce.
        with open(work + "/records.txt", "w") as f:
            for i in range(n):
                f.write("k%07d:%s\n" % (i, ("v%07d-" % i) * 11))
        with open(work + "/records.txt", "rb") as f:
            kcat_produce = timed(["kcat", "-b", bootstrap, "-P", "-t", "bench", "-K:", "-z", "none", "-X", "linger.ms=5",
                                  "-X", "batch.num.messages=10000"], stdin=f)
        assert end_offset(bootstrap, "bench") == n, "kcat -P did not store every record"

        # Best of three, interleaved, so a neighbour's burst on the shared cores hits all three alike.
        runs = {"kcat": [], "kcat -J": [], "rewind": []}
        with open(os.devnull, "wb") as null:
            for _ in range(3):
                runs["kcat"].append(timed(["kcat", "-b", bootstrap, "-C", "-t", "bench", "-e", "-o", "beginning", "-q"], stdout=null))
                runs["kcat -J"].append(timed(["kcat", "-b", bootstrap, "-C", "-t", "bench", "-e", "-o", "beginning", "-q", "-J"], stdout=null))
                runs["rewind"].append(timed([args.rewind, "consume", "bench", "--dir", url, "--from-beginning"], stdout=null))
        kcat_consume, kcat_json, rewind_consume = min(runs["kcat"]), min(runs["kcat -J"]), min(runs["rewind"])
        count = int(subprocess.run([args.rewind, "consume", "bench", "--dir", url, "--from-beginning"], check=True,
                                   capture_output=True).stdout.count(b"\n"))
        assert count == n, "rewind consume printed %d of %d" % (count, n)
        print("consume %d records over kafka://: rewind %.0f records/s, kcat %.0f records/s (-J JSON %.0f); ratio rewind/kcat %.2f× (JSON %.2f×)" % (
            n, n / rewind_consume, n / kcat_consume, n / kcat_json, kcat_consume / rewind_consume, kcat_json / rewind_consume))

        local = work + "/local"
        subprocess.run([args.rewind, "import", url + "/bench", "--topic", "bench", "--dir", local], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([args.bench, "--kafka-seek", url, "bench", local], check=True)
        subprocess.run([args.bench, "--kafka-explorer", url, "bench", "--dir", work + "/explorer"], check=True)

        rewind_mirror = timed([args.rewind, "mirror", "bench", "--dir", local, "--to", url + "/mirrored"], stdout=subprocess.DEVNULL)
        assert end_offset(bootstrap, "mirrored") == n, "the mirror did not store every record"
        print("mirror %d records into rewind serve: rewind mirror %.0f records/s, kcat -P %.0f records/s; ratio %.2f×" % (
            n, n / rewind_mirror, n / kcat_produce, kcat_produce / rewind_mirror))
    finally:
        broker.terminate()
        broker.wait(15)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
