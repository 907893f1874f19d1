package main

import (
	"context"
	"errors"
)

// runServe is a placeholder until its issue lands.
func runServe(_ context.Context, _ *stdio, _ []string) error {
	return errors.New("serve: not built yet")
}
