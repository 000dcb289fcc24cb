package raft

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// A server's durable store is a write-ahead log of records, replayed in
// order on restart: HardState and LogRecord, and Snapshot (snapshot.go)
// once the log is compacted. Each is persisted in the same step as the
// change it records, and the driver syncs a step's records before it sends
// that step's messages, so no vote, acknowledgement or entry ever leaves a
// server before the state it depends on is durable. See design.md.

// HardState records currentTerm and votedFor (Figure 2's persistent state
// besides the log). It is written at the end of any step that changed
// either; on replay the last one wins.
type HardState struct {
	Term uint64
	Vote protocols.NodeID // "" when the server has not voted in Term
}

// String renders the record as HardState{term=3 vote=n2}.
func (r HardState) String() string {
	vote := string(r.Vote)
	if vote == "" {
		vote = "-"
	}
	return "HardState{term=" + strconv.FormatUint(r.Term, 10) + " vote=" + vote + "}"
}

// LogRecord records that the log from index From on was replaced by
// Entries: an append when From is one past the old last index, a
// truncation followed by an append when it is lower. Replaying the records
// in order rebuilds the log. A store holds *LogRecord, never changed once
// persisted.
type LogRecord struct {
	From    int
	Entries []Entry // owned by the record, never mutated
}

// String renders the record as Log{from=3 entries=[3/2 4/2]}.
func (r LogRecord) String() string {
	return "Log{from=" + strconv.Itoa(r.From) + " entries=" + formatEntries(r.From, r.Entries) + "}"
}

// recoverState rebuilds term, vote, snapshot and log from a store
// (Config.Store). A store that holds a snapshot begins with it (the step
// that took or installed it replaced the store), then a LogBase when the
// log starts before the snapshot's index, and the log records after it
// continue the log from there; the state machine is the snapshot's, and
// the snapshot's entries count as committed and applied.
func (n *node) recoverState(store []protocols.Record) {
	for _, r := range store {
		switch r := r.(type) {
		case HardState:
			n.term, n.vote = r.Term, r.Vote
		case Snapshot:
			n.log.restore(r.Index, r.Term, r.Chain, r.Config)
			n.snap = r
		case LogBase:
			n.log.restore(r.Index, r.Term, r.Chain, r.Config)
		case *LogRecord:
			if r.From <= n.log.base || r.From > n.log.lastIndex()+1 {
				panic(fmt.Sprintf("raft: %s: %v does not continue a log of %d..%d", n.id, r, n.log.base+1, n.log.lastIndex()))
			}
			n.log.truncate(r.From)
			n.log.append(r.Entries...)
		default:
			panic(fmt.Sprintf("raft: %s: unknown record %T in store", n.id, r))
		}
	}
	if n.snap.Index > 0 {
		state, err := kv.DecodeSnapshot(n.snap.Data)
		if err != nil {
			panic(fmt.Sprintf("raft: %s: %v: %v", n.id, n.snap, err))
		}
		n.sm, n.commit, n.applied = state.Restore(), n.snap.Index, n.snap.Index
	}
}

// persistAll replaces the store with everything recovery needs: the hard
// state, the snapshot and the log after it. Written when the log is
// compacted or a snapshot installed, it keeps the store as small as the
// log.
//
// The records go straight into the step's effects, as ReplaceStore would
// put them there, rather than through a slice of their own (which the
// fourth record outgrew).
func (n *node) persistAll() {
	n.out.ReplaceStore()
	n.hardState = HardState{Term: n.term, Vote: n.vote}
	if !n.bugs.forgetVote { // BUG forget-vote: term and vote live only in memory
		n.out.Records = append(n.out.Records, n.hardState)
	}
	if n.snap.Index > 0 {
		n.out.Records = append(n.out.Records, n.snap)
	}
	if b := n.log.base; b < n.snap.Index {
		t, _ := n.log.term(b)
		c, _ := n.log.chainAt(b)
		n.out.Records = append(n.out.Records, LogBase{Index: b, Term: t, Chain: c, Config: n.log.configAt(b)})
	}
	if last := n.log.lastIndex(); last > n.log.base {
		r := n.records.Next() // filled in place, not copied in
		r.From, r.Entries = n.log.base+1, n.log.slice(n.log.base+1, last)
		n.out.Records = append(n.out.Records, r)
	}
}

// persistLog records that the log changed from index from on, where it
// now holds es to its end: a view of the log, or of the message the
// entries came in (a follower's log takes the leader's entries from
// there on, so the record needs no view of its own). Neither is written
// again. The record is a pointer into the server's slab of them
// (protocols.Slab): one is persisted at almost every step.
func (n *node) persistLog(from int, es []Entry) {
	r := n.records.Next() // filled in place, not copied in
	r.From, r.Entries = from, es
	n.lastLog = r
	n.out.Records = append(n.out.Records, r) // as Persist does, without its variadic copy
}

// persistLogAs is persistLog, where r is a record another server persisted
// (AppendEntries.rec): when r records the very entries es, by address, from
// the same index, it is the record persistLog would make, and it is
// persisted itself rather than a copy. A record is never changed once
// persisted, so servers' stores may share it as they share messages.
func (n *node) persistLogAs(from int, es []Entry, r *LogRecord) {
	if r == nil || r.From != from || len(r.Entries) != len(es) || len(es) == 0 || &r.Entries[0] != &es[0] {
		n.persistLog(from, es)
		return
	}
	n.out.Records = append(n.out.Records, r)
}

// setHardState sets the term and vote: their only writer, recovery aside.
// It marks the step as one that set them, for Step to ask
// hardStateChanged at its end: a step that did not set them cannot have
// changed them, and nearly every step sets neither.
func (n *node) setHardState(term uint64, vote protocols.NodeID) {
	n.term, n.vote, n.hardStateSet = term, vote, true
}

// hardStateChanged reports whether the term or vote differ from the last
// HardState written: the HardState compared field by field, the vote by
// where it points first. Step asks after a step that set them (they may
// have been set to what they were).
func (n *node) hardStateChanged() bool {
	return n.hardState.Term != n.term || !protocols.SameString(n.hardState.Vote, n.vote)
}

// persistHardState writes a HardState, which Step does when the term or
// vote changed during the step (hardStateSet, then hardStateChanged). It runs at the end of
// every step that needs it: records precede all of the step's sends, so
// the position among the records does not matter.
func (n *node) persistHardState() {
	n.hardState = HardState{Term: n.term, Vote: n.vote}
	if n.bugs.forgetVote {
		return // BUG forget-vote: term and vote live only in memory
	}
	n.out.Persist(n.hardState)
}
