package scenarios

import (
	"testing"
)

// BenchmarkShardKV runs the sharded KV store: shardkv/chaos (12 servers in
// a controller and three groups, swarm faults, the controller reconfiguring
// every 700ms) and shardkv/join-leave under each placement, the consistent-
// hash ring and the mod-N baseline (a join and a leave of one group among
// three, 16 shards, under load):
//
//	go test ./scenarios -run '^$' -bench ShardKV
//
// Each iteration is one seed, with every check on. simsec/s is simulated
// seconds per wall second, ops/s client operations completed per wall
// second, msgs/op messages sent per completed operation, and acks/run the
// ShardPushAck messages per run: about one per shard handed off on a calm
// network (a push that arrives again after the install is acknowledged
// again), so join-leave shows how many shards each placement moves.
func BenchmarkShardKV(b *testing.B) {
	for _, c := range []struct{ name, scenario, placement string }{
		{"chaos", "shardkv/chaos", ""},
		{"join-leave/ring", "shardkv/join-leave", "ring"},
		{"join-leave/modn", "shardkv/join-leave", "modn"},
	} {
		b.Run(c.name, func(b *testing.B) {
			defer setGC()()
			s, err := Builtin(c.scenario)
			if err != nil {
				b.Fatal(err)
			}
			if c.placement != "" {
				s.Options = append(s.Options, Setting{Key: "placement", Value: c.placement})
			}
			var acks uint64
			runSeeds(b, s, func(res *Result) { acks += res.MessagesByKind["ShardPushAck"] }).report(b)
			b.ReportMetric(float64(acks)/float64(b.N), "acks/run")
		})
	}
}
