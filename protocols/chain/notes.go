package chain

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Notes are what nodes tell the monitors and the UI. They never reach other
// nodes and nothing in the protocol reads them back.

// NewConfig is noted by the master when it makes a configuration.
type NewConfig struct{ Config Config }

// String renders the note as new-config 3:[n2 n3 n4].
func (n NewConfig) String() string { return "new-config " + n.Config.String() }

// JoinerReady is noted by the master when a new member reports that it
// caught up.
type JoinerReady struct{ ID protocols.NodeID }

// String renders the note as joiner-ready n5.
func (n JoinerReady) String() string { return "joiner-ready " + string(n.ID) }

// Accepted is noted by a server that appends updates a Forward brought:
// from From, in epoch Epoch; its history now ends at Upto.
type Accepted struct {
	Epoch uint64
	From  protocols.NodeID
	Upto  int
}

// String renders the note as accepted epoch=3 from=n2 upto=14.
func (n Accepted) String() string {
	return "accepted epoch=" + strconv.FormatUint(n.Epoch, 10) + " from=" + string(n.From) + " upto=" + strconv.Itoa(n.Upto)
}

// Committed is noted by the tail when updates up to Upto are in its
// history: they are committed, and their clients may be answered.
type Committed struct {
	Epoch uint64
	Upto  int
}

// String renders the note as committed epoch=3 upto=14.
func (n Committed) String() string {
	return "committed epoch=" + strconv.FormatUint(n.Epoch, 10) + " upto=" + strconv.Itoa(n.Upto)
}

// Replied is noted by the tail when it answers the write at Index.
type Replied struct {
	Client protocols.NodeID
	Seq    uint64
	Index  int
}

// String renders the note as replied c1#7 index=14.
func (n Replied) String() string {
	return "replied " + string(n.Client) + "#" + strconv.FormatUint(n.Seq, 10) + " index=" + strconv.Itoa(n.Index)
}

// How says why a server could answer a read.
type How uint8

// The ways a read is answered.
const (
	AtTail    How = iota + 1 // the tail answered from its history
	Clean                    // a CRAQ node's latest version of the key was acknowledged by the tail
	Confirmed                // a CRAQ node answered the version the tail named
	Dirty                    // a CRAQ node answered a version nobody confirmed (the bug dirty-read)
)

func (h How) String() string {
	switch h {
	case AtTail:
		return "tail"
	case Clean:
		return "clean"
	case Confirmed:
		return "confirmed"
	case Dirty:
		return "dirty"
	}
	return "how?"
}

// ServedRead is noted by a server when it answers a get: in epoch Epoch,
// how, with version Version (the index of the key's update it returned, 0
// if none), and whether it held a lease and the history its membership
// needs.
type ServedRead struct {
	Epoch   uint64
	Client  protocols.NodeID
	Seq     uint64
	How     How
	Version int
	Lease   bool
	Ready   bool
}

// String renders the note as read c1#7 tail version=12 epoch=3.
func (n ServedRead) String() string {
	s := "read " + string(n.Client) + "#" + strconv.FormatUint(n.Seq, 10) + " " + n.How.String() +
		" version=" + strconv.Itoa(n.Version) + " epoch=" + strconv.FormatUint(n.Epoch, 10)
	if !n.Lease {
		s += " no-lease"
	}
	if !n.Ready {
		s += " not-ready"
	}
	return s
}

// Reset is noted by a server that empties its history to join the chain
// anew; it applies again from index 1.
type Reset struct{}

// String renders the note as reset.
func (Reset) String() string { return "reset" }

// Applied is the KV service's shared note, emitted for every update a
// server appends to its history, in index order (again from 1 after a
// restart).
type Applied = kv.Applied

// The coverage probes nodes report with Effects.Probe.
const (
	ProbeHeadRemoved    = "head-removed"          // the master removed the head; its successor leads
	ProbeMiddleRemoved  = "middle-removed"        // the master removed a middle server; its neighbours were joined
	ProbeTailRemoved    = "tail-removed"          // the master removed the tail; its predecessor is tail
	ProbeExtended       = "chain-extended"        // the master added an idle server at the tail
	ProbeJoinerReady    = "joiner-ready"          // a new member reported it caught up
	ProbeStuck          = "chain-stuck"           // members died but removing them would leave no server with the history
	ProbeMasterRestart  = "master-restarted"      // the master restarted with a configuration to recover
	ProbeJoinerReset    = "joiner-reset"          // a server emptied its history to join the chain
	ProbeSyncSuffix     = "sync-suffix"           // a predecessor sent a new successor the updates it lacked
	ProbeCaughtUp       = "caught-up"             // a new member caught up with its predecessor
	ProbeStaleDropped   = "stale-message-dropped" // a server dropped a chain message of an earlier epoch or a former neighbour
	ProbeGap            = "forward-gap"           // a Forward arrived past the end of the history
	ProbeSentResent     = "sent-resent"           // a server resent its Sent list after no progress
	ProbeBecameTail     = "became-tail"           // a server became tail and committed what it held
	ProbeLeaseLapsed    = "lease-lapsed"          // a server's lease ran out
	ProbeNoLease        = "read-refused-no-lease" // a read was turned away for want of a lease
	ProbeNotHead        = "not-head-redirect"     // a write reached a server other than the head
	ProbeNotTail        = "not-tail-redirect"     // a read reached a server that may not answer it
	ProbeCleanRead      = "craq-clean-read"       // a CRAQ node answered a read from a clean version
	ProbeVersionQuery   = "craq-version-query"    // a CRAQ node asked the tail which version is committed
	ProbeRestart        = "restart-recovered"     // a server restarted with a history to recover
	ProbeDuplicateWrite = "duplicate-write"       // the tail answered a retried write from the dedup table
	ProbeReadAtHead     = "read-served-head"      // the head answered a read (CRAQ)
	ProbeReadAtMiddle   = "read-served-middle"    // a middle server answered a read (CRAQ)
	ProbeReadAtTail     = "read-served-tail"      // the tail answered a read (its count against the others' is the read load it carries)
)

// Probes lists every probe a node can report.
var Probes = []string{
	ProbeHeadRemoved, ProbeMiddleRemoved, ProbeTailRemoved, ProbeExtended, ProbeJoinerReady, ProbeStuck, ProbeMasterRestart,
	ProbeJoinerReset, ProbeSyncSuffix, ProbeCaughtUp, ProbeStaleDropped, ProbeGap, ProbeSentResent, ProbeBecameTail,
	ProbeLeaseLapsed, ProbeNoLease, ProbeNotHead, ProbeNotTail, ProbeCleanRead, ProbeVersionQuery, ProbeRestart,
	ProbeDuplicateWrite, ProbeReadAtHead, ProbeReadAtMiddle, ProbeReadAtTail,
}
