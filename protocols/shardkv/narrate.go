package shardkv

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/raft"
)

// narrate tells one event in a line: shardkv's own steps (configurations,
// hand-offs, wrong-group answers) in its words, everything else as Raft or
// the kv client tells it.
func narrate(s protocols.Step) string {
	for _, n := range s.Notes {
		switch n := n.(type) {
		case ConfigMade:
			return fmt.Sprintf("%s applies a controller entry that makes configuration %d: groups %v, shards to groups %v", s.Node, n.Config.Num, n.Config.Groups, n.Config.Shards)
		case ConfigApplied:
			return fmt.Sprintf("%s (%s) applies configuration %d at index %d: shards it loses are frozen for hand-off, shards it gains wait for their data", s.Node, gname(n.Gid), n.Num, n.Index)
		case Installed:
			return fmt.Sprintf("%s (%s) installs shard %d of configuration %d (%d keys, %d clients' last requests) and serves it from now on", s.Node, gname(n.Gid), n.Shard, n.Num, len(n.State.Data), len(n.State.Sessions))
		}
	}
	if s.Input == protocols.Receive {
		switch m := s.Msg.(type) {
		case Query:
			return fmt.Sprintf("%s asks controller server %s for configuration %s; it answers from what it has applied", s.From, s.Node, queryWhat(m))
		case QueryReply:
			return fmt.Sprintf("%s hears of configuration %d from %s", s.Node, m.Config.Num, s.From)
		case ShardPush:
			return fmt.Sprintf("%s receives shard %d of configuration %d from %s (%s)", s.Node, m.Shard, m.Num, s.From, gname(m.Gid))
		case ShardPushAck:
			return fmt.Sprintf("%s hears that %s has shard %d of configuration %d: its frozen copy can go", s.Node, gname(m.Gid), m.Shard, m.Num)
		case Forward:
			return fmt.Sprintf("%s gets an operator's %s %s passed on by %s", s.Node, m.Op, gname(m.Gid), s.From)
		case kv.Request:
			for _, out := range s.Sends {
				if r, ok := out.Msg.(kv.Reply); ok && r.Status == kv.WrongGroup {
					return fmt.Sprintf("%s turns %s away: its group does not serve %s's shard in the configuration it has applied (wrong-group)", s.Node, m.ID(), m.Op.Key)
				}
			}
		}
	}
	if s.Input == protocols.Receive {
		if r, ok := s.Msg.(kv.Reply); ok && r.Status == kv.WrongGroup {
			return fmt.Sprintf("%s hears wrong-group from %s: it will ask the controller where the key went, then retry", s.Node, s.From)
		}
	}
	if raft.Protocol.Display.Narrate != nil {
		return raft.Protocol.Display.Narrate(s)
	}
	return ""
}

func queryWhat(q Query) string {
	if q.Num == 0 {
		return "latest"
	}
	return fmt.Sprint(q.Num)
}
