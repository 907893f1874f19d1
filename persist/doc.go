// Package persist keeps wsgate's state in one SQLite file: the public audit
// tables connection_attempts and ws_tokens, and the internal users,
// permissions, sessions and API keys.
//
// Start with [Open], which creates the file on first use, switches it to
// WAL mode and applies the schema migrations. The connect path writes
// through a [Journal] ([NewJournal]): a bounded queue drained by one writer
// goroutine that commits in batches, so enqueueing never blocks and never
// allocates. Offline commands and the admin API read with [DB.Attempts],
// [DB.TopRejected] and trim with [DB.Cleanup].
//
// A [DB] and a [Journal] are safe for concurrent use by many goroutines,
// and several processes may use the same file at once (a server and the
// offline commands): writers wait up to [Options.BusyTimeout] for each
// other. The package owns SQL and nothing else; it never logs.
//
// Times are stored as Unix milliseconds. A row is "older than" a cutoff
// when its time is strictly before the cutoff: a row exactly at the cutoff
// is kept.
package persist
