package raft

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Options configures a Raft cluster. The zero value is the paper's setting
// and the canonical benchmark's: heartbeats every 50ms and election timeouts
// drawn uniformly from 150–300ms, correct code.
type Options struct {
	// HeartbeatInterval is how often a leader sends AppendEntries to every
	// follower, with or without entries. Zero means 50ms.
	HeartbeatInterval clock.Duration
	// ElectionTimeoutMin and ElectionTimeoutMax bound the election timeout,
	// drawn uniformly from [Min, Max] from the node's own random stream
	// every time the timer is armed, so that split votes resolve (§5.2).
	// Both zero means 150ms and 300ms; one zero means Max = 2×Min or
	// Min = Max/2.
	ElectionTimeoutMin clock.Duration
	ElectionTimeoutMax clock.Duration
	// MaxAppendEntries caps the entries in one AppendEntries, so a lagging
	// follower is caught up in batches rather than with one huge message.
	// Zero means 64. Scripts set 1 to replicate one entry at a time
	// (Figure 8 needs it).
	MaxAppendEntries int
	// Bug switches on one of the named bug variants in Bugs; "" is correct
	// Raft.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("raft: bad options")

// Validate reports options that cannot work, after filling in defaults.
func (o Options) Validate() error {
	d := o.withDefaults()
	switch {
	case o.HeartbeatInterval < 0 || o.ElectionTimeoutMin < 0 || o.ElectionTimeoutMax < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case o.MaxAppendEntries < 0:
		return fmt.Errorf("%w: MaxAppendEntries %d is negative", ErrBadOptions, o.MaxAppendEntries)
	case d.ElectionTimeoutMax < d.ElectionTimeoutMin:
		return fmt.Errorf("%w: election timeout max %v is below min %v", ErrBadOptions, d.ElectionTimeoutMax, d.ElectionTimeoutMin)
	case 2*d.HeartbeatInterval > d.ElectionTimeoutMin:
		// Followers would time out between heartbeats of a healthy leader,
		// or after one heartbeat lost or late.
		return fmt.Errorf("%w: heartbeat %v is not well under the election timeout %v: a follower would start an election after one late heartbeat; use a heartbeat of at most half the election timeout",
			ErrBadOptions, d.HeartbeatInterval, d.ElectionTimeoutMin)
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
	if o.MaxAppendEntries == 0 {
		o.MaxAppendEntries = 64
	}
	return o
}
