// Package abd is the ABD multi-writer atomic register (Attiya, Bar-Noy and
// Dolev, JACM 1995; Lynch and Shvartsman's multi-writer extension) serving
// dsim's KV service: each key is a register replicated on every server, and
// every operation needs only a majority of them. There is no leader: any
// server coordinates the operations the clients send it.
//
// A write queries a majority for the highest tag (seq, writer), picks
// (seq+1, this write's ID) and stores the value under it at a majority. A
// read queries a majority, picks the value with the highest tag and writes
// it back to a majority before returning it: the write-back is what turns a
// regular register into an atomic one (it prevents the new-old inversion,
// PROTOCOLS.md SC-A1). Servers keep a value only if its tag is higher than
// the one they hold, and always acknowledge. The register is linearizable
// and wait-free for any client whose coordinator reaches a live majority;
// operations sent to a minority block (and the client gives up).
//
// Append is a read-modify-write over two phases (the query's value plus the
// suffix, stored under a new tag): it is NOT atomic. Two concurrent appends
// can read the same value and one overwrites the other, which the
// linearizability check catches (scenario abd/append-not-atomic); so the
// default workload mix is 1:1:0, gets and puts only.
//
// ABD has no at-most-once layer shared by its servers, so a write retried
// at a second coordinator would be a second write with its own tag, which
// could land after the first attempt completed and overwrite later writes.
// At most one attempt of an operation is alive at a time: clients retry at
// the same coordinator (kv.ClientOptions.RetrySame), which executes a
// (client, seq) once and answers retries; a coordinator whose query phase
// gets no majority within abort-after gives up and sends the client
// elsewhere (kv NotLeader naming the send: nothing was stored, so the
// retry elsewhere is safe); a coordinator runs an operation again only for
// a fresh retry (kv Request.Attempt); a store phase is never given up, and
// is finished with the same tag after a restart. See design.md.
//
// abd imports protocols, protocols/kv and clock, never sim, net or
// scenarios.
package abd
