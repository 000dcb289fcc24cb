package raft

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Entry is one log entry: the term of the leader that created it and the
// client request or configuration change it carries. The leader's no-op,
// appended when it is elected, carries neither.
type Entry struct {
	Term uint64
	Req  kv.Request
	// Conf is a configuration change (thesis §4.1), nil for requests and
	// no-ops: a pointer, so the entries of the common case stay small. It
	// is never changed once made, so logs, messages and records share it.
	Conf *ConfChange
	// Cmd is a service's own command (NewService), nil for everything
	// else.
	Cmd Command
}

// IsNoop reports whether the entry is a leader's no-op.
func (e Entry) IsNoop() bool { return e.Req.Client == "" && e.Conf == nil && e.Cmd == nil }

// text renders the entry's command for the status pane.
func (e Entry) text() string {
	switch {
	case e.Conf != nil:
		return e.Conf.String()
	case e.Cmd != nil:
		return e.Cmd.String()
	case e.IsNoop():
		return "noop"
	}
	return e.Req.Label()
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
	// Round numbers the leader's rounds of heartbeats when it serves reads
	// without the log (ReadIndex, leases): the reply echoes it, so the
	// leader learns that a majority still followed it after a round began.
	// Zero when reads go through the log.
	Round uint64

	// chain is the leader's prefix digests at PrevIndex through the last
	// entry (raftLog.chainView), or nil: a follower whose digest at
	// PrevIndex is the same takes them rather than hashing every entry
	// again. It is no part of the message's content (String, AppendHash
	// and the size leave it out): it only saves the follower work.
	chain []uint64
	// home is the chunk of the leader's log that Entries is a slice of
	// (raftLog.sliceHome), as a slice of it of length 0, or nil: a follower
	// whose log goes on at the same position holds the entries there rather
	// than copying them (entryList.pushFrom). Length 0, so that the
	// deep-copy mode, which copies a slice's elements, copies none, and the
	// copy carries none. No part of the message's content.
	home []Entry
	// rec is the leader's LogRecord of the entries it appended last, when
	// they start at PrevIndex+1, or nil: a follower that persists the
	// entries of the message from there persists that record when it holds
	// exactly them (node.persistLogAs), rather than one of its own. No part
	// of the message's content.
	rec *LogRecord
	// size is the message's size for the bytes metric (appendSize), worked
	// out by the leader that builds it, before it is sent, or 0 when it was
	// built elsewhere: a leader sends one AppendEntries to every follower
	// owed the same (appendBox), and the metric sizes each send. No part of
	// the content: it follows from the exported fields.
	size int
}

// homeChunk returns the chunk of the leader's log that Entries is a slice
// of, or nil when none is known.
func (m *AppendEntries) homeChunk() *[chunkLen]Entry {
	if cap(m.home) < chunkLen {
		return nil
	}
	return (*[chunkLen]Entry)(m.home[:chunkLen])
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
	b = appendRound(b, m.Round)
	return append(b, '}'), nil
}

// appendRound renders a heartbeat round, when there is one, as " round=7".
func appendRound(b []byte, round uint64) []byte {
	if round == 0 {
		return b
	}
	b = append(b, " round="...)
	return strconv.AppendUint(b, round, 10)
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
	Round   uint64 // the request's Round, echoed
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
		b = appendRound(b, m.Round)
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
	b = appendRound(b, m.Round)
	return append(b, '}'), nil
}

// PreVote asks whether the receiver would vote for the sender in Term, the
// term after the sender's (thesis §9.6). Nobody changes term or vote over
// it: the sender starts a real election only if a majority says yes.
type PreVote struct {
	Term      uint64 // the term the sender would campaign in
	LastIndex int
	LastTerm  uint64
}

// Kind implements protocols.Message.
func (PreVote) Kind() string { return "PreVote" }

// String renders the message as PreVote{term=3 last=5/2}.
func (m PreVote) String() string {
	b := append([]byte("PreVote{term="), strconv.FormatUint(m.Term, 10)...)
	b = append(b, " last="...)
	b = appendPos(b, m.LastIndex, m.LastTerm)
	return string(append(b, '}'))
}

// PreVoteReply answers a PreVote. Granted carries the asked-for term;
// a refusal carries the voter's own, which the asker adopts if later.
type PreVoteReply struct {
	Term    uint64
	Granted bool
}

// Kind implements protocols.Message.
func (PreVoteReply) Kind() string { return "PreVoteReply" }

// String renders the message as PreVoteReply{term=3 granted}.
func (m PreVoteReply) String() string {
	s := "PreVoteReply{term=" + strconv.FormatUint(m.Term, 10)
	if m.Granted {
		return s + " granted}"
	}
	return s + " rejected}"
}

// InstallSnapshot sends a follower whose next entries the leader has
// compacted one chunk of the leader's snapshot (Figure 13): the state
// machine as of Index (whose entry has term SnapTerm), in chunks of bytes
// at Offset; Done marks the last. Config is the configuration at Index,
// and Chain the digest of the log prefix up to Index, which only the
// monitors read. Data is a slice of the leader's snapshot, which is never
// changed once taken.
type InstallSnapshot struct {
	Term     uint64
	Index    int
	SnapTerm uint64
	Offset   int
	Data     []byte
	Done     bool
	Config   Config
	Chain    uint64
	Round    uint64 // as in AppendEntries
}

// Kind implements protocols.Message.
func (InstallSnapshot) Kind() string { return "InstallSnapshot" }

// String renders the message as
// InstallSnapshot{term=3 snap=120/2 offset=0 len=64 done}.
func (m InstallSnapshot) String() string {
	b := append([]byte("InstallSnapshot{term="), strconv.FormatUint(m.Term, 10)...)
	b = append(b, " snap="...)
	b = appendPos(b, m.Index, m.SnapTerm)
	b = append(b, " offset="...)
	b = strconv.AppendInt(b, int64(m.Offset), 10)
	b = append(b, " len="...)
	b = strconv.AppendInt(b, int64(len(m.Data)), 10)
	if m.Done {
		b = append(b, " done"...)
	}
	b = appendRound(b, m.Round)
	return string(append(b, '}'))
}

// InstallSnapshotReply answers an InstallSnapshot: Offset is how many bytes
// of snapshot Index the follower holds, so the leader sends on from there;
// Done says the follower has the whole snapshot installed (or already had
// everything it holds).
type InstallSnapshotReply struct {
	Term   uint64
	Index  int
	Offset int
	Done   bool
	Round  uint64
}

// Kind implements protocols.Message.
func (InstallSnapshotReply) Kind() string { return "InstallSnapshotReply" }

// String renders the message as InstallSnapshotReply{term=3 snap=120 offset=64}.
func (m InstallSnapshotReply) String() string {
	b := append([]byte("InstallSnapshotReply{term="), strconv.FormatUint(m.Term, 10)...)
	b = append(b, " snap="...)
	b = strconv.AppendInt(b, int64(m.Index), 10)
	b = append(b, " offset="...)
	b = strconv.AppendInt(b, int64(m.Offset), 10)
	if m.Done {
		b = append(b, " done"...)
	}
	b = appendRound(b, m.Round)
	return string(append(b, '}'))
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

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it.

// AppendHash implements protocols.HashAppender.
func (m RequestVote) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Int(m.LastIndex)
	h.Uint64(m.LastTerm)
}

// AppendHash implements protocols.HashAppender.
func (m RequestVoteReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Bool(m.Granted)
}

// AppendHash implements protocols.HashAppender: the entries' terms, as
// String shows only their positions.
//
// It is a method of the pointer form alone, the form servers send: were
// it the value's, every send would go through the wrapper the compiler
// makes for the pointer, which copies the whole message (too big for
// registers) to call it. The value form, which only tests and message
// lists build, is no HashAppender: the trace hash folds its text.
func (m *AppendEntries) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Int(m.PrevIndex)
	h.Uint64(m.PrevTerm)
	h.Int(len(m.Entries))
	for i := range m.Entries {
		h.Uint64(m.Entries[i].Term)
	}
	h.Int(m.Commit)
	h.Uint64(m.Round)
}

// AppendHash implements protocols.HashAppender: a success shows no
// backup hints. Like AppendEntries', it is the pointer form's alone.
func (m *AppendEntriesReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Bool(m.Success)
	h.Int(m.Index)
	if !m.Success {
		h.Uint64(m.XTerm)
		h.Int(m.XIndex)
		h.Int(m.XLen)
	}
	h.Uint64(m.Round)
}

// AppendHash implements protocols.HashAppender.
func (m PreVote) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Int(m.LastIndex)
	h.Uint64(m.LastTerm)
}

// AppendHash implements protocols.HashAppender.
func (m PreVoteReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Bool(m.Granted)
}

// AppendHash implements protocols.HashAppender: the chunk's length, not
// its bytes, nor the configuration and chain String leaves out.
func (m InstallSnapshot) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Int(m.Index)
	h.Uint64(m.SnapTerm)
	h.Int(m.Offset)
	h.Int(len(m.Data))
	h.Bool(m.Done)
	h.Uint64(m.Round)
}

// AppendHash implements protocols.HashAppender.
func (m InstallSnapshotReply) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Int(m.Index)
	h.Int(m.Offset)
	h.Bool(m.Done)
	h.Uint64(m.Round)
}
