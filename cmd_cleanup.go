package main

import (
	"context"
	"errors"
)

// runCleanup is a placeholder until its issue lands.
func runCleanup(_ context.Context, _ *stdio, _ []string) error {
	return errors.New("cleanup: not built yet")
}
