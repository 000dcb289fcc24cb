// Package pbkv is a small primary-backup key-value store written the way a
// dsim user writes their own protocol: outside dsim's module, against its
// node contract, described once (Protocol) and then run, fuzzed, shrunk and
// stepped through with everything dsim offers its own protocols.
//
// The primary (n1) orders every write: it applies it, logs it, sends it to
// every backup and answers the client once all backups have acknowledged
// it. Backups apply writes in log order and turn clients away with a hint
// to the primary. There is no failover: when the primary is down the store
// waits for it (dsim's healing phase restarts it). Two bug variants show
// what dsim catches: backups that answer reads themselves (stale reads) and
// a primary that answers before its log is durable (lost writes).
//
// It imports only dsim's protocols packages, as every protocol does.
package pbkv
