package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/sim"
)

// focus is the panel whose selection the arrow keys move.
// Faults injected by key: the selection they act on, crashes, restarts,
// isolation and dropped messages.

// selectedNode is the node the node keys act on.
func (m *runView) selectedNode() protocols.NodeID {
	return m.sess.nodes[min(m.nodeSel, len(m.sess.nodes)-1)]
}

// selectedMsg returns the index of the selected message in msgs, or -1.
func (m *runView) selectedMsg(msgs []sim.InFlight) int {
	if len(msgs) == 0 {
		return -1
	}
	if m.hasMsgKey {
		for i, msg := range msgs {
			if keyOf(msg) == m.msgKey {
				return i
			}
		}
	}
	return min(m.msgIdx, len(msgs)-1)
}

func (m *runView) moveSelection(d int) {
	if m.focus == focusNodes {
		m.nodeSel = (m.nodeSel + d + len(m.sess.nodes)) % len(m.sess.nodes)
		return
	}
	msgs := m.sess.world().InFlight()
	if len(msgs) == 0 {
		return
	}
	i := max(0, min(m.selectedMsg(msgs)+d, len(msgs)-1))
	m.msgIdx, m.msgKey, m.hasMsgKey = i, keyOf(msgs[i]), true
}

// nodeFault injects a crash, restart or isolation of the selected node.
func (m *runView) nodeFault(msg tea.KeyMsg) {
	id := m.selectedNode()
	st := m.sess.world().State(id)
	k := m.keys
	switch {
	case !m.sess.started[min(m.nodeSel, len(m.sess.nodes)-1)]:
		m.setFlash(fmt.Sprintf("%s has not started yet: every node starts at time 0, one event each; n steps to its start", id), true)
		return
	case key.Matches(msg, k.Crash):
		if !st.Up {
			m.setFlash(fmt.Sprintf("%s is already down: r restarts it", id), true)
			return
		}
		m.inject(sim.Fault{Kind: sim.Crash, Nodes: []protocols.NodeID{id}})
	case key.Matches(msg, k.Restart):
		if st.Up {
			m.setFlash(fmt.Sprintf("%s is up: only a crashed node restarts (c crashes it)", id), true)
			return
		}
		if !m.inject(sim.Fault{Kind: sim.Restart, Nodes: []protocols.NodeID{id}}) {
			return
		}
		// The restart is one event and the node's start the next: step
		// past the start, so the frame shows the node up.
		at := m.sess.event()
		if m.sess.stepUntilUp(id, 64) {
			m.setFlash(fmt.Sprintf("injected %q at event %d; %s started again at event %d and is up · s saves this branch",
				"restart "+string(id), at, id, m.sess.event()), false)
		}
	case key.Matches(msg, k.Isolate):
		if !st.Server {
			m.setFlash(fmt.Sprintf("%s is a client: isolate cuts a server off from the other servers", id), true)
			return
		}
		m.inject(sim.Fault{Kind: sim.Isolate, Nodes: []protocols.NodeID{id}})
	}
}

// dropMessage dooms the selected in-flight message. It acts only when the
// message list has the focus, so it never drops a message the user did not
// see selected.
func (m *runView) dropMessage() {
	w := m.sess.world()
	msgs := w.InFlight()
	i := m.selectedMsg(msgs)
	switch {
	case i < 0:
		m.setFlash("no message in flight to drop", true)
		return
	case m.focus != focusMsgs:
		m.setFlash("select a message first: tab, then ↑/↓", true)
		return
	}
	msg := msgs[i]
	switch {
	case msg.Fate != net.Delivered:
		m.setFlash("that message will already never arrive (see the detail pane)", true)
		return
	case msg.Due < injectTime(w.Now()):
		m.setFlash("that message arrives within the microsecond, before a fault can act: n delivers it", true)
		return
	}
	m.msgKey, m.hasMsgKey, m.msgIdx = keyOf(msg), true, i
	m.inject(msg.DropFault())
}

// inject injects a fault and says so; it reports whether it could.
func (m *runView) inject(f sim.Fault) bool {
	if err := m.sess.inject(f); err != nil {
		m.setFlash(err.Error(), true)
		return false
	}
	text := fmt.Sprintf("injected %q at %s (now event %d) · s saves this branch", f.String(), showTime(m.sess.world().Now()), m.sess.event())
	if d := m.sess.discarded; len(d) > 0 {
		fs := make([]string, len(d))
		for i, f := range d {
			fs[i] = fmt.Sprintf("%s at %s", f, showTime(f.At))
		}
		text += fmt.Sprintf(" · this is a new branch: it discards %s you injected later on the old one (%s)", count(len(d), "fault"), strings.Join(fs, "; "))
	}
	m.setFlash(text, false)
	return true
}

// frame is everything a view of the current event needs, read from the
// world once per View.
