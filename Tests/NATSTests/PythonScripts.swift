/// The independent client: nats-py scripts the interop tests run (`python3 -c`).
enum PythonScripts {
    /// publish URL STREAM COUNT: creates the stream (subjects STREAM.>), publishes COUNT messages
    /// (varied subjects, headers, binary payloads) acknowledged, then prints each stored message as
    /// the server's STREAM.MSG.GET returns it, next to what was published, one JSON line each.
    static let publish = #"""
import asyncio, base64, json, sys, nats
async def main():
    url, stream, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    nc = await nats.connect(url)
    js = nc.jetstream()
    await js.add_stream(name=stream, subjects=[stream + ".>"])
    sent = []
    for i in range(count):
        subject = "%s.k%d.%s" % (stream, i % 13, "eu" if i % 2 else "us")
        payload = json.dumps({"type": "deposit" if i % 3 else "withdrawal", "account": "acct%d" % (i % 17), "amount": i % 1000}).encode()
        if i % 50 == 7:
            payload = bytes([0, 255, 10, 13, i % 256])
        headers = {"event-id": "e%d" % i, "producer": "nats-py"} if i % 5 else None
        ack = await js.publish(subject, payload, headers=headers)
        sent.append((ack.seq, subject, headers, payload))
    for seq, subject, headers, payload in sent:
        reply = await nc.request("$JS.API.STREAM.MSG.GET." + stream, json.dumps({"seq": seq}).encode())
        stored = json.loads(reply.data)["message"]
        print(json.dumps({"seq": seq, "subject": subject, "headers": [[k, v] for k, v in (headers or {}).items()],
                          "payload": base64.b64encode(payload).decode(), "time": stored["time"],
                          "stored_subject": stored["subject"], "stored_payload": stored.get("data", "")}))
    await nc.close()
asyncio.run(main())
"""#

    /// read URL STREAM: every message of the stream through a pull consumer, one JSON line each.
    static let read = #"""
import asyncio, base64, json, sys, nats
async def main():
    url, stream = sys.argv[1], sys.argv[2]
    nc = await nats.connect(url)
    js = nc.jetstream()
    info = await js.stream_info(stream)
    total = info.state.messages
    sub = await js.pull_subscribe("", durable=None, stream=stream)
    got = 0
    while got < total:
        msgs = await sub.fetch(min(1000, total - got), timeout=10)
        for m in msgs:
            got += 1
            print(json.dumps({"seq": m.metadata.sequence.stream, "subject": m.subject,
                              "headers": [[k, v] for k, v in (m.headers or {}).items()],
                              "payload": base64.b64encode(m.data).decode()}))
            await m.ack()
    await nc.close()
asyncio.run(main())
"""#
}
