package raft

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols/kv"
)

// Entry is one log entry: the term of the leader that created it and the
// client request it carries. The leader's no-op, appended when it is
// elected, carries the zero Request.
type Entry struct {
	Term uint64
	Req  kv.Request
}

// IsNoop reports whether the entry is a leader's no-op.
func (e Entry) IsNoop() bool { return e.Req.Client == "" }

// text renders the entry's command for the status pane.
func (e Entry) text() string {
	if e.IsNoop() {
		return "noop"
	}
	return e.Req.ID() + " " + e.Req.Op.String()
}

// RequestVote asks for the receiver's vote in Term (Figure 2). The candidate
// is the sender; LastIndex and LastTerm describe its log so the voter can
// refuse a candidate less up to date than itself.
type RequestVote struct {
	Term      uint64
	LastIndex int
	LastTerm  uint64
}

// Kind implements protocols.Message.
func (RequestVote) Kind() string { return "RequestVote" }

// String renders the message as RequestVote{term=3 last=5/2}.
func (m RequestVote) String() string {
	var buf [64]byte // on the stack: the string is the only allocation
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b without allocating; the simulator
// uses it for trace lines (encoding.TextAppender).
func (m RequestVote) AppendText(b []byte) ([]byte, error) {
	b = append(b, "RequestVote{term="...)
	b = strconv.AppendUint(b, m.Term, 10)
	b = append(b, " last="...)
	b = appendPos(b, m.LastIndex, m.LastTerm)
	return append(b, '}'), nil
}

// RequestVoteReply answers a RequestVote.
type RequestVoteReply struct {
	Term    uint64 // the voter's term, for the candidate to update itself
	Granted bool
}

// Kind implements protocols.Message.
func (RequestVoteReply) Kind() string { return "RequestVoteReply" }

// String renders the message as RequestVoteReply{term=3 granted}.
func (m RequestVoteReply) String() string {
	var buf [64]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m RequestVoteReply) AppendText(b []byte) ([]byte, error) {
	b = append(b, "RequestVoteReply{term="...)
	b = strconv.AppendUint(b, m.Term, 10)
	if m.Granted {
		return append(b, " granted}"...), nil
	}
	return append(b, " rejected}"...), nil
}

// AppendEntries replicates entries and carries the leader's commit index
// (Figure 2). With no entries it is a heartbeat. The receiver accepts it
// only if its log holds an entry at PrevIndex with PrevTerm: the consistency
// check that, by induction, makes matching logs identical up to there.
type AppendEntries struct {
	Term      uint64
	PrevIndex int
	PrevTerm  uint64
	Entries   []Entry // indexes PrevIndex+1 onward; owned by the message, never mutated
	Commit    int
}

// Kind implements protocols.Message.
func (AppendEntries) Kind() string { return "AppendEntries" }

// String renders the message as
// AppendEntries{term=3 prev=5/2 entries=[6/3 7/3] commit=5}.
func (m AppendEntries) String() string {
	var buf [128]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m AppendEntries) AppendText(b []byte) ([]byte, error) {
	b = append(b, "AppendEntries{term="...)
	b = strconv.AppendUint(b, m.Term, 10)
	b = append(b, " prev="...)
	b = appendPos(b, m.PrevIndex, m.PrevTerm)
	b = append(b, " entries=["...)
	for i, e := range m.Entries {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendPos(b, m.PrevIndex+1+i, e.Term)
	}
	b = append(b, "] commit="...)
	b = strconv.AppendInt(b, int64(m.Commit), 10)
	return append(b, '}'), nil
}

// AppendEntriesReply answers an AppendEntries.
//
// On success Index is the last index the request covered
// (PrevIndex+len(Entries)): the follower's log now matches the leader's up
// to there. On failure Index echoes the PrevIndex that failed, and XTerm,
// XIndex and XLen let the leader skip back a whole term at a time (the
// "fast backup" of the extended paper's §5.3 and the 6.824 guide): XTerm is
// the term of the follower's conflicting entry at PrevIndex (0 if it has
// none), XIndex the first index the follower holds with that term, and XLen
// the follower's last index.
type AppendEntriesReply struct {
	Term    uint64
	Success bool
	Index   int
	XTerm   uint64
	XIndex  int
	XLen    int
}

// Kind implements protocols.Message.
func (AppendEntriesReply) Kind() string { return "AppendEntriesReply" }

// String renders the message as AppendEntriesReply{term=3 ok index=7} or
// AppendEntriesReply{term=3 reject index=5 xterm=2 xindex=4 xlen=6}.
func (m AppendEntriesReply) String() string {
	var buf [96]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// AppendText appends the String form to b (encoding.TextAppender).
func (m AppendEntriesReply) AppendText(b []byte) ([]byte, error) {
	b = append(b, "AppendEntriesReply{term="...)
	b = strconv.AppendUint(b, m.Term, 10)
	if m.Success {
		b = append(b, " ok index="...)
		b = strconv.AppendInt(b, int64(m.Index), 10)
		return append(b, '}'), nil
	}
	b = append(b, " reject index="...)
	b = strconv.AppendInt(b, int64(m.Index), 10)
	b = append(b, " xterm="...)
	b = strconv.AppendUint(b, m.XTerm, 10)
	b = append(b, " xindex="...)
	b = strconv.AppendInt(b, int64(m.XIndex), 10)
	b = append(b, " xlen="...)
	b = strconv.AppendInt(b, int64(m.XLen), 10)
	return append(b, '}'), nil
}

// appendPos renders a log position as index/term.
func appendPos(b []byte, index int, term uint64) []byte {
	b = strconv.AppendInt(b, int64(index), 10)
	b = append(b, '/')
	return strconv.AppendUint(b, term, 10)
}

// formatEntries renders entries starting at index from as [3/2 4/2].
func formatEntries(from int, es []Entry) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, e := range es {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.Write(appendPos(nil, from+i, e.Term))
	}
	b.WriteByte(']')
	return b.String()
}
