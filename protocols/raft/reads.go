package raft

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds reads that do not go through the log (thesis §6.4):
// ReadIndex, which confirms with a round of heartbeats that the leader
// still leads, and leases, which let a leader skip the round for a while
// after one.
//
// A read needs two things. First, the leader's commit index must cover
// every entry committed before the read arrived: a new leader learns that
// only once it commits an entry of its own term, so reads wait for its
// no-op. Second, the leader must still lead: no newer leader may have
// committed anything it has not. ReadIndex notes the commit index when the
// read arrives, begins a round of heartbeats, and answers once a majority
// has acknowledged that round (so it led after the read arrived) and it
// has applied that index.
//
// A lease stands in for the round. Every heartbeat begins a round; once a
// majority acknowledges a round begun in tick k, the leader may answer
// reads at once until Lease has passed since tick k on its own clock.
// Voters that acknowledged it hear from a leader, and with CheckQuorum
// they then refuse to help elect anyone for the shortest election timeout
// (node.receive, node.inLease): no other leader can exist before that, on
// their clocks. Lease is shorter than that timeout by a margin for clocks
// that run at different rates; a clock that drifts by more than the margin
// breaks the lease (scenario raft/lease-drift).
//
// Time is measured with timers, the node's local clock: each tick's lease
// window is a timer of Lease set at the tick. Timers run fast or slow with
// the clock's drift, and are not moved by a clock stepped by an offset or a
// jump, as a monotonic clock is not (etcd measures its lease in ticks,
// hashicorp raft with Go's monotonic time). A paused leader sees its
// windows close before anything that arrived after them.

// pendingRead is a get waiting to be answered.
type pendingRead struct {
	client protocols.NodeID
	seq    uint64
	key    string
	index  int    // answer once applied up to here
	round  uint64 // and once this round is confirmed; 0 while waiting for a commit in the leader's term
}

// leaseTimerNames returns the names of the timers that close the lease
// windows: one per tick that can be open at once, Lease/HeartbeatInterval
// rounded down, plus one, so a window always closes before its timer is
// set again.
func leaseTimerNames(o Options) []string {
	if o.Read != ReadLease {
		return nil
	}
	names := make([]string, int(o.Lease/o.HeartbeatInterval)+1)
	for i := range names {
		names[i] = "lease" + strconv.Itoa(i)
	}
	return names
}

// beginTick starts a tick's lease window and round, with leases on.
func (n *node) beginTick() {
	if n.opts.Read != ReadLease {
		return
	}
	k := n.lead.ticks % len(n.leaseTimers)
	for len(n.lead.windows) <= k {
		n.lead.windows = append(n.lead.windows, -1)
	}
	n.lead.windows[k] = n.lead.ticks
	n.out.SetTimer(n.leaseTimers[k], n.opts.Lease)
	n.beginRound()
}

// leaseTimer closes the lease window of the tick the timer was set in.
func (n *node) leaseTimer(name string) {
	if n.role != leader {
		return
	}
	for j, t := range n.leaseTimers {
		if t == name && j < len(n.lead.windows) {
			n.lead.closed = max(n.lead.closed, n.lead.windows[j])
			return
		}
	}
}

// leaseValid reports whether a lease lets this leader read at once.
func (n *node) leaseValid() bool {
	if n.opts.Read != ReadLease || !(n.committedInTerm() || n.bugs.readIndexBeforeNoop) {
		return false
	}
	// BUG lease-without-check-quorum: the lease holds while this server
	// believes it leads, however long ago a majority answered.
	return n.lead.leaseTick > n.lead.closed || (n.bugs.leaseWithoutCheckQuorum && n.lead.leaseTick >= 0)
}

// beginRound starts a round of heartbeats; the messages that carry it are
// the caller's to send.
func (n *node) beginRound() {
	n.lead.round++
	n.lead.rounds = append(n.lead.rounds, roundStart{round: n.lead.round, tick: n.lead.ticks})
	n.checkRounds() // a single voter confirms alone
}

// read serves a get without the log.
func (n *node) read(from protocols.NodeID, r *kv.Request) {
	rd := pendingRead{client: from, seq: r.Seq, key: r.Op.Key}
	if !n.committedInTerm() && !n.bugs.readIndexBeforeNoop { // BUG read-index-before-noop reads at once
		n.out.Probe(ProbeReadWaitsForNoop)
		n.lead.reads = append(n.lead.reads, rd)
		return
	}
	if n.leaseValid() {
		n.out.Probe(ProbeLeaseRead)
		n.sendReply(from, r.Seq, kv.OK, n.sm.Value(r.Op.Key), "")
		return
	}
	n.out.Probe(ProbeReadIndex)
	rd.index = n.commit
	n.lead.reads = append(n.lead.reads, rd)
	n.confirmReads()
}

// confirmReads begins a round for the reads that need one and sends it.
func (n *node) confirmReads() {
	n.beginRound()
	for i := range n.lead.reads {
		if rd := &n.lead.reads[i]; rd.round == 0 {
			rd.round = n.lead.round
		}
	}
	for i := range n.peers {
		if n.voter[i] {
			n.sendAppend(i)
		}
	}
	n.serveReads()
}

// startWaitingReads gives the reads that waited for the leader's first
// commit in its term their read index, and confirms them.
func (n *node) startWaitingReads() {
	if len(n.lead.reads) == 0 {
		return
	}
	for i := range n.lead.reads {
		if rd := &n.lead.reads[i]; rd.round == 0 {
			rd.index = n.commit
		}
	}
	n.confirmReads()
}

// ackRound records that follower i acknowledged round r, and confirms the
// rounds a majority has acknowledged.
func (n *node) ackRound(i int, r uint64) {
	n.prs[i].round = r
	n.checkRounds()
}

// checkRounds advances the confirmed round to the highest one a majority
// of voters acknowledged; a leader acknowledges its own rounds. The lease
// then runs from the tick that round began in, and the reads it confirms
// are answered.
func (n *node) checkRounds() {
	buf := n.matchBuf[:0]
	if n.selfSuffrage == Voter {
		buf = append(buf, int(n.lead.round))
	}
	for i := range n.prs { // by index: a progress is too big to copy
		if n.voter[i] {
			buf = append(buf, int(n.prs[i].round))
		}
	}
	n.matchBuf = buf
	q := n.quorum()
	if len(buf) < q {
		return
	}
	sortedDesc(buf)
	c := uint64(buf[q-1])
	if c <= n.lead.confirmed {
		return
	}
	n.lead.confirmed = c
	k, tick := 0, -1
	for k < len(n.lead.rounds) && n.lead.rounds[k].round <= c {
		tick = n.lead.rounds[k].tick
		k++
	}
	n.lead.rounds = append(n.lead.rounds[:0], n.lead.rounds[k:]...)
	n.lead.leaseTick = max(n.lead.leaseTick, tick)
	n.serveReads()
}

// serveReads answers the reads whose round is confirmed and whose index is
// applied.
func (n *node) serveReads() {
	keep := n.lead.reads[:0]
	for _, rd := range n.lead.reads {
		if rd.round != 0 && rd.round <= n.lead.confirmed && n.applied >= rd.index {
			n.sendReply(rd.client, rd.seq, kv.OK, n.sm.Value(rd.key), "")
			continue
		}
		keep = append(keep, rd)
	}
	clear(n.lead.reads[len(keep):])
	n.lead.reads = keep
}
