package synod

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// The violation kinds of Paxos's safety properties, shared by single-decree
// Paxos and Multi-Paxos (PROTOCOLS.md §2.1 names them P-AGR, P-CHOSEN,
// P-VAL, P-2a, P-2c, P-PROM and P-BAL).
const (
	KindAgreement        = "agreement"         // P-AGR: two nodes learned different values for one instance
	KindChosenUnique     = "chosen-unique"     // P-CHOSEN: two different values were chosen for one instance
	KindChosenStable     = "chosen-stable"     // P-2a: a higher ballot proposed something other than the chosen value
	KindProposalSafety   = "proposal-safety"   // P-2c: a proposal is not what its promise quorum said was safe
	KindLearnChosen      = "learn-chosen"      // a node learned a value that had not been chosen (Paxos Made Simple's third requirement)
	KindPromiseMonotonic = "promise-monotonic" // P-PROM: a promise went down (across restarts too) or an acceptance went above it
	KindBallotUnique     = "ballot-unique"     // P-BAL: a ballot reused, shared by two proposers, or carrying two values
	KindValidity         = "validity"          // P-VAL: a learned value that nobody proposed
)

// Ghost is the run-long record that judges Paxos from outside the nodes: the
// ballots each proposer prepared and each acceptor promised, every value
// every acceptor accepted, every proposal, what was chosen (a phase-2 quorum
// of acceptors accepted one value in one ballot) and what each node
// learned. It survives crashes, so a node that forgets a promise or reuses
// a ballot after a restart is judged against what it did before. Monitors
// feed it from the notes nodes emit; each method returns a
// *protocols.Violation at the first breach it sees.
//
// One Ghost judges one instance (single-decree Paxos, slot 0) or many
// (Multi-Paxos, one per slot). V is the type of the values chosen.
type Ghost[V comparable] struct {
	acceptors []protocols.NodeID // bit positions for vote counting
	q1, q2    int
	show      func(V) string
	slots     []*instance[V] // by slot
	promised  map[protocols.NodeID][]Ballot
	owner     map[Ballot]protocols.NodeID // who prepared each ballot
	last      map[protocols.NodeID]Ballot // the highest ballot each proposer prepared
}

type instance[V comparable] struct {
	accepts   []acceptance[V] // every acceptance, in order
	votes     []tally[V]      // acceptances by ballot
	proposals []proposal[V]
	chosen    bool
	chosenAt  Ballot
	value     V
	learned   bool
	learnt    V
	learnedBy protocols.NodeID
}

type acceptance[V comparable] struct {
	by     protocols.NodeID
	ballot Ballot
	value  V
}

type tally[V comparable] struct {
	ballot Ballot
	value  V
	by     Set
}

type proposal[V comparable] struct {
	ballot Ballot
	value  V
	by     protocols.NodeID
}

// NewGhost returns an empty record for the given acceptors and quorum
// sizes; show renders a value in violation details.
func NewGhost[V comparable](acceptors []protocols.NodeID, q1, q2 int, show func(V) string) *Ghost[V] {
	return &Ghost[V]{
		acceptors: slices.Clone(acceptors),
		q1:        q1,
		q2:        q2,
		show:      show,
		promised:  map[protocols.NodeID][]Ballot{},
		owner:     map[Ballot]protocols.NodeID{},
		last:      map[protocols.NodeID]Ballot{},
	}
}

func (g *Ghost[V]) slot(s int) *instance[V] {
	for len(g.slots) <= s {
		g.slots = append(g.slots, nil)
	}
	if g.slots[s] == nil {
		g.slots[s] = &instance[V]{}
	}
	return g.slots[s]
}

// where names an instance in details: nothing for single-decree Paxos's
// slot 0, " in slot 7" for Multi-Paxos.
func where(s int) string {
	if s == 0 {
		return ""
	}
	return " in slot " + strconv.Itoa(s)
}

// Chosen returns the value chosen in slot s, if one was.
func (g *Ghost[V]) Chosen(s int) (V, Ballot, bool) {
	var zero V
	if s >= len(g.slots) || g.slots[s] == nil || !g.slots[s].chosen {
		return zero, 0, false
	}
	in := g.slots[s]
	return in.value, in.chosenAt, true
}

// Prepared records that proposer p started phase 1 with ballot b. A ballot
// belongs to one proposer, and each proposer's ballots strictly increase
// over its whole life, restarts included: a ballot used twice can carry two
// different values.
func (g *Ghost[V]) Prepared(p protocols.NodeID, b Ballot) error {
	if o, ok := g.owner[b]; ok && o != p {
		return protocols.Violationf(KindBallotUnique, "%s prepared ballot %s, which %s prepared before", p, b, o)
	}
	if last := g.last[p]; b <= last {
		return protocols.Violationf(KindBallotUnique, "%s prepared ballot %s after it had already used ballot %s: ballots must increase, across restarts too",
			p, b, last)
	}
	g.owner[b] = p
	g.last[p] = b
	return nil
}

// Promised records that acceptor a promised ballot b (sent a promise for it).
func (g *Ghost[V]) Promised(a protocols.NodeID, b Ballot) {
	ps := g.promised[a]
	if len(ps) > 0 && ps[len(ps)-1] == b {
		return
	}
	g.promised[a] = append(ps, b)
}

func (g *Ghost[V]) madePromise(a protocols.NodeID, b Ballot) bool {
	return slices.Contains(g.promised[a], b)
}

// Accepted records that acceptor a accepted value v in ballot b for slot s.
// A ballot carries one value per slot; when a phase-2 quorum has accepted
// one ballot's value, that value is chosen, and it must be the only value
// ever chosen in the slot and agree with every proposal of a higher ballot.
func (g *Ghost[V]) Accepted(a protocols.NodeID, s int, b Ballot, v V) error {
	in := g.slot(s)
	again := false
	for _, x := range in.accepts {
		if x.by == a && x.ballot > b {
			return protocols.Violationf(KindPromiseMonotonic, "%s accepted %s in ballot %s%s after it had accepted %s in the higher ballot %s: its vote went backwards",
				a, g.show(v), b, where(s), g.show(x.value), x.ballot)
		}
		again = again || (x.by == a && x.ballot == b && x.value == v)
	}
	if !again {
		in.accepts = append(in.accepts, acceptance[V]{by: a, ballot: b, value: v})
	}
	i := slices.IndexFunc(in.votes, func(t tally[V]) bool { return t.ballot == b })
	if i < 0 {
		in.votes = append(in.votes, tally[V]{ballot: b, value: v})
		i = len(in.votes) - 1
	}
	t := &in.votes[i]
	if t.value != v {
		return protocols.Violationf(KindBallotUnique, "%s accepted %s in ballot %s%s, where %s was accepted in the same ballot",
			a, g.show(v), b, where(s), g.show(t.value))
	}
	pos := slices.Index(g.acceptors, a)
	if pos < 0 || t.by.Has(pos) {
		return nil
	}
	t.by = t.by.Add(pos)
	if t.by.Len() < g.q2 {
		return nil
	}
	if in.chosen {
		if in.value != v {
			return protocols.Violationf(KindChosenUnique, "%s was chosen in ballot %s%s (accepted by %s), but %s had been chosen in ballot %s",
				g.show(v), b, where(s), names(t.by.Members(g.acceptors)), g.show(in.value), in.chosenAt)
		}
		return nil
	}
	in.chosen, in.chosenAt, in.value = true, b, v
	for _, p := range in.proposals {
		if p.ballot > b && p.value != v {
			return protocols.Violationf(KindChosenStable, "%s was chosen in ballot %s%s, but %s had proposed %s in the higher ballot %s",
				g.show(v), b, where(s), p.by, g.show(p.value), p.ballot)
		}
	}
	return nil
}

// Proposed records that proposer p proposed value v in ballot b for slot s
// (sent phase 2a), counting the promises of quorum. The proposal must be
// safe (P2c of Paxos Made Simple): every member of quorum promised b, the
// quorum is a phase-1 quorum, and v is the value of the highest ballot
// below b that any of them had accepted, if any had. It must also agree
// with a value already chosen in a lower ballot (P2a), and be the only
// value proposed in ballot b for the slot.
func (g *Ghost[V]) Proposed(p protocols.NodeID, s int, b Ballot, v V, quorum []protocols.NodeID) error {
	in := g.slot(s)
	for _, q := range in.proposals {
		if q.ballot == b && q.value != v {
			return protocols.Violationf(KindBallotUnique, "%s proposed %s in ballot %s%s, where %s proposed %s in the same ballot",
				p, g.show(v), b, where(s), q.by, g.show(q.value))
		}
	}
	in.proposals = append(in.proposals, proposal[V]{ballot: b, value: v, by: p})
	if len(quorum) < g.q1 {
		return protocols.Violationf(KindProposalSafety, "%s proposed in ballot %s%s with %d promises (%s), fewer than the phase-1 quorum of %d",
			p, b, where(s), len(quorum), names(quorum), g.q1)
	}
	var best acceptance[V]
	for _, a := range quorum {
		if !g.madePromise(a, b) {
			return protocols.Violationf(KindProposalSafety, "%s counted a promise from %s for ballot %s, which %s never made", p, a, b, a)
		}
		for _, x := range in.accepts {
			if x.by == a && x.ballot < b && x.ballot > best.ballot {
				best = x
			}
		}
	}
	if best.ballot != 0 && best.value != v {
		return protocols.Violationf(KindProposalSafety, "%s proposed %s in ballot %s%s, but %s had accepted %s in ballot %s, the highest among the promises it counted (%s)",
			p, g.show(v), b, where(s), best.by, g.show(best.value), best.ballot, names(quorum))
	}
	if in.chosen && b > in.chosenAt && v != in.value {
		return protocols.Violationf(KindChosenStable, "%s proposed %s in ballot %s%s, but %s was chosen in ballot %s",
			p, g.show(v), b, where(s), g.show(in.value), in.chosenAt)
	}
	return nil
}

// Learned records that node n learned value v for slot s. Every node
// learns the same value, and only a value that was chosen.
func (g *Ghost[V]) Learned(n protocols.NodeID, s int, v V) error {
	in := g.slot(s)
	if in.learned && in.learnt != v {
		return protocols.Violationf(KindAgreement, "%s learned %s%s, but %s learned %s", n, g.show(v), where(s), in.learnedBy, g.show(in.learnt))
	}
	if !in.learned {
		in.learned, in.learnt, in.learnedBy = true, v, n
	}
	switch {
	case !in.chosen:
		return protocols.Violationf(KindLearnChosen, "%s learned %s%s, but no value has been chosen: no phase-2 quorum accepted it in one ballot",
			n, g.show(v), where(s))
	case in.value != v:
		return protocols.Violationf(KindLearnChosen, "%s learned %s%s, but %s was chosen (in ballot %s)", n, g.show(v), where(s), g.show(in.value), in.chosenAt)
	}
	return nil
}

func names(ids []protocols.NodeID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, " ")
}
