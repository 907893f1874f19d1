package persist

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain runs the crash child of TestKillMidBatch when asked to, and
// otherwise the tests, checking that no writer goroutine outlives them.
func TestMain(m *testing.M) {
	if path := os.Getenv(killChildEnv); path != "" {
		os.Exit(runKillChild(path))
	}
	goleak.VerifyTestMain(m)
}
