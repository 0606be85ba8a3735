/// The independent clients' side of the tests: confluent-kafka (librdkafka 2.16) and kafka-python
/// scripts run with `python3 -c SCRIPT BOOTSTRAP …`. Each asserts what it sees and prints "ok"
/// (plus figures the Swift side checks) only when every assertion held.
enum ClientScripts {
    /// Keys, headers, timestamps; acks 0, 1 and all; the idempotent producer; consume from the
    /// beginning and from an offset; watermarks; offsets_for_times.
    static let confluentProduceConsume = #"""
import sys, time
import confluent_kafka as ck
bs = sys.argv[1]
base = 1700000000000
def produce(topic, conf, count=10):
    p = ck.Producer(dict({"bootstrap.servers": bs, "linger.ms": 0}, **conf))
    errors = []
    for i in range(count):
        p.produce(topic, key=b"k%d" % i, value=b"v%d" % i, headers=[("h", b"x%d" % i), ("empty", None)],
                  timestamp=base + i * 1000, on_delivery=lambda err, msg: err and errors.append(err))
    assert p.flush(15) == 0, "undelivered"
    assert not errors, errors
def consume(topic, offset, count):
    c = ck.Consumer({"bootstrap.servers": bs, "group.id": "reader", "enable.auto.commit": False})
    c.assign([ck.TopicPartition(topic, 0, offset)])
    seen, deadline = [], time.time() + 15
    while len(seen) < count and time.time() < deadline:
        m = c.poll(0.2)
        if m is None: continue
        assert m.error() is None, m.error()
        seen.append(m)
    return c, seen
for topic, conf in [("acks-0", {"acks": "0"}), ("acks-1", {"acks": "1"}), ("acks-all", {"acks": "all"}),
                    ("idempotent", {"enable.idempotence": True})]:
    produce(topic, conf)
    c, seen = consume(topic, ck.OFFSET_BEGINNING, 10)
    assert [m.offset() for m in seen] == list(range(10)), (topic, [m.offset() for m in seen])
    assert [m.key() for m in seen] == [b"k%d" % i for i in range(10)]
    assert [m.value() for m in seen] == [b"v%d" % i for i in range(10)]
    assert [m.timestamp() for m in seen] == [(ck.TIMESTAMP_CREATE_TIME, base + i * 1000) for i in range(10)], seen[0].timestamp()
    assert seen[3].headers() == [("h", b"x3"), ("empty", None)], seen[3].headers()
    c.close()
c, seen = consume("acks-1", 6, 4)
assert [m.offset() for m in seen] == [6, 7, 8, 9], [m.offset() for m in seen]
assert c.get_watermark_offsets(ck.TopicPartition("acks-1", 0), timeout=10) == (0, 10)
found = c.offsets_for_times([ck.TopicPartition("acks-1", 0, base + 3500)], timeout=10)
assert found[0].offset == 4, found
found = c.offsets_for_times([ck.TopicPartition("acks-1", 0, base + 3000)], timeout=10)
assert found[0].offset == 3, found
found = c.offsets_for_times([ck.TopicPartition("acks-1", 0, base + 99000)], timeout=10)
assert found[0].offset == -1, found
c.close()
print("ok")
"""#

    /// One member, then a second with a rebalance; every event seen exactly once across it; a
    /// restart resumes from the commits.
    static let confluentGroupRebalance = #"""
import sys, time
import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
bs = sys.argv[1]
admin = AdminClient({"bootstrap.servers": bs})
for f in admin.create_topics([NewTopic("orders", 4, 1)]).values(): f.result(10)
p = ck.Producer({"bootstrap.servers": bs, "linger.ms": 0})
def produce(start, count):
    for i in range(start, start + count):
        p.produce("orders", key=b"key%d" % i, value=b"%d" % i)
    assert p.flush(10) == 0
def member(name):
    return ck.Consumer({"bootstrap.servers": bs, "group.id": "billing", "client.id": name, "enable.auto.commit": False,
                        "auto.offset.reset": "earliest", "session.timeout.ms": 6000, "heartbeat.interval.ms": 300,
                        "partition.assignment.strategy": "range"})
seen, values = {}, []
def poll(consumer, name):
    m = consumer.poll(0.1)
    if m is None or m.error(): return
    key = (m.partition(), m.offset())
    assert key not in seen, "seen twice: %s by %s and %s" % (key, seen[key], name)
    seen[key] = name
    values.append(int(m.value()))
    consumer.commit(message=m, asynchronous=False)
produce(0, 100)
a = member("a")
a.subscribe(["orders"])
deadline = time.time() + 20
while len(seen) < 50 and time.time() < deadline: poll(a, "a")
assert len(seen) >= 50, len(seen)
b = member("b")
b.subscribe(["orders"])
produce(100, 100)
deadline = time.time() + 40
while (len(seen) < 200 or len(set(seen.values())) < 2) and time.time() < deadline:
    poll(a, "a"); poll(b, "b")
assert len(seen) == 200, len(seen)
assert set(seen.values()) == {"a", "b"}, "the second member never got partitions"
assert sorted(values) == list(range(200)), "lost or duplicated events"
a.close(); b.close()
# Restart: a new member resumes after the commits and sees only what comes next.
produce(200, 10)
c = member("c")
c.subscribe(["orders"])
fresh, deadline = [], time.time() + 20
while len(fresh) < 10 and time.time() < deadline:
    m = c.poll(0.1)
    if m is None or m.error(): continue
    assert (m.partition(), m.offset()) not in seen, "re-delivered after restart"
    fresh.append(int(m.value()))
assert sorted(fresh) == list(range(200, 210)), sorted(fresh)
c.close()
print("ok members=%d" % len(set(seen.values())))
"""#

    /// A member that dies without leaving is removed after its session timeout.
    static let confluentSessionExpiry = #"""
import subprocess, sys, time
import confluent_kafka as ck
from confluent_kafka.admin import AdminClient
bs = sys.argv[1]
child = r'''
import os, sys, time, confluent_kafka as ck
c = ck.Consumer({"bootstrap.servers": sys.argv[1], "group.id": "doomed", "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
c.subscribe(["doomed-topic"])
deadline = time.time() + 20
while not c.assignment() and time.time() < deadline: c.poll(0.1)
print("assigned", len(c.assignment()), flush=True)
os._exit(0)
'''
p = ck.Producer({"bootstrap.servers": bs})
p.produce("doomed-topic", b"x")
assert p.flush(10) == 0
out = subprocess.run([sys.executable, "-c", child, bs], capture_output=True, text=True, timeout=40)
assert out.stdout.startswith("assigned 1"), out
died = time.time()
admin = AdminClient({"bootstrap.servers": bs})
def members():
    g = admin.describe_consumer_groups(["doomed"])["doomed"].result(10)
    return len(g.members), str(g.state)
count, state = members()
assert count == 1, (count, state)
deadline = time.time() + 20
while members()[0] != 0 and time.time() < deadline: time.sleep(0.2)
gone = time.time() - died
count, state = members()
assert count == 0, (count, state)
assert 4.5 < gone < 12, gone
print("ok expired after %.1f s, state %s" % (gone, state))
"""#

    /// kafka-python 3 (idempotent by default): admin create/list/describe topics, produce, a group
    /// consumer with commits, list/describe groups, group offsets.
    static let kafkaPython = #"""
import sys, time
from kafka import KafkaProducer, KafkaConsumer, KafkaAdminClient, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
bs = sys.argv[1]
admin = KafkaAdminClient(bootstrap_servers=bs)
admin.create_topics([NewTopic("kp", 3, 1)])
try:
    admin.create_topics([NewTopic("kp", 3, 1)])
    raise AssertionError("second create succeeded")
except TopicAlreadyExistsError:
    pass
assert "kp" in admin.list_topics(), admin.list_topics()
described = admin.describe_topics(["kp"])
assert len(described[0]["partitions"]) == 3, described
p = KafkaProducer(bootstrap_servers=bs, acks="all")
for i in range(30):
    p.send("kp", key=b"k%d" % i, value=b"v%d" % i, headers=[("n", b"%d" % i)])
p.flush(10)
p.close()
c = KafkaConsumer("kp", bootstrap_servers=bs, group_id="kp-group", auto_offset_reset="earliest",
                  enable_auto_commit=False, consumer_timeout_ms=15000)
got = []
for m in c:
    got.append(m)
    if len(got) == 30: break
assert sorted(m.value for m in got) == sorted(b"v%d" % i for i in range(30)), len(got)
assert all(m.headers == [("n", m.value[1:])] for m in got)
c.commit()
groups = [g["group_id"] for g in admin.list_groups()]
assert "kp-group" in groups, groups
d = admin.describe_groups(["kp-group"])["kp-group"]
assert d["group_state"] == "Stable" and len(d["members"]) == 1, d
assert d["members"][0]["member_assignment"]["assigned_partitions"] == [{"topic": "kp", "partitions": [0, 1, 2]}], d
assert d["members"][0]["client_host"] == "/127.0.0.1" and d["members"][0]["client_id"].startswith("kafka-python"), d
offsets = admin.list_group_offsets("kp-group")["kp-group"]
assert sum(o.offset for o in offsets.values()) == 30, offsets
c.close()
d = admin.describe_groups(["kp-group"])["kp-group"]
assert d["group_state"] == "Empty" and not d["members"], d
print("ok")
"""#

    /// Reads a segment file with kafka-python's own record reader: prints "batches records codecs".
    static let kafkaPythonReadSegment = #"""
import sys
from kafka.record import MemoryRecords
data = open(sys.argv[1], "rb").read()
records, batches, codecs = 0, 0, set()
reader = MemoryRecords(data)
while True:
    batch = reader.next_batch()
    if batch is None: break
    batches += 1
    codecs.add(batch.compression_type)
    for r in batch: records += 1
print(batches, records, ",".join(str(c) for c in sorted(codecs)))
"""#

    /// acks=all producing until killed: prints every acknowledged value, one per line, flushed.
    static let confluentAckedProducer = #"""
import sys, time
import confluent_kafka as ck
bs, count = sys.argv[1], int(sys.argv[2])
p = ck.Producer({"bootstrap.servers": bs, "acks": "all", "linger.ms": 1, "message.timeout.ms": 4000,
                 "retries": 0, "socket.timeout.ms": 2000})
def acked(err, msg):
    if err is None:
        sys.stdout.write(msg.value().decode() + "\n")
        sys.stdout.flush()
for i in range(count):
    while True:
        try:
            p.produce("durable", value=b"value-%d" % i, on_delivery=acked)
            break
        except BufferError:
            p.poll(0.01)
    p.poll(0)
p.flush(6)
"""#
}
