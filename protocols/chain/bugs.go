package chain

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugForgetSent     = "forget-sent"
	BugEarlyTailReads = "early-tail-reads"
	BugNoLeaseReads   = "no-lease-reads"
	BugDirtyRead      = "dirty-read"
)

var (
	bugForgetSent = protocols.Bug{Name: BugForgetSent, Description: "When a middle server fails and its predecessor gets a " +
		"new successor, the predecessor counts everything it had sent as delivered to the tail and forgets its Sent list, " +
		"so the suffix the failed server had not passed on never reaches the new successor (the paper's Figure 3: S- must " +
		"first send S+ the part of Sent beyond what S+ received). c-iri catches the predecessor's books when they run " +
		"ahead of what was committed (Hist^i = Hist^j + Sent_i no longer holds); when the new successor asks for the " +
		"missing updates they are not sent, and the end-of-run convergence and liveness checks report the chain that " +
		"never catches up. Coyote's chain replication sample carries a reconfiguration bug of this family " +
		"(scenario chain/forget-sent)."}
	bugEarlyTailReads = protocols.Bug{Name: BugEarlyTailReads, Description: "A server added at the end of the chain " +
		"answers reads as the new tail as soon as it learns the configuration, before it holds the old tail's history " +
		"(the paper's extension: T+ may serve only once Hist^T = Hist^T+ + Sent_T). It answers from an empty or partial " +
		"store: c-read catches the read, stale-read or the linearizability check the harm. CorfuDB saw the same " +
		"hazard when a new layout was served before its data was (CorfuDB#832) (scenario chain/early-tail-reads)."}
	bugNoLeaseReads = protocols.Bug{Name: BugNoLeaseReads, Description: "A server answers reads whenever its own view of " +
		"the configuration says it may, without a current lease from the master. The master removes servers it cannot " +
		"hear from, so a tail cut off from the master (alive, reachable by clients) goes on answering from a store " +
		"that the new chain's writes have left behind: SC-C5's stale configuration. c-read catches a read without a " +
		"lease; stale-read catches the stale value. This is the deposed-leader read of Jepsen's etcd and Consul " +
		"findings, in a chain (scenario chain/stale-config-read)."}
	bugDirtyRead = protocols.Bug{Name: BugDirtyRead, Description: "A CRAQ node whose latest version of a key is dirty " +
		"(not yet acknowledged by the tail) answers with it, instead of asking the tail which version is committed " +
		"(CRAQ §2.3). The value may never commit (a head failure drops it), and a later read at the tail can return an " +
		"older one. c-read and dirty-read catch the answer (scenario craq/dirty-read)."}
)

// ChainBugs are chain's bug variants; CRAQBugs craq's, which has apportioned
// reads to get wrong as well.
var (
	ChainBugs = []protocols.Bug{bugForgetSent, bugEarlyTailReads, bugNoLeaseReads}
	CRAQBugs  = []protocols.Bug{bugDirtyRead, bugForgetSent, bugEarlyTailReads, bugNoLeaseReads}
)

// ErrUnknownBug is returned (wrapped) for a bug name the protocol does not
// have.
var ErrUnknownBug = errors.New("unknown bug variant")

// bugs holds the switches; the zero value is correct code. Each is read at
// the one place it bites (search for "BUG ").
type bugs struct {
	forgetSent     bool
	earlyTailReads bool
	noLeaseReads   bool
	dirtyRead      bool
}

func parseBug(name string, craq bool) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugForgetSent:
		b.forgetSent = true
	case BugEarlyTailReads:
		b.earlyTailReads = true
	case BugNoLeaseReads:
		b.noLeaseReads = true
	case BugDirtyRead:
		if !craq {
			return b, fmt.Errorf("%w %q: only CRAQ reads at nodes other than the tail", ErrUnknownBug, name)
		}
		b.dirtyRead = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
