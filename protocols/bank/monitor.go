package bank

import (
	"maps"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Participant is implemented by the participant nodes of both protocols, so
// that monitors and the UI can read their ledgers. The ledger is the node's
// live state: readers must not modify it.
type Participant interface {
	protocols.Node
	Ledger() *Ledger
}

// Finaler is a monitor with checks that only make sense at the end of a run,
// after the healing phase: every server up and connected, the network calm.
// The runner calls Final once, after the last event.
type Finaler interface {
	Final(c protocols.Cluster) error
}

// FinalChecks runs Final on every monitor in ms that has one and returns the
// first violation.
func FinalChecks(c protocols.Cluster, ms []protocols.Monitor) error {
	for _, m := range ms {
		if f, ok := m.(Finaler); ok {
			if err := f.Final(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Checks returns fresh monitors for one run of an atomic-commit protocol
// and the end-of-run check bound to them: check every event with the
// monitors, call final once after the healing phase. 2PC and 3PC are judged
// by the same checks, so the partition scenario fails exactly the atomicity
// check that 2PC passes.
func Checks() (monitors []protocols.Monitor, final func(protocols.Cluster) error) {
	ms := []protocols.Monitor{NewMonitor(DefaultGrace)}
	return ms, func(c protocols.Cluster) error { return FinalChecks(c, ms) }
}

// Doubt is one transaction a participant holds prepared (in doubt), with its
// locks.
type Doubt struct {
	Node protocols.NodeID
	Tx   TxID
}

// InDoubt lists every transaction held prepared by a live participant,
// ordered by node then transaction. The UI shows it as "blocked"; the runner
// can use it to see whether anything is still unresolved.
func InDoubt(c protocols.Cluster) []Doubt {
	var out []Doubt
	for _, id := range c.Servers() {
		if p, ok := c.Node(id).(Participant); ok {
			for _, tx := range p.Ledger().InDoubt() {
				out = append(out, Doubt{Node: id, Tx: tx})
			}
		}
	}
	return out
}

// The kinds of violation the monitor reports.
const (
	KindAtomicity      = "atomicity"         // one participant committed what another aborted
	KindValidity       = "commit-validity"   // a commit without a yes vote from every participant
	KindFinality       = "decision-finality" // a decision changed, or was forgotten by a restart
	KindDurablePrepare = "durable-prepare"   // a participant that voted yes restarted without its prepared state
	KindConservation   = "conservation"      // money created or destroyed
	KindDurability     = "durability"        // a transfer reported committed is missing somewhere (final)
	KindLiveness       = "liveness"          // a transaction still blocked after healing (final)
)

// Violations lists the kinds above, for Protocol.Violations.
var Violations = []string{
	KindAtomicity, KindValidity, KindFinality, KindDurablePrepare, KindConservation, KindDurability, KindLiveness,
}

// DefaultGrace is how old an unresolved transaction must be, at the end of a
// run, before the final checks call it blocked: long enough for a healthy
// cluster to finish any transaction (a few timeouts of 200ms), short enough
// to fit inside a healing phase.
const DefaultGrace = 2 * clock.Second

// Monitor is the ghost observer that judges an atomic-commit run. It reads
// the nodes' notes (votes, decisions, finishes, client reports) into a record
// that crashes cannot erase, and the participants' ledgers by type assertion,
// and checks after every event:
//
//   - atomicity: no transaction both committed at one participant and
//     aborted at another, and no client told the opposite of what happened;
//   - commit validity: a commit (decided or applied) only if every
//     participant voted yes and none voted no;
//   - decision finality: a node's decision on a transaction never changes,
//     and a participant restarts with the decision it had;
//   - durable prepare: a participant that voted yes restarts still prepared
//     (unless it finished the transaction);
//   - conservation: with every participant up and nothing in doubt, the
//     balances add up to the opening total.
//
// Final adds durability and liveness, judged after healing.
type Monitor struct {
	// Grace is how long a transaction may stay unresolved before Final calls
	// it blocked.
	Grace  clock.Duration
	txs    map[TxID]*ghostTx
	byNode map[protocols.NodeID][]TxID // transactions each participant voted on or finished
}

type ghostTx struct {
	participants []protocols.NodeID
	yes, no      map[protocols.NodeID]bool
	yesAt        map[protocols.NodeID]clock.Time
	decided      map[protocols.NodeID]bool // by deciding node: commit?
	finished     map[protocols.NodeID]bool // by participant: commit?
	client       protocols.NodeID
	reported     Outcome
	reportedAt   clock.Time
}

// NewMonitor returns a fresh monitor for one run.
func NewMonitor(grace clock.Duration) *Monitor {
	return &Monitor{Grace: grace, txs: map[TxID]*ghostTx{}, byNode: map[protocols.NodeID][]TxID{}}
}

func (m *Monitor) tx(id TxID) *ghostTx {
	g := m.txs[id]
	if g == nil {
		g = &ghostTx{
			yes: map[protocols.NodeID]bool{}, no: map[protocols.NodeID]bool{},
			yesAt: map[protocols.NodeID]clock.Time{}, decided: map[protocols.NodeID]bool{},
			finished: map[protocols.NodeID]bool{},
		}
		m.txs[id] = g
	}
	return g
}

func (m *Monitor) touch(node protocols.NodeID, tx TxID) {
	if list := m.byNode[node]; len(list) == 0 || list[len(list)-1] != tx {
		m.byNode[node] = append(list, tx)
	}
}

// Check implements protocols.Monitor.
func (m *Monitor) Check(c protocols.Cluster, ev protocols.Event) error {
	for _, n := range ev.Notes {
		if err := m.note(ev, n); err != nil {
			return err
		}
	}
	if ev.Input == protocols.Start {
		if p, ok := ev.Stepped(c).(Participant); ok {
			if err := m.checkRestart(ev.Node, p.Ledger()); err != nil {
				return err
			}
		}
	}
	return checkConservation(c)
}

func (m *Monitor) note(ev protocols.Event, n protocols.Note) error {
	switch n := n.(type) {
	case Voted:
		g := m.tx(n.Tx)
		if len(g.participants) == 0 {
			g.participants = slices.Clone(n.Participants)
		}
		m.touch(n.Node, n.Tx)
		if n.Yes {
			if !g.yes[n.Node] {
				g.yesAt[n.Node] = ev.Time
			}
			g.yes[n.Node] = true
		} else {
			g.no[n.Node] = true
		}
	case Decided:
		g := m.tx(n.Tx)
		if len(g.participants) == 0 {
			g.participants = slices.Clone(n.Participants)
		}
		if prev, ok := g.decided[n.Node]; ok && prev != n.Commit {
			return protocols.Violationf(KindFinality, "%s decided %s %s, then %s", n.Node, n.Tx, verb(prev), verb(n.Commit))
		}
		g.decided[n.Node] = n.Commit
		if n.Commit {
			return g.checkValid(n.Tx, n.Node, "decided")
		}
	case Finished:
		g := m.tx(n.Tx)
		m.touch(n.Node, n.Tx)
		if prev, ok := g.finished[n.Node]; ok && prev != n.Commit {
			return protocols.Violationf(KindFinality, "%s finished %s with %s, then %s", n.Node, n.Tx, verb(prev), verb(n.Commit))
		}
		g.finished[n.Node] = n.Commit
		for _, other := range slices.SortedFunc(maps.Keys(g.finished), protocols.Compare) {
			if g.finished[other] != n.Commit {
				return protocols.Violationf(KindAtomicity, "%s %s at %s but %s at %s",
					n.Tx, past(g.finished[other]), other, past(n.Commit), n.Node)
			}
		}
		if err := g.checkReport(n.Tx); err != nil {
			return err
		}
		if n.Commit {
			return g.checkValid(n.Tx, n.Node, "committed")
		}
	case Reported:
		if n.Outcome == OutcomeUnknown {
			return nil
		}
		g := m.tx(n.Tx)
		g.client, g.reported, g.reportedAt = n.Client, n.Outcome, ev.Time
		return g.checkReport(n.Tx)
	}
	return nil
}

// checkValid: a commit needs a yes from every participant and no "no".
func (g *ghostTx) checkValid(tx TxID, by protocols.NodeID, what string) error {
	parts := g.participants
	if len(parts) == 0 {
		parts = []protocols.NodeID{by}
	}
	for _, p := range parts {
		if !g.yes[p] {
			return protocols.Violationf(KindValidity, "%s %s %s but %s never voted yes", by, what, tx, p)
		}
	}
	for _, p := range slices.SortedFunc(maps.Keys(g.no), protocols.Compare) {
		return protocols.Violationf(KindValidity, "%s %s %s but %s voted no", by, what, tx, p)
	}
	return nil
}

// checkReport: what the client was told agrees with every participant.
func (g *ghostTx) checkReport(tx TxID) error {
	if g.reported == OutcomeUnknown {
		return nil
	}
	commit := g.reported == OutcomeCommitted
	for _, p := range slices.SortedFunc(maps.Keys(g.finished), protocols.Compare) {
		if g.finished[p] != commit {
			return protocols.Violationf(KindAtomicity, "%s reported %s to %s but %s at %s",
				tx, g.reported, g.client, past(g.finished[p]), p)
		}
	}
	return nil
}

// checkRestart: a participant comes back with every decision it made and
// every yes vote it has not yet resolved.
func (m *Monitor) checkRestart(id protocols.NodeID, l *Ledger) error {
	for _, tx := range m.byNode[id] {
		g := m.txs[tx]
		st := l.State(tx)
		if commit, ok := g.finished[id]; ok {
			if want := finishedState(commit); st != want {
				return protocols.Violationf(KindFinality, "%s finished %s with %s but restarted with it %s", id, tx, verb(commit), st)
			}
			continue
		}
		if g.yes[id] && st != TxPrepared {
			return protocols.Violationf(KindDurablePrepare, "%s voted yes on %s but restarted with it %s", id, tx, st)
		}
	}
	return nil
}

func finishedState(commit bool) TxState {
	if commit {
		return TxCommitted
	}
	return TxAborted
}

func past(commit bool) string {
	if commit {
		return "committed"
	}
	return "aborted"
}

// checkConservation: transfers move money, never make or lose it. While a
// transaction is prepared somewhere its writes may be applied at some
// participants and not yet at others, and a participant that is down cannot
// be read, so the check waits for a quiet moment.
func checkConservation(c protocols.Cluster) error {
	var total, initial int64
	for _, id := range c.Servers() {
		n := c.Node(id)
		if n == nil {
			return nil
		}
		p, ok := n.(Participant)
		if !ok {
			continue
		}
		l := p.Ledger()
		if l.InDoubtCount() > 0 {
			return nil
		}
		total += l.Total()
		initial += l.InitialTotal()
	}
	if total != initial {
		return protocols.Violationf(KindConservation, "balances add up to %d, not %d, with no transaction in doubt", total, initial)
	}
	return nil
}

// Final implements Finaler: after healing, every server is up, every
// transfer reported committed is applied at each of its participants, and no
// transaction older than Grace is still prepared anywhere. A transaction
// reported committed within the last Grace may still be settling: it is
// excused while prepared, never when missing.
func (m *Monitor) Final(c protocols.Cluster) error {
	now := c.Now()
	for _, id := range c.Servers() {
		if c.Node(id) == nil {
			return protocols.Violationf(KindLiveness, "%s is down at the end of the run; the final checks need every server up", id)
		}
	}
	for _, tx := range slices.Sorted(maps.Keys(m.txs)) {
		g := m.txs[tx]
		if g.reported != OutcomeCommitted {
			continue
		}
		for _, p := range g.participants {
			part, ok := c.Node(p).(Participant)
			if !ok {
				return protocols.Violationf(KindDurability, "%s reported committed, but its participant %s is not a participant node", tx, p)
			}
			st := part.Ledger().State(tx)
			if st == TxCommitted || (st == TxPrepared && now.Sub(g.reportedAt) <= m.Grace) {
				continue
			}
			return protocols.Violationf(KindDurability, "%s reported committed to %s at %s, but %s has it %s", tx, g.client, g.reportedAt, p, st)
		}
	}
	for _, d := range InDoubt(c) {
		since := clock.Time(0)
		if g := m.txs[d.Tx]; g != nil {
			since = g.yesAt[d.Node]
		}
		if now.Sub(since) > m.Grace {
			l := c.Node(d.Node).(Participant).Ledger()
			return protocols.Violationf(KindLiveness, "%s still holds %s prepared (voted yes at %s; locks %s) at %s",
				d.Node, d.Tx, since, l.FormatLocks(), now)
		}
	}
	return nil
}
