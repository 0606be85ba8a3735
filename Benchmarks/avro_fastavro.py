#!/usr/bin/env python3
"""fastavro's schemaless_reader over the records RewindBench --avro-only wrote, in the same run:
    python3 Benchmarks/avro_fastavro.py RECORDS_FILE SCHEMA_FILE
RECORDS_FILE holds [u32 little-endian length][Avro bytes] per record. Splitting the file into
records is not timed; each timed read is what a consumer does per message: wrap the bytes in a
BytesIO and call schemaless_reader with the parsed writer schema. Prints the best of 3 rounds."""
import io, json, struct, sys, time
import fastavro
from fastavro import _read  # the compiled reader; the pure-Python one would be far slower

records_path, schema_path = sys.argv[1], sys.argv[2]
schema = fastavro.parse_schema(json.load(open(schema_path)))
data = open(records_path, "rb").read()
records, position = [], 0
while position < len(data):
    (length,) = struct.unpack_from("<I", data, position)
    records.append(data[position + 4:position + 4 + length])
    position += 4 + length
reader = fastavro.schemaless_reader
best = None
for _ in range(3):
    started = time.perf_counter()
    for record in records:
        reader(io.BytesIO(record), schema)
    elapsed = time.perf_counter() - started
    best = elapsed if best is None else min(best, elapsed)
print(json.dumps({"records": len(records), "bytes": sum(map(len, records)), "seconds": best,
                  "fastavro": fastavro.__version__, "compiled": _read.__file__.endswith(".so")}))
