package main

import (
	"context"
	"flag"
	"fmt"

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
	return dbf.withName(ctx, args, "apikey create", func(db *persist.DB, name string) error {
		key, err := db.CreateAPIKey(ctx, name, perms)
		if err != nil {
			return apiKeyKind.explain("apikey create", db, name, err)
		}
		fmt.Fprintln(io.out, key)
		fmt.Fprintf(io.err, "created API key %s: store it now, it cannot be shown again\n", name)
		return nil
	})
}

// apikeyList prints the keys' names and permissions, never the keys.
func apikeyList(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("apikey list", "apikey list [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	if err := onlyFlags(fs, args, "apikey list", ""); err != nil {
		return err
	}
	return dbf.withDB(ctx, func(db *persist.DB) error {
		keys, err := db.APIKeys(ctx)
		if err != nil {
			return err
		}
		w := permTable(io.out)
		for _, k := range keys {
			permRow(w, k.Name, k.Perms, k.CreatedAt)
		}
		return w.Flush()
	})
}

// apikeyRevoke deletes a key; it stops working at once.
func apikeyRevoke(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("apikey revoke", "apikey revoke NAME [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	return dbf.withName(ctx, args, "apikey revoke", func(db *persist.DB, name string) error {
		if err := db.RevokeAPIKey(ctx, name); err != nil {
			return apiKeyKind.explain("apikey revoke", db, name, err)
		}
		fmt.Fprintf(io.out, "revoked API key %s\n", name)
		return nil
	})
}
