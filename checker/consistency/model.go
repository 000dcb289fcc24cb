package consistency

import (
	"errors"
	"fmt"
	"strings"
)

// Model names one rung of the ladder. The strings are the names a command
// line flag takes, and they are stable.
type Model string

// The models, strongest first. Session is not a model of its own: it is the
// rung on which all four session guarantees hold together.
const (
	Linearizable      Model = "linearizable"        // Herlihy & Wing 1990
	Sequential        Model = "sequential"          // Lamport 1979
	Causal            Model = "causal"              // Ahamad et al. 1995, causal memory
	Session           Model = "session"             // all four session guarantees below
	WritesFollowReads Model = "writes-follow-reads" // Terry et al. 1994
	MonotonicWrites   Model = "monotonic-writes"    // Terry et al. 1994
	MonotonicReads    Model = "monotonic-reads"     // Terry et al. 1994
	ReadYourWrites    Model = "ryw"                 // Terry et al. 1994
	Eventual          Model = "eventual"            // Vogels 2009; Bailis & Ghodsi 2013
)

// sessionModels are the four guarantees the Session rung bundles, in the
// order results list them.
var sessionModels = []Model{WritesFollowReads, MonotonicWrites, MonotonicReads, ReadYourWrites}

// Models returns the eight models a history is judged against, in ladder
// order (strongest first). Session is left out: it is the conjunction of
// four of them.
func Models() []Model {
	return []Model{Linearizable, Sequential, Causal, WritesFollowReads, MonotonicWrites, MonotonicReads, ReadYourWrites, Eventual}
}

// knownNames is what ParseModel accepts, in the order its error lists them.
var knownNames = []Model{Linearizable, Sequential, Causal, ReadYourWrites, MonotonicReads, MonotonicWrites, WritesFollowReads, Eventual, Session}

// ErrUnknownModel is matched (errors.Is) by ParseModel's error.
var ErrUnknownModel = errors.New("unknown consistency model")

// ParseModel reads a model name as a command line gives it: one of
// linearizable, sequential, causal, ryw, monotonic-reads, monotonic-writes,
// writes-follow-reads, eventual, or session (the four session guarantees
// together). Case and surrounding space are not forgiven: names are exact,
// so that a scenario file means one thing.
func ParseModel(s string) (Model, error) {
	for _, m := range knownNames {
		if s == string(m) {
			return m, nil
		}
	}
	names := make([]string, len(knownNames))
	for i, m := range knownNames {
		names[i] = string(m)
	}
	return "", fmt.Errorf("%w %q (known: %s)", ErrUnknownModel, s, strings.Join(names, ", "))
}

// Implies reports whether every history that satisfies m also satisfies n,
// as this package defines and checks the models (see the package doc):
//
//	linearizable ⇒ sequential ⇒ causal ⇒ session ⇒ each of ryw, monotonic-reads,
//	monotonic-writes, writes-follow-reads
//
// Eventual is implied by nothing and implies nothing else: it is about the
// replicas' final state, which the safety rungs do not look at.
func (m Model) Implies(n Model) bool {
	if m == n {
		return true
	}
	rank := func(x Model) int {
		switch x {
		case Linearizable:
			return 0
		case Sequential:
			return 1
		case Causal:
			return 2
		case Session:
			return 3
		}
		return -1
	}
	rm := rank(m)
	if rm < 0 {
		return false
	}
	if rn := rank(n); rn >= 0 {
		return rm <= rn
	}
	for _, s := range sessionModels {
		if n == s {
			return true
		}
	}
	return false
}
