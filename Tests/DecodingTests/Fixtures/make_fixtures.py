#!/usr/bin/env python3
"""Generates the Decoding test fixtures with independent encoders: fastavro for Avro, protoc and
Google's protobuf runtime for Protobuf. Run from this directory:

    pip install fastavro protobuf && apt-get install -y protobuf-compiler
    python3 make_fixtures.py

Writes avro-cases.json, registry-export.json, evolution-cases.json, order.desc, protobuf-cases.json.
Expected JSON follows Rewind's rendering: bytes/fixed as {"base64"}, decimals as strings, dates
and times ISO-8601, unions bare, enums by symbol, floats compared with a tolerance (flag "float").
"""
import base64, datetime, decimal, io, json, os, re, subprocess, sys, uuid
import fastavro

def b64(data): return {"base64": base64.b64encode(bytes(data)).decode()}

def avro_bytes(schema, value):
    buf = io.BytesIO()
    fastavro.schemaless_writer(buf, fastavro.parse_schema(json.loads(json.dumps(schema))), value)
    return buf.getvalue()

UTC = datetime.timezone.utc

EVERY_TYPE = {
    "type": "record", "name": "Everything", "namespace": "test.all",
    "fields": [
        {"name": "n", "type": "null"},
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "by", "type": "bytes"},
        {"name": "s", "type": "string"},
        {"name": "e", "type": {"type": "enum", "name": "Colour", "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "a", "type": {"type": "array", "items": "int"}},
        {"name": "m", "type": {"type": "map", "values": "string"}},
        {"name": "u", "type": ["null", "string", "long", "Colour"]},
        {"name": "fx", "type": {"type": "fixed", "name": "Three", "size": 3}},
        {"name": "inner", "type": {"type": "record", "name": "Inner", "namespace": "other",
                                   "fields": [{"name": "c", "type": "test.all.Colour"}, {"name": "t", "type": "test.all.Three"}]}},
        {"name": "inners", "type": {"type": "array", "items": "other.Inner"}},
        {"name": "nested", "type": {"type": "map", "values": {"type": "array", "items": ["null", "double"]}}},
        {"name": "wrapped", "type": {"type": "string"}},
    ],
}

def every_type_cases():
    cases = []
    values = [
        dict(n=None, b=True, i=-1, l=2**62, f=1.5, d=-0.1, by=b"\x00\xffab", s="héllo \"q\" \\ \n\t\x01",
             e="BLUE", a=[1, -2, 2147483647, -2147483648], m={"k": "v", "é": ""}, u="text", fx=b"\x01\x02\x03",
             inner={"c": "RED", "t": b"abc"}, inners=[{"c": "GREEN", "t": b"xyz"}], nested={"x": [None, 2.5], "y": []}, wrapped="w"),
        dict(n=None, b=False, i=0, l=-(2**63), f=-0.0, d=1e300, by=b"", s="", e="RED", a=[], m={}, u=None, fx=b"\x00\x00\x00",
             inner={"c": "BLUE", "t": b"\xff\xfe\xfd"}, inners=[], nested={}, wrapped=""),
        dict(n=None, b=True, i=123456, l=9, f=3.25, d=123456.789, by=bytes(range(40)), s="🙂 wide", e="GREEN", a=list(range(200)),
             m={str(k): "v" * k for k in range(30)}, u=42, fx=b"zzz", inner={"c": "GREEN", "t": b"\x00a\x00"},
             inners=[{"c": "RED", "t": b"123"}] * 3, nested={"z": [None]}, wrapped="x" * 300),
        dict(n=None, b=False, i=7, l=7, f=0.1, d=0.1, by=b"x", s="s", e="RED", a=[0], m={"a": "b"}, u="GREEN", fx=b"abc",
             inner={"c": "RED", "t": b"abc"}, inners=[], nested={}, wrapped="w"),
    ]
    for v in values:
        # fastavro picks the union branch by type; "GREEN" as a string would go to the string
        # branch, so the enum branch is chosen explicitly.
        encoded_value = dict(v)
        if v["u"] == "GREEN": encoded_value["u"] = ("test.all.Colour", "GREEN")
        expected = dict(v)
        for key in ("by", "fx"): expected[key] = b64(v[key])
        expected["inner"] = {"c": v["inner"]["c"], "t": b64(v["inner"]["t"])}
        expected["inners"] = [{"c": x["c"], "t": b64(x["t"])} for x in v["inners"]]
        cases.append({"hex": avro_bytes(EVERY_TYPE, encoded_value).hex(), "expected": expected})
    return cases

LOGICAL = {
    "type": "record", "name": "Logical",
    "fields": [
        {"name": "dec", "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}},
        {"name": "decFixed", "type": {"type": "fixed", "name": "D8", "size": 8, "logicalType": "decimal", "precision": 18, "scale": 3}},
        {"name": "decWhole", "type": {"type": "bytes", "logicalType": "decimal", "precision": 40}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "tms", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "tus", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "tsms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "tsus", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "ltsms", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "ltsus", "type": {"type": "long", "logicalType": "local-timestamp-micros"}},
        {"name": "maybeTs", "type": ["null", {"type": "long", "logicalType": "timestamp-millis"}]},
        {"name": "unknownLogical", "type": {"type": "int", "logicalType": "not-a-real-one"}},
    ],
}

def iso_ms(dt): return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (dt.microsecond // 1000)
def iso_us(dt): return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%06d" % dt.microsecond

def logical_cases():
    cases = []
    rows = [
        (decimal.Decimal("-12.30"), decimal.Decimal("123456789.125"), decimal.Decimal("123456789012345678901234567890"),
         uuid.UUID("12345678-1234-5678-1234-567812345678"), datetime.date(2024, 2, 29), datetime.time(13, 5, 9, 250000),
         datetime.time(23, 59, 59, 999999), datetime.datetime(2024, 1, 15, 12, 0, 5, 250000, tzinfo=UTC),
         datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), datetime.datetime(2000, 1, 1, 0, 0, 0, 1000),
         datetime.datetime(1900, 3, 1, 6, 7, 8, 9), datetime.datetime(2030, 6, 30, 1, 2, 3, 4000, tzinfo=UTC), 5),
        (decimal.Decimal("0.05"), decimal.Decimal("-0.001"), decimal.Decimal("-98765432109876543210"),
         uuid.UUID("00000000-0000-0000-0000-000000000000"), datetime.date(1969, 7, 20), datetime.time(0, 0, 0),
         datetime.time(0, 0, 0, 1), datetime.datetime(1970, 1, 1, tzinfo=UTC), datetime.datetime(1600, 2, 29, 12, 0, 0, 123456, tzinfo=UTC),
         datetime.datetime(9999, 12, 31, 23, 59, 59, 999000), datetime.datetime(1970, 1, 1), None, -3),
    ]
    for dec, decf, decw, id_, day, tms, tus, tsms, tsus, ltsms, ltsus, maybe, unk in rows:
        value = dict(dec=dec, decFixed=decf, decWhole=decw, id=str(id_), day=day, tms=tms, tus=tus, tsms=tsms, tsus=tsus,
                     ltsms=ltsms, ltsus=ltsus, maybeTs=maybe, unknownLogical=unk)
        expected = dict(
            dec="{:f}".format(dec), decFixed="{:f}".format(decf), decWhole="{:f}".format(decw), id=str(id_), day=day.isoformat(),
            tms=tms.strftime("%H:%M:%S.") + "%03d" % (tms.microsecond // 1000), tus=tus.strftime("%H:%M:%S.") + "%06d" % tus.microsecond,
            tsms=iso_ms(tsms) + "Z", tsus=iso_us(tsus) + "Z", ltsms=iso_ms(ltsms), ltsus=iso_us(ltsus),
            maybeTs=None if maybe is None else iso_ms(maybe) + "Z", unknownLogical=unk)
        cases.append({"hex": avro_bytes(LOGICAL, value).hex(), "expected": expected})
    return cases

RECURSIVE = {"type": "record", "name": "Node", "fields": [
    {"name": "value", "type": "int"}, {"name": "next", "type": ["null", "Node"]}]}

def recursive_cases():
    chain = None
    for i in range(5): chain = {"value": i, "next": chain}
    return [{"hex": avro_bytes(RECURSIVE, chain).hex(), "expected": chain}]

# Block counts as the spec allows but fastavro never writes: negative counts followed by the
# block's byte size, and several blocks per array/map. Hand-encoded here, so the decoder is tested
# against the spec's words rather than one encoder's habits.
BLOCKS = {"type": "record", "name": "Blocks", "fields": [
    {"name": "a", "type": {"type": "array", "items": "long"}},
    {"name": "m", "type": {"type": "map", "values": "string"}}]}

def zigzag(n):
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while True:
        if n < 0x80: out.append(n); return bytes(out)
        out.append((n & 0x7F) | 0x80); n >>= 7

def astr(s): b = s.encode(); return zigzag(len(b)) + b

def block_cases():
    items1 = b"".join(zigzag(x) for x in [1, -1, 300])
    items2 = zigzag(-5)
    array = zigzag(-3) + zigzag(len(items1)) + items1 + zigzag(1) + items2 + zigzag(0)
    pairs = astr("k1") + astr("v1") + astr("k2") + astr("")
    mapping = zigzag(-2) + zigzag(len(pairs)) + pairs + zigzag(1) + astr("k3") + astr("v3") + zigzag(0)
    return [{"hex": (array + mapping).hex(), "expected": {"a": [1, -1, 300, -5], "m": {"k1": "v1", "k2": "", "k3": "v3"}}}]

# Schema evolution: one topic, two writer schemas under two ids, Confluent-framed.
V1 = {"type": "record", "name": "Payment", "namespace": "bank", "fields": [
    {"name": "account", "type": "string"}, {"name": "amount", "type": "long"}]}
V2 = {"type": "record", "name": "Payment", "namespace": "bank", "fields": [
    {"name": "account", "type": "string"}, {"name": "amount", "type": "long"},
    {"name": "currency", "type": {"type": "enum", "name": "Currency", "symbols": ["EUR", "USD"]}, "default": "EUR"},
    {"name": "memo", "type": ["null", "string"], "default": None}]}

def framed(schema_id, payload): return (b"\x00" + schema_id.to_bytes(4, "big") + payload).hex()

def evolution_cases():
    return [
        {"hex": framed(7, avro_bytes(V1, {"account": "BradA", "amount": 100})), "expected": {"account": "BradA", "amount": 100}, "id": 7},
        {"hex": framed(9, avro_bytes(V2, {"account": "Zoë", "amount": -5, "currency": "USD", "memo": "fx"})),
         "expected": {"account": "Zoë", "amount": -5, "currency": "USD", "memo": "fx"}, "id": 9},
        {"hex": framed(7, avro_bytes(V1, {"account": "CarolM", "amount": 7})), "expected": {"account": "CarolM", "amount": 7}, "id": 7},
    ]

def write_json(name, value):
    with open(name, "w") as f: json.dump(value, f, indent=1, ensure_ascii=False, sort_keys=True); f.write("\n")

# ---- Protobuf ---------------------------------------------------------------------------------

def protobuf_fixtures():
    subprocess.check_call(["protoc", "--include_imports", "-o", "order.desc", "--python_out=/tmp", "order.proto"])
    sys.path.insert(0, "/tmp")
    import order_pb2
    from google.protobuf import json_format
    from google.protobuf.descriptor import FieldDescriptor as FD

    def expected_json(message):
        """MessageToDict with Rewind's conventions: 64-bit integers as numbers, bytes as {"base64"}."""
        out = {}
        for field, value in message.ListFields():
            def convert(v):
                if field.type == FD.TYPE_MESSAGE: return expected_json(v)
                if field.type == FD.TYPE_BYTES: return b64(v)
                if field.type == FD.TYPE_ENUM: return field.enum_type.values_by_number[v].name
                return v
            if field.message_type and field.message_type.GetOptions().map_entry:
                vf = field.message_type.fields_by_name["value"]
                out[field.name] = {str(k): (expected_json(v) if vf.type == FD.TYPE_MESSAGE else v) for k, v in value.items()}
            elif field.is_repeated:
                out[field.name] = [convert(v) for v in value]
            else:
                out[field.name] = convert(value)
        return out

    orders = []
    o = order_pb2.Order(id="o-1", status=order_pb2.PAID, gift=True, weight=2.5, ratio=0.25, code=4000000000, delta=-7, blob=b"\x00\xff\x10",
                        big=2**64 - 1)
    o.total.currency = "EUR"; o.total.units = -1234567890123; o.total.nanos = -500
    o.quantities.extend([1, -2, 300000])
    o.tags.extend(["gift", "fast lane"])
    o.counts["apples"] = 3; o.counts["pears"] = -9000000000
    for c, u in (("EUR", 1), ("USD", 2)):
        item = o.items.add(); item.currency = c; item.units = u
    o.unpacked.extend([5, 6, 7])
    o.note.text = "leave at the door"; o.note.score = -42
    orders.append(o)
    o2 = order_pb2.Order(id="o-2")
    o2.quantities.extend([])
    orders.append(o2)
    o3 = order_pb2.Order(status=order_pb2.REFUNDED, weight=-0.125)
    o3.items.add().currency = "GBP"
    orders.append(o3)

    cases = []
    for order in orders:
        data = order.SerializeToString()
        cases.append({"hex": data.hex(), "expected": expected_json(order), "raw": decode_raw(data)})
    # Unknown fields: numbers 20 (varint 7) and 21 (a string) that the schema does not have.
    data = orders[2].SerializeToString() + bytes([0xA0, 0x01, 0x07, 0xAA, 0x01, 0x03]) + b"new"
    expected = expected_json(orders[2]); expected["20"] = 7; expected["21"] = "new"
    cases.append({"hex": data.hex(), "expected": expected, "raw": decode_raw(data)})
    # Confluent protobuf framing: schema id 3, message indexes [0] written as the single byte 0.
    confluent = {"hex": (b"\x00\x00\x00\x00\x03\x00" + orders[0].SerializeToString()).hex(), "expected": expected_json(orders[0])}
    # ... and as an explicit array [1, 1]: Order.Note is nested type 1 of message 1 (Order) — type 0
    # is the synthetic map entry CountsEntry, which descriptors (and Confluent's indexes) count.
    note = order_pb2.Order.Note(text="hi", score=3)
    nested = {"hex": (b"\x00\x00\x00\x00\x03" + zigzag(2) + zigzag(1) + zigzag(1) + note.SerializeToString()).hex(), "expected": expected_json(note)}
    write_json("protobuf-cases.json", {"message": "shop.Order", "cases": cases, "confluent": [confluent, nested]})
    with open("order.decode.txt", "w") as f:
        for case in cases:
            f.write(subprocess.run(["protoc", "--decode=shop.Order", "order.proto"], input=bytes.fromhex(case["hex"]),
                                   capture_output=True, check=True).stdout.decode() + "----\n")

def decode_raw(data):
    """`protoc --decode_raw`'s text turned into Rewind's raw JSON (numbers as keys, repeats as arrays)."""
    text = subprocess.run(["protoc", "--decode_raw"], input=data, capture_output=True, check=True).stdout.decode()
    lines = text.splitlines()
    pos = 0
    def unescape(s):
        raw = s.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")
        try: return raw.decode("utf-8")
        except UnicodeDecodeError: return b64(raw)
    def parse_block():
        nonlocal pos
        obj = {}
        def put(key, value):
            if key in obj:
                if not isinstance(obj[key], list) or not getattr(obj[key], "_repeated", False):
                    lst = Repeated([obj[key]]); obj[key] = lst
                obj[key].append(value)
            else:
                obj[key] = value
        while pos < len(lines):
            line = lines[pos].strip(); pos += 1
            if line == "}": return obj
            m = re.match(r"^(\d+) \{$", line)
            if m: put(m.group(1), parse_block()); continue
            key, value = line.split(": ", 1)
            if value.startswith('"'): put(key, unescape(value[1:-1]))
            elif value.startswith("0x"): put(key, int(value, 16))
            else: put(key, int(value))
        return obj
    return parse_block()

class Repeated(list):
    _repeated = True

if __name__ == "__main__":
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    write_json("avro-cases.json", [
        {"name": "every-type", "schema": EVERY_TYPE, "cases": every_type_cases()},
        {"name": "logical", "schema": LOGICAL, "cases": logical_cases()},
        {"name": "recursive", "schema": RECURSIVE, "cases": recursive_cases()},
        {"name": "negative-blocks", "schema": BLOCKS, "cases": block_cases()},
    ])
    write_json("registry-export.json", {"7": json.dumps(V1), "9": {"schema": json.dumps(V2), "subject": "pay-value", "version": 2}})
    write_json("evolution-cases.json", evolution_cases())
    protobuf_fixtures()
    print("fixtures written")
