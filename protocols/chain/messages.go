package chain

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Member is one server of a chain configuration and the epoch in which it
// joined the chain. A server that sees itself in a configuration with a
// Since it has not joined at is a new member: it empties its log and
// catches up from its predecessor before it counts as ready.
type Member struct {
	ID    protocols.NodeID
	Since uint64
}

// Config is one configuration of the chain, as the master made it: its
// epoch and its servers, head first. Only the master makes configurations,
// one per epoch. Joining says the last server was just added and is
// catching up: its predecessor acts as tail meanwhile, committing and
// answering reads, and the master makes a configuration without the flag
// once the new server reports that it holds the history (the paper's
// extension: T+ serves only once Hist^T = Hist^T+ + Sent_T).
type Config struct {
	Epoch   uint64
	Chain   []Member // owned by the value, never mutated
	Joining bool
}

// String renders the configuration as 3:[n2 n3 n5+3*]: members that joined
// after the first configuration show their epoch, a joining one a star.
func (c Config) String() string { return string(c.appendTo(nil)) }

func (c Config) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, c.Epoch, 10)
	b = append(b, ":["...)
	for i, m := range c.Chain {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, m.ID...)
		if m.Since > 1 {
			b = append(b, '+')
			b = strconv.AppendUint(b, m.Since, 10)
		}
	}
	if c.Joining {
		b = append(b, '*')
	}
	return append(b, ']')
}

// index returns id's position in the chain, or -1.
func (c Config) index(id protocols.NodeID) int {
	for i, m := range c.Chain {
		if m.ID == id {
			return i
		}
	}
	return -1
}

// head and tail return the chain's ends ("" when empty).
func (c Config) head() protocols.NodeID {
	if len(c.Chain) == 0 {
		return ""
	}
	return c.Chain[0].ID
}

// tail returns the server that acts as tail: the last one, or the one
// before it while the last is joining.
func (c Config) tail() protocols.NodeID {
	n := len(c.Chain)
	switch {
	case n == 0:
		return ""
	case c.Joining && n > 1:
		return c.Chain[n-2].ID
	}
	return c.Chain[n-1].ID
}

// reader names the server a read should go to: the tail, or with CRAQ a
// member picked by the request's sequence number (never a joiner), so that
// reads sent on by the master or a spare spread over the chain as CRAQ
// means them to instead of all landing on the tail.
func (c Config) reader(craq bool, seq uint64) protocols.NodeID {
	n := len(c.Chain)
	if c.Joining {
		n--
	}
	if !craq || n <= 1 {
		return c.tail()
	}
	return c.Chain[seq%uint64(n)].ID
}

// joiner returns the server catching up at the end of the chain, or "".
func (c Config) joiner() protocols.NodeID {
	if !c.Joining || len(c.Chain) == 0 {
		return ""
	}
	return c.Chain[len(c.Chain)-1].ID
}

// neighbours returns id's predecessor and successor ("" at the ends or
// when id is not in the chain).
func (c Config) neighbours(id protocols.NodeID) (pred, succ protocols.NodeID) {
	i := c.index(id)
	if i < 0 {
		return "", ""
	}
	if i > 0 {
		pred = c.Chain[i-1].ID
	}
	if i < len(c.Chain)-1 {
		succ = c.Chain[i+1].ID
	}
	return pred, succ
}

// Entry is one update in a server's history (the paper's Hist): the write
// and the epoch in which the head took it. Reads are not entries.
type Entry struct {
	Epoch uint64
	Req   kv.Request
}

func (e Entry) text() string { return e.Req.ID() + " " + e.Req.Op.String() }

// Ping is a server's heartbeat to the master: the epoch it knows, and
// whether it holds the history its membership needs (a new member is not
// ready until it caught up). Seq numbers its pings: a lease granted in
// answer to ping Seq runs from the moment the server sent it.
type Ping struct {
	Epoch uint64
	Seq   uint64
	Since uint64 // the epoch the server's membership began, 0 if none
	Ready bool
}

// Kind implements protocols.Message.
func (Ping) Kind() string { return "Ping" }

// String renders the message as Ping{epoch=3 seq=40 since=1 ready}.
func (m Ping) String() string {
	var buf [64]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m Ping) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Ping{epoch="...)
	b = strconv.AppendUint(b, m.Epoch, 10)
	b = append(b, " seq="...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, " since="...)
	b = strconv.AppendUint(b, m.Since, 10)
	if m.Ready {
		b = append(b, " ready"...)
	}
	return append(b, '}'), nil
}

// PingReply answers a ping with the current configuration and, for a
// member of it, a lease; with Seq 0 it is the master's notice of a new
// configuration to its members.
type PingReply struct {
	Config Config
	Seq    uint64
	Lease  bool
}

// Kind implements protocols.Message.
func (PingReply) Kind() string { return "PingReply" }

// String renders the message as PingReply{config=3:[n2 n3 n4] seq=40 lease}.
func (m PingReply) String() string {
	var buf [96]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m PingReply) AppendText(b []byte) ([]byte, error) {
	b = append(b, "PingReply{config="...)
	b = m.Config.appendTo(b)
	b = append(b, " seq="...)
	b = strconv.AppendUint(b, m.Seq, 10)
	if m.Lease {
		b = append(b, " lease"...)
	}
	return append(b, '}'), nil
}

// Forward carries updates down the chain: entries from Index on. Sync
// marks the answer to a Need: Entries reach the end of the sender's
// history, and a new member is ready once it holds that much.
type Forward struct {
	Epoch   uint64
	Index   int     // the index of Entries[0]
	Entries []Entry // owned by the message, never mutated
	Sync    bool
}

// end is the index of the last entry it carries.
func (m Forward) end() int { return m.Index + len(m.Entries) - 1 }

// Kind implements protocols.Message.
func (Forward) Kind() string { return "Forward" }

// String renders the message as Forward{epoch=3 entries=13..14 sync}.
func (m Forward) String() string {
	var buf [64]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m Forward) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Forward{epoch="...)
	b = strconv.AppendUint(b, m.Epoch, 10)
	b = append(b, " entries="...)
	b = appendRange(b, m.Index, m.Index+len(m.Entries)-1)
	if m.Sync {
		b = append(b, " sync"...)
	}
	return append(b, '}'), nil
}

// Ack travels up the chain from the tail: every update up to Upto is in
// the tail's history, so its senders may drop it from Sent.
type Ack struct {
	Epoch uint64
	Upto  int
}

// Kind implements protocols.Message.
func (Ack) Kind() string { return "Ack" }

// String renders the message as Ack{epoch=3 upto=14}.
func (m Ack) String() string {
	var buf [48]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m Ack) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Ack{epoch="...)
	b = strconv.AppendUint(b, m.Epoch, 10)
	b = append(b, " upto="...)
	b = strconv.AppendInt(b, int64(m.Upto), 10)
	return append(b, '}'), nil
}

// Need asks the predecessor for every update after Have: the successor's
// report of its last sequence number when the chain is reconfigured (the
// paper's Figure 3), and its complaint about a gap when a Forward was lost.
type Need struct {
	Epoch uint64
	Have  int
}

// Kind implements protocols.Message.
func (Need) Kind() string { return "Need" }

// String renders the message as Need{epoch=3 have=12}.
func (m Need) String() string {
	var buf [48]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m Need) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Need{epoch="...)
	b = strconv.AppendUint(b, m.Epoch, 10)
	b = append(b, " have="...)
	b = strconv.AppendInt(b, int64(m.Have), 10)
	return append(b, '}'), nil
}

// VersionQuery asks the tail which version of Key is committed, on behalf
// of a client's get (CRAQ). The client's request travels along so that
// the answer needs no bookkeeping.
type VersionQuery struct {
	Epoch uint64
	Req   kv.Request
}

// Kind implements protocols.Message.
func (VersionQuery) Kind() string { return "VersionQuery" }

// String renders the message as VersionQuery{epoch=3 c1#7 get(k1)}.
func (m VersionQuery) String() string {
	return "VersionQuery{epoch=" + strconv.FormatUint(m.Epoch, 10) + " " + m.Req.ID() + " " + m.Req.Op.String() + "}"
}

// VersionReply is the tail's answer: the index of the last update of the
// key in its history (0: never written), the committed version.
type VersionReply struct {
	Epoch   uint64
	Req     kv.Request
	Version int
}

// Kind implements protocols.Message.
func (VersionReply) Kind() string { return "VersionReply" }

// String renders the message as VersionReply{epoch=3 c1#7 get(k1) version=12}.
func (m VersionReply) String() string {
	return "VersionReply{epoch=" + strconv.FormatUint(m.Epoch, 10) + " " + m.Req.ID() + " " + m.Req.Op.String() +
		" version=" + strconv.Itoa(m.Version) + "}"
}

// appendRange renders entries lo..hi as 3..5, 3 or [] (none).
func appendRange(b []byte, lo, hi int) []byte {
	switch {
	case hi < lo:
		return append(b, "[]"...)
	case hi == lo:
		return strconv.AppendInt(b, int64(lo), 10)
	}
	b = strconv.AppendInt(b, int64(lo), 10)
	b = append(b, ".."...)
	return strconv.AppendInt(b, int64(hi), 10)
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it: entries as their range,
// requests as their ID and operation.

// appendHash folds the configuration as appendTo shows it: a member's
// epoch only past the first (Since 0 and 1 both show none).
func (c Config) appendHash(h *protocols.Hash) {
	h.Uint64(c.Epoch)
	h.Int(len(c.Chain))
	for _, m := range c.Chain {
		h.String(string(m.ID))
		h.Uint64(max(m.Since, 1))
	}
	h.Bool(c.Joining)
}

// hashRange folds n entries from lo as appendRange shows them: no entries
// as [], whatever lo.
func hashRange(h *protocols.Hash, lo, n int) {
	h.Int(n)
	if n > 0 {
		h.Int(lo)
	}
}

// hashReq folds a request as its ID and operation.
func hashReq(h *protocols.Hash, r kv.Request) {
	h.String(string(r.Client))
	h.Uint64(r.Seq)
	r.Op.AppendHash(h)
}

// AppendHash implements protocols.HashAppender.
func (m Ping) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Epoch)
	h.Uint64(m.Seq)
	h.Uint64(m.Since)
	h.Bool(m.Ready)
}

// AppendHash implements protocols.HashAppender.
func (m PingReply) AppendHash(h *protocols.Hash) {
	m.Config.appendHash(h)
	h.Uint64(m.Seq)
	h.Bool(m.Lease)
}

// AppendHash implements protocols.HashAppender: the entries' range, not
// the entries.
func (m Forward) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Epoch)
	hashRange(h, m.Index, len(m.Entries))
	h.Bool(m.Sync)
}

// AppendHash implements protocols.HashAppender.
func (m Ack) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Epoch)
	h.Int(m.Upto)
}

// AppendHash implements protocols.HashAppender.
func (m Need) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Epoch)
	h.Int(m.Have)
}

// AppendHash implements protocols.HashAppender.
func (m VersionQuery) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Epoch)
	hashReq(h, m.Req)
}

// AppendHash implements protocols.HashAppender.
func (m VersionReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Epoch)
	hashReq(h, m.Req)
	h.Int(m.Version)
}
