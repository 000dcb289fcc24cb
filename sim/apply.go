package sim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// Apply queues a fault to take effect now, after the events already queued
// for this instant. The terminal UI injects faults this way.
func (w *World) Apply(f Fault) error {
	f.At = w.now
	known := map[protocols.NodeID]bool{}
	for id := range w.index {
		known[id] = true
	}
	if err := f.check(&faultEnv{known: known, servers: w.cfg.Servers, strategy: w.cfg.Strategy}); err != nil {
		return fmt.Errorf("%s: %w", f, err)
	}
	w.push(event{at: w.now, kind: evFault, fault: &f})
	return nil
}

// applyFault carries out one fault operation. An operation that cannot act
// (restarting a node that is up) is reported on the trace line, not as a
// failure: random schedules produce such operations all the time.
func (w *World) applyFault(f *Fault) error {
	if len(f.Nodes) == 1 && (f.Nodes[0] == Leader || f.Nodes[0] == All) {
		resolved := *f
		resolved.Nodes = w.resolve(f.Kind, f.Nodes[0])
		if len(resolved.Nodes) == 0 {
			if f.Nodes[0] == Leader {
				return errors.New("there is no leader: nothing to do")
			}
			return errors.New("no node to act on")
		}
		w.info.Acted = resolved.Nodes
		if f.Nodes[0] == Leader {
			w.trace.note("the leader is " + string(resolved.Nodes[0]))
		} else {
			w.trace.note("all is " + strings.Trim(fmt.Sprint(resolved.Nodes), "[]"))
		}
		return w.applyFault(&resolved)
	}
	return faultSpecs[f.Kind].apply(w, f)
}

func (w *World) partitionBy(f *Fault) error {
	var a, b []protocols.NodeID
	switch f.Shape {
	case ShapeRing:
		return w.net.Cut(net.Ring(w.cfg.Servers))
	case ShapeHalves:
		a, b = net.RandomHalves(w.cfg.Servers, w.faults)
	case ShapeMajority:
		a, b = net.MajorityMinority(w.cfg.Servers, w.faults)
	default:
		return fmt.Errorf("unknown shape %q", f.Shape)
	}
	w.trace.note(fmt.Sprintf("drew %v | %v", a, b))
	return w.cut(net.Split(a, b))
}

func (w *World) crashNodes(f *Fault) error {
	var errs []string
	for _, id := range f.Nodes {
		switch n := w.nodeByID(id); {
		case n.n != nil:
			w.crash(n)
		case n.pending:
			// Its start is queued (a restart at this same instant, or the
			// first start of the run): the crash wins, it stays down.
			n.inc++
			n.pending = false
			errs = append(errs, string(id)+"'s pending start is cancelled")
		default:
			errs = append(errs, string(id)+" is already down")
		}
	}
	return joinNotes(errs)
}

func (w *World) restartNodes(f *Fault) error {
	var errs []string
	for _, id := range f.Nodes {
		switch n := w.nodeByID(id); {
		case n.n != nil:
			errs = append(errs, string(id)+" is already up")
		case n.pending:
			errs = append(errs, string(id)+" is already starting")
		default:
			n.pending = true
			w.push(event{at: w.now, kind: evStart, node: n.idx, inc: n.inc})
		}
	}
	return joinNotes(errs)
}

func (w *World) pauseNodes(f *Fault) error {
	var errs []string
	for _, id := range f.Nodes {
		switch n := w.nodeByID(id); {
		case n.n == nil:
			errs = append(errs, string(id)+" is down")
		case n.paused:
			errs = append(errs, string(id)+" is already paused")
		default:
			n.paused = true
		}
	}
	return joinNotes(errs)
}

func (w *World) resumeNodes(f *Fault) error {
	var errs []string
	for _, id := range f.Nodes {
		n := w.nodeByID(id)
		if !n.paused {
			errs = append(errs, string(id)+" is not paused")
			continue
		}
		n.paused = false
		if len(n.held) > 0 {
			// The held inputs run one event each, in arrival order; what
			// arrives meanwhile queues behind them.
			w.push(event{at: w.now, kind: evDrain, node: n.idx, inc: n.inc})
		}
	}
	return joinNotes(errs)
}

// admin queues the operator's command as the node's next input: an event
// of its own, so the node's step shows in the trace like any other.
func (w *World) admin(f *Fault) error {
	n := w.nodeByID(f.Nodes[0])
	if n.n == nil {
		return errors.New(string(n.id) + " is down: the command is lost")
	}
	w.push(event{at: w.now, kind: evAdmin, node: n.idx, inc: n.inc, fault: f})
	return nil
}

// makeByzantine turns a server byzantine: its current incarnation, if up,
// and every later one run wrapped by the strategy.
func (w *World) makeByzantine(f *Fault) error {
	n := w.nodeByID(f.Nodes[0])
	wrap, err := w.cfg.Strategy(f.Words[0], f.Words[1:])
	if err != nil {
		return err
	}
	if n.byz != nil {
		return errors.New(string(n.id) + " is already byzantine")
	}
	n.byz = wrap
	if n.n != nil {
		n.n = wrap(n.n, w.byzantineConfig(n))
	}
	return nil
}

func joinNotes(notes []string) error {
	if len(notes) == 0 {
		return nil
	}
	return errors.New(strings.Join(notes, "; "))
}

func (w *World) cut(links []net.Link, err error) error {
	if err != nil {
		return err
	}
	return w.net.Cut(links)
}

func (w *World) setNet(f *Fault) error {
	apply := func(c net.LinkConfig) net.LinkConfig {
		switch f.Field {
		case FieldLoss:
			c.Loss = float64(f.PPM) / 1e6
		case FieldDup:
			c.Dup = float64(f.PPM) / 1e6
		case FieldLatency:
			c.Latency = f.Lat
		}
		return c
	}
	if f.Link != (net.Link{}) {
		return w.net.SetLink(f.Link, apply(w.net.Config(f.Link)))
	}
	w.cfg.Link = apply(w.cfg.Link)
	w.net.SetAll(w.cfg.Link)
	return nil
}

func (w *World) nodeByID(id protocols.NodeID) *node { return w.nodes[w.index[id]] }

// crash drops a node's volatile state and unsynced records, disarms its
// timers and discards what it had queued while paused.
func (w *World) crash(n *node) {
	n.n = nil
	n.inc++
	n.store = n.store[:n.synced]
	n.paused = false
	n.held = nil
	n.pending = false
	for i := range n.timers {
		n.timers[i].armed = false
	}
}

// recoverAll turns every fault off, as the healing phase of a run begins:
// the network heals and loses, duplicates and targets nothing, clocks stop
// drifting, paused nodes resume and crashed ones restart. Latency and clock
// offsets stay: they are the world's weather, not faults.
func (w *World) recoverAll() {
	w.net.Heal()
	w.flushAll()
	w.net.ClearRules()
	w.cfg.Link.Loss, w.cfg.Link.Dup = 0, 0
	w.net.Calm()
	resume := Fault{Kind: Resume}
	for _, n := range w.nodes {
		n.clock.SetDrift(w.now, 0)
		switch {
		case n.paused:
			resume.Nodes = append(resume.Nodes, n.id)
		case n.n == nil && !n.pending:
			n.pending = true
			w.push(event{at: w.now, kind: evStart, node: n.idx, inc: n.inc})
		}
	}
	if len(resume.Nodes) > 0 {
		w.resumeNodes(&resume)
	}
}

// dropInFlight dooms the first message on the wire that matches f's kind,
// link and send time.
func (w *World) dropInFlight(f *Fault) bool {
	from, to := int32(w.index[f.Rule.From]), int32(w.index[f.Rule.To])
	var hit *event
	w.eachOnWire(func(e *event, _ bool) {
		if e.from == from && e.node == to && e.sent == f.Sent && e.fate == net.Delivered &&
			e.msg.Kind() == f.Rule.Kind && (hit == nil || e.seq < hit.seq) {
			hit = e
		}
	})
	if hit != nil {
		hit.fate = net.Targeted
	}
	return hit != nil
}

// resolve turns a selector into node IDs at the moment a fault applies.
func (w *World) resolve(kind FaultKind, sel protocols.NodeID) []protocols.NodeID {
	if sel == Leader {
		var best protocols.NodeID
		var bestTerm uint64
		for _, id := range w.cfg.Servers {
			n := w.nodeByID(id)
			if n.n == nil {
				continue
			}
			if st := n.n.Status(); st.Leader && (best == "" || st.Term > bestTerm) {
				best, bestTerm = id, st.Term
			}
		}
		if best == "" {
			return nil
		}
		return []protocols.NodeID{best}
	}
	var ids []protocols.NodeID
	for _, n := range w.nodes {
		var fits bool
		switch kind {
		case Restart:
			fits = n.n == nil && !n.pending
		case Resume:
			fits = n.paused
		case Crash:
			fits = n.n != nil && n.server
		case Pause:
			fits = n.n != nil && !n.paused && n.server
		}
		if fits {
			ids = append(ids, n.id)
		}
	}
	return ids
}
