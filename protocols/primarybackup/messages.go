package primarybackup

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// View is one view of the view service: its number, its primary and its
// backup ("" when it has none). Only the view service creates views, one
// per number, so a view number names one view everywhere; servers pass
// views on in their messages, and a server that meets a later view than
// its own adopts it.
type View struct {
	Num     uint64
	Primary protocols.NodeID
	Backup  protocols.NodeID
}

// String renders the view as 3:n2,n3 or 3:n2,- (no backup); view 0 is 0:-,-.
func (v View) String() string { return string(v.appendTo(nil)) }

func (v View) appendTo(b []byte) []byte {
	b = strconv.AppendUint(b, v.Num, 10)
	b = append(b, ':')
	b = appendID(b, v.Primary)
	b = append(b, ',')
	return appendID(b, v.Backup)
}

func appendID(b []byte, id protocols.NodeID) []byte {
	if id == "" {
		return append(b, '-')
	}
	return append(b, id...)
}

// Entry is one operation in a server's log: the client request and the
// view whose primary appended it. Gets are entries too, so a read is
// ordered with the writes and confirmed by the backup like them.
type Entry struct {
	View uint64
	Req  kv.Request
}

// text renders the entry's command for the status pane.
func (e Entry) text() string { return e.Req.ID() + " " + e.Req.Op.String() }

// Ping is a server's heartbeat to the view service. View is the latest
// view the server has taken up: for a primary, the latest view in which
// its backup has acknowledged the state transfer (or that has no backup),
// which is how a primary acknowledges a view (rule 5); for anyone else,
// the latest view it knows.
type Ping struct{ View uint64 }

// Kind implements protocols.Message.
func (Ping) Kind() string { return "Ping" }

// String renders the message as Ping{view=3}.
func (m Ping) String() string {
	var buf [32]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m Ping) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Ping{view="...)
	b = strconv.AppendUint(b, m.View, 10)
	return append(b, '}'), nil
}

// ViewReply is the view service's answer to a ping, and its notice of a
// new view to the servers in it: the current view.
type ViewReply struct{ View View }

// Kind implements protocols.Message.
func (ViewReply) Kind() string { return "ViewReply" }

// String renders the message as ViewReply{view=3:n2,n3}.
func (m ViewReply) String() string {
	var buf [48]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m ViewReply) AppendText(b []byte) ([]byte, error) {
	b = append(b, "ViewReply{view="...)
	b = m.View.appendTo(b)
	return append(b, '}'), nil
}

// Transfer is the state transfer from the primary of View to its backup:
// the primary's whole log, which replaces the backup's, and the primary's
// commit point. The primary sends one when it takes up a view with a
// backup, and again after a restart; it serves no client until the backup
// has acknowledged it (rule 6: every operation is before or after a state
// transfer).
type Transfer struct {
	View    View
	Entries []Entry // indexes 1..len; owned by the message, never mutated
	Commit  int
}

// Kind implements protocols.Message.
func (Transfer) Kind() string { return "Transfer" }

// String renders the message as Transfer{view=3:n2,n3 entries=1..12 commit=10}.
func (m Transfer) String() string {
	var buf [96]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m Transfer) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Transfer{view="...)
	b = m.View.appendTo(b)
	b = append(b, " entries="...)
	b = appendRange(b, 1, len(m.Entries))
	b = append(b, " commit="...)
	b = strconv.AppendInt(b, int64(m.Commit), 10)
	return append(b, '}'), nil
}

// Forward carries the primary's entries from Index on to its backup, and
// its commit point; with no entries it only tells the commit point.
type Forward struct {
	View    View
	Index   int     // the index of Entries[0]
	Entries []Entry // owned by the message, never mutated
	Commit  int
}

// Kind implements protocols.Message.
func (Forward) Kind() string { return "Forward" }

// String renders the message as Forward{view=3:n2,n3 entries=13..14 commit=12}.
func (m Forward) String() string {
	var buf [96]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m Forward) AppendText(b []byte) ([]byte, error) {
	b = append(b, "Forward{view="...)
	b = m.View.appendTo(b)
	b = append(b, " entries="...)
	b = appendRange(b, m.Index, m.Index+len(m.Entries)-1)
	b = append(b, " commit="...)
	b = strconv.AppendInt(b, int64(m.Commit), 10)
	return append(b, '}'), nil
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

// ReplyStatus says what a backup did with a Transfer or Forward.
type ReplyStatus uint8

// The statuses of a ForwardReply.
const (
	// ReplyOK: the backup holds the primary's log up to Have.
	ReplyOK ReplyStatus = iota + 1
	// ReplyGap: the forward began past the end of the backup's log (one
	// before it was lost); Have says where the log ends.
	ReplyGap
	// ReplyStaleView: the sender's view is older than the receiver's (View says
	// which it knows): the sender is no longer primary.
	ReplyStaleView
	// ReplyNeedTransfer: the backup has had no state transfer in this view and
	// cannot take forwards yet.
	ReplyNeedTransfer
)

func (s ReplyStatus) String() string {
	switch s {
	case ReplyOK:
		return "ok"
	case ReplyGap:
		return "gap"
	case ReplyStaleView:
		return "stale-view"
	case ReplyNeedTransfer:
		return "need-transfer"
	}
	return "status?"
}

// ForwardReply answers a Transfer or a Forward. With ReplyOK, Have is the
// length of the backup's log, all of it the primary's: the primary counts
// entries up to Have as acknowledged.
type ForwardReply struct {
	View   uint64 // the backup's view: the request's, or a later one with ReplyStaleView
	Status ReplyStatus
	Have   int
}

// Kind implements protocols.Message.
func (ForwardReply) Kind() string { return "ForwardReply" }

// String renders the message as ForwardReply{view=3 ok have=14}.
func (m ForwardReply) String() string {
	var buf [64]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m ForwardReply) AppendText(b []byte) ([]byte, error) {
	b = append(b, "ForwardReply{view="...)
	b = strconv.AppendUint(b, m.View, 10)
	b = append(b, ' ')
	b = append(b, m.Status.String()...)
	b = append(b, " have="...)
	b = strconv.AppendInt(b, int64(m.Have), 10)
	return append(b, '}'), nil
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it: entries as their range.

// appendHash folds the view as appendTo shows it (no node is named "-").
func (v View) appendHash(h *protocols.Hash) {
	h.Uint64(v.Num)
	h.String(string(v.Primary))
	h.String(string(v.Backup))
}

// AppendHash implements protocols.HashAppender.
func (m Ping) AppendHash(h *protocols.Hash) { h.Uint64(m.View) }

// AppendHash implements protocols.HashAppender.
func (m ViewReply) AppendHash(h *protocols.Hash) { m.View.appendHash(h) }

// AppendHash implements protocols.HashAppender: the log as its length.
func (m Transfer) AppendHash(h *protocols.Hash) {
	m.View.appendHash(h)
	h.Int(len(m.Entries))
	h.Int(m.Commit)
}

// AppendHash implements protocols.HashAppender: the entries' range, as
// appendRange shows it (no entries as [], whatever Index).
func (m Forward) AppendHash(h *protocols.Hash) {
	m.View.appendHash(h)
	h.Int(len(m.Entries))
	if len(m.Entries) > 0 {
		h.Int(m.Index)
	}
	h.Int(m.Commit)
}

// AppendHash implements protocols.HashAppender.
func (m ForwardReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.View)
	h.Uint64(uint64(m.Status))
	h.Int(m.Have)
}
