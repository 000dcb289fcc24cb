package tui

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// Narration: every event the UI can show is told in one line of plain
// English. A node's step is told by its protocol (Display.Narrate, through
// the seam), with a generic line from the event's structure as fallback;
// faults are the simulator's, and told here.

// statusOf is a node's status now, or nil while it is down.
func statusOf(w *sim.World, id protocols.NodeID) *protocols.Status {
	n := w.Node(id)
	if n == nil {
		return nil
	}
	st := n.Status()
	return &st
}

// snapshot records every node's status, so the next event of each can be
// told with what it was before.
func (s *session) snapshot(w *sim.World) {
	for i, id := range s.nodes {
		s.status[i] = statusOf(w, id)
	}
}

// narrate fills in the words of an event being recorded: its narration,
// its moments, and for the space-time diagram its message and sends.
func (s *session) narrate(w *sim.World, ev *sim.Info, rec *eventRec) {
	rec.moments = s.moments
	if ev.Fault != nil {
		rec.byHand = s.injectedAt(ev.Fault)
		rec.text = faultText(ev, rec.byHand)
		s.snapshot(w)
		return
	}
	i, ok := s.nodeIndex[ev.Node]
	if !ok {
		return
	}
	if ev.Msg != nil {
		rec.sent, rec.msg, rec.msgKind = ev.Sent, ev.Msg.String(), ev.Msg.Kind()
	}
	for _, snd := range ev.Sends {
		to := -1
		if j, ok := s.nodeIndex[snd.To]; ok {
			to = j
		}
		rec.sends = append(rec.sends, sendRec{to: to, kind: snd.Msg.Kind(), msg: snd.Msg.String()})
	}
	step := protocols.Step{
		Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input,
		Restart: ev.Restart, Records: ev.Records,
		From: ev.From, Msg: ev.Msg, Timer: ev.Timer, Command: ev.Command,
		Notes: ev.Notes, Sends: ev.Sends, Server: w.State(ev.Node).Server,
		Before: s.status[i], Moments: s.moments, Byz: w.Byzantine(ev.Node), Cluster: w.Servers(),
	}
	if ev.Drop != 0 {
		step.Dropped = ev.Drop.String()
		if ev.Drop == net.Targeted && ev.Msg != nil && s.droppedByHand(ev.From, ev.Node, ev.Msg.Kind(), ev.Sent) {
			step.Dropped, rec.byHand = "dropped by hand", true
		}
		step.After = step.Before
	} else {
		step.After = statusOf(w, ev.Node)
		step.Self = w.Node(ev.Node)
		s.status[i] = step.After
	}
	rec.text = s.disp.Tell(step)
}

// injectedAt reports whether a fault event applies a fault injected by
// hand (rather than the scenario's own).
func (s *session) injectedAt(f *sim.Fault) bool {
	for _, in := range s.injected {
		if in.fault.At == f.At && in.fault.String() == f.String() {
			return true
		}
	}
	return false
}

// faultText tells a fault event: what the fault does, in words, after what
// the trace says of it ("crash leader (the leader is n2)").
func faultText(ev *sim.Info, byHand bool) string {
	f := ev.Fault
	line := string(ev.Line)
	if _, after, ok := strings.Cut(line, " fault "); ok {
		line = after
	}
	nodes := f.Nodes
	if len(ev.Acted) > 0 {
		nodes = ev.Acted
	}
	names := make([]string, len(nodes))
	for i, id := range nodes {
		names[i] = string(id)
	}
	them := protocols.JoinWords(names)
	what := ""
	switch f.Kind {
	case sim.Crash:
		what = them + " stops: its volatile state is lost, its synced durable records survive"
	case sim.Restart:
		what = them + " will start again from its durable records"
	case sim.Pause:
		what = them + " stalls: what arrives waits in its queue until it resumes"
	case sim.Resume:
		what = them + " resumes and works through what queued up"
	case sim.Partition, sim.PartitionBy, sim.Bridge:
		what = "no message crosses between the groups until a heal"
	case sim.Isolate:
		what = them + " can no longer reach, or hear from, any other server"
	case sim.OneWay:
		what = "messages flow one way only on those links"
	case sim.Heal:
		what = "every cut link is repaired; held messages go on"
	case sim.Recover:
		what = "the healing phase begins: every fault is off and crashed nodes restart; from now on the run must make progress"
	case sim.ClockOffset, sim.ClockDrift, sim.ClockJump:
		what = "that node's clock (and so its timers) now runs differently from true time"
	case sim.NetSet:
		what = "the links change from now on"
	case sim.DropNext:
		what = fmt.Sprintf("the next %s on that link will be dropped", countOf(f.Rule.Count, "matching message"))
	case sim.DelayNext:
		what = fmt.Sprintf("the next %s on that link will be late by %s", countOf(f.Rule.Count, "matching message"), clock.FormatDuration(f.Rule.Delay))
	case sim.Clog:
		what = "the link holds its messages for a while, then lets them go in order"
	case sim.Hold:
		what = "the link holds its messages until released"
	case sim.Release:
		what = "the held messages go on, in order"
	case sim.DropInFlight:
		what = fmt.Sprintf("that %s will never arrive", f.Rule.Kind)
	case sim.Admin:
		what = "the operator's command is that node's next input"
	case sim.Byzantine:
		what = "that node may now lie; the checks judge the others"
	}
	text := "fault " + line
	if byHand {
		text += " (injected by hand)"
	}
	for _, no := range []string{"nothing to do", "no node to act on", "already", "is down", "not paused", "no such message"} {
		if strings.Contains(line, no) {
			what = "" // it could not act: the trace line says why
		}
	}
	if what != "" {
		text += " — " + what
	}
	return text
}

func countOf(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return count(n, noun)
}

// droppedByHand reports whether the schedule drops this message by hand: a
// drop inflight fault (what d injects and s saves) names its kind, link
// and send time.
func (s *session) droppedByHand(from, to protocols.NodeID, kind string, sent clock.Time) bool {
	match := func(f sim.Fault) bool {
		return f.Kind == sim.DropInFlight && f.Rule.From == from && f.Rule.To == to && f.Rule.Kind == kind && f.Sent == sent
	}
	for _, f := range s.base.Faults {
		if match(f) {
			return true
		}
	}
	for _, in := range s.injected {
		if match(in.fault) {
			return true
		}
	}
	return false
}
