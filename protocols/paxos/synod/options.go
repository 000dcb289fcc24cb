package synod

import (
	"errors"
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Options configures single-decree Paxos. The zero value runs every server
// as proposer, acceptor and learner, with majority quorums, every proposer
// starting at once, 100ms rounds and a 20ms backoff that doubles after each
// failed round.
type Options struct {
	// Proposers, Acceptors and Learners say which servers play each role;
	// a server may play several. Nil means every server.
	Proposers, Acceptors, Learners []protocols.NodeID
	// Quorums are the phase-1 and phase-2 quorum sizes among the acceptors;
	// zero means a majority.
	Quorums Quorums
	// StartDelay and StartSpread place the proposers' first rounds: each
	// starts at a time drawn uniformly from [StartDelay,
	// StartDelay+StartSpread]. Zeros mean all at once, at the start.
	StartDelay, StartSpread clock.Duration
	// RoundTimeout is how long a proposer waits for a round (both phases)
	// to succeed before it gives up on it and tries a higher ballot. Zero
	// means 100ms.
	RoundTimeout clock.Duration
	// Backoff is how long a proposer waits, at most, before its next round
	// after a failed one (preempted by a higher ballot, or timed out): a
	// random time in [0, Backoff×2^k] after the k+1-th failure in a row, k
	// capped at 5. Randomness and growth are what end a duel between two
	// proposers that keep preempting each other. Zero means 20ms; use
	// NoBackoff to retry at once.
	Backoff clock.Duration
	// NoBackoff makes a proposer retry at once after a failed round: the
	// duelling proposers of Paxos Made Simple §2.4 can then livelock.
	NoBackoff bool
	// AskEvery is how often a learner that has not learned the value asks
	// the other servers whether they know it. Zero means 200ms.
	AskEvery clock.Duration
	// Bug switches on one of the named bug variants in Bugs; "" is correct
	// Paxos.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("paxos: bad options")

// Validate reports options that cannot work on the given servers.
func (o Options) Validate(servers []protocols.NodeID) error {
	d := o.withDefaults(servers)
	switch {
	case o.StartDelay < 0 || o.StartSpread < 0 || o.RoundTimeout < 0 || o.Backoff < 0 || o.AskEvery < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case len(d.Acceptors) == 0:
		return fmt.Errorf("%w: no acceptors", ErrBadOptions)
	case len(d.Proposers) == 0:
		return fmt.Errorf("%w: no proposers", ErrBadOptions)
	}
	for _, role := range [][]protocols.NodeID{o.Proposers, o.Acceptors, o.Learners} {
		for _, id := range role {
			if !slices.Contains(servers, id) {
				return fmt.Errorf("%w: %s is not a server", ErrBadOptions, id)
			}
		}
	}
	if err := o.Quorums.Validate(len(d.Acceptors)); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	if _, err := parseBug(o.Bug); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults(servers []protocols.NodeID) Options {
	all := protocols.SortIDs(slices.Clone(servers))
	role := func(ids []protocols.NodeID) []protocols.NodeID {
		if ids == nil {
			return all
		}
		return protocols.SortIDs(slices.Clone(ids))
	}
	o.Proposers, o.Acceptors, o.Learners = role(o.Proposers), role(o.Acceptors), role(o.Learners)
	if o.RoundTimeout == 0 {
		o.RoundTimeout = 100 * clock.Millisecond
	}
	if o.Backoff == 0 {
		o.Backoff = 20 * clock.Millisecond
	}
	if o.NoBackoff {
		o.Backoff = 0
	}
	if o.AskEvery == 0 {
		o.AskEvery = 200 * clock.Millisecond
	}
	return o
}

// ValueOf is the value a proposer proposes for itself: v1 for n1. Every
// proposer has its own, so a learner's value says whose proposal won.
func ValueOf(id protocols.NodeID) string {
	s := string(id)
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) {
		return "v-" + s
	}
	return "v" + s[i:]
}
