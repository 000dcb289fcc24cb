package multi

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

// Options configures a Multi-Paxos cluster. The zero value matches Raft's
// canonical benchmark world, so the two compare: heartbeats every 50ms,
// leader timeouts drawn from 150–300ms, majority quorums, correct code.
type Options struct {
	// Quorums are the phase-1 and phase-2 quorum sizes (Flexible Paxos);
	// zero means a majority of the servers, every one of which is an
	// acceptor.
	Quorums synod.Quorums
	// HeartbeatInterval is how often a leader sends every replica an Accept,
	// carrying the proposals it still lacks (often none) and the leader's
	// commit point. Zero means 50ms.
	HeartbeatInterval clock.Duration
	// ElectionTimeoutMin and ElectionTimeoutMax bound how long a replica
	// waits without hearing from a leader before it runs phase 1 itself,
	// drawn anew each time; a failed candidacy widens the range (backoff).
	// Both zero means 150ms and 300ms; one zero means Max = 2×Min or
	// Min = Max/2.
	ElectionTimeoutMin clock.Duration
	ElectionTimeoutMax clock.Duration
	// MaxBatch caps the proposals in one Accept and the decisions in one
	// Decide, so a lagging replica is caught up in batches. Zero means 64.
	MaxBatch int
	// Bug switches on one of the named bug variants in Bugs; "" is correct
	// Multi-Paxos.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("multipaxos: bad options")

// Validate reports options that cannot work in a cluster of n servers.
func (o Options) Validate(n int) error {
	d := o.withDefaults()
	switch {
	case o.HeartbeatInterval < 0 || o.ElectionTimeoutMin < 0 || o.ElectionTimeoutMax < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case o.MaxBatch < 0:
		return fmt.Errorf("%w: MaxBatch %d is negative", ErrBadOptions, o.MaxBatch)
	case d.ElectionTimeoutMax < d.ElectionTimeoutMin:
		return fmt.Errorf("%w: election timeout max %v is below min %v", ErrBadOptions, d.ElectionTimeoutMax, d.ElectionTimeoutMin)
	case d.HeartbeatInterval >= d.ElectionTimeoutMin:
		return fmt.Errorf("%w: heartbeat %v is not below the election timeout %v", ErrBadOptions, d.HeartbeatInterval, d.ElectionTimeoutMin)
	}
	if err := o.Quorums.Validate(n); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	if _, err := parseBug(o.Bug); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.HeartbeatInterval == 0 {
		o.HeartbeatInterval = 50 * clock.Millisecond
	}
	switch {
	case o.ElectionTimeoutMin == 0 && o.ElectionTimeoutMax == 0:
		o.ElectionTimeoutMin, o.ElectionTimeoutMax = 150*clock.Millisecond, 300*clock.Millisecond
	case o.ElectionTimeoutMax == 0:
		o.ElectionTimeoutMax = 2 * o.ElectionTimeoutMin
	case o.ElectionTimeoutMin == 0:
		o.ElectionTimeoutMin = o.ElectionTimeoutMax / 2
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = 64
	}
	return o
}
