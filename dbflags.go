package main

import (
	"context"
	"flag"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// defaultDatabase is the database file when neither --database nor a
// configuration file names one.
const defaultDatabase = "wsgate.db"

// dbOptions are the persist options of the offline commands; tests lower
// the password hashing cost.
var dbOptions = persist.Options{}

// dbFlags are the flags every command that touches the database shares:
// --database, --config and --busy-timeout.
type dbFlags struct {
	fs          *flag.FlagSet
	database    string
	config      string
	busyTimeout time.Duration
}

// addDBFlags defines the database flags on fs.
func addDBFlags(fs *flag.FlagSet) *dbFlags {
	f := &dbFlags{fs: fs}
	fs.StringVar(&f.database, "database", defaultDatabase,
		"SQLite database `file`, created and migrated if needed; without it, the --config file's database")
	fs.StringVar(&f.config, "config", "", "configuration `file` whose database setting (and cleanup ages) to use")
	fs.DurationVar(&f.busyTimeout, "busy-timeout", 5*time.Second,
		"how long to wait for a server holding the database's write lock")
	return f
}

// isSet reports whether the flag name was given on the command line.
func (f *dbFlags) isSet(name string) bool {
	set := false
	f.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == name {
			set = true
		}
	})
	return set
}

// loadConfig reads the --config file, or returns nil without one.
func (f *dbFlags) loadConfig() (*config, error) {
	if f.config == "" {
		return nil, nil
	}
	return loadConfigFile(f.config)
}

// path is the database file: --database, else the config file's, else the
// default.
func (f *dbFlags) path(cfg *config) string {
	if !f.isSet("database") && cfg != nil && cfg.Database != "" {
		return cfg.Database
	}
	return f.database
}

// open reads the configuration file, if any, and opens the database. The
// caller closes the database.
func (f *dbFlags) open(ctx context.Context) (*persist.DB, *config, error) {
	if f.busyTimeout <= 0 {
		return nil, nil, usagef("--busy-timeout=%v: give a positive duration such as 5s", f.busyTimeout)
	}
	cfg, err := f.loadConfig()
	if err != nil {
		return nil, nil, err
	}
	opts := dbOptions
	opts.BusyTimeout = f.busyTimeout
	db, err := persist.Open(ctx, f.path(cfg), &opts)
	if err != nil {
		return nil, nil, err
	}
	return db, cfg, nil
}

// withDB opens the database and runs fn with it, closing it afterwards.
// Commands parse and check their arguments first, so that a usage mistake
// is reported without touching the database.
func (f *dbFlags) withDB(ctx context.Context, fn func(db *persist.DB) error) error {
	db, _, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// withName parses args, which must hold exactly one positional NAME, and
// runs fn with the open database and that name.
func (f *dbFlags) withName(ctx context.Context, args []string, what string,
	fn func(db *persist.DB, name string) error) error {
	name, err := oneName(f.fs, args, what)
	if err != nil {
		return err
	}
	return f.withDB(ctx, func(db *persist.DB) error { return fn(db, name) })
}

// oneName parses args that must hold exactly one positional NAME.
func oneName(fs *flag.FlagSet, args []string, what string) (string, error) {
	rest, err := parseFlags(fs, args)
	if err != nil {
		return "", err
	}
	if len(rest) != 1 {
		return "", usagef("%s: want exactly one NAME, got %d arguments", what, len(rest))
	}
	return rest[0], nil
}

// onlyFlags parses args that must hold no positional argument; hint, if
// any, ends the message about one that is there.
func onlyFlags(fs *flag.FlagSet, args []string, what, hint string) error {
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("%s: unexpected argument %q%s", what, rest[0], hint)
	}
	return nil
}
