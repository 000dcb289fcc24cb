package shardkv

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The messages shardkv adds to Raft's and the KV client's. Clients and
// group leaders ask the controller for configurations (Query); group
// leaders hand shards to each other (ShardPush, ShardPushAck); a
// controller server that is not the leader passes an operator's command on
// (Forward).

// Query asks a controller server for configuration Num, or for its latest
// when Num is 0 or past its latest. Any controller server answers from the
// configurations it has applied: each is committed, and never changes.
type Query struct{ Num int }

// Kind implements protocols.Message.
func (Query) Kind() string { return "Query" }

// String renders the message as Query{num=3} or Query{latest}.
func (m Query) String() string {
	if m.Num == 0 {
		return "Query{latest}"
	}
	return "Query{num=" + strconv.Itoa(m.Num) + "}"
}

// QueryReply answers a Query with a configuration (Num 0: the controller
// has none yet).
type QueryReply struct{ Config Config }

// Kind implements protocols.Message.
func (QueryReply) Kind() string { return "QueryReply" }

// String renders the message as QueryReply{cfg3[g1 g2: 1 2 ...]}.
func (m QueryReply) String() string { return "QueryReply{" + m.Config.String() + "}" }

// ShardPush hands a shard from its old owner (Gid) to its new one in
// configuration Num: the shard's data and its duplicate-detection table,
// as the old group's state machine froze them when it applied Num. The old
// owner's leader sends it to every server of the new group until one
// acknowledges it.
type ShardPush struct {
	Gid   int // the sending group
	Num   int
	Shard int
	State kv.Snapshot // owned by the message, never changed
}

// Kind implements protocols.Message.
func (ShardPush) Kind() string { return "ShardPush" }

// String renders the message as ShardPush{g1 cfg=3 shard=5 keys=2 sessions=3}.
func (m ShardPush) String() string {
	return "ShardPush{g" + strconv.Itoa(m.Gid) + " cfg=" + strconv.Itoa(m.Num) + " shard=" + strconv.Itoa(m.Shard) +
		" keys=" + strconv.Itoa(len(m.State.Data)) + " sessions=" + strconv.Itoa(len(m.State.Sessions)) + "}"
}

// ShardPushAck says the new owner has installed the shard of
// configuration Num (or moved past Num, which it could not have without
// installing it): the old owner may delete its copy.
type ShardPushAck struct {
	Gid   int // the acknowledging group
	Num   int
	Shard int
}

// Kind implements protocols.Message.
func (ShardPushAck) Kind() string { return "ShardPushAck" }

// String renders the message as ShardPushAck{g2 cfg=3 shard=5}.
func (m ShardPushAck) String() string {
	return "ShardPushAck{g" + strconv.Itoa(m.Gid) + " cfg=" + strconv.Itoa(m.Num) + " shard=" + strconv.Itoa(m.Shard) + "}"
}

// Forward passes an operator's join or leave on to the controller's leader.
type Forward struct {
	Op  string // "join" or "leave"
	Gid int
}

// Kind implements protocols.Message.
func (Forward) Kind() string { return "Forward" }

// String renders the message as Forward{join g3}.
func (m Forward) String() string { return "Forward{" + m.Op + " g" + strconv.Itoa(m.Gid) + "}" }

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it: a pushed shard as its
// counts of keys and sessions.

// hashConfig folds a configuration as its String shows it.
func hashConfig(h *protocols.Hash, c Config) {
	h.Int(c.Num)
	h.Int(len(c.Groups))
	for _, g := range c.Groups {
		h.Int(g)
	}
	h.Int(len(c.Shards))
	for _, g := range c.Shards {
		h.Int(g)
	}
}

// AppendHash implements protocols.HashAppender: 0 shows as latest, which
// no other number shows as.
func (m Query) AppendHash(h *protocols.Hash) { h.Int(m.Num) }

// AppendHash implements protocols.HashAppender.
func (m QueryReply) AppendHash(h *protocols.Hash) { hashConfig(h, m.Config) }

// AppendHash implements protocols.HashAppender.
func (m ShardPush) AppendHash(h *protocols.Hash) {
	h.Int(m.Gid)
	h.Int(m.Num)
	h.Int(m.Shard)
	h.Int(len(m.State.Data))
	h.Int(len(m.State.Sessions))
}

// AppendHash implements protocols.HashAppender.
func (m ShardPushAck) AppendHash(h *protocols.Hash) {
	h.Int(m.Gid)
	h.Int(m.Num)
	h.Int(m.Shard)
}

// AppendHash implements protocols.HashAppender.
func (m Forward) AppendHash(h *protocols.Hash) {
	h.String(m.Op)
	h.Int(m.Gid)
}

// Messages holds one value of each message type shardkv nodes send.
func messages(raftMsgs []protocols.Message) []protocols.Message {
	return append(raftMsgs, Query{}, QueryReply{}, ShardPush{}, ShardPushAck{}, Forward{})
}

// The controller's log commands.

// Join adds a group to the configuration (a no-op if it is in).
type Join struct{ Gid int }

// Kind implements raft.Command.
func (Join) Kind() string { return "Join" }

// String renders the command as join g3.
func (c Join) String() string { return "join g" + strconv.Itoa(c.Gid) }

// Leave removes a group (a no-op if it is out, or the last one).
type Leave struct{ Gid int }

// Kind implements raft.Command.
func (Leave) Kind() string { return "Leave" }

// String renders the command as leave g3.
func (c Leave) String() string { return "leave g" + strconv.Itoa(c.Gid) }

// Churn is the controller's own scheduled reconfiguration (option churn):
// the next step of a fixed cycle of leaves and joins, taken only if the
// latest configuration is still From, so a duplicate does nothing.
type Churn struct{ From int }

// Kind implements raft.Command.
func (Churn) Kind() string { return "Churn" }

// String renders the command as churn from 3.
func (c Churn) String() string { return "churn from " + strconv.Itoa(c.From) }

// The groups' log commands.

// Reconfigure moves a group to the configuration it carries, which must
// be the one after its current one.
type Reconfigure struct{ Config Config }

// Kind implements raft.Command.
func (Reconfigure) Kind() string { return "Reconfigure" }

// String renders the command as reconfigure cfg3[...].
func (c Reconfigure) String() string { return "reconfigure " + c.Config.String() }

// InstallShard installs a shard handed over in configuration Num.
type InstallShard struct {
	Num   int
	Shard int
	State kv.Snapshot // never changed
}

// Kind implements raft.Command.
func (InstallShard) Kind() string { return "InstallShard" }

// String renders the command as install shard 5 of cfg3 #digest: the digest
// of the state, so logs holding different states differ.
func (c InstallShard) String() string {
	return "install shard " + strconv.Itoa(c.Shard) + " of cfg" + strconv.Itoa(c.Num) +
		" #" + strconv.FormatUint(protocols.Digest(c.State.Encode())%1000000, 10)
}

// HandedOff records that the new owner of a shard acknowledged it: the old
// owner deletes its frozen copy.
type HandedOff struct {
	Num   int
	Shard int
}

// Kind implements raft.Command.
func (HandedOff) Kind() string { return "HandedOff" }

// String renders the command as handed off shard 5 of cfg3.
func (c HandedOff) String() string {
	return "handed off shard " + strconv.Itoa(c.Shard) + " of cfg" + strconv.Itoa(c.Num)
}
