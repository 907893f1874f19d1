package main

import (
	"context"
	"errors"
)

// runUser is a placeholder until its issue lands.
func runUser(_ context.Context, _ *stdio, _ []string) error {
	return errors.New("user: not built yet")
}
