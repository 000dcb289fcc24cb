package synod

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// A node's durable store is a write-ahead log of three kinds of record,
// replayed in order on restart; for each kind the last one wins. Each is
// persisted in the step that makes the change, and the driver syncs a
// step's records before it sends that step's messages, so no promise or
// acceptance leaves an acceptor before it is durable, and no ballot leaves
// a proposer before its round is. See design.md.

// RoundRecord records the highest round a proposer has used. A restarted
// proposer starts above it, so its ballots keep increasing across restarts
// and it never reuses one.
type RoundRecord struct{ Round uint64 }

// String renders the record as Round{3}.
func (r RoundRecord) String() string { return "Round{" + strconv.FormatUint(r.Round, 10) + "}" }

// AcceptorRecord records an acceptor's whole state: the ballot it promised
// and the highest-ballot proposal it accepted.
type AcceptorRecord struct {
	Promised Ballot
	Accepted Ballot
	Value    string
}

// String renders the record as Acceptor{promised=302 accepted=201:v1}.
func (r AcceptorRecord) String() string {
	s := "Acceptor{promised=" + r.Promised.String() + " accepted=" + r.Accepted.String()
	if r.Accepted != 0 {
		s += ":" + r.Value
	}
	return s + "}"
}

// LearnedRecord records the chosen value a learner learned; a chosen value
// never changes, so a restarted learner need not learn it again.
type LearnedRecord struct{ Value string }

// String renders the record as Learned{v1}.
func (r LearnedRecord) String() string { return "Learned{" + r.Value + "}" }

// recoverState rebuilds the durable state from a store (Config.Store).
func (n *node) recoverState(store []protocols.Record) {
	for _, r := range store {
		switch r := r.(type) {
		case RoundRecord:
			n.round = r.Round
		case AcceptorRecord:
			n.promised, n.accepted, n.acceptedValue = r.Promised, r.Accepted, r.Value
		case LearnedRecord:
			n.known, n.knownValue = true, r.Value
		default:
			panic(fmt.Sprintf("paxos: %s: unknown record %T in store", n.id, r))
		}
	}
}

func (n *node) persistAcceptor() {
	n.out.Persist(AcceptorRecord{Promised: n.promised, Accepted: n.accepted, Value: n.acceptedValue})
}
