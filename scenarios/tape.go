package scenarios

import (
	"fmt"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// A tape is a run told for people: each event with its narration, its
// teaching moments, the message it consumed and the messages it sent, so
// that a space-time diagram can draw every message from its send to its
// receive. The terminal UI keeps the recent end of one; reports
// (--report) keep all of it. Narrator does the telling.

// TapeEvent is one event on a tape.
type TapeEvent struct {
	Seq  uint64
	Time clock.Time
	Node protocols.NodeID // "" for a fault
	// What is one of start, restart, timer, recv, drop, admin or fault.
	What  string
	Line  string // the trace line, exactly
	Text  string // the narration
	Fault string // a fault: what the trace says of it
	// ByHand marks a fault injected by hand, or a message dropped by hand.
	ByHand bool
	// Deliveries and drops: the sender, the message and when it was sent;
	// Heartbeat when the protocol calls the message routine traffic.
	From      protocols.NodeID
	Msg       string
	Kind      string
	Sent      clock.Time
	Drop      string // why it was dropped
	Heartbeat bool
	Sends     []TapeSend
	Moments   []protocols.Moment
	Violation string             // the kind of a violation first seen here
	Acted     []protocols.NodeID // a fault's nodes, as resolved
	Role      string             // the node's role after the event ("" when down)
}

// TapeSend is one message an event sent.
type TapeSend struct {
	To        protocols.NodeID
	Kind      string
	Msg       string
	Heartbeat bool // routine traffic: a heartbeat, or the reply to one
}

// Arrow is one message drawn on a space-time diagram: from the event that
// sent it to the event that received or dropped it, by index into the
// events it was computed from. To is -1 for a message still on the wire at
// the end (or received after the last event given); From is -1 for one sent
// before the first.
type Arrow struct {
	From, To  int
	Sender    protocols.NodeID
	Receiver  protocols.NodeID
	Kind      string
	Msg       string
	Dropped   bool
	Heartbeat bool
}

// Arrows joins each receive and drop among events to the event that sent
// the message: the latest earlier event at the sender, at the message's
// send time, that sent that message to the receiver. Sends that nothing
// received among events become arrows with To = -1. A duplicated message
// has two arrows from one send.
func Arrows(events []TapeEvent) []Arrow {
	type key struct {
		node protocols.NodeID
		at   clock.Time
	}
	byKey := map[key][]int{}
	used := map[[2]int]bool{} // (send event, send index) received at least once
	var out []Arrow
	for j, ev := range events {
		if ev.What == "recv" || ev.What == "drop" {
			from := -1
			for _, i := range byKey[key{ev.From, ev.Sent}] {
				for k, s := range events[i].Sends {
					if s.To == ev.Node && s.Msg == ev.Msg {
						from = i
						used[[2]int{i, k}] = true
						break
					}
				}
				if from >= 0 {
					break
				}
			}
			out = append(out, Arrow{From: from, To: j, Sender: ev.From, Receiver: ev.Node, Kind: ev.Kind, Msg: ev.Msg,
				Dropped: ev.What == "drop", Heartbeat: ev.Heartbeat})
		}
		if len(ev.Sends) > 0 {
			k := key{ev.Node, ev.Time}
			byKey[k] = append([]int{j}, byKey[k]...) // latest first
		}
	}
	for i, ev := range events {
		for k, s := range ev.Sends {
			if !used[[2]int{i, k}] {
				out = append(out, Arrow{From: i, To: -1, Sender: ev.Node, Receiver: s.To, Kind: s.Kind, Msg: s.Msg, Heartbeat: s.Heartbeat})
			}
		}
	}
	return out
}

// Narrator tells the events of one world in words (the protocol's own,
// through Display.Narrate, or the generic line), keeping each node's
// status after its last event so the next can be told with what it was
// before. Call Snapshot first when starting in the middle of a run.
type Narrator struct {
	disp   protocols.Display
	index  map[protocols.NodeID]int
	nodes  []protocols.NodeID
	status []*protocols.Status
	// ByHand, if set, says whether a fault was injected by hand, and
	// whether a targeted drop was a drop by hand (DropInFlight).
	ByHand func(f *sim.Fault) bool
	faults []sim.Fault // the schedule's drop inflight faults
}

// NewNarrator returns a narrator for w's nodes in p's words; faults is the
// run's schedule (drops by hand are told as such).
func NewNarrator(p *protocols.Protocol, w *sim.World, faults []sim.Fault) *Narrator {
	n := &Narrator{index: map[protocols.NodeID]int{}}
	if p != nil {
		n.disp = p.Display
	}
	n.nodes = append(append(n.nodes, w.Servers()...), w.Clients()...)
	for i, id := range n.nodes {
		n.index[id] = i
	}
	n.status = make([]*protocols.Status, len(n.nodes))
	for _, f := range faults {
		if f.Kind == sim.DropInFlight {
			n.faults = append(n.faults, f)
		}
	}
	return n
}

// Snapshot records every node's status now.
func (n *Narrator) Snapshot(w *sim.World) {
	for i, id := range n.nodes {
		n.status[i] = statusOf(w, id)
	}
}

func statusOf(w *sim.World, id protocols.NodeID) *protocols.Status {
	node := w.Node(id)
	if node == nil {
		return nil
	}
	st := node.Status()
	return &st
}

// Moments are the teaching moments of an event.
func (n *Narrator) Moments(ev *sim.Info) []protocols.Moment {
	return n.disp.MomentsOf(protocols.Event{Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input, Notes: ev.Notes})
}

// Record tells one event (observed just now, on w) as a tape event. The
// tape keeps the event's trace line, so the world should render lines
// (sim.World.RenderLines) by the time the events to record begin.
func (n *Narrator) Record(w *sim.World, ev *sim.Info, moments []protocols.Moment) TapeEvent {
	te := TapeEvent{Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Line: string(ev.Line), Moments: moments, Acted: append([]protocols.NodeID(nil), ev.Acted...)}
	if ev.Fault != nil {
		te.What = "fault"
		te.Fault = faultLine(ev)
		te.ByHand = n.ByHand != nil && n.ByHand(ev.Fault)
		te.Text = FaultText(ev, te.ByHand)
		n.Snapshot(w)
		return te
	}
	i, ok := n.index[ev.Node]
	if !ok {
		return te
	}
	switch ev.Input {
	case protocols.Start:
		te.What = "start"
		if ev.Restart {
			te.What = "restart"
		}
	case protocols.Timer:
		te.What = "timer"
	case protocols.Admin:
		te.What = "admin"
	default:
		te.What = "recv"
	}
	if ev.Msg != nil {
		te.From, te.Msg, te.Kind, te.Sent = ev.From, ev.Msg.String(), ev.Msg.Kind(), ev.Sent
		te.Heartbeat = n.disp.Heartbeat != nil && n.disp.Heartbeat(ev.Msg)
	}
	for _, s := range ev.Sends {
		hb := n.disp.Heartbeat != nil && n.disp.Heartbeat(s.Msg)
		// The answer to a heartbeat, sent straight back, is routine too.
		hb = hb || te.Heartbeat && s.To == ev.From && len(ev.Sends) == 1
		te.Sends = append(te.Sends, TapeSend{To: s.To, Kind: s.Msg.Kind(), Msg: s.Msg.String(), Heartbeat: hb})
	}
	step := protocols.Step{
		Seq: ev.Seq, Time: ev.Time, Node: ev.Node, Input: ev.Input,
		Restart: ev.Restart, Records: ev.Records,
		From: ev.From, Msg: ev.Msg, Timer: ev.Timer, Command: ev.Command,
		Notes: ev.Notes, Sends: ev.Sends, Server: w.State(ev.Node).Server,
		Before: n.status[i], Moments: moments, Byz: w.Byzantine(ev.Node), Cluster: w.Servers(),
	}
	if ev.Drop != 0 {
		te.What = "drop"
		step.Dropped = ev.Drop.String()
		if ev.Drop == net.Targeted && n.dropByHand(ev) {
			step.Dropped, te.ByHand = "dropped by hand", true
		}
		te.Drop = step.Dropped
		step.After = step.Before
	} else {
		step.After = statusOf(w, ev.Node)
		step.Self = w.Node(ev.Node)
		n.status[i] = step.After
	}
	if step.After != nil {
		te.Role = step.After.Role
	}
	te.Text = n.disp.Tell(step)
	return te
}

func (n *Narrator) dropByHand(ev *sim.Info) bool {
	for _, f := range n.faults {
		if f.Rule.From == ev.From && f.Rule.To == ev.Node && f.Rule.Kind == ev.Msg.Kind() && f.Sent == ev.Sent {
			return true
		}
	}
	return false
}

// AddDropByHand tells the narrator of one more drop inflight fault.
func (n *Narrator) AddDropByHand(f sim.Fault) {
	if f.Kind == sim.DropInFlight {
		n.faults = append(n.faults, f)
	}
}

// faultLine is what the trace line of a fault event says after "fault":
// the fault and any remark ("crash leader (the leader is n2)"); the fault
// alone when the world renders no lines.
func faultLine(ev *sim.Info) string {
	if ev.Line == nil {
		return ev.Fault.String()
	}
	line := string(ev.Line)
	if _, after, ok := strings.Cut(line, " fault "); ok {
		line = after
	}
	return line
}

// FaultText tells a fault event: what the trace says of it ("crash leader
// (the leader is n2)") and what the fault does, in words.
func FaultText(ev *sim.Info, byHand bool) string {
	f := ev.Fault
	line := faultLine(ev)
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
	return fmt.Sprintf("%d %ss", n, noun)
}
