package persist

import (
	"errors"
	"fmt"

	"github.com/mattn/go-sqlite3"
)

// The sentinel errors of the package. Match them with errors.Is; the
// returned errors wrap them with the name or action that failed.
var (
	// ErrNotFound: no user, session or API key has the given name or secret.
	ErrNotFound = errors.New("not found")
	// ErrExists: a user or API key with that name already exists.
	ErrExists = errors.New("already exists")
	// ErrBadCredentials: the user is unknown or the password is wrong;
	// the two are deliberately indistinguishable.
	ErrBadCredentials = errors.New("bad credentials")
	// ErrInvalid: a name, permission, password or argument is not
	// acceptable (empty, too long, or containing forbidden characters).
	ErrInvalid = errors.New("invalid argument")
)

// isBusy reports whether err is SQLite giving up on a lock after the busy
// timeout.
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// isConstraintUnique reports whether err is a UNIQUE or PRIMARY KEY
// violation.
func isConstraintUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique ||
		se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// fail wraps err with the action that failed and, when another process held
// the database locked past the busy timeout, with what to do about it.
func (db *DB) fail(action string, err error) error {
	if isBusy(err) {
		return fmt.Errorf("%s: database %s stayed locked by another connection for more than %v: "+
			"retry later or stop the process holding it: %w", action, db.path, db.busyTimeout, err)
	}
	return fmt.Errorf("%s: %w", action, err)
}
