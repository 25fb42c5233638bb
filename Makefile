# Partnerhub: `make run` starts the hub with demo data; `make test` runs every check.
GO ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.Version=$(VERSION)

.PHONY: run test test-citus build lint fmt deps-run deps-test bench

run: deps-run
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/partnerhub dev

build:
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o bin/partnerhub ./cmd/partnerhub

test: deps-test lint
	$(GO) test -count=1 -timeout 20m ./...

# The hub on a Citus cluster prepared with deploy/citus (not part of make test):
# CITUS_OWNER_URL and CITUS_APP_URL name the coordinator's partnerhub database.
test-citus:
	scripts/test-citus.sh

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

deps-run:
	@scripts/ensure-deps.sh run

deps-test:
	@scripts/ensure-deps.sh test
