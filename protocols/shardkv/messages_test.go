package shardkv

import (
	"testing"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// Every message shardkv adds to Raft's and the KV client's hashes exactly
// what its trace line shows: changing any one field it shows changes its
// hash, and changing one it leaves out (listed here) changes neither.
func TestMessagesHashWhatTheyShow(t *testing.T) {
	state := kv.Snapshot{
		Data:     []kv.Pair{{Key: "k1", Value: "c1.7"}},
		Sessions: []kv.ClientSession{{Client: "c1", Seq: 7}},
	}
	cases := []struct {
		msg    protocols.Message
		hidden []string
	}{
		{Query{Num: 3}, nil},
		{Query{}, nil},
		{QueryReply{Config: Config{Num: 3, Groups: []int{1, 2}, Shards: []int{1, 2, 1}}}, nil},
		{ShardPush{Gid: 1, Num: 3, Shard: 5, State: state}, []string{"State.Data[0]", "State.Sessions[0]"}},
		{ShardPushAck{Gid: 2, Num: 3, Shard: 5}, nil},
		{Forward{Op: "join", Gid: 3}, nil},
	}
	for _, c := range cases {
		t.Run(c.msg.String(), func(t *testing.T) { prototest.CheckHash(t, c.msg, c.hidden...) })
	}
}
