package raft

import (
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// This file holds the leader's side: taking office, replicating the log,
// repairing followers' logs, committing, checking it still has a quorum,
// and taking client requests.

// leaderState is what a leader keeps besides the followers' progress; it is
// reset when a server takes office.
type leaderState struct {
	// ticks counts heartbeat timer firings in this term: the leader's
	// monotonic clock, in heartbeat intervals, for CheckQuorum.
	ticks int
	// round is the last round of heartbeats begun (every AppendEntries and
	// InstallSnapshot carries it), confirmed the last one a majority
	// acknowledged; rounds holds the rounds begun and not yet confirmed,
	// with the tick each began in, oldest first. ReadIndex and leases
	// count on them.
	round     uint64
	confirmed uint64
	rounds    []roundStart
	// leaseTick is the tick in which the last confirmed round began: the
	// lease runs from that tick's instant. closed is the last tick whose
	// lease window has ended (its lease timer fired). A lease holds while
	// leaseTick > closed.
	leaseTick, closed int
	windows           []int // per lease timer: the tick it measures
	reads             []pendingRead
	// sent is the last AppendEntries sent, for the next follower that is
	// owed the same one.
	sent appendBox
}

// appendBox is the AppendEntries sent last, with what it was made from.
// Followers that are caught up are owed identical requests (a heartbeat,
// or a new entry): they share one message rather than each being sent a
// copy. A message is never changed once sent, so sharing it is safe.
type appendBox struct {
	msg                  *AppendEntries
	prev, hi, commit     int
	term, round, version uint64 // version: the log's, so that its entries are unchanged
}

type roundStart struct {
	round uint64
	tick  int
}

// becomeLeader takes office after winning the election for the current
// term. The leader appends a no-op entry of its own term at once (§8): an
// entry of the current term is the only kind it may commit by counting
// replicas, so the no-op lets it commit, and learn, everything earlier
// without waiting for a client.
func (n *node) becomeLeader() {
	n.role = leader
	n.setLeader(n.id)
	n.out.Note(BecameLeader{Term: n.term})
	n.out.Probe(ProbeLeaderElected)
	n.out.CancelTimer(timerElection)
	n.contact, n.electionRest = false, 0
	n.lead = leaderState{leaseTick: -1, closed: -1, windows: n.lead.windows[:0], rounds: n.lead.rounds[:0], reads: n.lead.reads[:0]}
	n.refreshTargets() // the commit index may have passed a change since
	next := n.log.lastIndex() + 1
	for i := range n.prs {
		n.prs[i] = progress{next: next}
	}
	if !n.bugs.commitOldTerm { // BUG commit-old-term: no no-op, see bugs.go
		n.appendEntry(Entry{Term: n.term})
	}
	n.beginTick()
	for i := range n.peers {
		if n.target[i] {
			n.sendAppend(i)
		}
	}
	n.out.SetTimer(timerHeartbeat, n.opts.HeartbeatInterval)
	n.maybeCommit() // a single-voter cluster commits alone
}

// endLeadership forgets what only a leader keeps: reads waiting for
// confirmation are dropped (their clients time out and retry elsewhere).
func (n *node) endLeadership() {
	clear(n.lead.reads)
	n.lead.reads = n.lead.reads[:0]
	n.lead.rounds = n.lead.rounds[:0]
	for i := range n.lead.windows {
		n.out.CancelTimer(n.leaseTimers[i])
	}
}

// heartbeat sends every follower an AppendEntries, which carries whatever
// entries it still lacks, so lost messages are retried and the followers'
// election timers are reset. With CheckQuorum it steps down if a majority
// has not answered for an election timeout.
func (n *node) heartbeat() {
	if n.role != leader {
		return
	}
	n.lead.ticks++
	if n.lead.ticks == stableTicks {
		n.out.Probe(ProbeLeaderStable)
	}
	if n.opts.CheckQuorum && n.lead.ticks%n.checkQuorumTicks() == 0 && !n.quorumActive() &&
		!n.bugs.leaseWithoutCheckQuorum { // BUG lease-without-check-quorum: no step-down
		n.out.Probe(ProbeCheckQuorumStepDown)
		n.becomeFollower(n.term, "")
		return
	}
	n.beginTick()
	if n.staging {
		n.promoteStaging()
	}
	for i := range n.peers {
		if n.target[i] {
			n.sendAppend(i)
		}
	}
	n.out.SetTimer(timerHeartbeat, n.opts.HeartbeatInterval)
}

// stableTicks is how many heartbeats a leader sends before it reports
// leader-stable: a leadership that lasted, which partial connectivity
// without PreVote and CheckQuorum rarely allows.
const stableTicks = 100

// checkQuorumTicks is the shortest election timeout in heartbeats.
func (n *node) checkQuorumTicks() int {
	h := n.opts.HeartbeatInterval
	return int((n.opts.ElectionTimeoutMin + h - 1) / h)
}

// quorumActive reports whether a majority of voters (this leader included,
// if it votes) answered since the last check, and starts the next period.
func (n *node) quorumActive() bool {
	active := 0
	if n.selfSuffrage == Voter {
		active++
	}
	for i := range n.prs {
		if n.voter[i] && n.prs[i].active {
			active++
		}
		n.prs[i].active = false
	}
	return active >= n.quorum()
}

// appendEntry appends one entry of the leader's and persists it.
func (n *node) appendEntry(e Entry) {
	n.log.append(e)
	last := n.log.lastIndex()
	n.persistLog(last, n.log.slice(last, last))
	if e.Conf != nil {
		n.refreshConfig()
	}
}

// sendAppend sends peer i the entries from its next index on (at most
// MaxAppendEntries of them, possibly none) and optimistically advances
// next past them. A peer whose next entries were compacted gets the
// snapshot instead.
func (n *node) sendAppend(i int) {
	pr := &n.prs[i]
	if pr.next <= n.log.base {
		n.sendSnapshot(i)
		return
	}
	prev := pr.next - 1
	hi := min(n.log.lastIndex(), prev+n.opts.MaxAppendEntries)
	n.out.Send(n.peers[i], n.appendEntries(prev, hi))
	pr.next = hi + 1
}

// appendEntries returns the AppendEntries that carries entries prev+1..hi
// (none when hi is prev): the one sent last, if it was made from the same
// things.
func (n *node) appendEntries(prev, hi int) *AppendEntries {
	b := &n.lead.sent
	if b.msg != nil && b.prev == prev && b.hi == hi && b.commit == n.commit &&
		b.term == n.term && b.round == n.lead.round && b.version == n.log.version {
		return b.msg
	}
	prevTerm, _ := n.log.term(prev)
	es, home := n.log.sliceHome(prev+1, hi)
	m := n.appends.Next() // filled in place, and sized, before it is sent
	*m = AppendEntries{
		Term:      n.term,
		PrevIndex: prev,
		PrevTerm:  prevTerm,
		Entries:   es,
		Commit:    n.commit,
		Round:     n.lead.round,
		chain:     n.log.chainView(prev, hi),
	}
	if home != nil {
		m.home = home[:0]
	}
	if r := n.lastLog; r != nil && r.From == prev+1 {
		m.rec = r
	}
	m.size = appendSize(m)
	*b = appendBox{
		msg:  m,
		prev: prev, hi: hi, commit: n.commit,
		term: n.term, round: n.lead.round, version: n.log.version,
	}
	return b.msg
}

// handleAppendReply updates a follower's progress. On success its match
// index rises (never falls: replies may arrive out of order) and the
// commit index may advance. On rejection the leader moves next back and
// retries at once, skipping a whole conflicting term per round trip. Any
// reply of this term acknowledges the heartbeat round it echoes.
func (n *node) handleAppendReply(from protocols.NodeID, m *AppendEntriesReply) {
	if n.role != leader || m.Term != n.term {
		return
	}
	i := n.peerIndex(from)
	if i < 0 {
		return
	}
	pr := &n.prs[i]
	pr.active = true
	if m.Round > pr.round {
		n.ackRound(i, m.Round)
		if n.role != leader {
			return
		}
	}
	if m.Success {
		if m.Index > pr.match {
			pr.match = m.Index
			n.maybeCommit()
			if n.role != leader {
				return // it committed its own removal
			}
		}
		pr.next = max(pr.next, m.Index+1)
		if n.staging && n.log.config().Suffrage(from) == Staging {
			n.promoteStaging()
		}
		if pr.next <= n.log.lastIndex() {
			n.sendAppend(i) // a lagging follower: keep the batches coming
		}
		return
	}
	if m.Index < pr.match {
		return // a stale rejection: the follower has matched further since
	}
	next := n.backup(m, pr.match)
	if next < pr.next {
		if next < m.Index {
			n.out.Probe(ProbeFastBackup) // skipped more than the one entry that failed
		}
		pr.next = next
		n.sendAppend(i)
	}
}

// backup computes where to resume after a rejection of an AppendEntries
// whose PrevIndex was m.Index, from the follower's hints:
//   - its log is too short (no XTerm): resume just past its end;
//   - the leader has entries of XTerm: resume after the leader's last one,
//     where the two logs may still agree;
//   - otherwise skip the follower's whole XTerm run.
//
// The result is at least one past the known match and at most m.Index, so
// every retry moves back and none repeats the failed check.
func (n *node) backup(m *AppendEntriesReply, match int) int {
	var next int
	switch {
	case m.XTerm == 0:
		next = m.XLen + 1
	default:
		if last := n.log.lastIndexOf(m.XTerm); last > 0 {
			next = last + 1
		} else {
			next = m.XIndex
		}
	}
	return max(match+1, min(next, m.Index))
}

// maybeCommit advances the commit index to the highest index stored on a
// majority of voters, but only if that entry is from the current term
// (§5.4.2, Figure 8): an earlier-term entry on a majority can still be
// overwritten by a later leader, so it commits only indirectly, with a
// current-term entry after it. A leader that is not a voter of its
// configuration (it is removing itself) does not count itself (thesis
// §4.2.2), and steps down once that configuration is committed.
func (n *node) maybeCommit() {
	// Most calls cannot commit: fewer than a quorum hold anything past the
	// commit index. Counting them is cheaper than sorting the matches.
	past := 0
	if n.selfSuffrage == Voter && n.log.lastIndex() > n.commit {
		past++
	}
	commit, voter := n.commit, n.voter[:len(n.prs)] // one bounds check, not one a peer
	for i := range n.prs {
		if n.prs[i].match > commit && voter[i] {
			past++
		}
	}
	if past < n.quorum() {
		return
	}
	buf := n.matchBuf[:0]
	if n.selfSuffrage == Voter {
		buf = append(buf, n.log.lastIndex())
	}
	for i := range n.prs { // by index: a progress is too big to copy
		if n.voter[i] {
			buf = append(buf, n.prs[i].match)
		}
	}
	n.matchBuf = buf
	q := n.quorum()
	if len(buf) < q {
		return
	}
	sortedDesc(buf)
	// A follower cannot match past the leader's log in correct Raft; the
	// min keeps a buggy variant from committing entries that do not exist.
	N := min(buf[q-1], n.log.lastIndex())
	if N <= n.commit {
		return
	}
	if t, _ := n.log.term(N); t != n.term {
		if !n.bugs.commitOldTerm { // BUG commit-old-term skips the rule
			n.out.Probe(ProbeOldTermDeferred)
			return
		}
	}
	if t, _ := n.log.term(n.commit + 1); t < n.term && !n.bugs.commitOldTerm {
		n.out.Probe(ProbeCommitByNoop)
	}
	firstInTerm := !n.committedInTerm()
	n.commit = N
	if n.pendingConf && n.commit >= n.log.lastConfIndex() {
		n.refreshTargets()
	}
	n.applyCommitted()
	if firstInTerm && n.committedInTerm() {
		n.startWaitingReads()
	}
	if n.selfSuffrage != Voter && !n.pendingConf {
		n.out.Probe(ProbeLeaderRemoved)
		n.becomeFollower(n.term, "")
		return
	}
	if n.staging {
		n.promoteStaging()
	}
}

// handleClientRequest appends a client's request to the log and replicates
// it; the reply goes out when the entry is applied (applyCommitted). Gets
// go through the log too (unless Options.Read says otherwise), so every
// read is ordered after every write committed before it: a linearizable
// read without leases or ReadIndex. A non-leader turns the client away
// with a hint; a retry of a request that was already applied is answered
// from the dedup table at once.
func (n *node) handleClientRequest(from protocols.NodeID, r *kv.Request) {
	if n.role != leader {
		n.out.Probe(ProbeNotLeaderRedirect)
		hint := n.leader
		if n.selfSuffrage == 0 {
			// Outside its configuration (removed, or never added): whatever
			// leader it knew may be long gone, and a client sent round in a
			// circle of stale hints would never reach the real one.
			hint = ""
		}
		n.sendReply(from, r.Seq, kv.NotLeader, "", hint)
		return
	}
	if v, ok := n.sm.Cached(r.Client, r.Seq); ok {
		// Applied means committed, so the cached result is final even if this
		// leader has been deposed without knowing it.
		n.out.Probe(ProbeDuplicateRequest)
		n.sendReply(from, r.Seq, kv.OK, v, "")
		return
	}
	if r.Seq < n.sm.LastSeq(r.Client) {
		return // the client has moved on; nobody waits for this answer
	}
	if n.bugs.localReads && r.Op.Kind == kv.Get {
		// BUG local-reads: answered from local state, without confirming
		// that this server still leads.
		n.sendReply(from, r.Seq, kv.OK, n.sm.Value(r.Op.Key), "")
		return
	}
	if r.Op.Kind == kv.Get && n.opts.Read != ReadLog {
		n.read(from, r)
		return
	}
	n.log.appendRequest(n.term, r) // as appendEntry(Entry{Term: n.term, Req: *r}), built in place
	idx := n.log.lastIndex()
	n.persistLog(idx, n.log.slice(idx, idx))
	for i := range n.prs {
		if n.target[i] && n.prs[i].next == idx { // caught-up followers get it now; others in their next batch
			n.sendAppend(i)
		}
	}
	n.maybeCommit() // a single-voter cluster commits alone
}
