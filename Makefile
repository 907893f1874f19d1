# Everyday commands. "make test" is what CI runs (see .ci/run).

.PHONY: run build test test-go test-web fuzz deps bench lint

run:
	go run .

build:
	# -buildvcs=auto stamps the commit that "wsgate version" prints.
	go build -buildvcs=auto -o wsgate .

# test runs every test: Go under -race, the fuzz targets for a bounded
# time, and the JavaScript client in Node and in a real Chromium. It installs
# what the browser tests need first (scripts/install-test-deps.sh).
test: deps test-go fuzz test-web

deps:
	scripts/install-test-deps.sh

test-go:
	go vet ./...
	go test -race -count=1 ./...
	cd benchmarks && go vet ./... && go test -count=1 ./...

fuzz:
	scripts/fuzz.sh

test-web:
	cd web && npm test

# bench runs the default benchmark set (a few minutes); see
# benchmarks/README.md for the published figures and the full commands.
bench:
	cd benchmarks && go test -run='^$$' -bench=. -benchtime=1s ./...

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	go vet ./...
	cd benchmarks && go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	cd benchmarks && go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
