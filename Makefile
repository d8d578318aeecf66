# avrdata: `make run` starts the daemon on local services, `make test` runs
# every test. `make help` lists the rest.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
TOOLS       := $(CURDIR)/.tools/bin
BIN         := $(CURDIR)/bin
FUZZTIME    ?= 20000x
BENCHTIME   ?= 3x

.PHONY: help build test test-short fuzz bench lint run services services-stop clean

help:
	@echo "make run            start avrdata serve on local PostgreSQL and S3"
	@echo "make test           start local services, run every test, stop them"
	@echo "make test-short     unit tests only (no services)"
	@echo "make fuzz           run each fuzz target (FUZZTIME=$(FUZZTIME))"
	@echo "make bench          benchmarks against local services"
	@echo "make lint           gofmt, go vet, staticcheck"
	@echo "make build          build bin/avrdata"
	@echo "make services       start local services (details in .services/env)"
	@echo "make services-stop  stop them"

build:
	$(GO) build -o $(BIN)/avrdata ./cmd/avrdata

test:
	scripts/services run -- scripts/test

test-short:
	$(GO) test -short ./...

fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz

bench:
	scripts/services run -- scripts/bench

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	GOBIN=$(TOOLS) $(GO) install $(STATICCHECK)
	$(TOOLS)/staticcheck ./...

run: build
	scripts/services run -- scripts/run

services:
	scripts/services up

services-stop:
	scripts/services down

clean: services-stop
	rm -rf $(BIN)
