package multi

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// A server's durable store is a write-ahead log of three kinds of record,
// replayed in order on restart. A step's records are written at its end
// (flush), and the driver syncs them before the step's messages leave: no
// promise, acceptance or acknowledgement ever leaves a server before the
// state it reports is durable. See design.md.

// PromiseRecord records the acceptor's promise, written whenever it rises
// (a Prepare, or an Accept of a higher ballot, or its own candidacy). The
// last one wins.
type PromiseRecord struct{ Ballot Ballot }

// String renders the record as Promise{302}.
func (r PromiseRecord) String() string { return "Promise{" + r.Ballot.String() + "}" }

// AcceptRecord records proposals the acceptor accepted in one step; for a
// slot, the last one wins.
type AcceptRecord struct {
	Accepted []PValue // owned by the record, never mutated
}

// String renders the record as Accept{7/302:c1#3 8/302:noop}.
func (r AcceptRecord) String() string {
	var b strings.Builder
	b.WriteString("Accept{")
	for i, pv := range r.Accepted {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(pv.Slot) + "/" + pv.Ballot.String() + ":")
		b.Write(appendCmd(nil, pv.Cmd))
	}
	b.WriteByte('}')
	return b.String()
}

// DecideRecord records commands the replica learned were decided in one
// step. A decision never changes, so a restarted replica executes its
// decided prefix again at once and asks the leader only for what follows.
type DecideRecord struct {
	Decided []PValue // owned by the record, never mutated; Ballot is the one it was learned under
}

// String renders the record as Decide{7/302:c1#3 8/302:noop}.
func (r DecideRecord) String() string {
	var b strings.Builder
	b.WriteString("Decide{")
	for i, pv := range r.Decided {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(pv.Slot) + "/" + pv.Ballot.String() + ":")
		b.Write(appendCmd(nil, pv.Cmd))
	}
	b.WriteByte('}')
	return b.String()
}

// recoverState rebuilds the promise, the accepted proposals and the
// decisions from a store (Config.Store). Accepting a ballot promises it, so
// the promise is at least the highest ballot accepted.
func (n *node) recoverState(store []protocols.Record) {
	for _, r := range store {
		switch r := r.(type) {
		case PromiseRecord:
			n.promised = max(n.promised, r.Ballot)
		case AcceptRecord:
			for _, pv := range r.Accepted {
				st := n.slot(pv.Slot)
				st.accBallot, st.accCmd = pv.Ballot, pv.Cmd
				n.promised = max(n.promised, pv.Ballot)
			}
		case DecideRecord:
			for _, pv := range r.Decided {
				st := n.slot(pv.Slot)
				st.decided, st.cmd, st.ballot = true, pv.Cmd, pv.Ballot
			}
		default:
			panic(fmt.Sprintf("multipaxos: %s: unknown record %T in store", n.id, r))
		}
	}
	n.advanceDecided()
}

// flush writes the records of what this step changed. It runs at the end
// of every step: records precede all of the step's sends, so their place
// among the step's effects does not matter.
func (n *node) flush() {
	if n.promiseDirty {
		n.promiseDirty = false
		if !n.bugs.forgetPromise { // BUG forget-promise: the promise lives in memory only
			n.out.Persist(PromiseRecord{Ballot: n.promised})
		}
	}
	if len(n.newAcc) > 0 {
		n.out.Persist(AcceptRecord{Accepted: n.newAcc})
		n.newAcc = nil
	}
	if len(n.newDec) > 0 {
		n.out.Persist(DecideRecord{Decided: n.newDec})
		n.newDec = nil
	}
}
