package pbkv

import "github.com/dsimlab/dsim/protocols"

// The bug variants.
const (
	BugBackupReads = "backup-reads"
	BugUnsyncedLog = "unsynced-log"
)

// Bugs are the mistakes dsim is shown to catch in this store.
var Bugs = []protocols.Bug{
	{Name: BugBackupReads, Description: "Backups answer gets from their own state, which lags the primary's: " +
		"a client reads an older value after a newer write completed. Serving reads from replicas without " +
		"a freshness check is how many primary-backup stores trade consistency for read throughput; the " +
		"linearizability check of the client history catches it (scenario pbkv/backup-reads)."},
	{Name: BugUnsyncedLog, Description: "The primary answers a write before its log entry is durable and before " +
		"the backups have it: a crash of the primary loses writes the clients were told succeeded, the fsync " +
		"mistake behind many lost-write bugs; convergence and linearizability catch it."},
}
