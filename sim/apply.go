package sim

import (
	"errors"
	"fmt"
	"slices"
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
	if hasSelectors(f) {
		resolved, err := w.resolveSelectors(f)
		if err != nil {
			return err
		}
		return w.applyFault(resolved)
	}
	return faultSpecs[f.Kind].apply(w, f)
}

// hasSelectors reports whether a fault names nodes by role anywhere in its
// nodes or groups (other than the lone leader or all handled above).
func hasSelectors(f *Fault) bool {
	for _, id := range f.Nodes {
		if isSelector(id) {
			return true
		}
	}
	for _, g := range f.Groups {
		for _, id := range g {
			if isSelector(id) {
				return true
			}
		}
	}
	return false
}

// resolveSelectors turns the role selectors of a fault into node IDs, now:
// leader (the up server that leads, in the highest term), follower (the
// first up server in natural order that is neither the leader nor named
// already), random-crashed (a down node drawn from the fault stream) and,
// last, rest (every server no other group names). The trace says what each
// resolved to, and the UI learns the nodes acted on.
func (w *World) resolveSelectors(f *Fault) (*Fault, error) {
	r := *f
	r.Nodes = slices.Clone(f.Nodes)
	r.Groups = make([][]protocols.NodeID, len(f.Groups))
	for i, g := range f.Groups {
		r.Groups[i] = slices.Clone(g)
	}
	named := map[protocols.NodeID]bool{}
	for _, id := range r.Nodes {
		named[id] = true
	}
	for _, g := range r.Groups {
		for _, id := range g {
			named[id] = true
		}
	}
	var notes []string
	var acted []protocols.NodeID
	one := func(sel protocols.NodeID) (protocols.NodeID, error) {
		var id protocols.NodeID
		switch sel {
		case Leader:
			if ls := w.resolve(f.Kind, Leader); len(ls) > 0 {
				id = ls[0]
			}
			if id == "" {
				return "", errors.New("there is no leader: nothing to do")
			}
		case Follower:
			leader := w.resolve(f.Kind, Leader)
			for _, s := range w.cfg.Servers {
				if n := w.nodeByID(s); n.n != nil && !slices.Contains(leader, s) && !named[s] {
					id = s
					break
				}
			}
			if id == "" {
				return "", errors.New("there is no follower up: nothing to do")
			}
		case RandomCrashed:
			var down []protocols.NodeID
			for _, n := range w.nodes {
				if n.n == nil && !n.pending {
					down = append(down, n.id)
				}
			}
			if len(down) == 0 {
				return "", errors.New("no node is down: nothing to do")
			}
			id = down[w.faults.IntN(len(down))]
		default:
			return sel, nil
		}
		named[id] = true
		acted = append(acted, id)
		notes = append(notes, string(sel)+" is "+string(id))
		return id, nil
	}
	for i, id := range r.Nodes {
		got, err := one(id)
		if err != nil {
			return nil, err
		}
		r.Nodes[i] = got
	}
	rest := -1
	for gi, g := range r.Groups {
		for i, id := range g {
			if id == Rest {
				rest = gi
				continue
			}
			got, err := one(id)
			if err != nil {
				return nil, err
			}
			g[i] = got
		}
	}
	if rest >= 0 {
		var others []protocols.NodeID
		for _, s := range w.cfg.Servers {
			if !named[s] {
				others = append(others, s)
			}
		}
		g := slices.DeleteFunc(r.Groups[rest], func(id protocols.NodeID) bool { return id == Rest })
		r.Groups[rest] = append(g, others...)
		if len(r.Groups[rest]) == 0 {
			return nil, errors.New("rest is empty: every server is named")
		}
		notes = append(notes, "rest is "+ids(others))
	}
	w.info.Acted = acted
	w.trace.note(strings.Join(notes, ", "))
	return &r, nil
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
	w.byzantine++
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
	w.parked -= len(n.held)
	n.held = nil
	n.pending = false
	n.busyUntil = 0 // the work it was doing is lost with it
	for i := range n.timers {
		n.timers[i].armed = false
		n.timers[i].carrier = false // what is queued belongs to the old incarnation
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
			if leads, term := protocols.LeadershipOf(n.n); leads && (best == "" || term > bestTerm) {
				best, bestTerm = id, term
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
		case Service:
			fits = n.server
		}
		if fits {
			ids = append(ids, n.id)
		}
	}
	return ids
}
