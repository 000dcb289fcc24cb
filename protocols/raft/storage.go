package raft

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// A server's durable store is a write-ahead log of two kinds of record,
// replayed in order on restart. Both are persisted in the same step as the
// change they record, and the driver syncs a step's records before it sends
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
// in order rebuilds the log.
type LogRecord struct {
	From    int
	Entries []Entry // owned by the record, never mutated
}

// String renders the record as Log{from=3 entries=[3/2 4/2]}.
func (r LogRecord) String() string {
	return "Log{from=" + strconv.Itoa(r.From) + " entries=" + formatEntries(r.From, r.Entries) + "}"
}

// recoverState rebuilds term, vote and log from a store (Config.Store).
func (n *node) recoverState(store []protocols.Record) {
	for _, r := range store {
		switch r := r.(type) {
		case HardState:
			n.term, n.vote = r.Term, r.Vote
		case LogRecord:
			if r.From < 1 || r.From > n.log.lastIndex()+1 {
				panic(fmt.Sprintf("raft: %s: %v does not continue a log ending at %d", n.id, r, n.log.lastIndex()))
			}
			n.log.truncate(r.From)
			n.log.append(r.Entries...)
		default:
			panic(fmt.Sprintf("raft: %s: unknown record %T in store", n.id, r))
		}
	}
}

// persistLog records that the log changed from index from on.
func (n *node) persistLog(from int) {
	n.out.Persist(LogRecord{From: from, Entries: n.log.slice(from, n.log.lastIndex())})
}

// persistHardState writes a HardState if the term or vote changed during
// this step. It runs at the end of every step: records precede all of the
// step's sends, so the position among the records does not matter.
func (n *node) persistHardState() {
	if n.hardState == (HardState{Term: n.term, Vote: n.vote}) {
		return
	}
	n.hardState = HardState{Term: n.term, Vote: n.vote}
	if n.bugs.forgetVote {
		return // BUG forget-vote: term and vote live only in memory
	}
	n.out.Persist(n.hardState)
}
