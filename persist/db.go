package persist

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// Options tunes [Open]. The zero value and nil mean the defaults.
type Options struct {
	// BusyTimeout is how long a statement waits for another connection's
	// write lock before failing. Default 5s.
	BusyTimeout time.Duration

	// Password sets the cost of new password hashes. Nil means
	// [DefaultPasswordParams]. Stored hashes carry their own parameters, so
	// changing this never locks anyone out.
	Password *PasswordParams
}

// DB is an open wsgate database. Build it with [Open]; it is safe for
// concurrent use, and other processes may open the same file at once.
type DB struct {
	sql         *sql.DB
	path        string
	busyTimeout time.Duration
	password    PasswordParams

	// dummyOnce guards dummyHash, the hash Authenticate checks unknown
	// names against so that they cost as much as known ones.
	dummyOnce sync.Once
	dummyHash string
}

// Open opens the database file at path, creating it (but not its directory)
// if needed, switches it to WAL mode and migrates its schema. A schema newer
// than this binary knows is refused. Errors name the file and what to do.
func Open(ctx context.Context, path string, opts *Options) (*DB, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.BusyTimeout <= 0 {
		o.BusyTimeout = 5 * time.Second
	}
	if o.Password == nil {
		o.Password = &DefaultPasswordParams
	}
	if err := checkPath(path); err != nil {
		return nil, err
	}

	sdb, err := sql.Open("sqlite3", dsn(path, o.BusyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	db := &DB{sql: sdb, path: path, busyTimeout: o.BusyTimeout, password: *o.Password}
	if err := db.setUp(ctx); err != nil {
		sdb.Close()
		return nil, explainOpen(path, o.BusyTimeout, err)
	}
	return db, nil
}

// dsn builds the go-sqlite3 connection string. Every connection gets WAL,
// synchronous=NORMAL (durable at checkpoints, never corrupt; a crash loses
// at most the last commits), foreign keys, and BEGIN IMMEDIATE so that a
// write transaction takes the lock up front instead of failing to upgrade.
func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	// database/sql never shares a connection between goroutines, so
	// SQLite's own per-connection mutex is pure overhead.
	q.Set("_mutex", "no")
	u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath(), RawQuery: q.Encode()}
	return u.String()
}

// checkPath refuses the path problems SQLite reports badly: a missing
// directory, a directory instead of a file, and a file without write
// permission (which the superuser would otherwise write anyway).
func checkPath(path string) error {
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("open database %s: directory %s does not exist: create it or choose another path",
			path, dir)
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("open database %s: is a directory: choose a file path", path)
	}
	if st.Mode().Perm()&0o200 == 0 {
		return fmt.Errorf("open database %s: file is read-only (mode %v): make it writable (chmod u+w) "+
			"or choose another path", path, st.Mode().Perm())
	}
	return nil
}

// explainOpen turns SQLite's error codes into one line naming the file and
// what to do.
func explainOpen(path string, busy time.Duration, err error) error {
	var se sqlite3.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("open database %s: %w", path, err)
	}
	switch se.Code {
	case sqlite3.ErrNotADB:
		return fmt.Errorf("open database %s: file is not an SQLite database: choose another path "+
			"or move the file away", path)
	case sqlite3.ErrReadonly:
		return fmt.Errorf("open database %s: file is read-only: make it and its directory writable "+
			"or choose another path", path)
	case sqlite3.ErrBusy, sqlite3.ErrLocked:
		return fmt.Errorf("open database %s: locked by another connection for more than %v: "+
			"retry later or stop the process holding it", path, busy)
	case sqlite3.ErrCantOpen, sqlite3.ErrPerm:
		return fmt.Errorf("open database %s: cannot open the file or its -wal/-shm files: "+
			"check the permissions of the file and its directory", path)
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// setUp checks that the file is a usable database and migrates it.
func (db *DB) setUp(ctx context.Context) error {
	var mode string
	if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, not wal: the file system may not support WAL", mode)
	}
	return db.migrate(ctx)
}

// Close closes the database. Close the journal first.
func (db *DB) Close() error {
	return db.sql.Close()
}

// Path returns the file name the database was opened with.
func (db *DB) Path() string { return db.path }

// SizeBytes returns the size on disk: the main file plus its write-ahead
// log.
func (db *DB) SizeBytes(ctx context.Context) (int64, error) {
	var total int64
	for _, name := range []string{db.path, db.path + "-wal"} {
		st, err := os.Stat(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("database size: %w", err)
		}
		total += st.Size()
	}
	return total, nil
}
