package prototest

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/dsimlab/dsim/protocols"
)

// Vote shows Term always and Why only when refused; Note never.
type Vote struct {
	Term    uint64
	Granted bool
	Why     string
	Note    string
}

func (Vote) Kind() string { return "Vote" }
func (m Vote) String() string {
	if m.Granted {
		return "Vote{term=" + strconv.FormatUint(m.Term, 10) + " granted}"
	}
	return "Vote{term=" + strconv.FormatUint(m.Term, 10) + " refused " + m.Why + "}"
}
func (m Vote) AppendHash(h *protocols.Hash) {
	h.Uint64(m.Term)
	h.Bool(m.Granted)
	if !m.Granted {
		h.String(m.Why)
	}
}

// lazyVote forgets Why; nosyVote folds Note, which nobody sees.
type (
	lazyVote struct{ Vote }
	nosyVote struct{ Vote }
)

func (m lazyVote) AppendHash(h *protocols.Hash) { h.Uint64(m.Term); h.Bool(m.Granted) }
func (m nosyVote) AppendHash(h *protocols.Hash) { m.Vote.AppendHash(h); h.String(m.Note) }

// Tally shows each name with its count, as far as Names goes: Counts
// may run longer, and its length is not shown.
type Tally struct {
	Names  []string
	Counts []int
}

func (Tally) Kind() string { return "Tally" }
func (m Tally) String() string {
	s := "Tally{"
	for i, n := range m.Names {
		s += " " + n + "=" + strconv.Itoa(m.Counts[i])
	}
	return s + "}"
}
func (m Tally) AppendHash(h *protocols.Hash) {
	h.Int(len(m.Names))
	for i, n := range m.Names {
		h.String(n)
		h.Int(m.Counts[i])
	}
}

// recorder is a testing.TB that keeps what it was told.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

func TestCheckHash(t *testing.T) {
	check := func(m protocols.Message, hidden ...string) []string {
		r := &recorder{TB: t}
		CheckHash(r, m, hidden...)
		return r.errs
	}
	assert.Empty(t, check(Vote{Term: 2, Why: "stale"}, "Note"))
	assert.Empty(t, check(Vote{Term: 2, Granted: true}, "Why", "Note"))

	assert.Equal(t, []string{"prototest.Vote.Note: String does not show it (Vote{term=2 refused stale} either way); list it as hidden"},
		check(Vote{Term: 2, Why: "stale"}))
	assert.Equal(t, []string{"prototest.Vote.Why is listed as hidden, but String shows it: Vote{term=2 refused stale} becomes Vote{term=2 refused stalex}"},
		check(Vote{Term: 2, Why: "stale"}, "Why", "Note"))
	assert.Equal(t, []string{"prototest.Vote has no field Typo to hide"}, check(Vote{Term: 2, Why: "stale"}, "Note", "Typo"))
	assert.Equal(t, []string{"prototest.lazyVote.Vote.Why: AppendHash misses it: Vote{term=2 refused stale} and Vote{term=2 refused stalex} hash alike"},
		check(lazyVote{Vote{Term: 2, Why: "stale"}}, "Vote.Note"))
	assert.Equal(t, []string{"prototest.nosyVote.Vote.Note: AppendHash folds it, but String does not show it: messages that render alike must hash alike"},
		check(nosyVote{Vote{Term: 2, Why: "stale"}}, "Vote.Note"))

	// len(Counts) hides the length alone; Counts would hide Counts[0] too.
	tally := Tally{Names: []string{"a"}, Counts: []int{1, 2}}
	assert.Empty(t, check(tally, "len(Counts)"))
	assert.Equal(t, []string{"prototest.Tally.Counts[0] is listed as hidden, but String shows it: Tally{ a=1} becomes Tally{ a=2}"},
		check(tally, "Counts"))
	assert.Equal(t, []string{"prototest.Tally.Counts: String does not show it (Tally{ a=1} either way); list it as hidden"},
		check(tally))
	assert.Equal(t, []string{"prototest.Tally has no field len(Typo) to hide"}, check(tally, "len(Counts)", "len(Typo)"))
}
