package main

import (
	"context"
	"errors"
)

// runAPIKey is a placeholder until its issue lands.
func runAPIKey(_ context.Context, _ *stdio, _ []string) error {
	return errors.New("apikey: not built yet")
}
