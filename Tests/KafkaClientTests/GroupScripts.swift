/// confluent-kafka (librdkafka) as the other members of a consumer group Rewind joins.
enum GroupScripts {
    /// `python3 -c member BOOTSTRAP GROUP TOPIC STOPFILE`: a subscribed member (range assignor,
    /// short session) printing `assigned P P…` on each assignment and `P OFFSET` per record, until
    /// STOPFILE exists; then it commits and leaves (close).
    static let member = #"""
import sys, os
import confluent_kafka as ck
bs, group, topic, stop = sys.argv[1:5]
c = ck.Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest",
                 "session.timeout.ms": 6000, "heartbeat.interval.ms": 300, "max.poll.interval.ms": 10000,
                 "partition.assignment.strategy": "range"})
def commit(consumer):
    try: consumer.commit(asynchronous=False)
    except ck.KafkaException: pass
def assigned(consumer, parts): print("assigned", " ".join(str(p.partition) for p in parts), flush=True)
c.subscribe([topic], on_assign=assigned, on_revoke=lambda consumer, parts: commit(consumer))
while not os.path.exists(stop):
    m = c.poll(0.2)
    if m is None or m.error(): continue
    print(m.partition(), m.offset(), flush=True)
commit(c)
c.close()
"""#

    /// `python3 -c resume BOOTSTRAP GROUP TOPIC PARTITIONS`: joins the group alone and prints
    /// `P OFFSET` for every record from the group's commits to the end of each partition.
    static let resume = #"""
import sys, time
import confluent_kafka as ck
bs, group, topic, parts = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = ck.Consumer({"bootstrap.servers": bs, "group.id": group, "enable.auto.commit": False, "auto.offset.reset": "earliest",
                 "enable.partition.eof": True, "session.timeout.ms": 6000})
c.subscribe([topic])
eof, deadline = set(), time.time() + 60
while len(eof) < parts and time.time() < deadline:
    m = c.poll(0.2)
    if m is None: continue
    if m.error():
        if m.error().code() == ck.KafkaError._PARTITION_EOF: eof.add(m.partition()); continue
        raise Exception(m.error())
    print(m.partition(), m.offset())
assert len(eof) == parts, eof
c.close()
"""#
}
