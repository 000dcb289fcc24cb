package primarybackup

// KVState implements kv.Replica: the server's copy of the KV state, as far
// as it has applied its log, for the end-of-run eventual-convergence check.
func (n *server) KVState() map[string]string { return n.sm.State() }
