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
	// PreVote makes a server whose election timer fires first ask whether
	// it could win (thesis §9.6): it increments its term and runs a real
	// election only if a majority would vote for it, and a voter says yes
	// only if the candidate's log is up to date and it has not heard from a
	// leader for an election timeout. A server cut off and rejoining then no
	// longer deposes a healthy leader. Off by default.
	PreVote bool
	// CheckQuorum makes a leader step down when it has not heard from a
	// majority for an election timeout, and makes every server ignore
	// requests for votes in a later term within an election timeout of
	// hearing from a leader (thesis §6.2, §9.6; etcd's CheckQuorum). Off by
	// default.
	CheckQuorum bool
	// Read says how a leader serves gets: ReadLog (the zero value) puts
	// them through the log like writes; ReadIndex confirms leadership with
	// a round of heartbeats and answers once it has applied the commit
	// index it saw (thesis §6.4); ReadLease answers at once while a lease
	// from its last confirmed round runs, and falls back to ReadIndex when
	// it does not (§6.4.1).
	Read ReadMode
	// Lease is how long, on the leader's clock, a round of heartbeats that
	// a majority acknowledged lets it answer reads without asking again.
	// Zero means half the shortest election timeout: the margin covers
	// clocks that run at different rates (a slow leader clock stretches the
	// lease in real time, a fast voter clock shortens the wait before it
	// votes again). Only ReadLease reads it; it must not exceed
	// ElectionTimeoutMin.
	Lease clock.Duration
	// SnapshotMin and SnapshotMax bound how many applied entries a server
	// lets its log grow by before it snapshots its state machine and drops
	// them; each server draws its threshold from its own random stream when
	// it starts, so servers compact at different points. Zero means no
	// snapshots; SnapshotMax zero means SnapshotMin.
	SnapshotMin, SnapshotMax int
	// SnapshotChunk is how many bytes of a snapshot one InstallSnapshot
	// carries. Zero means 1024.
	SnapshotChunk int
	// Members is how many servers make up the initial configuration, as
	// voters: n1..nMembers; the others start outside it, as spares, until
	// an operator adds them (Admin). Zero means every server.
	Members int
	// Bug switches on one of the named bug variants in Bugs; "" is correct
	// Raft.
	Bug string
}

// ReadMode says how a leader serves reads.
type ReadMode string

// The read modes.
const (
	ReadLog   ReadMode = "log"   // gets go through the log like writes
	ReadIndex ReadMode = "index" // confirm leadership with a heartbeat round, then read at the commit index
	ReadLease ReadMode = "lease" // read at once within a lease; ReadIndex when it has run out
)

// snapshots reports whether servers compact their logs.
func (o Options) snapshots() bool { return o.SnapshotMin > 0 }

// tracksContact reports whether servers remember hearing from a leader
// within an election timeout: PreVote and CheckQuorum both ask it.
func (o *Options) tracksContact() bool { return o.PreVote || o.CheckQuorum } // not a copy of the options

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
	case o.Read != "" && o.Read != ReadLog && o.Read != ReadIndex && o.Read != ReadLease:
		return fmt.Errorf("%w: unknown read mode %q (want log, index or lease)", ErrBadOptions, o.Read)
	case o.Read == ReadLease && !o.CheckQuorum:
		// The lease rests on voters refusing to elect anyone while they
		// hear from the leader: CheckQuorum's rule.
		return fmt.Errorf("%w: lease reads need CheckQuorum", ErrBadOptions)
	case o.Lease < 0 || d.Lease > d.ElectionTimeoutMin:
		return fmt.Errorf("%w: lease %v is not within (0, election timeout %v]", ErrBadOptions, o.Lease, d.ElectionTimeoutMin)
	case o.SnapshotMin < 0 || o.SnapshotMax < 0 || (o.SnapshotMax > 0 && o.SnapshotMax < o.SnapshotMin):
		return fmt.Errorf("%w: snapshot thresholds %d-%d", ErrBadOptions, o.SnapshotMin, o.SnapshotMax)
	case o.SnapshotMax > 0 && o.SnapshotMin == 0:
		return fmt.Errorf("%w: SnapshotMax without SnapshotMin", ErrBadOptions)
	case o.SnapshotChunk < 0 || o.Members < 0:
		return fmt.Errorf("%w: negative SnapshotChunk or Members", ErrBadOptions)
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
	if o.Read == "" {
		o.Read = ReadLog
	}
	if o.Lease == 0 {
		o.Lease = o.ElectionTimeoutMin / 2
	}
	if o.SnapshotMax == 0 {
		o.SnapshotMax = o.SnapshotMin
	}
	if o.SnapshotChunk == 0 {
		o.SnapshotChunk = 1024
	}
	return o
}
