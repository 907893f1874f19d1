package main

import (
	"context"
	"errors"
)

// runAudit is a placeholder until its issue lands.
func runAudit(_ context.Context, _ *stdio, _ []string) error {
	return errors.New("audit: not built yet")
}
