package sim

import (
	"io"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// HashVersion numbers the definition of the trace hash (World.Hash), which
// results print beside it: a hash from another version is not comparable.
// Version 1 hashed each event's rendered trace line. Version 2 folds the
// node names once, then each event's fields (time, sequence number, what
// happened, its nodes by index, the message, the effects summary) without
// rendering anything: exactly what the line shows, so equal hashes still
// mean equal traces.
const HashVersion = 2

// The trace is one line per event, in a stable format free of pointers, map
// order and wall-clock time:
//
//	42 1.250s n2 recv n1 AppendEntries{term=2 ...} [send 1, persist 1, timer election]
//	43 1.300s n3 drop n1 AppendEntries{term=2 ...} (partitioned)
//	44 2.000s fault crash n2
//
// Every event is folded into the trace hash field by field (a message by
// its protocols.HashAppender, or as its text), whether or not its line is
// rendered: lines are rendered, in a reused buffer, only when a trace is
// written or an observer asked for them (World.RenderLines). Rendering
// costs more than the rest of the kernel's work per event, so a sweep, which
// reads only the hash, does without.
type tracer struct {
	w     io.Writer
	lines bool // render each event's line
	buf   []byte
	h     protocols.Hash
	node  protocols.NodeID // the node stepping, for panic reports

	seq uint64 // the event's sequence number

	// The sequence number of the last line rendered, in decimal: events
	// are numbered 1, 2, 3, ..., so the next is usually this one
	// incremented in place.
	decOf  uint64
	seqDec []byte
}

// What an event is, folded in as the event's first word after its time,
// with its sequence number and the nodes it names: the node's index and
// the sender's, each plus one (zero for none), which the names folded
// before the first event (names) bind. A remark (note) is folded with
// noted in the low byte, which no event's word has, so the words of a run
// read back one way only.
const (
	tracedFault uint64 = iota + 1
	tracedStart
	tracedAdmin
	tracedTimer
	tracedRecv
	tracedDrop // with the reason for the drop in the high half of the low byte
	noted      = 0x80
)

// names folds the world's node names, in index order, before its first
// event: an event then folds its nodes by index, one byte each of one word.
func (t *tracer) names(nodes []*node) {
	t.h.Int(len(nodes))
	for _, n := range nodes {
		t.h.String(string(n.id))
	}
}

func (t *tracer) begin(seq uint64, now clock.Time) {
	t.seq = seq
	t.h.Uint64(uint64(now))
	if !t.lines {
		return
	}
	if seq == t.decOf+1 && len(t.seqDec) > 0 {
		t.seqDec = incDecimal(t.seqDec)
	} else {
		t.seqDec = strconv.AppendUint(t.seqDec[:0], seq, 10)
	}
	t.decOf = seq
	t.buf = append(t.buf[:0], t.seqDec...)
	t.buf = append(t.buf, ' ')
	t.buf = now.AppendTo(t.buf)
	t.buf = append(t.buf, ' ')
}

// what folds the event's kind, its node and the sender of its message,
// if any, and its sequence number (which its position in the run implies:
// bits beyond the 40 that fit, past a trillion events, are no loss).
func (t *tracer) what(kind uint64, n, from *node) {
	w := t.seq<<24 | kind
	if n != nil {
		w |= uint64(n.idx+1) << 8
	}
	if from != nil {
		w |= uint64(from.idx+1) << 16
	}
	t.h.Uint64(w)
}

// incDecimal adds one to a decimal number in place.
func incDecimal(d []byte) []byte {
	for i := len(d) - 1; i >= 0; i-- {
		if d[i] != '9' {
			d[i]++
			return d
		}
		d[i] = '0'
	}
	return append([]byte{'1'}, d...)
}

func (t *tracer) str(s string) { t.buf = append(t.buf, s...) }

func (t *tracer) start(n *node, records int, restart bool) {
	t.what(tracedStart, n, nil)
	if !restart {
		records = -1 // a first start shows no count
	}
	t.h.Int(records)
	if !t.lines {
		return
	}
	t.str(string(n.id))
	if !restart {
		t.str(" start")
		return
	}
	t.str(" restart records=")
	t.buf = strconv.AppendInt(t.buf, int64(records), 10)
}

func (t *tracer) timer(n *node, name string) {
	t.what(tracedTimer, n, nil)
	t.h.Name(name)
	if !t.lines {
		return
	}
	t.str(string(n.id))
	t.str(" timer ")
	t.str(name)
}

func (t *tracer) admin(n *node, words []string) {
	t.what(tracedAdmin, n, nil)
	t.h.Int(len(words))
	for _, w := range words {
		t.h.String(w)
	}
	if !t.lines {
		return
	}
	t.str(string(n.id))
	t.str(" admin")
	for _, w := range words {
		t.buf = append(t.buf, ' ')
		t.str(w)
	}
}

func (t *tracer) recv(n, from *node, m protocols.Message) {
	t.what(tracedRecv, n, from)
	t.h.Message(m)
	if !t.lines {
		return
	}
	t.str(string(n.id))
	t.str(" recv ")
	t.str(string(from.id))
	t.buf = append(t.buf, ' ')
	t.buf = protocols.AppendMessage(t.buf, m)
}

func (t *tracer) drop(n, from *node, m protocols.Message, why net.Reason) {
	t.what(tracedDrop|uint64(why)<<4, n, from)
	t.h.Message(m)
	if !t.lines {
		return
	}
	t.str(string(n.id))
	t.str(" drop ")
	t.str(string(from.id))
	t.buf = append(t.buf, ' ')
	t.buf = protocols.AppendMessage(t.buf, m)
	t.str(" (")
	t.str(why.String())
	t.buf = append(t.buf, ')')
}

// fault folds the fault's text: faults are few, and their text is what
// says all of them.
func (t *tracer) fault(f *Fault) {
	t.what(tracedFault, nil, nil)
	s := f.String()
	t.h.String(s)
	if !t.lines {
		return
	}
	t.str("fault ")
	t.str(s)
}

// note appends a parenthesised remark, such as why a fault could not act.
func (t *tracer) note(s string) {
	t.h.Uint64(noted)
	t.h.String(s)
	if !t.lines {
		return
	}
	t.str(" (")
	t.str(s)
	t.buf = append(t.buf, ')')
}

// effects summarises what a step asked for, so that a divergence in what a
// node persisted or which timers it set shows in the hash at once: how
// many messages and records, whether the records replace the store or are
// left unsynced, and each timer set or cancelled (-name). It closes every
// step, with the remarks a step may carry: how long the node was busy and
// whether it is byzantine.
func (t *tracer) effects(fx *protocols.Effects, busy clock.Duration, byzantine bool) {
	var store uint64
	switch {
	case fx.Replace:
		store = 2
	case len(fx.Records) > 0 && fx.NoSync:
		store = 1
	}
	t.h.Int(len(fx.Sends))
	t.h.Uint64(uint64(len(fx.Records))<<2 | store)
	t.h.Int(len(fx.Timers))
	for i := range fx.Timers {
		tm := &fx.Timers[i]
		t.h.Bool(tm.Cancel)
		t.h.Name(tm.Name)
	}
	var byz uint64
	if byzantine {
		byz = 1
	}
	t.h.Uint64(uint64(max(busy, 0))<<1 | byz)
	if !t.lines {
		return
	}
	t.renderEffects(fx)
	if busy > 0 {
		t.str(" (busy ")
		t.str(clock.FormatDuration(busy))
		t.buf = append(t.buf, ')')
	}
	if byzantine {
		t.str(" (byzantine)")
	}
}

func (t *tracer) renderEffects(fx *protocols.Effects) {
	if len(fx.Sends) == 0 && len(fx.Records) == 0 && len(fx.Timers) == 0 {
		return
	}
	t.str(" [")
	sep := false
	item := func(label string, n int) {
		if n == 0 {
			return
		}
		if sep {
			t.str(", ")
		}
		sep = true
		t.str(label)
		t.buf = strconv.AppendInt(t.buf, int64(n), 10)
	}
	item("send ", len(fx.Sends))
	item("persist ", len(fx.Records))
	switch {
	case fx.Replace:
		t.str(" replacing the store")
	case len(fx.Records) > 0 && fx.NoSync:
		t.str(" unsynced")
	}
	if len(fx.Timers) > 0 {
		if sep {
			t.str(", ")
		}
		t.str("timer")
		for _, tm := range fx.Timers {
			t.buf = append(t.buf, ' ')
			if tm.Cancel {
				t.buf = append(t.buf, '-')
			}
			t.str(tm.Name)
		}
	}
	t.buf = append(t.buf, ']')
}

// end finishes the event and returns its line, written out if a trace is
// written (valid until the next event); nil when lines are not rendered.
func (t *tracer) end() []byte {
	if !t.lines {
		return nil
	}
	if t.w != nil {
		t.buf = append(t.buf, '\n')
		t.w.Write(t.buf)
		t.buf = t.buf[:len(t.buf)-1]
	}
	return t.buf
}
