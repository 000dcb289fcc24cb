package dynamo

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/clock"
)

// Options configures a Dynamo cluster. The zero value is Dynamo's common
// setting: N=3, R=2, W=2, sloppy quorums with hinted handoff, read repair
// and anti-entropy on, correct code.
type Options struct {
	// N is how many replicas each key has: the first N servers of its
	// preference list. Zero means 3 (or the cluster size, if smaller).
	N int
	// R and W are how many replicas must answer a read and a write. Zero
	// means 2 each (or N, if smaller).
	R, W int
	// Strict turns sloppy quorums off: only a key's home replicas count.
	Strict bool
	// NoReadRepair turns read repair off.
	NoReadRepair bool
	// SloppyAfter is how long a coordinator waits for a home replica
	// before asking the next server of the preference list in its place
	// (counted in resend ticks). Zero means 40ms.
	SloppyAfter clock.Duration
	// HandoffEvery is how often a server offers its hints to their home
	// replicas. Zero means 200ms.
	HandoffEvery clock.Duration
	// SyncEvery is how often a server runs anti-entropy with one other
	// replica of its keys. Zero means 500ms; negative turns it off.
	SyncEvery clock.Duration
	// Resend, AbortAfter and OpTimeout work as in package abd: resend a
	// phase's message every Resend (20ms); give up on a first phase no
	// quorum answered after AbortAfter (60ms) and send the client
	// elsewhere; forget an operation after OpTimeout (500ms).
	Resend, AbortAfter, OpTimeout clock.Duration
	// Bug switches on one of the named bug variants in Bugs.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("dynamo: bad options")

// Validate reports options that cannot work in a cluster of servers.
func (o Options) Validate(servers int) error {
	d := o.withDefaults(servers)
	switch {
	case o.N < 0 || o.R < 0 || o.W < 0:
		return fmt.Errorf("%w: negative N, R or W", ErrBadOptions)
	case d.N > servers:
		return fmt.Errorf("%w: N=%d replicas per key on %d servers", ErrBadOptions, d.N, servers)
	case d.R > d.N || d.W > d.N:
		return fmt.Errorf("%w: R=%d and W=%d must not exceed N=%d", ErrBadOptions, d.R, d.W, d.N)
	case o.SloppyAfter < 0 || o.HandoffEvery < 0 || o.Resend < 0 || o.AbortAfter < 0 || o.OpTimeout < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case d.OpTimeout < d.Resend:
		return fmt.Errorf("%w: op timeout %v is below the resend interval %v", ErrBadOptions, d.OpTimeout, d.Resend)
	}
	if _, err := parseBug(o.Bug); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

func (o Options) withDefaults(servers int) Options {
	if o.N == 0 {
		o.N = min(3, max(servers, 1))
	}
	if o.R == 0 {
		o.R = min(2, o.N)
	}
	if o.W == 0 {
		o.W = min(2, o.N)
	}
	def := func(d *clock.Duration, v clock.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&o.SloppyAfter, 40*clock.Millisecond)
	def(&o.HandoffEvery, 200*clock.Millisecond)
	def(&o.SyncEvery, 500*clock.Millisecond)
	def(&o.Resend, 20*clock.Millisecond)
	def(&o.AbortAfter, 60*clock.Millisecond)
	def(&o.OpTimeout, 500*clock.Millisecond)
	return o
}
