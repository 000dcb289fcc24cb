// Package multiprimary is multi-primary (multi-leader, active-active)
// replication of dsim's KV service: every server holds every key, accepts
// reads and writes from clients on its own, answers at once, and
// replicates the write to the others asynchronously (an eager push to
// every peer, then a periodic push-pull anti-entropy exchange of whole
// states with one peer at a time). Concurrent writes to one key at two
// servers are reconciled in one of two ways, per key (Riak's bucket
// properties last_write_wins and allow_mult):
//
//   - last-writer-wins (LWW): a write is stamped with its server's local
//     clock (Input.Now, which drifts, is offset and jumps under clock
//     faults) to the millisecond, the writer's ID breaking ties, and every
//     server keeps the highest stamp. Replicas converge, but a server whose
//     clock is behind stamps its writes in the past, and a write that came
//     later in real time silently loses to an earlier one (scenario
//     multi-primary/clock-skew). Cassandra resolves this way.
//   - version vectors (VV): a write gets a version vector, the causal
//     context the client last read for the key (kv Request.Context) plus the
//     writing client's own entry (its request's sequence number: clients are
//     the vectors' actors, as in Riak's original vclocks, so two clients'
//     blind writes at one server stay concurrent). A server keeps every version
//     no other version dominates: concurrent writes become siblings, all
//     returned by a get (kv Reply.Siblings) with their merged context, and
//     the client's next write of the key, carrying that context, replaces
//     them (scenario multi-primary/siblings). Dynamo and Riak resolve this
//     way. No acknowledged write is lost, but a client must merge.
//
// Either way a server's state for a key is the join of every version it
// has seen: the highest stamp, or the versions no other dominates. The
// merge check holds every server to exactly that after every event (a
// reference join over a ghost record of what it received), and at the end
// every replica must hold everything written lag before the end
// (convergence). The promised consistency is eventual; with LWW an
// acknowledged write can be lost to clock skew, which a scenario shows
// with option check-lost-updates on. Gets and puts only: an append has no
// meaning over siblings, and under LWW would be a read-modify-write that
// loses updates anyway.
//
// multiprimary imports protocols, protocols/kv and clock, never sim, net
// or scenarios.
package multiprimary
