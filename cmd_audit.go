package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"text/tabwriter"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// runAudit lists journaled connection attempts, newest first: "wsgate
// audit", or the most rejected keys: "wsgate audit top".
func runAudit(ctx context.Context, io *stdio, args []string) error {
	if len(args) > 0 && args[0] == "top" {
		return auditTop(ctx, io, args[1:])
	}
	fs := newFlagSet("audit",
		"audit [top] [--ip IP] [--user U] [--since 1h] [--rejected] [--limit N] [--json] [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	ip := fs.String("ip", "", "only attempts of this IP key (IPv6 keys are journaled masked, e.g. 2001:db8:1:2::)")
	user := fs.String("user", "", "only attempts of this user")
	since := fs.Duration("since", time.Hour, "only attempts this recent; 0 for all")
	rejected := fs.Bool("rejected", false, "only rejected attempts")
	limit := fs.Int("limit", 100, "at most this many attempts")
	asJSON := fs.Bool("json", false, "print one JSON array of objects with the columns of connection_attempts")
	err := onlyFlags(fs, args, "audit", ": the only subcommand is 'top'")
	if err != nil {
		return err
	}
	f := persist.AttemptFilter{User: *user, RejectedOnly: *rejected, Limit: *limit}
	if f.IP, err = normalizeIP(*ip); err != nil {
		return err
	}
	if f.Since, err = sinceTime(*since); err != nil {
		return err
	}
	if *limit <= 0 {
		return usagef("audit: --limit=%d: give a positive number", *limit)
	}

	return dbf.withDB(ctx, func(db *persist.DB) error {
		rows, err := db.Attempts(ctx, f)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(io, rows)
		}
		return printAttempts(io, rows)
	})
}

// normalizeIP checks an --ip value and writes it as the journal does:
// IPv4-mapped IPv6 as IPv4.
func normalizeIP(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return "", usagef("audit: --ip=%q is not an IP address", s)
	}
	return a.Unmap().String(), nil
}

// sinceTime turns --since into a time; 0 means all time.
func sinceTime(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, usagef("audit: --since=%v: give a positive duration such as 1h, or 0 for all", d)
	}
	if d == 0 {
		return time.Time{}, nil
	}
	return time.Now().Add(-d), nil
}

// printAttempts writes the attempts as an aligned table.
func printAttempts(io *stdio, rows []persist.AttemptRow) error {
	w := tabwriter.NewWriter(io.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tAT\tENDPOINT\tIP\tUSER\tSUCCESS\tREASON")
	for _, r := range rows {
		user, success := r.User, "no"
		if user == "" {
			user = "-"
		}
		if r.Success {
			success = "yes"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, stamp(r.At), r.Endpoint, r.IP, user, success, r.Reason)
	}
	return w.Flush()
}

// printJSON writes v as indented JSON.
func printJSON(io *stdio, v any) error {
	enc := json.NewEncoder(io.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// auditTop prints the keys with the most rejected attempts.
func auditTop(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("audit top", "audit top [--since 1h] [--by ip|user] [--limit N] [--json] [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	since := fs.Duration("since", time.Hour, "count rejected attempts this recent; 0 for all")
	by := fs.String("by", "ip", "group by `ip` or user")
	limit := fs.Int("limit", 10, "show at most this many keys")
	asJSON := fs.Bool("json", false, `print one JSON array of {"key", "count"} objects`)
	if err := onlyFlags(fs, args, "audit top", ""); err != nil {
		return err
	}
	if *by != "ip" && *by != "user" {
		return usagef("audit top: --by=%q: want ip or user", *by)
	}
	if *limit <= 0 {
		return usagef("audit top: --limit=%d: give a positive number", *limit)
	}
	from, err := sinceTime(*since)
	if err != nil {
		return err
	}

	return dbf.withDB(ctx, func(db *persist.DB) error {
		top, err := db.TopRejected(ctx, *by, from, *limit)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(io, top)
		}
		return printTop(io, *by, top)
	})
}

// printTop writes the most rejected keys as a right-aligned table.
func printTop(io *stdio, by string, top []persist.KeyCount) error {
	w := tabwriter.NewWriter(io.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := map[string]string{"ip": "IP", "user": "USER"}[by]
	fmt.Fprintf(w, "REJECTED\t %s\n", header)
	for _, k := range top {
		fmt.Fprintf(w, "%d\t %s\n", k.Count, k.Key)
	}
	return w.Flush()
}
