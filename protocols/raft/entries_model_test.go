package raft

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dsimlab/dsim/protocols/kv"
)

// logModel is the plain reference for raftLog: the entries after base in
// one slice that is copied on every change, and the chain recomputed.
type logModel struct {
	base     int
	baseTerm uint64
	ents     []Entry
	chain    []uint64 // indexes base on
}

func (m *logModel) last() int { return m.base + len(m.ents) }

func (m *logModel) push(es ...Entry) {
	for i := range es {
		m.chain = append(m.chain, chainHash(m.chain[len(m.chain)-1], &es[i]))
	}
	m.ents = append(slices.Clip(m.ents), es...)
}

type heldView struct {
	lo        int
	got       []Entry  // the view the log handed out
	want      []Entry  // a copy taken when it was handed out
	gotChain  []uint64 // the chain view it handed out, from lo-1
	wantChain []uint64
}

// Random sequences of appends, truncations (at and around chunk
// boundaries), merges, compactions and restores keep the log equal to a
// plain reference, and never change an entry of a view handed out earlier.
func TestLogMatchesModelAndKeepsViews(t *testing.T) {
	seeds := 20
	if testing.Short() {
		seeds = 10
	}
	for seed := range seeds {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkLogModel(t, uint64(seed)) })
	}
}

func checkLogModel(t *testing.T, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 7))
	l := newLog(Config{})
	m := logModel{chain: []uint64{0}}
	tag := uint64(0)
	term := uint64(1)
	entry := func(tm uint64) Entry {
		tag++
		return Entry{Term: tm, Req: kv.Request{Client: "c", Seq: tag, Op: kv.PutOp("k", fmt.Sprint(tag))}}
	}
	// near picks an index near a chunk boundary relative to base, or
	// anywhere, within [lo, hi].
	near := func(lo, hi int) int {
		if hi < lo {
			return lo
		}
		if rng.IntN(2) == 0 {
			b := m.base + chunkLen*(1+rng.IntN(4)) + rng.IntN(5) - 2
			if b >= lo && b <= hi {
				return b
			}
		}
		return lo + rng.IntN(hi-lo+1)
	}
	var views []heldView
	checkViews := func(op string) {
		for _, v := range views {
			for k := range v.want {
				if v.got[k] != v.want[k] {
					t.Fatalf("seed %d, after %s: a view from %d changed at %d: %v, was %v", seed, op, v.lo, v.lo+k, v.got[k], v.want[k])
				}
			}
			if !slices.Equal(v.gotChain, v.wantChain) {
				t.Fatalf("seed %d, after %s: a chain view from %d changed", seed, op, v.lo-1)
			}
		}
	}
	check := func(op string) {
		t.Helper()
		if l.lastIndex() != m.last() || l.base != m.base {
			t.Fatalf("seed %d, after %s: log %d..%d, model %d..%d", seed, op, l.base, l.lastIndex(), m.base, m.last())
		}
		lt := m.baseTerm
		if len(m.ents) > 0 {
			lt = m.ents[len(m.ents)-1].Term
		}
		if l.lastTerm() != lt {
			t.Fatalf("seed %d, after %s: lastTerm %d, want %d", seed, op, l.lastTerm(), lt)
		}
		if tm, ok := l.term(m.base); !ok || tm != m.baseTerm {
			t.Fatalf("seed %d, after %s: term(base) %d %v, want %d", seed, op, tm, ok, m.baseTerm)
		}
		if _, ok := l.term(m.base - 1); ok && m.base > 0 {
			t.Fatalf("seed %d, after %s: term(base-1) held", seed, op)
		}
		if _, ok := l.term(m.last() + 1); ok {
			t.Fatalf("seed %d, after %s: term(last+1) held", seed, op)
		}
		for k, e := range m.ents {
			i := m.base + 1 + k
			if l.entry(i) != e {
				t.Fatalf("seed %d, after %s: entry %d is %v, want %v", seed, op, i, l.entry(i), e)
			}
			if tm, ok := l.term(i); !ok || tm != e.Term {
				t.Fatalf("seed %d, after %s: term(%d)", seed, op, i)
			}
		}
		for k, c := range m.chain {
			if got, ok := l.chainAt(m.base + k); !ok || got != c {
				t.Fatalf("seed %d, after %s: chain at %d", seed, op, m.base+k)
			}
		}
		// lastIndexOf and termStart against linear scans.
		for tm := uint64(0); tm <= term+1; tm++ {
			want := 0
			for k := len(m.ents) - 1; k >= 0; k-- {
				if m.ents[k].Term == tm {
					want = m.base + 1 + k
					break
				}
			}
			if want == 0 && m.base > 0 && m.baseTerm == tm && (len(m.ents) == 0 || m.ents[0].Term > tm) {
				want = m.base
			}
			if got := l.lastIndexOf(tm); got != want {
				t.Fatalf("seed %d, after %s: lastIndexOf(%d) = %d, want %d", seed, op, tm, got, want)
			}
		}
		if len(m.ents) > 0 {
			i := near(m.base+1, m.last())
			j := i
			for j > m.base+1 && m.ents[j-1-m.base-1].Term == m.ents[i-m.base-1].Term {
				j--
			}
			if got := l.termStart(i); got != j {
				t.Fatalf("seed %d, after %s: termStart(%d) = %d, want %d", seed, op, i, got, j)
			}
		}
		// Hand out views, as messages and records do.
		for range 1 + rng.IntN(3) {
			if len(m.ents) == 0 {
				break
			}
			lo := near(m.base+1, m.last())
			hi := near(lo, min(m.last(), lo+rng.IntN(3*chunkLen)))
			if rng.IntN(3) == 0 {
				hi = m.last() // the tail, as persistLog does
			}
			got := l.slice(lo, hi)
			want := slices.Clone(m.ents[lo-m.base-1 : hi-m.base])
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d, after %s: slice(%d, %d) wrong", seed, op, lo, hi)
			}
			gotChain := l.chainView(lo-1, hi)
			wantChain := slices.Clone(m.chain[lo-1-m.base : hi-m.base+1])
			if !slices.Equal(gotChain, wantChain) {
				t.Fatalf("seed %d, after %s: chainView(%d, %d) wrong", seed, op, lo-1, hi)
			}
			views = append(views, heldView{lo: lo, got: got, want: want, gotChain: gotChain, wantChain: wantChain})
		}
	}
	for step := range 1500 {
		var op string
		switch r := rng.IntN(20); {
		case r < 8: // append
			n := 1
			if rng.IntN(3) == 0 {
				n = 1 + rng.IntN(2*chunkLen)
			}
			if rng.IntN(4) == 0 {
				term++
			}
			es := make([]Entry, n)
			for k := range es {
				es[k] = entry(term)
			}
			l.append(es...)
			m.push(es...)
			op = fmt.Sprintf("append %d", n)
		case r < 12: // truncate
			from := near(m.base-1, m.last()+1)
			l.truncate(from)
			if from > m.base && from <= m.last() {
				m.ents = slices.Clip(m.ents[:from-m.base-1])
				m.chain = slices.Clip(m.chain[:from-m.base])
			}
			op = fmt.Sprintf("truncate %d", from)
		case r < 16: // merge: a leader's entries from prev on, some matching, then a newer term
			prev := near(m.base, m.last())
			keep := rng.IntN(m.last() - prev + 1)
			var es []Entry
			es = append(es, m.ents[prev-m.base:prev-m.base+keep]...)
			if keep > 0 && rng.IntN(4) == 0 {
				// A leader whose entry there has the same term and another
				// request (a bug's log): its digests after it are not this
				// log's, and must not be taken.
				k := rng.IntN(keep)
				es[k] = entry(es[k].Term)
			}
			if rng.IntN(2) == 0 {
				term++
				for range rng.IntN(chunkLen + 10) {
					es = append(es, entry(term))
				}
			}
			// The leader's digests: none, from a prefix equal to this
			// log's, or from another prefix (to be ignored).
			var digests []uint64
			switch rng.IntN(3) {
			case 1:
				digests = []uint64{m.chain[prev-m.base]}
			case 2:
				digests = []uint64{rng.Uint64()}
			}
			for k := range es {
				if digests != nil {
					digests = append(digests, chainHash(digests[k], &es[k]))
				}
			}
			l.merge(prev, es, digests, nil)
			m.merge(prev, es)
			op = fmt.Sprintf("merge %d+%d", prev, len(es))
		case r < 19: // compact
			upto := near(m.base, m.last())
			l.compact(upto)
			m.compact(upto)
			op = fmt.Sprintf("compact %d", upto)
		default: // restore a snapshot at or past the end, or inside the log
			idx := near(m.base, m.last()+2*chunkLen)
			term++
			c := rng.Uint64()
			l.restore(idx, term, c, Config{})
			m = logModel{base: idx, baseTerm: term, chain: []uint64{c}}
			op = fmt.Sprintf("restore %d", idx)
		}
		op = fmt.Sprintf("step %d: %s", step, op)
		check(op)
		if step%20 == 0 {
			checkViews(op)
		}
	}
	checkViews("the last step")
}
