package multi

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

// Ballot is single-decree Paxos's ballot: Multi-Paxos runs one instance of
// the synod algorithm per slot, all under the leader's one ballot.
type Ballot = synod.Ballot

// Proposal is a command proposed for a slot. The zero Cmd is a no-op, which
// a new leader proposes to fill a slot nobody accepted anything in.
type Proposal struct {
	Slot int
	Cmd  kv.Request
}

// PValue is a proposal an acceptor accepted, with the ballot it accepted it
// in (Paxos Made Moderately Complex's pvalue).
type PValue struct {
	Slot   int
	Ballot Ballot
	Cmd    kv.Request
}

// appendCmd renders a command as its request ID (c1#7) or noop.
func appendCmd(b []byte, c kv.Request) []byte {
	if c.Client == "" {
		return append(b, "noop"...)
	}
	b = append(b, c.Client...)
	b = append(b, '#')
	return strconv.AppendUint(b, c.Seq, 10)
}

// cmdText renders a command in full, for the status pane and notes.
func cmdText(c kv.Request) string {
	if c.Client == "" {
		return "noop"
	}
	return c.ID() + " " + c.Op.String()
}

// Prepare is a candidate's phase 1a for every slot from From on, at once:
// promise Ballot, and report what you accepted in those slots. From is the
// first slot the candidate has not seen decided; below it there is nothing
// to recover.
type Prepare struct {
	Ballot Ballot
	From   int
}

// Kind implements protocols.Message.
func (Prepare) Kind() string { return "Prepare" }

// String renders the message as Prepare{ballot=302 from=7}.
func (m Prepare) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Prepare) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Prepare) append(b []byte) []byte {
	b = append(b, "Prepare{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " from="...)
	b = strconv.AppendInt(b, int64(m.From), 10)
	return append(b, '}')
}

// Promise answers a Prepare (phase 1b): the acceptor promised Ballot, and
// Accepted holds, for every slot from From on in which it accepted
// anything, the highest-ballot proposal it accepted there.
type Promise struct {
	Ballot   Ballot
	From     int
	Accepted []PValue // owned by the message, never mutated
}

// Kind implements protocols.Message.
func (Promise) Kind() string { return "Promise" }

// String renders the message as
// Promise{ballot=302 from=7 accepted=[7/201:c1#3 8/201:noop]}.
func (m Promise) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Promise) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Promise) append(b []byte) []byte {
	b = append(b, "Promise{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " from="...)
	b = strconv.AppendInt(b, int64(m.From), 10)
	b = append(b, " accepted=["...)
	for i, pv := range m.Accepted {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(pv.Slot), 10)
		b = append(b, '/')
		b = pv.Ballot.AppendTo(b)
		b = append(b, ':')
		b = appendCmd(b, pv.Cmd)
	}
	return append(b, "]}"...)
}

// Accept is the leader's phase 2a for the slots of Proposals, in its
// Ballot. Commit is the leader's commit point: it knows every slot up to
// there is decided. A replica that accepted a slot up to Commit in this
// same Ballot knows its proposal is the decided one.
type Accept struct {
	Ballot    Ballot
	Proposals []Proposal // owned by the message, never mutated
	Commit    int
}

// Kind implements protocols.Message.
func (Accept) Kind() string { return "Accept" }

// String renders the message as
// Accept{ballot=302 slots=[7:c1#3 8:noop] commit=6}.
func (m Accept) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Accept) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Accept) append(b []byte) []byte {
	b = append(b, "Accept{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " slots=["...)
	for i, p := range m.Proposals {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(p.Slot), 10)
		b = append(b, ':')
		b = appendCmd(b, p.Cmd)
	}
	b = append(b, "] commit="...)
	b = strconv.AppendInt(b, int64(m.Commit), 10)
	return append(b, '}')
}

// Heartbeat is what a leader sends a replica that has no proposal to
// accept: it says the leader of Ballot is alive (the replica's election
// timer starts over) and carries the commit point, like an Accept.
type Heartbeat struct {
	Ballot Ballot
	Commit int
}

// Kind implements protocols.Message.
func (Heartbeat) Kind() string { return "Heartbeat" }

// String renders the message as Heartbeat{ballot=302 commit=6}.
func (m Heartbeat) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Heartbeat) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Heartbeat) append(b []byte) []byte {
	b = append(b, "Heartbeat{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " commit="...)
	b = strconv.AppendInt(b, int64(m.Commit), 10)
	return append(b, '}')
}

// Accepted answers an Accept, a Heartbeat or a Decide (phase 2b): the sender accepted
// the proposals for Slots in Ballot, and has seen every slot up to Decided
// decided (the leader sends it the decisions it lacks).
type Accepted struct {
	Ballot  Ballot
	Slots   []int // owned by the message, never mutated
	Decided int
}

// Kind implements protocols.Message.
func (Accepted) Kind() string { return "Accepted" }

// String renders the message as Accepted{ballot=302 slots=[7 8] decided=6}.
func (m Accepted) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Accepted) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Accepted) append(b []byte) []byte {
	b = append(b, "Accepted{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " slots=["...)
	for i, s := range m.Slots {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(s), 10)
	}
	b = append(b, "] decided="...)
	b = strconv.AppendInt(b, int64(m.Decided), 10)
	return append(b, '}')
}

// Nack refuses a Prepare or an Accept for Ballot because the acceptor has
// promised the higher ballot Promised: the sender is no longer (or not yet)
// the leader, and learns which round to outbid.
type Nack struct {
	Ballot   Ballot
	Promised Ballot
}

// Kind implements protocols.Message.
func (Nack) Kind() string { return "Nack" }

// String renders the message as Nack{ballot=201 promised=302}.
func (m Nack) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Nack) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Nack) append(b []byte) []byte {
	b = append(b, "Nack{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " promised="...)
	b = m.Promised.AppendTo(b)
	return append(b, '}')
}

// Decide tells a lagging replica the decided commands of slots From,
// From+1, ... (Paxos Made Moderately Complex's decision message): the
// catch-up for slots it did not accept in the leader's ballot, because it
// was down, cut off, or lost the Accept.
type Decide struct {
	Ballot Ballot
	From   int
	Cmds   []kv.Request // owned by the message, never mutated
}

// Kind implements protocols.Message.
func (Decide) Kind() string { return "Decide" }

// String renders the message as Decide{ballot=302 slots=3..6}.
func (m Decide) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Decide) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Decide) append(b []byte) []byte {
	b = append(b, "Decide{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " slots="...)
	b = strconv.AppendInt(b, int64(m.From), 10)
	if len(m.Cmds) > 1 {
		b = append(b, ".."...)
		b = strconv.AppendInt(b, int64(m.From+len(m.Cmds)-1), 10)
	}
	return append(b, '}')
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it: a command as its
// request ID or noop, never its operation.

// hashCmd folds a command as appendCmd shows it.
func hashCmd(h *protocols.Hash, c kv.Request) {
	h.String(string(c.Client))
	if c.Client != "" {
		h.Uint64(c.Seq)
	}
}

// AppendHash implements protocols.HashAppender.
func (m Prepare) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Int(m.From)
}

// AppendHash implements protocols.HashAppender.
func (m Promise) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Int(m.From)
	h.Int(len(m.Accepted))
	for _, pv := range m.Accepted {
		h.Int(pv.Slot)
		h.Uint64(uint64(pv.Ballot))
		hashCmd(h, pv.Cmd)
	}
}

// AppendHash implements protocols.HashAppender.
func (m Accept) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Int(len(m.Proposals))
	for _, p := range m.Proposals {
		h.Int(p.Slot)
		hashCmd(h, p.Cmd)
	}
	h.Int(m.Commit)
}

// AppendHash implements protocols.HashAppender.
func (m Heartbeat) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Int(m.Commit)
}

// AppendHash implements protocols.HashAppender.
func (m Accepted) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Int(len(m.Slots))
	for _, s := range m.Slots {
		h.Int(s)
	}
	h.Int(m.Decided)
}

// AppendHash implements protocols.HashAppender.
func (m Nack) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Uint64(uint64(m.Promised))
}

// AppendHash implements protocols.HashAppender: the range of slots, as
// String shows it (none and one alike), not the commands.
func (m Decide) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Int(m.From)
	h.Int(max(len(m.Cmds), 1))
}
