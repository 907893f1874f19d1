module github.com/wsgate/wsgate/benchmarks

go 1.26.0

require github.com/wsgate/wsgate v0.0.0

require (
	github.com/coder/websocket v1.8.15 // indirect
	github.com/go-chi/httprate v0.16.1 // indirect
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	github.com/klauspost/cpuid/v2 v2.2.10 // indirect
	github.com/pelletier/go-toml/v2 v2.4.3 // indirect
	github.com/sethvargo/go-limiter v0.7.1 // indirect
	github.com/zeebo/xxh3 v1.0.2 // indirect
	go.uber.org/goleak v1.3.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/time v0.16.0 // indirect
)

replace github.com/wsgate/wsgate => ../
