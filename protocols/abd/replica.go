package abd

// The replica side: every server keeps, per key, the value with the
// highest tag it has been asked to store, and answers queries with it.

// query answers a Query with this server's tag and value for the key.
func (n *node) query(m Query) QueryReply {
	r := n.register(m.Key)
	return QueryReply{ID: m.ID, Key: m.Key, Tag: r.tag, Value: r.value}
}

// store keeps m's value if its tag is higher than the register's, durably
// (synced before the acknowledgement leaves), and always acknowledges:
// a server holding a higher tag already satisfies "a majority holds a tag
// at least this high" (Stateright's Record handler).
func (n *node) store(m Store) StoreAck {
	r := n.register(m.Key)
	if r.tag.Seq == m.Tag.Seq && r.tag.Writer != m.Tag.Writer {
		n.out.Probe(ProbeTieBreak)
	}
	newer := r.tag.Less(m.Tag)
	if n.bugs.noTieBreak {
		// BUG no-tie-break: the writer is ignored, so of two writes with
		// one sequence number each server keeps whichever came first.
		newer = r.tag.Seq < m.Tag.Seq
	}
	if newer {
		r.tag, r.value = m.Tag, m.Value
		n.stores++
		n.out.Persist(StoredRecord{Key: m.Key, Tag: m.Tag, Value: m.Value})
		n.out.Note(Stored{Key: m.Key, Tag: m.Tag, Value: m.Value})
	}
	return StoreAck{ID: m.ID, Key: m.Key, Tag: m.Tag}
}
