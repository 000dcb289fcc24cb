package raft

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// This file holds membership changes (thesis chapter 4), one server at a
// time: an operator asks the leader (an Admin input), the leader appends
// the change to its log, and every server uses the latest configuration
// in its log from the moment it appends it, committed or not (§4.1).
//
// Two rules keep any two configurations in use at once from having
// disjoint majorities. A leader starts a change only when the previous one
// is committed. And a new leader starts one only once it has committed an
// entry of its own term: before that, a configuration appended by an
// earlier leader and never committed may still be in some logs, and a
// change on top of the committed one could differ from it by two servers
// (Ongaro, raft-dev, "bug in single-server membership changes", 2015; the
// bug variant early-config-change).
//
// New servers join as learners: add-server adds one as staging, which the
// leader promotes to voter once it has caught up; add-learner adds one
// that stays a learner until an operator promotes it. A leader that
// removes itself keeps leading, without counting itself, until the change
// commits, and then steps down (§4.2.2). A server outside its
// configuration does not campaign.

// refreshConfig recomputes what the latest configuration in the log means
// for this server, when it changed.
func (n *node) refreshConfig() {
	if n.confGen == n.log.confGen {
		return
	}
	n.confGen = n.log.confGen
	c := n.log.config()
	n.selfSuffrage = c.Suffrage(n.id)
	n.nVoters, n.staging = 0, false
	if n.selfSuffrage == Voter {
		n.nVoters++
	}
	for i, p := range n.peers {
		s := c.Suffrage(p)
		n.voter[i] = s == Voter
		if n.voter[i] {
			n.nVoters++
		}
		n.staging = n.staging || s == Staging
	}
	n.refreshTargets()
}

// promotable reports whether this server may campaign: it votes in its
// latest configuration, or it did in the one before and the change is not
// committed yet. A leader removing itself may need to be elected again to
// commit its removal (thesis §4.2.2): the others may lack the entry.
func (n *node) promotable() bool { return n.selfSuffrage == Voter || n.voterBefore }

// refreshTargets works out whom a leader replicates to: the members of the
// latest configuration, and while its change is not committed the members
// of the one before, so that a server being removed still learns of it.
// It runs whenever the configuration changes or the commit index passes a
// change.
func (n *node) refreshTargets() {
	latest := n.log.config()
	n.pendingConf = n.log.lastConfIndex() > n.commit
	var before Config
	if n.pendingConf {
		before = n.log.configAt(max(n.commit, n.log.base))
	}
	for i, p := range n.peers {
		t := latest.Suffrage(p) != 0 || (n.pendingConf && before.Suffrage(p) != 0)
		if t && !n.target[i] && n.role == leader {
			n.prs[i] = progress{next: n.log.lastIndex() + 1}
		}
		n.target[i] = t
	}
	could := n.promotable()
	n.voterBefore = n.pendingConf && before.Suffrage(n.id) == Voter
	if n.out != nil && !could && n.promotable() && n.idle && n.role == follower {
		n.armElection() // promoted: it may campaign from now on
	}
}

// adminOps maps the operator's words to configuration changes.
var adminOps = map[string]ConfOp{
	"add-server":    ConfAddServer,
	"add-learner":   ConfAddLearner,
	"promote":       ConfPromote,
	"remove-server": ConfRemove,
}

// admin carries out an operator's command: add-server, add-learner,
// promote or remove-server with a server's ID (or self, the server given
// the command), which only a leader takes; or snapshot, which any server
// does at once. Commands that cannot be carried out are ignored, with a
// probe saying why.
func (n *node) admin(words []string) {
	if len(words) == 1 && words[0] == "snapshot" {
		if n.applied > n.log.base {
			n.takeSnapshot()
		}
		return
	}
	op, ok := adminOps[first(words)]
	if !ok || len(words) != 2 {
		n.out.Probe(ProbeAdminIgnored)
		return
	}
	id := protocols.NodeID(words[1])
	if id == "self" {
		id = n.id // "admin leader remove-server self" removes whoever leads
	}
	if id != n.id && !slices.Contains(n.peers, id) {
		n.out.Probe(ProbeAdminIgnored)
		return
	}
	n.proposeConf(ConfChange{Op: op, Node: id})
}

func first(words []string) string {
	if len(words) == 0 {
		return ""
	}
	return words[0]
}

// proposeConf appends a configuration change if this server leads, the
// change applies to its latest configuration, the previous change is
// committed, and it has committed an entry of its own term; it reports
// whether it did.
func (n *node) proposeConf(cc ConfChange) bool {
	switch {
	case n.role != leader:
		n.out.Probe(ProbeAdminIgnored)
		return false
	case !n.log.config().valid(cc):
		n.out.Probe(ProbeAdminIgnored)
		return false
	case n.pendingConf:
		n.out.Probe(ProbeConfigChangeRefused)
		return false
	case !n.committedInTerm() && !n.bugs.earlyConfigChange: // BUG early-config-change skips the rule
		n.out.Probe(ProbeConfigChangeRefused)
		return false
	}
	n.appendEntry(Entry{Term: n.term, Conf: &cc})
	n.out.Probe(ProbeConfigChange)
	idx := n.log.lastIndex()
	for i := range n.prs {
		if n.target[i] && n.prs[i].next >= idx {
			n.prs[i].next = min(n.prs[i].next, idx)
			n.sendAppend(i)
		}
	}
	n.maybeCommit() // a single voter commits alone
	return true
}

// promoteStaging promotes a staging server that has caught up: its log
// matches the whole of the leader's.
func (n *node) promoteStaging() {
	if n.role != leader || n.pendingConf {
		return
	}
	for _, m := range n.log.config().Members {
		if m.Suffrage != Staging {
			continue
		}
		if i := n.peerIndex(m.ID); i >= 0 && n.prs[i].match >= n.log.lastIndex() {
			if n.proposeConf(ConfChange{Op: ConfPromote, Node: m.ID}) {
				n.out.Probe(ProbeLearnerPromoted)
			}
			return
		}
	}
}

// Admin draws one operator command for the swarm's admin class: a
// membership change of a random server, or a snapshot. The leader ignores
// a change that does not apply to its configuration (adding a member,
// removing a stranger), so many do nothing. Adds are drawn more often than
// removals so that configurations hover around three or four members
// rather than shrinking to one: a removal takes effect in proportion to the
// members there are, an add to the servers outside.
func Admin(r interface{ IntN(int) int }, servers []protocols.NodeID) []string {
	if len(servers) == 0 {
		return []string{"snapshot"}
	}
	id := string(servers[r.IntN(len(servers))])
	switch k := r.IntN(20); {
	case k < 4:
		return []string{"remove-server", id}
	case k < 13:
		return []string{"add-server", id}
	case k < 15:
		return []string{"add-learner", id}
	case k < 17:
		return []string{"promote", id}
	}
	return []string{"snapshot"}
}
