package persist_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/wsgate/wsgate/persist"
)

// Journal attempts from the connect path, then read them back as the audit
// command does.
func Example() {
	dir, _ := os.MkdirTemp("", "wsgate-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	db, err := persist.Open(ctx, filepath.Join(dir, "wsgate.db"), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()

	j := persist.NewJournal(db, nil)
	at := time.UnixMilli(1_790_000_000_000)
	j.Attempt(persist.Attempt{At: at, Endpoint: "/ws/chat", IP: netip.MustParseAddr("192.0.2.1"),
		User: "alice", Success: true, Reason: "ok"})
	j.Attempt(persist.Attempt{At: at.Add(time.Second), Endpoint: "/ws/echo",
		IP: netip.MustParseAddr("192.0.2.2"), Reason: "rate_limited_ip"})
	if err := j.Close(ctx); err != nil { // flushes everything accepted
		fmt.Println(err)
		return
	}

	rows, _ := db.Attempts(ctx, persist.AttemptFilter{Since: at})
	for _, r := range rows {
		fmt.Println(r.Endpoint, r.IP, r.Success, r.Reason)
	}
	// Output:
	// /ws/echo 192.0.2.2 false rate_limited_ip
	// /ws/chat 192.0.2.1 true ok
}

// An API key is shown once; later only its hash can be looked up.
func ExampleDB_CreateAPIKey() {
	dir, _ := os.MkdirTemp("", "wsgate-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, _ := persist.Open(ctx, filepath.Join(dir, "wsgate.db"), nil)
	defer db.Close()

	key, _ := db.CreateAPIKey(ctx, "deploy", []string{"admin"})
	k, _ := db.LookupAPIKey(ctx, key)
	fmt.Println(key[:len(persist.APIKeyPrefix)], len(key), k.Name, k.Perms)
	// Output: wsg_ 47 deploy [admin]
}
