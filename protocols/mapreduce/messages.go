package mapreduce

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// The messages are values: no node changes a slice it has sent, and the
// store copies the lines it keeps.

// Between a worker and the coordinator.

// GetTask is an idle worker asking for work. Inc is the worker's
// incarnation (it counts its starts on disk) and Ask numbers its requests
// within the incarnation: a retry of an unanswered request keeps its
// number, so the coordinator answers a retry with the same task, tells a
// stale duplicate from a new request, and knows that a worker asking anew
// has given up whatever it was given before.
type GetTask struct {
	Inc, Ask uint32
}

// Assign gives the worker a task to run as the named attempt, answering its
// request Ask of incarnation Inc. Backup marks a backup attempt of a
// straggler.
type Assign struct {
	Inc, Ask uint32
	Task     TaskID
	Attempt  Attempt
	Backup   bool
}

// Wait answers a request with no task to give now (every task of the
// phase is given out); Finished says every job is done and the worker may
// stop asking.
type Wait struct {
	Inc, Ask uint32
	Finished bool
}

// Heartbeat tells the coordinator that the worker is still running the
// attempt: a busy worker sends one every PollEvery, and an attempt that
// has been silent for WorkerTimeout is given up (its worker crashed, is
// cut off, or is stalled).
type Heartbeat struct {
	Task    TaskID
	Attempt Attempt
}

// Done reports that an attempt completed its task: its output files are in
// place under their final names. The worker resends it until acknowledged.
type Done struct {
	Task    TaskID
	Attempt Attempt
}

// DoneAck acknowledges a Done, whether it completed the task or came
// after another attempt had.
type DoneAck struct {
	Task    TaskID
	Attempt Attempt
}

// Between a worker and the file store. Every request carries an ID the
// worker never reuses (its incarnation and a counter), echoed in the
// reply; every request can be resent and done twice without harm.

// ReqID names a worker's store request.
type ReqID struct {
	Inc, N uint32
}

func (id ReqID) String() string {
	return strconv.FormatUint(uint64(id.Inc), 10) + ":" + strconv.FormatUint(uint64(id.N), 10)
}

// Read asks for the whole content of a file.
type Read struct {
	ID   ReqID
	Path string
}

// Write stores Lines as chunk number Chunk of the file at Path, creating
// the file if needed. Chunks are positional, so a resent or duplicated
// Write leaves the file as it was.
type Write struct {
	ID    ReqID
	Path  string
	Chunk int
	Lines []string
}

// Rename atomically moves the file From to the name To, replacing any file
// there, if From holds exactly Lines lines with checksum Sum: the complete
// file the worker wrote, and not a copy a stale Write recreated later.
type Rename struct {
	ID       ReqID
	From, To string
	Lines    int
	Sum      uint64
}

// FileStatus is the outcome of a store request.
type FileStatus uint8

// The outcomes.
const (
	FileOK       FileStatus = iota + 1
	FileNotFound            // Read or Rename of a file that does not exist
	FileMismatch            // Rename of a file that is not the one described
)

func (s FileStatus) String() string {
	switch s {
	case FileOK:
		return "ok"
	case FileNotFound:
		return "not-found"
	case FileMismatch:
		return "mismatch"
	}
	return "status?"
}

// FileReply answers a store request; Lines is a Read's content.
type FileReply struct {
	ID     ReqID
	Status FileStatus
	Lines  []string
}

// Kind implements protocols.Message.
func (GetTask) Kind() string { return "GetTask" }

// Kind implements protocols.Message.
func (Assign) Kind() string { return "Assign" }

// Kind implements protocols.Message.
func (Wait) Kind() string { return "Wait" }

// Kind implements protocols.Message.
func (Heartbeat) Kind() string { return "Heartbeat" }

// Kind implements protocols.Message.
func (Done) Kind() string { return "Done" }

// Kind implements protocols.Message.
func (DoneAck) Kind() string { return "DoneAck" }

// Kind implements protocols.Message.
func (Read) Kind() string { return "Read" }

// Kind implements protocols.Message.
func (Write) Kind() string { return "Write" }

// Kind implements protocols.Message.
func (Rename) Kind() string { return "Rename" }

// Kind implements protocols.Message.
func (FileReply) Kind() string { return "FileReply" }

func u32(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// String renders the message as GetTask{inc=1 ask=3}.
func (m GetTask) String() string { return "GetTask{inc=" + u32(m.Inc) + " ask=" + u32(m.Ask) + "}" }

// String renders the message as Assign{j1/map-3 attempt=1.4 inc=1 ask=3}.
func (m Assign) String() string {
	s := "Assign{" + m.Task.String() + " attempt=" + m.Attempt.String() + " inc=" + u32(m.Inc) + " ask=" + u32(m.Ask)
	if m.Backup {
		s += " backup"
	}
	return s + "}"
}

// String renders the message as Wait{inc=1 ask=3}.
func (m Wait) String() string {
	s := "Wait{inc=" + u32(m.Inc) + " ask=" + u32(m.Ask)
	if m.Finished {
		s += " finished"
	}
	return s + "}"
}

// String renders the message as Heartbeat{j1/map-3 attempt=1.4}.
func (m Heartbeat) String() string {
	return "Heartbeat{" + m.Task.String() + " attempt=" + m.Attempt.String() + "}"
}

// String renders the message as Done{j1/map-3 attempt=1.4}.
func (m Done) String() string {
	return "Done{" + m.Task.String() + " attempt=" + m.Attempt.String() + "}"
}

// String renders the message as DoneAck{j1/map-3 attempt=1.4}.
func (m DoneAck) String() string {
	return "DoneAck{" + m.Task.String() + " attempt=" + m.Attempt.String() + "}"
}

// String renders the message as Read{1:4 j1/split-3}.
func (m Read) String() string { return "Read{" + m.ID.String() + " " + m.Path + "}" }

// String renders the message as Write{1:5 j1/tmp/mr-3-0@1.4 #0 4 lines}:
// the lines themselves are summarised by their count and checksum.
func (m Write) String() string {
	return "Write{" + m.ID.String() + " " + m.Path + " #" + strconv.Itoa(m.Chunk) + " " + linesText(m.Lines) + "}"
}

// String renders the message as Rename{1:9 j1/tmp/mr-3-0@1.4 -> j1/mr-3-0 7 lines sum=1a2b3c}.
func (m Rename) String() string {
	return "Rename{" + m.ID.String() + " " + m.From + " -> " + m.To + " " + strconv.Itoa(m.Lines) + " lines sum=" + strconv.FormatUint(m.Sum&0xffffff, 16) + "}"
}

// String renders the message as FileReply{1:4 ok 6 lines}.
func (m FileReply) String() string {
	s := "FileReply{" + m.ID.String() + " " + m.Status.String()
	if m.Lines != nil {
		s += " " + linesText(m.Lines)
	}
	return s + "}"
}

// linesText summarises lines for a trace: their number and a short
// checksum, or the lines themselves when there are few and short.
func linesText(lines []string) string {
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	if n <= 40 {
		return "[" + strings.Join(lines, "|") + "]"
	}
	return strconv.Itoa(len(lines)) + " lines sum=" + strconv.FormatUint(checksum(lines)&0xffffff, 16)
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it.

// hashTask folds a task and an attempt as their String shows them.
func hashTask(h *protocols.Hash, t TaskID, a Attempt) {
	h.Int(t.Job)
	h.Uint64(uint64(t.Phase))
	h.Int(t.Index)
	h.Uint64(uint64(a.Epoch)<<32 | uint64(a.N))
}

// hashID folds a request ID as its String shows it.
func hashID(h *protocols.Hash, id ReqID) { h.Uint64(uint64(id.Inc)<<32 | uint64(id.N)) }

// hashLines folds lines as linesText shows them: few short lines as their
// text joined, so that lines which join alike (a|b and a, b) hash alike;
// more as their count and short checksum.
func hashLines(h *protocols.Hash, lines []string) {
	n := 0
	for _, l := range lines {
		n += len(l) + 1
	}
	if n > 40 {
		h.Bool(false)
		h.Int(len(lines))
		h.Uint64(checksum(lines) & 0xffffff)
		return
	}
	var buf [40]byte // the joined text is n-1 bytes
	b := buf[:0]
	for i, l := range lines {
		if i > 0 {
			b = append(b, '|')
		}
		b = append(b, l...)
	}
	h.Bool(true)
	h.Bytes(b)
}

// AppendHash implements protocols.HashAppender.
func (m GetTask) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Inc)<<32 | uint64(m.Ask))
}

// AppendHash implements protocols.HashAppender.
func (m Assign) AppendHash(h *protocols.Hash) {
	hashTask(h, m.Task, m.Attempt)
	h.Uint64(uint64(m.Inc)<<32 | uint64(m.Ask))
	h.Bool(m.Backup)
}

// AppendHash implements protocols.HashAppender.
func (m Wait) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Inc)<<32 | uint64(m.Ask))
	h.Bool(m.Finished)
}

// AppendHash implements protocols.HashAppender.
func (m Heartbeat) AppendHash(h *protocols.Hash) { hashTask(h, m.Task, m.Attempt) }

// AppendHash implements protocols.HashAppender.
func (m Done) AppendHash(h *protocols.Hash) { hashTask(h, m.Task, m.Attempt) }

// AppendHash implements protocols.HashAppender.
func (m DoneAck) AppendHash(h *protocols.Hash) { hashTask(h, m.Task, m.Attempt) }

// AppendHash implements protocols.HashAppender.
func (m Read) AppendHash(h *protocols.Hash) {
	hashID(h, m.ID)
	h.String(m.Path)
}

// AppendHash implements protocols.HashAppender.
func (m Write) AppendHash(h *protocols.Hash) {
	hashID(h, m.ID)
	h.String(m.Path)
	h.Int(m.Chunk)
	hashLines(h, m.Lines)
}

// AppendHash implements protocols.HashAppender: the checksum's low 24
// bits, as String shows it.
func (m Rename) AppendHash(h *protocols.Hash) {
	hashID(h, m.ID)
	h.String(m.From)
	h.String(m.To)
	h.Int(m.Lines)
	h.Uint64(m.Sum & 0xffffff)
}

// AppendHash implements protocols.HashAppender: lines only when there are
// some, even none (a Read's empty file).
func (m FileReply) AppendHash(h *protocols.Hash) {
	hashID(h, m.ID)
	h.Uint64(uint64(m.Status))
	h.Bool(m.Lines != nil)
	if m.Lines != nil {
		hashLines(h, m.Lines)
	}
}
