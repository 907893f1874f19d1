package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/wsgate/wsgate/persist"
)

// runAPIKey administers API keys: "wsgate apikey create|list|revoke".
func runAPIKey(ctx context.Context, io *stdio, args []string) error {
	if len(args) == 0 {
		return usagef("apikey: missing subcommand: create, list or revoke")
	}
	switch args[0] {
	case "create":
		return apikeyCreate(ctx, io, args[1:])
	case "list":
		return apikeyList(ctx, io, args[1:])
	case "revoke":
		return apikeyRevoke(ctx, io, args[1:])
	case "-h", "-help", "--help":
		fmt.Fprintln(io.err, "usage: wsgate apikey create|list|revoke ...; "+
			"run 'wsgate apikey SUBCOMMAND --help' for its flags")
		return flag.ErrHelp
	}
	return usagef("apikey: unknown subcommand %q: want create, list or revoke", args[0])
}

// apikeyCreate creates a key and prints it, the only time it is shown.
func apikeyCreate(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("apikey create", "apikey create NAME [--perm P]... [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	var perms permList
	fs.Var(&perms, "perm", "grant a `permission` (repeatable), e.g. admin")
	name, err := oneName(fs, args, "apikey create")
	if err != nil {
		return err
	}
	db, _, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := db.CreateAPIKey(ctx, name, perms)
	if err != nil {
		return explainAPIKey("apikey create", db, name, err)
	}
	fmt.Fprintln(io.out, key)
	fmt.Fprintf(io.err, "created API key %s: store it now, it cannot be shown again\n", name)
	return nil
}

// apikeyList prints the keys' names and permissions, never the keys.
func apikeyList(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("apikey list", "apikey list [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usagef("apikey list: unexpected argument %q", rest[0])
	}
	db, _, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	keys, err := db.APIKeys(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(io.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tPERMISSIONS\tCREATED")
	for _, k := range keys {
		fmt.Fprintf(w, "%s\t%s\t%s\n", k.Name, permText(k.Perms), stamp(k.CreatedAt))
	}
	return w.Flush()
}

// apikeyRevoke deletes a key; it stops working at once.
func apikeyRevoke(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("apikey revoke", "apikey revoke NAME [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	name, err := oneName(fs, args, "apikey revoke")
	if err != nil {
		return err
	}
	db, _, err := dbf.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.RevokeAPIKey(ctx, name); err != nil {
		return explainAPIKey("apikey revoke", db, name, err)
	}
	fmt.Fprintf(io.out, "revoked API key %s\n", name)
	return nil
}

// explainAPIKey turns persist's sentinel errors into one line saying what
// to do.
func explainAPIKey(what string, db *persist.DB, name string, err error) error {
	switch {
	case errors.Is(err, persist.ErrNotFound):
		return fmt.Errorf("%s: no API key %q in %s: see 'wsgate apikey list'", what, name, db.Path())
	case errors.Is(err, persist.ErrExists):
		return fmt.Errorf("%s: API key %q already exists in %s: choose another name, or revoke it first",
			what, name, db.Path())
	case errors.Is(err, persist.ErrInvalid):
		return usagef("%v", err)
	}
	return err
}
