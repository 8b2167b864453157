# fgharness — build, test, lint, demo, bench.
# Everything here needs only Go on the machine; tools the targets use are
# installed on first use (staticcheck through the Go module proxy, spectral
# through npm, Chromium through apt for the HTML report test).

GO          ?= go
BIN         := bin
TOOLS       := $(CURDIR)/$(BIN)/tools
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
SPECTRAL_VERSION    := 6.15.0
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -X main.version=$(VERSION)
TEST_FLAGS  ?= -race -count=1 -timeout 12m

.PHONY: all build test chromium lint fmt vet staticcheck spectral demo contract load bench bench-hostile bench-vegeta bench-bombardier docs clean tools

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/fgh ./cmd/fgh

test: chromium
	$(GO) test $(TEST_FLAGS) ./...

# The HTML report is tested in a real headless Chromium (Debian's package).
# Installed here when this user can; otherwise that test skips (CI=true makes
# it fail instead, so CI never silently drops it).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium for the HTML report test"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else echo "chromium not found and cannot be installed here: the HTML browser test will skip"; fi; }

lint: fmt vet staticcheck spectral

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

spectral:
	@command -v npx >/dev/null || { echo "spectral needs node and npm: apt-get install -y nodejs npm"; exit 1; }
	npx --yes @stoplight/spectral-cli@$(SPECTRAL_VERSION) lint --fail-severity error --ruleset .spectral.yaml spec/*.yaml

demo: build
	$(BIN)/fgh demo

contract: build
	$(BIN)/fgh contract --out reports/out/contract

load: build
	$(BIN)/fgh load sync-invoke --rate 200/s --duration 10s --out reports/out/load

# Generated files: operation ids from the spec, the CLI reference from the
# commands. Tests fail while either is out of date.
docs:
	$(GO) generate ./internal/fgs ./cmd/fgh

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...

bench-hostile: # the emulator against 20,000 idle and trickling connections and 64 MB announced bodies (40 s)
	$(GO) test -run '^$$' -bench BenchmarkHostileClients -benchtime 1x -count=1 ./internal/emulator

bench-vegeta: # highest sustained rate vs the stock `vegeta attack | vegeta report` pipeline
	sh load/bench/compare.sh vegeta

bench-bombardier: # `fgh load` vs stock bombardier at the same rates: req/s, latency percentiles, CPU per request (80 s)
	sh load/bench/compare.sh bombardier

clean:
	rm -rf $(BIN) reports/out
