# chatroom: the two commands a newcomer needs are `make run` and `make test`.
GO       ?= go
PKGS     := ./...
# How long each fuzz target runs inside `make test`; run `make fuzz
# FUZZTIME=5m` for a longer search.
FUZZTIME ?= 4s

.PHONY: run build test unit fuzz bench vet cross clean

## run: start the daemon on port 1998 with the default data folder
## (make run ARGS="--listen 127.0.0.1:2222" to pass flags)
run: build
	./chatroom $(ARGS)

## build: build ./chatroom
build:
	$(GO) build -o chatroom ./cmd/chatroom

## test: vet, every test with the race detector, a short fuzz of each target, the Windows build
test: vet unit fuzz cross

vet:
	@test -z "$$(gofmt -l .)" || { echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet $(PKGS)

unit:
	$(GO) test -race -count=1 -timeout 10m $(PKGS)

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzText$$' -fuzztime $(FUZZTIME) ./sanitize
	$(GO) test -run '^$$' -fuzz '^FuzzNick$$' -fuzztime $(FUZZTIME) ./sanitize
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./chat/command
	$(GO) test -run '^$$' -fuzz '^FuzzSubmit$$' -fuzztime $(FUZZTIME) ./chat/command
	$(GO) test -run '^$$' -fuzz '^FuzzOperatorCommands$$' -fuzztime $(FUZZTIME) ./chat/command
	$(GO) test -run '^$$' -fuzz '^FuzzMentions$$' -fuzztime $(FUZZTIME) ./chat/message
	$(GO) test -run '^$$' -fuzz '^FuzzWrap$$' -fuzztime $(FUZZTIME) ./ui
	$(GO) test -run '^$$' -fuzz '^FuzzRowDiff$$' -fuzztime $(FUZZTIME) ./ui/screen

## cross: the daemon must build for Windows and macOS hosts too (vet also
## type-checks the Windows-only tests, which run on Windows only)
cross:
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./...
	GOOS=windows GOARCH=amd64 $(GO) vet ./...
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./...

## bench: the micro-benchmarks of every package, 6 runs each, then the load
## benchmark (./loadtest: real ssh sessions, a few minutes), 3 runs; medians
## with benchstat if installed (make bench BENCH=Fanout to pick by name)
BENCH ?= .
MICRO  = $(shell $(GO) list $(PKGS) | grep -v '/loadtest$$')
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count 6 -timeout 30m $(MICRO) | tee bench.out
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime 1x -count 3 -timeout 30m ./loadtest | tee -a bench.out
	@command -v benchstat >/dev/null 2>&1 && benchstat bench.out || echo "(install golang.org/x/perf/cmd/benchstat for medians: go install golang.org/x/perf/cmd/benchstat@latest)"

clean:
	rm -f chatroom bench.out
