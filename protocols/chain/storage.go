package chain

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// A server's durable store is a write-ahead log of records, replayed in
// order on restart. Each is persisted in the step that makes the change,
// and the driver syncs a step's records before the step's messages leave:
// an update is in a server's durable history before it is forwarded,
// acknowledged or answered. See design.md.

// ConfigRecord records the latest configuration a server knows; the last
// one wins.
type ConfigRecord struct{ Config Config }

// String renders the record as Config{3:[n2 n3 n4]}.
func (r ConfigRecord) String() string { return "Config{" + r.Config.String() + "}" }

// Membership records the epoch a server's membership began (0: none) and
// whether it has caught up; the last one wins.
type Membership struct {
	Since uint64
	Ready bool
}

// String renders the record as Membership{since=4 ready}.
func (r Membership) String() string {
	s := "Membership{since=" + strconv.FormatUint(r.Since, 10)
	if r.Ready {
		s += " ready"
	}
	return s + "}"
}

// LogAppend records updates appended to the history at From (one past its
// end).
type LogAppend struct {
	From    int
	Entries []Entry // owned by the record, never mutated
}

// String renders the record as Append{from=13 entries=13..14}.
func (r LogAppend) String() string {
	return "Append{from=" + strconv.Itoa(r.From) + " entries=" + string(appendRange(nil, r.From, r.From+len(r.Entries)-1)) + "}"
}

// LogReset records that a server emptied its history to join the chain
// anew.
type LogReset struct{}

// String renders the record as Reset.
func (LogReset) String() string { return "Reset" }

// MasterState is the master's durable state: the configuration, the member
// that may not yet hold every committed update ("" if none), and the chain
// length an operator asked for (0: the option's). The last one wins.
type MasterState struct {
	Config  Config
	Pending protocols.NodeID
	Length  int
}

// String renders the record as MasterState{3:[n2 n3 n5+3*] pending=n5 length=4}.
func (r MasterState) String() string {
	s := "MasterState{" + r.Config.String()
	if r.Pending != "" {
		s += " pending=" + string(r.Pending)
	}
	if r.Length > 0 {
		s += " length=" + strconv.Itoa(r.Length)
	}
	return s + "}"
}

// recover rebuilds a server's configuration, membership and history from
// its store.
func (n *server) recover(store []protocols.Record) {
	for _, r := range store {
		switch r := r.(type) {
		case ConfigRecord:
			n.cfg = r.Config
		case Membership:
			n.since, n.ready = r.Since, r.Ready
		case LogAppend:
			if r.From != n.log.last()+1 {
				panic(fmt.Sprintf("chain: %s: %v does not continue a history ending at %d", n.id, r, n.log.last()))
			}
			n.log.append(r.Entries...)
		case LogReset:
			n.log = newHistory()
		default:
			panic(fmt.Sprintf("chain: %s: unknown record %T in store", n.id, r))
		}
	}
}
