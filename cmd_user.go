package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/wsgate/wsgate/persist"
)

// runUser administers users: "wsgate user add|list|remove|passwd|perm".
func runUser(ctx context.Context, io *stdio, args []string) error {
	if len(args) == 0 {
		return usagef("user: missing subcommand: add, list, remove, passwd or perm")
	}
	switch args[0] {
	case "add":
		return userAdd(ctx, io, args[1:])
	case "list":
		return userList(ctx, io, args[1:])
	case "remove":
		return userRemove(ctx, io, args[1:])
	case "passwd":
		return userPasswd(ctx, io, args[1:])
	case "perm":
		return userPerm(ctx, io, args[1:])
	case "-h", "-help", "--help":
		fmt.Fprintln(io.err, "usage: wsgate user add|list|remove|passwd|perm ...; "+
			"run 'wsgate user SUBCOMMAND --help' for its flags")
		return flag.ErrHelp
	}
	return usagef("user: unknown subcommand %q: want add, list, remove, passwd or perm", args[0])
}

// userAdd creates a user with the password read from standard input.
func userAdd(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("user add", "user add NAME [--perm P]... [--database P] [--config F] < password", io)
	dbf := addDBFlags(fs)
	var perms permList
	fs.Var(&perms, "perm", "grant a `permission` (repeatable), e.g. admin")
	return dbf.withName(ctx, args, "user add", func(db *persist.DB, name string) error {
		// Refuse a taken name before asking for a password.
		if _, err := db.User(ctx, name); err == nil {
			return fmt.Errorf("user add: user %q already exists in %s: choose another name, or use "+
				"'wsgate user passwd %s' to change its password", name, db.Path(), name)
		}
		password, err := readPassword(io)
		if err != nil {
			return err
		}
		if err := db.AddUser(ctx, name, password, perms); err != nil {
			return userKind.explain("user add", db, name, err)
		}
		fmt.Fprintf(io.out, "added user %s\n", name)
		return nil
	})
}

// userList prints the users with their permissions.
func userList(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("user list", "user list [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	if err := onlyFlags(fs, args, "user list", ""); err != nil {
		return err
	}
	return dbf.withDB(ctx, func(db *persist.DB) error {
		list, err := db.Users(ctx)
		if err != nil {
			return err
		}
		w := permTable(io.out)
		for _, u := range list {
			permRow(w, u.Name, u.Perms, u.CreatedAt)
		}
		return w.Flush()
	})
}

// userRemove deletes a user with its sessions and permissions.
func userRemove(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("user remove", "user remove NAME [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	return dbf.withName(ctx, args, "user remove", func(db *persist.DB, name string) error {
		if err := db.RemoveUser(ctx, name); err != nil {
			return userKind.explain("user remove", db, name, err)
		}
		fmt.Fprintf(io.out, "removed user %s\n", name)
		return nil
	})
}

// userPasswd replaces a user's password with the one read from standard
// input.
func userPasswd(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("user passwd", "user passwd NAME [--database P] [--config F] < password", io)
	dbf := addDBFlags(fs)
	return dbf.withName(ctx, args, "user passwd", func(db *persist.DB, name string) error {
		if _, err := db.User(ctx, name); err != nil {
			return userKind.explain("user passwd", db, name, err)
		}
		password, err := readPassword(io)
		if err != nil {
			return err
		}
		if err := db.SetPassword(ctx, name, password); err != nil {
			return userKind.explain("user passwd", db, name, err)
		}
		fmt.Fprintf(io.out, "changed the password of %s\n", name)
		return nil
	})
}

// userPerm adds (+P) and removes (-P) permissions of a user. A "-P" that
// is not one of the command's flags is a removal; after "--" every
// argument is a change.
func userPerm(ctx context.Context, io *stdio, args []string) error {
	fs := newFlagSet("user perm", "user perm NAME +P -P ... [--database P] [--config F]", io)
	dbf := addDBFlags(fs)
	flags, changes := splitPermArgs(fs, args)
	rest, err := parseFlags(fs, flags)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("user perm: missing NAME: wsgate user perm NAME +P -P ...")
	}
	name, changes := rest[0], append(rest[1:], changes...)
	add, remove, err := parsePermChanges(changes)
	if err != nil {
		return err
	}

	return dbf.withDB(ctx, func(db *persist.DB) error {
		u, err := db.ChangePerms(ctx, name, add, remove)
		if err != nil {
			return userKind.explain("user perm", db, name, err)
		}
		fmt.Fprintf(io.out, "%s: %s\n", u.Name, permText(u.Perms))
		return nil
	})
}

// splitPermArgs separates the arguments of "user perm" into those for the
// flag parser and the "-P" removals, which the flag parser would refuse as
// unknown flags. Everything after "--" is a change.
func splitPermArgs(fs *flag.FlagSet, args []string) (flags, changes []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return flags, append(changes, args[i+1:]...)
		case !strings.HasPrefix(a, "-") || a == "-":
			flags = append(flags, a)
		default:
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			fl := fs.Lookup(name)
			if fl == nil && name != "h" && name != "help" {
				changes = append(changes, a)
				continue
			}
			flags = append(flags, a)
			if fl != nil && !hasValue && !isBoolFlag(fl) && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		}
	}
	return flags, changes
}

// isBoolFlag reports whether fl takes no value, like --dry-run.
func isBoolFlag(fl *flag.Flag) bool {
	b, ok := fl.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// parsePermChanges reads "+P" and "-P" arguments.
func parsePermChanges(changes []string) (add, remove []string, err error) {
	if len(changes) == 0 {
		return nil, nil, usagef("user perm: no changes: give +PERMISSION to grant or -PERMISSION to revoke")
	}
	for _, c := range changes {
		switch {
		case len(c) > 1 && c[0] == '+':
			add = append(add, c[1:])
		case len(c) > 1 && c[0] == '-':
			remove = append(remove, c[1:])
		default:
			return nil, nil, usagef("user perm: %q: want +PERMISSION or -PERMISSION", c)
		}
	}
	return add, remove, nil
}

// readPassword reads a password: without echo, asked twice, on a
// terminal; otherwise the first line of standard input. An empty password
// is a usage error.
func readPassword(io *stdio) ([]byte, error) {
	var password []byte
	var err error
	if f, ok := io.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		password, err = promptPassword(io, f)
	} else {
		password, err = firstLine(io)
	}
	if err != nil {
		return nil, err
	}
	if len(password) == 0 {
		return nil, usagef("empty password: give the password as the first line of standard input")
	}
	return password, nil
}

// promptPassword asks for the password twice on the terminal f.
func promptPassword(io *stdio, f *os.File) ([]byte, error) {
	fmt.Fprint(io.err, "Password: ")
	first, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(io.err)
	if err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(io.err, "Repeat password: ")
	again, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(io.err)
	if err != nil {
		return nil, fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(again) {
		return nil, usagef("the two passwords differ: run the command again")
	}
	return first, nil
}

// firstLine returns the first line of standard input without its line
// ending.
func firstLine(io *stdio) ([]byte, error) {
	line, err := bufio.NewReader(io.in).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return nil, usagef("no password: give it as the first line of standard input")
	}
	line = []byte(strings.TrimRight(string(line), "\r\n"))
	return line, nil
}
