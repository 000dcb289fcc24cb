package primarybackup

// KVState implements kv.Replica: the server's copy of the KV state, as far
// as it has applied its log, for the end-of-run eventual-convergence check.
func (n *server) KVState() map[string]string { return n.sm.State() }

// HoldsKey implements kv.PartialReplica: only the primary of the view the
// server knows, and its backup once it took the state transfer, are
// replicas. A spare outside the view (an old primary back from a crash, a
// server never chosen) keeps whatever copy it last had, which the
// protocol never brings up to date and no client reads.
func (n *server) HoldsKey(string) bool {
	return n.isPrimary() || (n.view.Backup == n.id && n.sv == n.view.Num)
}
