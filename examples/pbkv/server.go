package pbkv

import (
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// Primary is the server that orders writes; every other server backs it up.
const Primary protocols.NodeID = "n1"

// resendEvery is how often the primary resends what a backup has not
// acknowledged: lost messages and restarted backups are repaired this way.
const resendEvery = 50 * clock.Millisecond

// server is a primary or a backup.
type server struct {
	id    protocols.NodeID
	peers []protocols.NodeID
	bug   string
	sm    *kv.Machine
	log   []kv.Request // the log, index 1 first
	// The primary's view of each backup: how far it has applied, and the
	// clients waiting for an index to reach every backup.
	acked   map[protocols.NodeID]int
	waiting map[int]waiter
}

type waiter struct {
	client protocols.NodeID
	seq    uint64
	value  string
}

// newServer builds a server from its durable log, replaying it into a
// fresh state machine.
func newServer(bug string) protocols.Factory {
	return func(cfg protocols.Config) protocols.Node {
		s := &server{id: cfg.ID, peers: cfg.Peers, bug: bug, sm: kv.NewMachine(), acked: map[protocols.NodeID]int{}, waiting: map[int]waiter{}}
		for _, r := range cfg.Store {
			if e, ok := r.(Entry); ok && e.Index == len(s.log)+1 {
				s.log = append(s.log, e.Req)
			}
		}
		return s
	}
}

func (s *server) primary() bool { return s.id == Primary }

// Step implements protocols.Node.
func (s *server) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		// Replay the durable log into the state machine.
		for i, r := range s.log {
			outcome := s.apply(r)
			out.Note(kv.Applied{Index: i + 1, Req: r, Outcome: outcome})
		}
		if s.primary() {
			out.SetTimer("resend", resendEvery)
		}
	case protocols.Timer:
		s.resend(out)
		out.SetTimer("resend", resendEvery)
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case kv.Request:
			s.request(in.From, m, out)
		case Replicate:
			s.replicate(in.From, m, out)
		case Ack:
			s.ack(in.From, m, out)
		}
	}
}

func (s *server) apply(r kv.Request) kv.Outcome {
	_, outcome := s.sm.Apply(r)
	return outcome
}

// request serves a client: the primary orders writes (and reads, which it
// answers from its own state: it is the only one that takes writes, so its
// state is never stale); a backup sends the client to the primary.
func (s *server) request(from protocols.NodeID, r kv.Request, out *protocols.Effects) {
	if !s.primary() {
		if s.bug == BugBackupReads && r.Op.Kind == kv.Get {
			// BUG backup-reads: a backup answers from a state that may lag.
			out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: s.sm.Value(r.Op.Key)})
			return
		}
		out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.NotLeader, LeaderHint: Primary})
		return
	}
	if v, ok := s.sm.Cached(r.Client, r.Seq); ok {
		out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: v})
		return
	}
	if r.Op.Kind == kv.Get {
		out.Send(from, kv.Reply{Seq: r.Seq, Status: kv.OK, Value: s.sm.Value(r.Op.Key)})
		return
	}
	if r.Seq < s.sm.LastSeq(r.Client) {
		return // the client has moved on
	}
	s.log = append(s.log, r)
	idx := len(s.log)
	value, outcome := s.sm.Apply(r)
	out.Persist(Entry{Index: idx, Req: r})
	if s.bug == BugUnsyncedLog {
		out.NoSync = true // BUG unsynced-log: answered before the entry is durable
	}
	out.Note(kv.Applied{Index: idx, Req: r, Outcome: outcome})
	s.waiting[idx] = waiter{client: from, seq: r.Seq, value: value}
	if s.bug == BugUnsyncedLog {
		s.answer(idx, out) // and without waiting for the backups either
	}
	s.resend(out)
	s.answerReady(out)
}

// resend sends every backup the entries it has not acknowledged.
func (s *server) resend(out *protocols.Effects) {
	if !s.primary() {
		return
	}
	for _, b := range s.peers {
		from := s.acked[b] + 1
		if from > len(s.log) {
			continue
		}
		end := min(len(s.log), from+31)
		out.Send(b, Replicate{From: from, Entries: append([]kv.Request(nil), s.log[from-1:end]...)})
	}
}

// replicate applies the entries that extend the backup's log, in order,
// persisting them before it acknowledges.
func (s *server) replicate(from protocols.NodeID, m Replicate, out *protocols.Effects) {
	for i, r := range m.Entries {
		idx := m.From + i
		if idx != len(s.log)+1 {
			continue // already have it, or a gap: the primary resends
		}
		s.log = append(s.log, r)
		out.Persist(Entry{Index: idx, Req: r})
		out.Note(kv.Applied{Index: idx, Req: r, Outcome: s.apply(r)})
	}
	out.Send(from, Ack{Index: len(s.log)})
}

func (s *server) ack(from protocols.NodeID, m Ack, out *protocols.Effects) {
	if m.Index > s.acked[from] {
		s.acked[from] = m.Index
	}
	s.answerReady(out)
}

// answerReady answers the clients whose writes every backup has applied.
func (s *server) answerReady(out *protocols.Effects) {
	low := len(s.log)
	for _, b := range s.peers {
		low = min(low, s.acked[b])
	}
	for idx := 1; idx <= low; idx++ {
		s.answer(idx, out)
	}
}

func (s *server) answer(idx int, out *protocols.Effects) {
	if w, ok := s.waiting[idx]; ok {
		delete(s.waiting, idx)
		out.Send(w.client, kv.Reply{Seq: w.seq, Status: kv.OK, Value: w.value})
	}
}

// Status implements protocols.Node.
func (s *server) Status() protocols.Status {
	role := "backup"
	if s.primary() {
		role = "primary"
	}
	return protocols.Status{
		Role:   role,
		Leader: s.primary(),
		Commit: len(s.log),
		LogLen: len(s.log),
		Fields: []protocols.Field{{Name: "log", Value: strconv.Itoa(len(s.log))}},
	}
}
