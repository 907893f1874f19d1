package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"

	"time"

	"github.com/wsgate/wsgate/persist"
	"github.com/wsgate/wsgate/server"
)

// serveFlags are the flags of "wsgate serve"; each overrides its key of
// the configuration file.
type serveFlags struct {
	config, listen, database, logFormat, logLevel string
}

// runServe serves until ctx ends (SIGINT or SIGTERM), then drains
// gracefully and returns nil.
func runServe(ctx context.Context, io *stdio, args []string) error {
	cfg, err := serveConfig(io, args)
	if err != nil {
		return err
	}
	log := newLogger(io.err, cfg)

	db, err := persist.Open(ctx, cfg.Database, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w: choose another address with --listen", cfg.Listen, err)
	}
	return serve(ctx, cfg, db, ln, log)
}

// serve runs the server on ln until ctx ends, then shuts it down within
// the drain window plus a grace period for the journal.
func serve(ctx context.Context, cfg *config, db *persist.DB, ln net.Listener,
	log *slog.Logger) error {
	opts := cfg.serverOptions()
	opts.DB, opts.Logger = db, log
	opts.Metrics = server.NewMetrics(&server.MetricsOptions{Endpoints: endpointPaths(opts)})
	srv, err := server.New(ctx, opts)
	if err != nil {
		ln.Close()
		return err
	}
	log.Info("wsgate is serving: open "+browserURL(ln.Addr())+" in a browser",
		"listen", ln.Addr().String(), "database", db.Path(), "endpoints", endpointPaths(opts))

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
		log.Error("serve", "err", err)
	case <-ctx.Done():
	}

	grace := time.Duration(cfg.DrainTimeout) + 10*time.Second
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	shutdownErr := srv.Shutdown(sctx)
	if err == nil {
		err = <-served
	}
	if err = errors.Join(err, shutdownErr); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// browserURL is the URL to point a browser at for the listening address:
// a wildcard address becomes 127.0.0.1 (or ::1), which always works
// from the same machine.
func browserURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

// endpointPaths lists the configured endpoint paths.
func endpointPaths(o *server.Options) []string {
	paths := make([]string, 0, len(o.Endpoints))
	for _, e := range o.Endpoints {
		paths = append(paths, e.Path)
	}
	return paths
}

// serveConfig parses the flags of serve and returns the configuration:
// embedded defaults, then the file, then the flags.
func serveConfig(io *stdio, args []string) (*config, error) {
	var f serveFlags
	fs := newFlagSet("serve", "serve [--config FILE] [--listen ADDR] [--database PATH] "+
		"[--log-format text|json] [--log-level debug|info|warn|error]", io)
	fs.StringVar(&f.config, "config", "", "TOML configuration `file` (default: the embedded defaults)")
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", "`address` to listen on (key listen)")
	fs.StringVar(&f.database, "database", "wsgate.db", "SQLite database `path` (key database)")
	fs.StringVar(&f.logFormat, "log-format", "text", "log `format`: text or json (key log_format)")
	fs.StringVar(&f.logLevel, "log-level", "info",
		"log `level`: debug, info, warn or error (key log_level)")
	usage := fs.Usage
	fs.Usage = func() {
		usage()
		printConfigHelp(io.err)
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, usagef("serve takes no arguments, got %q: run 'wsgate serve --help'", pos[0])
	}

	cfg := defaultConfig()
	if f.config != "" {
		if cfg, err = loadConfigFile(f.config); err != nil {
			return nil, err
		}
	}
	if err := applyServeFlags(fs, &f, cfg); err != nil {
		return nil, err
	}
	return cfg, cfg.validate()
}

// applyServeFlags copies the flags given on the command line over cfg.
func applyServeFlags(fs *flag.FlagSet, f *serveFlags, cfg *config) error {
	var err error
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "listen":
			if _, _, e := net.SplitHostPort(f.listen); e != nil {
				err = usagef("--listen %q: want host:port, like 127.0.0.1:8080", f.listen)
			}
			cfg.Listen = f.listen
		case "database":
			cfg.Database = f.database
		case "log-format":
			if e := oneOf(enum(f.logFormat), "text", "json"); e != nil {
				err = usagef("--log-format: %v", e)
			}
			cfg.LogFormat = enum(f.logFormat)
		case "log-level":
			if e := oneOf(enum(f.logLevel), "debug", "info", "warn", "error"); e != nil {
				err = usagef("--log-level: %v", e)
			}
			cfg.LogLevel = enum(f.logLevel)
		}
	})
	return err
}

// printConfigHelp prints every configuration key with its default: the
// embedded defaults.toml, which comments each key.
func printConfigHelp(w io.Writer) {
	fmt.Fprintln(w, "\nconfiguration keys, with their defaults (a --config file may set any of them):")
	fmt.Fprintln(w)
	w.Write(defaultsTOML)
}

// newLogger returns the configured slog logger writing to w.
func newLogger(w io.Writer, cfg *config) *slog.Logger {
	ho := &slog.HandlerOptions{Level: cfg.logLevel()}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}
