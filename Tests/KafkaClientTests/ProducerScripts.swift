import EventLog

/// What confluent-kafka (librdkafka 2.16, the independent client) writes, and what Rewind must
/// read back: record i goes to partition i % partitions with key, value, headers and timestamp
/// derived from i, so both sides compute the same expectation.
enum ProducerScripts {
    static let baseTimestampMs: Int64 = 1_700_000_000_000

    /// `python3 -c produce BOOTSTRAP TOPIC CODEC COUNT PARTITIONS`: creates the topic, produces
    /// with the idempotent producer (per-partition order kept) in batches (linger 20 ms).
    static let produce = #"""
import sys, time
import confluent_kafka as ck
from confluent_kafka.admin import AdminClient, NewTopic
bs, topic, codec, count, parts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
admin = AdminClient({"bootstrap.servers": bs})
for f in admin.create_topics([NewTopic(topic, num_partitions=parts, replication_factor=1)]).values():
    try: f.result(15)
    except ck.KafkaException as e:
        if e.args[0].code() != ck.KafkaError.TOPIC_ALREADY_EXISTS: raise
p = ck.Producer({"bootstrap.servers": bs, "linger.ms": 20, "compression.type": codec, "enable.idempotence": True})
errors = []
base = 1700000000000
for i in range(count):
    headers = [("h", b"x%d" % i), ("n", None)] if i % 2 == 0 else []
    p.produce(topic, partition=i % parts, key=b"k%d" % i, value=(b"v%d-" % i) * (1 + i % 5), headers=headers,
              timestamp=base + i * 1000, on_delivery=lambda err, msg: err and errors.append(err))
    if i % 1000 == 999: p.poll(0)
assert p.flush(30) == 0, "undelivered"
assert not errors, errors[:3]
print("ok")
"""#

    /// The record confluent-kafka wrote as number `i`.
    static func expected(_ i: Int) -> (key: [UInt8], value: [UInt8], headers: [Header], timestamp: Timestamp) {
        let value = Array(String(repeating: "v\(i)-", count: 1 + i % 5).utf8)
        let headers = i % 2 == 0 ? [Header(key: "h", value: Array("x\(i)".utf8)), Header(key: "n", value: nil)] : []
        return (Array("k\(i)".utf8), value, headers, Timestamp(milliseconds: baseTimestampMs + Int64(i) * 1000))
    }

    /// `python3 -c commitGroup BOOTSTRAP GROUP TOPIC P:OFFSET…`: commits the offsets for the group
    /// as a consumer of it would (a member that joins, commits synchronously and leaves).
    static let commitGroup = #"""
import sys
import confluent_kafka as ck
bs, group, topic = sys.argv[1], sys.argv[2], sys.argv[3]
offsets = [ck.TopicPartition(topic, int(p), int(o)) for p, o in (a.split(":") for a in sys.argv[4:])]
c = ck.Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False})
result = c.commit(offsets=offsets, asynchronous=False)
assert all(t.error is None for t in result), result
c.close()
print("ok")
"""#

    /// `python3 -c readAll BOOTSTRAP TOPIC PARTITIONS`: every record of the topic as
    /// `partition offset key value timestamp` lines, read until each partition's high watermark.
    static let readAll = #"""
import sys, time
import confluent_kafka as ck
bs, topic, parts = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = ck.Consumer({"bootstrap.servers": bs, "group.id": "verify", "enable.auto.commit": False, "enable.partition.eof": True})
c.assign([ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(parts)])
eof, deadline = set(), time.time() + 60
while len(eof) < parts and time.time() < deadline:
    m = c.poll(0.5)
    if m is None: continue
    if m.error():
        if m.error().code() == ck.KafkaError._PARTITION_EOF: eof.add(m.partition()); continue
        raise Exception(m.error())
    print(m.partition(), m.offset(), (m.key() or b"").decode(), (m.value() or b"").decode(), m.timestamp()[1])
assert len(eof) == parts, eof
c.close()
"""#
}
