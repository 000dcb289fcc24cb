package sim

import (
	"encoding"
	"encoding/binary"
	"io"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/net"
	"github.com/dsimlab/dsim/protocols"
)

// The trace is one line per event, in a stable format free of pointers, map
// order and wall-clock time:
//
//	42 1.250s n2 recv n1 AppendEntries{term=2 ...} [send 1, persist 1, timer election]
//	43 1.300s n3 drop n1 AppendEntries{term=2 ...} (partitioned)
//	44 2.000s fault crash n2
//
// The trace hash folds in every line and its newline (hashLine), so two runs
// with equal hashes printed equal traces. Lines are built in a reused buffer:
// the trace is on the hot path of every run.
type tracer struct {
	w    io.Writer
	buf  []byte
	hash uint64
	node protocols.NodeID // the node stepping, for panic reports

	// The last sequence number, in decimal: events are numbered 1, 2, 3,
	// ..., so the next is usually this one incremented in place.
	seq    uint64
	seqDec []byte
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func (t *tracer) begin(seq uint64, now clock.Time) {
	if seq == t.seq+1 && len(t.seqDec) > 0 {
		t.seqDec = incDecimal(t.seqDec)
	} else {
		t.seqDec = strconv.AppendUint(t.seqDec[:0], seq, 10)
	}
	t.seq = seq
	t.buf = append(t.buf[:0], t.seqDec...)
	t.buf = append(t.buf, ' ')
	t.buf = now.AppendTo(t.buf)
	t.buf = append(t.buf, ' ')
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

func (t *tracer) msg(m protocols.Message) {
	if a, ok := m.(encoding.TextAppender); ok {
		if b, err := a.AppendText(t.buf); err == nil {
			t.buf = b
			return
		}
	}
	t.buf = append(t.buf, m.String()...)
}

func (t *tracer) start(id protocols.NodeID, records int, restart bool) {
	t.str(string(id))
	if !restart {
		t.str(" start")
		return
	}
	t.str(" restart records=")
	t.buf = strconv.AppendInt(t.buf, int64(records), 10)
}

func (t *tracer) timer(id protocols.NodeID, name string) {
	t.str(string(id))
	t.str(" timer ")
	t.str(name)
}

func (t *tracer) admin(id protocols.NodeID, words []string) {
	t.str(string(id))
	t.str(" admin")
	for _, w := range words {
		t.buf = append(t.buf, ' ')
		t.str(w)
	}
}

func (t *tracer) recv(to, from protocols.NodeID, m protocols.Message) {
	t.str(string(to))
	t.str(" recv ")
	t.str(string(from))
	t.buf = append(t.buf, ' ')
	t.msg(m)
}

func (t *tracer) drop(to, from protocols.NodeID, m protocols.Message, why net.Reason) {
	t.str(string(to))
	t.str(" drop ")
	t.str(string(from))
	t.buf = append(t.buf, ' ')
	t.msg(m)
	t.str(" (")
	t.str(why.String())
	t.buf = append(t.buf, ')')
}

func (t *tracer) fault(f *Fault) {
	t.str("fault ")
	t.str(f.String())
}

// note appends a parenthesised remark, such as why a fault could not act.
func (t *tracer) note(s string) {
	t.str(" (")
	t.str(s)
	t.buf = append(t.buf, ')')
}

// effects summarises what a step asked for, so that a divergence in what a
// node persisted or which timers it set shows in the hash at once.
func (t *tracer) effects(fx *protocols.Effects) {
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

// end finishes the line, folds it into the hash, writes it out, and returns
// it (valid until the next event).
func (t *tracer) end() []byte {
	t.hash = hashLine(t.hash, t.buf)
	if t.w != nil {
		t.buf = append(t.buf, '\n')
		t.w.Write(t.buf)
		t.buf = t.buf[:len(t.buf)-1]
	}
	return t.buf
}

// HashLines computes the trace hash of lines the way a World does, so a
// trace file can be checked against a reported hash.
func HashLines(lines []string) uint64 {
	h := uint64(fnvOffset)
	for _, l := range lines {
		h = hashLine(h, []byte(l))
	}
	return h
}

// hashLine folds one line and its newline into h: FNV-1a over 8-byte words
// (then the remaining bytes), which is as stable as byte-wise FNV and several
// times faster on the event loop's hot path.
func hashLine(h uint64, b []byte) uint64 {
	for len(b) >= 8 {
		h ^= binary.LittleEndian.Uint64(b)
		h *= fnvPrime
		h ^= h >> 32
		b = b[8:]
	}
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	h ^= '\n'
	h *= fnvPrime
	return h
}
