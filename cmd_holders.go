package main

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// This file holds what "wsgate user" and "wsgate apikey" share: both
// administer named holders of permissions.

// permList is a repeatable --perm flag.
type permList []string

func (p *permList) String() string { return strings.Join(*p, ",") }

func (p *permList) Set(v string) error {
	*p = append(*p, v)
	return nil
}

// permText shows a permission list, "-" when empty.
func permText(perms []string) string {
	if len(perms) == 0 {
		return "-"
	}
	return strings.Join(perms, ",")
}

// permTable starts the table the list commands print, one holder a row;
// the caller writes rows with permRow and flushes it.
func permTable(out io.Writer) *tabwriter.Writer {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPERMISSIONS\tCREATED")
	return w
}

// permRow writes one holder to a permTable.
func permRow(w io.Writer, name string, perms []string, created time.Time) {
	fmt.Fprintf(w, "%s\t%s\t%s\n", name, permText(perms), stamp(created))
}

// holderKind names a kind of holder in the commands' error messages.
type holderKind struct {
	noun    string // as in "no user NAME"
	command string // the command that lists them
	taken   string // what to do when the name is taken
}

var (
	userKind   = holderKind{"user", "user", "choose another name"}
	apiKeyKind = holderKind{"API key", "apikey", "choose another name, or revoke it first"}
)

// explain turns persist's sentinel errors about the holder name into one
// line saying what to do; what is the failed command, as "user add".
func (k holderKind) explain(what string, db *persist.DB, name string, err error) error {
	switch {
	case errors.Is(err, persist.ErrNotFound):
		return fmt.Errorf("%s: no %s %q in %s: see 'wsgate %s list'",
			what, k.noun, name, db.Path(), k.command)
	case errors.Is(err, persist.ErrExists):
		return fmt.Errorf("%s: %s %q already exists in %s: %s", what, k.noun, name, db.Path(), k.taken)
	case errors.Is(err, persist.ErrInvalid):
		return usagef("%v", err)
	}
	return err
}
