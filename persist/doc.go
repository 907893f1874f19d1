// Package persist keeps wsgate's state in one SQLite file: the public audit
// tables connection_attempts and ws_tokens, and the internal users,
// permissions, sessions and API keys. It owns SQL and nothing else: it
// never logs and reads no configuration.
//
// Start with [Open], which creates the file on first use, switches it to
// WAL mode and applies the schema migrations (refusing a schema newer than
// the binary). The connect path writes through a [Journal] ([NewJournal]):
// a bounded queue drained by one writer goroutine that commits in batches,
// so enqueueing never blocks and never allocates; full queues drop and
// count. Offline commands and the admin API read with [DB.Attempts] and
// [DB.TopRejected]; the server warm-starts with [DB.ReplayAttempts] and
// [DB.ValidTokens] and trims with [DB.CleanupAged] on its interval.
//
// A [DB] and a [Journal] are safe for concurrent use by many goroutines,
// and several processes may use the same file at once (a server and the
// offline commands): writers wait up to [Options.BusyTimeout] for each
// other, and readers never wait for writers. Close the journal before the
// database.
//
// Times are stored as Unix milliseconds. A row is "older than" a cutoff
// when its time is strictly before the cutoff: a row exactly at the cutoff
// is kept. Only the attempt time is indexed; filters on IP or user read
// the time range they are given.
//
// After a crash the file opens cleanly: a batch is one transaction, so at
// most the batch being written, and what waited in the queue, are lost.
// synchronous=NORMAL means a power cut (not a process crash) may also lose
// the last commits before a checkpoint.
package persist
