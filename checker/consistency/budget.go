package consistency

import (
	"fmt"

	"github.com/dsimlab/dsim/checker"
)

// Budget bounds the work of a check. Every search in this package counts
// its elementary steps (an edge followed, an operation scheduled, a word of
// a bit set merged) and stops when Steps are spent: the verdict is then
// unknown, naming the key and the budget, never a pass. Counting, not
// timing, makes the verdict a function of the history alone.
type Budget struct {
	// Steps is the most steps one check may take. Zero means DefaultSteps.
	Steps int64
	// Linearizability is the step budget per key handed to
	// checker.CheckKV. It can only turn a verdict into unknown, never into
	// a pass. Zero means checker.DefaultBudget.
	Linearizability checker.Budget
}

// The defaults. DefaultSteps is far above what a 10k-operation history of a
// correct store needs (a few hundred thousand steps) and low enough that a
// hopeless search gives up in about a second.
const DefaultSteps int64 = 200_000_000

func (b Budget) steps() int64 {
	if b.Steps > 0 {
		return b.Steps
	}
	return DefaultSteps
}

func (b Budget) linearizability() checker.Budget { return b.Linearizability }

// meter counts steps against a budget, and remembers what it was working
// on, so that an overrun can name the key.
type meter struct {
	limit, used int64
	key         string // the key being worked on, for the report
}

// at records the key being worked on.
func (m *meter) at(key string) { m.key = key }

// where names the key the budget ran out on, for an unknown's reason.
func (m *meter) where() string {
	if m.key == "" {
		return ""
	}
	return " on key " + m.key
}

func newMeter(b Budget) *meter { return &meter{limit: b.steps()} }

// spend charges n steps and reports whether the budget still holds.
func (m *meter) spend(n int64) bool {
	m.used += n
	return m.used <= m.limit
}

func (m *meter) out() bool { return m.used > m.limit }

func (m *meter) String() string { return fmt.Sprintf("budget of %d steps", m.limit) }
