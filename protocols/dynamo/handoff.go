package dynamo

import (
	"slices"

	"github.com/dsimlab/dsim/protocols"
)

// Hinted handoff and anti-entropy: how replicas that missed writes catch
// up without any client reading the key.

// keepHint stores a write for its home replica, durably. One hint per
// (home, key) is enough: a newer version supersedes an older one (which is
// dropped as if delivered), and one not newer than the hint held adds
// nothing.
func (n *node) keepHint(h hint) {
	for i, x := range n.hints {
		if x.home != h.home || x.key != h.key {
			continue
		}
		if !x.version.Less(h.version) {
			return
		}
		n.dropHint(x)
		n.hints = slices.Delete(n.hints, i, i+1)
		break
	}
	n.hints = append(n.hints, h)
	n.out.Persist(HintRecord{Home: h.home, Key: h.key, Version: h.version, Value: h.value})
	n.out.Note(Hinted{Home: h.home, Key: h.key, Version: h.version})
	n.out.Probe(ProbeHinted)
}

// handoff offers every hint to its home replica; a reply drops it. Home
// replicas that are down or cut off simply do not answer, and the hint is
// offered again next time.
func (n *node) handoff() {
	if n.bugs.hintsNeverDelivered {
		// BUG hints-never-delivered: hints are stored, never handed off.
		return
	}
	for _, h := range n.hints {
		n.out.Send(h.home, Handoff{Key: h.key, Version: h.version, Value: h.value})
	}
}

// handoffAck drops the hints of from's key up to the acknowledged version:
// from now holds that version or a newer one.
func (n *node) handoffAck(from protocols.NodeID, m HandoffAck) {
	n.hints = slices.DeleteFunc(n.hints, func(h hint) bool {
		if h.home != from || h.key != m.Key || m.Version.Less(h.version) {
			return false
		}
		n.dropHint(h)
		n.out.Probe(ProbeHandoff)
		return true
	})
}

// dropHint records that a hint is no longer needed: its home replica has
// it, or a newer hint for the same home and key replaced it.
func (n *node) dropHint(h hint) {
	n.out.Persist(HintDone{Home: h.home, Key: h.key, Version: h.version})
	n.out.Note(Delivered{Home: h.home, Key: h.key, Version: h.version})
}

// sync starts an anti-entropy round with one other home replica of some
// key this server is home for: it sends the versions of the keys they
// share.
func (n *node) sync() {
	peers := n.syncPeers()
	if len(peers) == 0 {
		return
	}
	peer := peers[n.rand.IntN(len(peers))]
	n.out.Send(peer, n.digestFor(peer, nil, false))
}

// syncPeers lists the other servers that are home replicas of a key this
// server holds and is home for, sorted.
func (n *node) syncPeers() []protocols.NodeID {
	var peers []protocols.NodeID
	for _, e := range n.entries {
		homes := n.preference(e.key)[:n.opts.N]
		if !slices.Contains(homes, n.id) {
			continue
		}
		for _, h := range homes {
			if h != n.id && !slices.Contains(peers, h) {
				peers = append(peers, h)
			}
		}
	}
	return protocols.SortIDs(peers)
}

// digestFor lists this server's versions of the keys it and peer are both
// home for (only those in only, if given).
func (n *node) digestFor(peer protocols.NodeID, only []string, reply bool) Digest {
	d := Digest{Reply: reply}
	for _, e := range n.entries {
		if only != nil && !slices.Contains(only, e.key) {
			continue
		}
		homes := n.preference(e.key)[:n.opts.N]
		if slices.Contains(homes, n.id) && slices.Contains(homes, peer) {
			d.Keys = append(d.Keys, e.key)
			d.Versions = append(d.Versions, e.version)
		}
	}
	return d
}

// digest answers an anti-entropy digest: a Sync for every key where this
// server is newer, and, for the first digest of a round, a digest of the
// keys where the sender is newer (or that this server lacks), so that the
// sender sends those.
func (n *node) digest(from protocols.NodeID, m Digest) {
	var behind []string
	for i, k := range m.Keys {
		if !n.isHome(k) {
			continue
		}
		mine := Version{}
		if e := n.lookup(k); e != nil {
			mine = e.version
			if m.Versions[i].Less(mine) {
				n.out.Send(from, Sync{Key: k, Version: mine, Value: e.value})
				continue
			}
		}
		if mine.Less(m.Versions[i]) {
			behind = append(behind, k)
		}
	}
	if !m.Reply && len(behind) > 0 {
		d := Digest{Keys: behind, Versions: make([]Version, len(behind)), Reply: true}
		for i, k := range behind {
			if e := n.lookup(k); e != nil {
				d.Versions[i] = e.version
			}
		}
		n.out.Send(from, d)
	}
}
