package dynamo

// The replica side: a server's own store keeps, per key, the highest
// version it has been given; writes for another server (sloppy quorum)
// are kept apart as hints.

// read answers from the server's own store.
func (n *node) read(m Read) ReadReply {
	r := ReadReply{ID: m.ID, Key: m.Key}
	if e := n.lookup(m.Key); e != nil {
		r.Version, r.Value = e.version, e.value
	}
	return r
}

// write stores m in the server's own store, or as a hint for m.Hint, and
// acknowledges it in any case (a higher version held already satisfies
// "W servers hold this version or a newer one").
func (n *node) write(m Write) WriteAck {
	switch {
	case m.Hint != "" && m.Hint != n.id:
		n.keepHint(hint{home: m.Hint, key: m.Key, version: m.Version, value: m.Value})
	case m.Repair:
		if !n.store(m.Key, m.Version, m.Value, n.bugs.repairOverwritesNewer) {
			n.out.Probe(ProbeRepairStale)
		}
	default:
		n.store(m.Key, m.Version, m.Value, false)
	}
	return WriteAck{ID: m.ID, Key: m.Key, Version: m.Version}
}

// store keeps (version, value) for key if the version is newer than the
// one held, durably, and reports whether it did. force skips the
// comparison: only the repair-overwrites-newer bug sets it.
func (n *node) store(key string, v Version, value string, force bool) bool {
	e := n.entry(key)
	newer := e.version.Less(v)
	if force && e.version != v {
		// BUG repair-overwrites-newer: a read repair replaces whatever
		// the replica holds, even a newer version written since the read.
		newer = true
	}
	if !newer {
		return false
	}
	e.version, e.value = v, value
	n.writes++
	n.out.Persist(EntryRecord{Key: key, Version: v, Value: value})
	n.out.Note(Stored{Key: key, Version: v, Value: value})
	return true
}
