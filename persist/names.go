package persist

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// maxNameLen bounds user, API key and permission names.
const maxNameLen = 64

// checkName accepts a user, API key or permission name: 1 to 64
// characters, printable, without spaces or commas, and not starting with
// '+' or '-' (which "user perm NAME +P -P" reads as add and remove).
func checkName(kind, name string) error {
	if name == "" || len(name) > maxNameLen || !utf8.ValidString(name) {
		return fmt.Errorf("%s name %q: must be 1 to %d characters: %w", kind, name, maxNameLen, ErrInvalid)
	}
	if name[0] == '+' || name[0] == '-' {
		return fmt.Errorf("%s name %q: must not start with '+' or '-': %w", kind, name, ErrInvalid)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || r == ',' {
			return fmt.Errorf("%s name %q: no spaces, commas or control characters: %w", kind, name, ErrInvalid)
		}
	}
	return nil
}

// checkNames checks every permission name.
func checkNames(kind string, names []string) error {
	for _, n := range names {
		if err := checkName(kind, n); err != nil {
			return err
		}
	}
	return nil
}
