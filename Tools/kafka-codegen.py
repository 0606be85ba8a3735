#!/usr/bin/env python3
"""Generates Swift codecs for Kafka messages from Kafka's JSON message schemas.

    Tools/kafka-codegen.py [SCHEMA_DIR] [SOURCE_OUT_DIR] [TEST_OUT_DIR]

Defaults: Tools/kafka-schemas, Sources/KafkaProtocol/Generated, Tests/KafkaProtocolTests/Generated.
Each schema becomes one Swift file with one struct per message (nested structs for its struct
fields) that decodes and encodes every version the schema lists. The output is deterministic: the
KafkaProtocol tests run this script again and compare the files byte for byte.

Rules taken from the schema format (Kafka's clients/src/main/resources/common/message/README.md):
- a field exists in the versions of its `versions` range; absent ones keep their default;
- flexible versions use compact lengths and end every struct with a tagged-field section;
- a field with `taggedVersions` is carried only in that section, under its `tag`, and is written
  only when it differs from its default;
- `nullableVersions` says where -1 / 0 (compact) means null; the Swift property is then Optional;
- a field-level `"flexibleVersions": "none"` keeps classic encoding in flexible versions (the
  request header's client id).
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INFINITY = 32767
PRIMITIVES = {
    "int8": "Int8", "int16": "Int16", "int32": "Int32", "int64": "Int64", "uint16": "UInt16",
    "uint32": "UInt32", "float64": "Double", "bool": "Bool", "string": "String", "bytes": "[UInt8]",
    "records": "[UInt8]", "uuid": "KafkaUUID",
}
INTEGERS = {"int8", "int16", "int32", "int64", "uint16", "uint32"}
KEYWORDS = {"protocol", "default", "operator", "internal", "public", "private", "static", "class", "struct",
            "enum", "func", "var", "let", "in", "is", "as", "self", "Self", "Type", "repeat", "where"}


def load_schema(path):
    with open(path) as handle:
        text = "\n".join(line for line in handle.read().splitlines() if not line.strip().startswith("//"))
    return json.loads(text)


def parse_versions(text):
    """'0+', '3-7', '5', 'none' -> (low, high) or None."""
    if text is None or text == "none":
        return None
    if text.endswith("+"):
        return (int(text[:-1]), INFINITY)
    if "-" in text:
        low, high = text.split("-")
        return (int(low), int(high))
    return (int(text), int(text))


def intersect(a, b):
    if a is None or b is None:
        return None
    low, high = max(a[0], b[0]), min(a[1], b[1])
    return (low, high) if low <= high else None


def condition(versions, valid):
    """A Swift condition on `version` that holds inside `versions`, simplified against `valid`."""
    if versions is None:
        return "false"
    parts = []
    if versions[0] > valid[0]:
        parts.append("version >= %d" % versions[0])
    if versions[1] < valid[1]:
        parts.append("version <= %d" % versions[1])
    return " && ".join(parts) if parts else "true"


def camel(name):
    result = name[0].lower() + name[1:]
    # Leading acronyms read better lowered whole: "ACLs" is not present, but keep the rule simple.
    return "`%s`" % result if result in KEYWORDS else result


def swift_string(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Field:
    def __init__(self, spec, valid, flexible):
        self.name = spec["name"]
        self.prop = camel(self.name)
        self.type = spec["type"]
        self.versions = intersect(parse_versions(spec["versions"]), valid)
        self.nullable = intersect(parse_versions(spec.get("nullableVersions")), valid)
        self.tagged = intersect(parse_versions(spec.get("taggedVersions")), valid)
        self.tag = spec.get("tag")
        default = spec.get("default")
        if isinstance(default, bool):
            default = "true" if default else "false"
        self.default = None if default is None else str(default)
        self.classic_only = spec.get("flexibleVersions") == "none"
        self.fields = spec.get("fields")
        self.is_array = self.type.startswith("[]")
        self.element = self.type[2:] if self.is_array else self.type
        self.is_struct = self.element not in PRIMITIVES
        if self.is_struct and self.fields is None:
            raise SystemExit("struct type %s without fields (common structs are not supported)" % self.element)
        self.optional = self.nullable is not None

    def base_swift(self):
        return self.element if self.is_struct else PRIMITIVES[self.element]

    def swift_type(self):
        base = self.base_swift()
        if self.is_array:
            base = "[%s]" % base
        return base + ("?" if self.optional else "")

    def default_expr(self):
        if self.optional and (self.default in (None, "null") or self.type == "records"):
            if self.default in (None, "null") or self.type == "records":
                return "nil"
        if self.is_array:
            return "[]"
        if self.is_struct:
            return "%s()" % self.element
        kind = self.element
        if kind in INTEGERS:
            return str(int(self.default, 0)) if self.default not in (None, "") else "0"
        if kind == "float64":
            return self.default or "0"
        if kind == "bool":
            return "true" if self.default == "true" else "false"
        if kind == "string":
            return swift_string(self.default or "")
        if kind in ("bytes", "records"):
            return "[]"
        if kind == "uuid":
            return ".zero"
        raise SystemExit("no default for " + kind)


def read_scalar(kind, compact, field_name, reader="$0"):
    """An expression reading one non-null primitive."""
    label = swift_string(field_name)
    if kind in INTEGERS:
        return "try %s.read%s(%s)" % (reader, PRIMITIVES[kind], label)
    return {
        "bool": "try %s.readBool(%s)",
        "float64": "try %s.readFloat64(%s)",
        "uuid": "try %s.readUUID(%s)",
    }.get(kind, "") % (reader, label) if kind in ("bool", "float64", "uuid") else {
        "string": "try %s.readString(compact: %s, %s)" % (reader, compact, label),
        "bytes": "try %s.readBytes(compact: %s, %s)" % (reader, compact, label),
        "records": "try %s.readBytes(compact: %s, %s)" % (reader, compact, label),
    }[kind]


def write_scalar(kind, compact, value, writer="$0"):
    if kind in INTEGERS:
        return "%s.write%s(%s)" % (writer, PRIMITIVES[kind], value)
    if kind in ("bool", "float64", "uuid"):
        return "%s.write%s(%s)" % (writer, {"bool": "Bool", "float64": "Float64", "uuid": "UUID"}[kind], value)
    return "%s.write%s(%s, compact: %s)" % (writer, "String" if kind == "string" else "Bytes", value, compact)


def decode_statements(field, valid, reader, target):
    """Statements assigning `target` from `reader` for a field present in the current version."""
    compact = "false" if field.classic_only else "flexible"
    label = swift_string(field.name)
    null_cond = condition(field.nullable, valid) if field.optional else "false"
    if field.is_array:
        if field.is_struct:
            element = "{ try %s(from: &$0, version: version) }" % field.element
        else:
            element = "{ %s }" % read_scalar(field.element, compact, field.name)
        plain = "try %s.readArray(compact: %s, %s) %s" % (reader, compact, label, element)
        nullable = "try %s.readNullableArray(compact: %s, %s) %s" % (reader, compact, label, element)
    elif field.is_struct:
        return ["%s = try %s(from: &%s, version: version)" % (target, field.element, reader)]
    elif field.element in ("string", "bytes", "records"):
        word = "String" if field.element == "string" else "Bytes"
        plain = "try %s.read%s(compact: %s, %s)" % (reader, word, compact, label)
        nullable = "try %s.readNullable%s(compact: %s, %s)" % (reader, word, compact, label)
    else:
        return ["%s = %s" % (target, read_scalar(field.element, compact, field.name, reader))]
    if null_cond == "false":
        return ["%s = %s" % (target, plain)]
    if null_cond == "true":
        return ["%s = %s" % (target, nullable)]
    return ["if %s { %s = %s } else { %s = %s }" % (null_cond, target, nullable, target, plain)]


def encode_statements(field, valid, writer, value):
    compact = "false" if field.classic_only else "flexible"
    null_cond = condition(field.nullable, valid) if field.optional else "false"
    if field.is_array:
        if field.is_struct:
            element = "{ $1.encode(into: &$0, version: version) }"
        else:
            element = "{ %s }" % write_scalar(field.element, compact, "$1")
        plain = lambda v: "%s.writeArray(%s, compact: %s) %s" % (writer, v, compact, element)
        nullable = "%s.writeNullableArray(%s, compact: %s) %s" % (writer, value, compact, element)
        empty = "[]"
    elif field.is_struct:
        return ["%s.encode(into: &%s, version: version)" % (value, writer)]
    elif field.element in ("string", "bytes", "records"):
        word = "String" if field.element == "string" else "Bytes"
        plain = lambda v: "%s.write%s(%s, compact: %s)" % (writer, word, v, compact)
        nullable = "%s.writeNullable%s(%s, compact: %s)" % (writer, word, value, compact)
        empty = '""' if field.element == "string" else "[]"
    else:
        return [write_scalar(field.element, compact, value, writer)]
    if not field.optional:
        return [plain(value)]
    if null_cond == "true":
        return [nullable]
    fallback = plain("%s ?? %s" % (value, empty))
    if null_cond == "false":
        return [fallback]
    return ["if %s { %s } else { %s }" % (null_cond, nullable, fallback)]


def random_expr(field, valid, rng="rng"):
    """Test support: an expression giving a random value valid in the current version."""
    def scalar(kind):
        if kind in INTEGERS:
            return "%s(truncatingIfNeeded: %s.next())" % (PRIMITIVES[kind], rng)
        return {
            "bool": "%s.next() & 1 == 1" % rng,
            "float64": "Double(%s.next() %% 1000) / 8" % rng,
            "uuid": "KafkaUUID(high: %s.next(), low: %s.next())" % (rng, rng),
            "string": "%s.string()" % rng,
            "bytes": "%s.bytes()" % rng,
            "records": "%s.bytes()" % rng,
        }[kind]
    if field.is_array:
        element = "%s.random(version: version, &%s)" % (field.element, rng) if field.is_struct else scalar(field.element)
        value = "(0..<%s.count()).map { _ in %s }" % (rng, element)
    elif field.is_struct:
        value = "%s.random(version: version, &%s)" % (field.element, rng)
    else:
        value = scalar(field.element)
    if field.optional:
        null_cond = condition(field.nullable, valid)
        if null_cond != "false":
            return "(%s) && %s.next() %% 4 == 0 ? nil : %s" % (null_cond, rng, value)
    return value


class Struct:
    def __init__(self, name, fields_spec, valid, flexible, collector):
        self.name = name
        self.valid = valid
        self.flexible = flexible
        self.fields = [Field(spec, valid, flexible) for spec in fields_spec]
        self.children = []
        for field in self.fields:
            if field.is_struct:
                child = Struct(field.element, field.fields, valid, flexible, collector)
                key = field.element
                if key in collector:
                    raise SystemExit("struct %s defined twice" % key)
                collector[key] = child
                self.children.append(child)

    def flexible_expr(self):
        if self.flexible is None:
            return "false"
        low = max(self.flexible[0], self.valid[0])
        if low > self.valid[1]:
            return "false"
        return condition((low, INFINITY), self.valid)

    def emit(self, out, indent, top_level=None):
        pad = " " * indent
        conformances = "KafkaMessage" if top_level else "Equatable, Sendable"
        out.append("%spublic struct %s: %s {" % (pad, self.name, conformances))
        inner = pad + "    "
        if top_level:
            api_key, low, high, flexible_start = top_level
            out.append("%spublic static let apiKey: Int16 = %d" % (inner, api_key))
            out.append("%spublic static let validVersions: ClosedRange<Int16> = %d...%d" % (inner, low, high))
            out.append("%spublic static let flexibleVersionsStart: Int16? = %s" % (inner, flexible_start))
            out.append("")
        for field in self.fields:
            out.append("%spublic var %s: %s = %s" % (inner, field.prop, field.swift_type(), field.default_expr()))
        out.append("")
        out.append("%spublic init() {}" % inner)
        # Decoding.
        out.append("")
        out.append("%spublic init(from reader: inout KafkaReader, version: Int16) throws {" % inner)
        body = inner + "    "
        flexible = self.flexible_expr()
        out.append("%slet flexible = %s" % (body, flexible))
        out.append("%s_ = flexible" % body)
        for field in self.fields:
            if field.versions is None:
                continue
            in_version = condition(field.versions, self.valid)
            if field.tagged is not None:
                continue
            statements = decode_statements(field, self.valid, "reader", "self." + field.prop)
            self.guarded(out, body, in_version, statements)
        tagged = [f for f in self.fields if f.tagged is not None and f.versions is not None]
        if flexible != "false":
            out.append("%sif flexible {" % body)
            out.append("%s    try reader.readTaggedFields { tag, field in" % body)
            if tagged:
                out.append("%s        switch tag {" % body)
                for field in sorted(tagged, key=lambda f: f.tag):
                    cond = condition(intersect(field.tagged, field.versions), self.valid)
                    where = "" if cond == "true" else " where %s" % cond
                    out.append("%s        case %d%s:" % (body, field.tag, where))
                    for statement in decode_statements(field, self.valid, "field", "self." + field.prop):
                        out.append("%s            %s" % (body, statement))
                out.append("%s        default: break" % body)
                out.append("%s        }" % body)
            else:
                out.append("%s        _ = (tag, field)" % body)
            out.append("%s    }" % body)
            out.append("%s}" % body)
        out.append("%s}" % inner)
        # Encoding.
        out.append("")
        out.append("%spublic func encode(into writer: inout KafkaWriter, version: Int16) {" % inner)
        out.append("%slet flexible = %s" % (body, flexible))
        out.append("%s_ = flexible" % body)
        for field in self.fields:
            if field.versions is None or field.tagged is not None:
                continue
            statements = encode_statements(field, self.valid, "writer", "self." + field.prop)
            self.guarded(out, body, condition(field.versions, self.valid), statements)
        if flexible != "false":
            out.append("%sif flexible {" % body)
            if not tagged:
                out.append("%s    writer.writeTaggedFields([])" % body)
                out.append("%s}" % body)
        if flexible != "false" and tagged:
            out.append("%s    var tagged: [(tag: UInt32, bytes: [UInt8])] = []" % body)
            for field in sorted(tagged, key=lambda f: f.tag):
                cond = condition(intersect(field.tagged, field.versions), self.valid)
                out.append("%s    if %s, self.%s != %s {" % (body, cond, field.prop, field.default_expr()))
                out.append("%s        var field = KafkaWriter()" % body)
                for statement in encode_statements(field, self.valid, "field", "self." + field.prop):
                    out.append("%s        %s" % (body, statement))
                out.append("%s        tagged.append((tag: %d, bytes: field.bytes))" % (body, field.tag))
                out.append("%s    }" % body)
            out.append("%s    writer.writeTaggedFields(tagged)" % body)
            out.append("%s}" % body)
        out.append("%s}" % inner)
        for child in self.children:
            out.append("")
            child.emit(out, indent + 4)
        out.append("%s}" % pad)

    @staticmethod
    def guarded(out, pad, cond, statements):
        if cond == "false":
            return
        if cond == "true":
            for statement in statements:
                out.append(pad + statement)
            return
        out.append("%sif %s {" % (pad, cond))
        for statement in statements:
            out.append("%s    %s" % (pad, statement))
        out.append("%s}" % pad)

    def emit_random(self, out, qualified):
        out.append("extension %s {" % qualified)
        out.append("    static func random(version: Int16, _ rng: inout MessageRandom) -> %s {" % qualified)
        out.append("        var message = %s()" % qualified)
        for field in self.fields:
            if field.versions is None:
                continue
            cond = condition(field.versions, self.valid)
            if field.tagged is not None:
                cond = condition(intersect(field.tagged, field.versions), self.valid)
            if cond == "false":
                continue
            assignment = "message.%s = %s" % (field.prop, random_expr(field, self.valid))
            if cond == "true":
                out.append("        " + assignment)
            else:
                out.append("        if %s { %s }" % (cond, assignment))
        out.append("        return message")
        out.append("    }")
        out.append("}")
        for child in self.children:
            out.append("")
            child.emit_random(out, qualified + "." + child.name)


HEADER = "// Generated by Tools/kafka-codegen.py from %s (Apache Kafka's message schema). Do not edit.\n"


def generate(schema_dir, source_dir, test_dir):
    names = sorted(name for name in os.listdir(schema_dir) if name.endswith(".json"))
    requests, responses = [], []
    random_out = ["// Generated by Tools/kafka-codegen.py: random messages for the round-trip property test. Do not edit.",
                  "@testable import KafkaProtocol", ""]
    for name in names:
        schema = load_schema(os.path.join(schema_dir, name))
        valid = parse_versions(schema["validVersions"])
        flexible = parse_versions(schema.get("flexibleVersions"))
        top = Struct(schema["name"], schema["fields"], valid, flexible, {})
        flexible_start = "nil" if flexible is None else str(flexible[0])
        out = [HEADER % name.rstrip()]
        top.emit(out, 0, (schema.get("apiKey", -1), valid[0], valid[1], flexible_start))
        with open(os.path.join(source_dir, schema["name"] + ".swift"), "w") as handle:
            handle.write("\n".join(out) + "\n")
        top.emit_random(random_out, schema["name"])
        random_out.append("")
        if schema["type"] == "request":
            requests.append((schema["apiKey"], schema["name"]))
        elif schema["type"] == "response":
            responses.append((schema["apiKey"], schema["name"]))
    index = [HEADER % "every schema in Tools/kafka-schemas",
             "/// The message types by API key, for code that dispatches on a header's key (servers, fuzzers).",
             "public enum KafkaSchemas {"]
    for label, entries in (("requests", requests), ("responses", responses)):
        index.append("    public static let %s: [Int16: any KafkaMessage.Type] = [" % label)
        for key, name in sorted(entries):
            index.append("        %d: %s.self," % (key, name))
        index.append("    ]")
    index.append("}")
    with open(os.path.join(source_dir, "KafkaSchemas.swift"), "w") as handle:
        handle.write("\n".join(index) + "\n")
    random_out.append("/// Every request and response type with its random generator, for the property test.")
    random_out.append("func randomMessages() -> [(any KafkaMessage.Type, (Int16, inout MessageRandom) -> any KafkaMessage)] {")
    random_out.append("  [")
    for _, name in sorted(requests + responses, key=lambda entry: entry[1]):
        random_out.append("    (%s.self, { %s.random(version: $0, &$1) })," % (name, name))
    random_out.append("  ]")
    random_out.append("}")
    with open(os.path.join(test_dir, "RandomMessages.swift"), "w") as handle:
        handle.write("\n".join(random_out) + "\n")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    schema_dir = arguments[0] if len(arguments) > 0 else os.path.join(ROOT, "Tools/kafka-schemas")
    source_dir = arguments[1] if len(arguments) > 1 else os.path.join(ROOT, "Sources/KafkaProtocol/Generated")
    test_dir = arguments[2] if len(arguments) > 2 else os.path.join(ROOT, "Tests/KafkaProtocolTests/Generated")
    os.makedirs(source_dir, exist_ok=True)
    os.makedirs(test_dir, exist_ok=True)
    generate(schema_dir, source_dir, test_dir)
