# The two commands of the README:
#   go run ./cmd/palisade scan examples/insecure    (Palisade's main job, no cluster needed)
#   make test                                       (every test; .ci/run calls exactly this)

GO ?= go
PKGS := ./...

.PHONY: test check lint fuzz bench build testbin chromium

# test: formatting, vet, and every test (with the race detector), fuzz seeds included. Tests
# that need a cluster run a real etcd and kube-apiserver (and a hollow kubelet, and
# kube-controller-manager for ClusterRole aggregation) on loopback;
# testbin builds them first when they are missing (minutes the first time, then nothing).
# The test of `palisade netpol -o html` opens the page in headless Chromium; chromium
# installs Debian's package first when it is missing.
test: lint testbin chromium
	$(GO) test -race -count=1 $(PKGS)

# testbin: build the test cluster's programs from their Go modules, into a cache folder keyed
# by their versions (hack/testbin/build.sh --dir prints it).
testbin:
	@hack/testbin/build.sh >/dev/null

# chromium: install Debian's chromium package when /usr/bin/chromium is missing (apt-get, as
# root or through sudo); when it cannot, the browser test is skipped, and fails under CI=true.
chromium:
	@hack/chromium.sh

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet $(PKGS)

build:
	$(GO) build -o bin/palisade ./cmd/palisade

# fuzz: run every fuzz target for FUZZTIME each (the seeds already run in `make test`).
FUZZTIME ?= 60s
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# bench: the scan figures: throughput and peak memory of `palisade scan` on the 1k, 10k and
# 100k corpora that internal/testcorpus generates (kept in $TMPDIR between runs), in every
# report format and on one core; the in-process scan benchmark; `palisade cluster` on a test
# cluster loaded with the corpus (BENCH_CLUSTER_OBJECTS of them) against the bare list calls;
# `palisade fix` beside `palisade scan` on the same copies of the corpus; and kube-linter side
# by side when one is on PATH. The cluster benchmark runs with -v: it logs its ratio to the
# listing and the binary's peak RSS, which a benchmark line has no room for.
BENCH_CLUSTER_OBJECTS ?= 10000
bench:
	hack/bench-scan.sh
	$(GO) test -run '^$$' -bench 'BenchmarkManifests' -benchmem ./internal/scan/
	PALISADE_BENCH_OBJECTS=$(BENCH_CLUSTER_OBJECTS) $(GO) test -v -run '^$$' -bench 'BenchmarkCluster' -benchtime 1x -timeout 60m ./internal/scan/
	$(GO) test -run '^$$' -bench 'BenchmarkFix' -benchtime 3x ./internal/cli/
	hack/compare-kube-linter.sh
