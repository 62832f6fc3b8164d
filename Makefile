# Stampede's tasks. `make test` is exactly what CI runs (.ci/run).
GO      ?= go
BIN     ?= bin/stampede
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/stampede-load/stampede/cmd/stampede/version.Version=$(VERSION)

# The demo: queue-concurrency against the embedded reference API, sized to
# finish in about a minute.
DEMO_ENV := -e TARGET_VUS=200 -e RAMP_UP=30s -e HOLD=15s -e RAMP_DOWN=10s -e THINK_TIME_MIN=0.5 -e THINK_TIME_MAX=1.5

.PHONY: build test fmt-check vet unit sobek stack-check e2e demo bench clean

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/stampede

test: fmt-check vet unit sobek stack-check e2e

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Unit and package tests, with the race detector.
unit:
	$(GO) test -race -timeout 30m $$($(GO) list ./... | grep -v /e2e$$)

# The JavaScript engine's own tests (third_party/sobek, a separate module that
# ./... does not reach), with Stampede's patch in it.
sobek:
	cd third_party/sobek && $(GO) vet ./... && $(GO) test -race -count=1 ./...

# A VU's iteration must fit in an 8 KB goroutine stack (bench/stack_test.go);
# measured without the race detector, which changes stack sizes.
stack-check:
	$(GO) test -count=1 -run 'TestQueueIterationStackFits8KB' ./bench/

# End-to-end runs of the real binary; alone, so that the latency thresholds
# they check are not measured on a machine busy with the race-detector suite.
e2e:
	$(GO) test -timeout 20m -count=1 ./e2e

demo: build
	$(BIN) run --embedded-target $(DEMO_ENV) scripts/queue-concurrency.js

# Benchmarks (BENCHMARKS.md): the end-to-end harness's short runs against
# loopback servers (a table, about 6 minutes; needs hey and wrk for the CPU
# comparison), then the micro-benchmarks of the VU and request paths.
# bench-full: the long runs (10-minute flat-memory run, the seed's full
# queue-concurrency profile; about 40 minutes) and every package's benchmarks.
bench: build
	$(GO) run ./bench/cmd/stampede-bench -stampede $(BIN)
	$(GO) test -run '^$$' -bench . -benchmem ./bench/ ./metrics/

.PHONY: bench-full
bench-full: build
	$(GO) run ./bench/cmd/stampede-bench -stampede $(BIN) -full -repeat 5
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./...

clean:
	rm -rf bin
