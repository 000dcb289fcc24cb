package scenarios

import "testing"

// BenchmarkEveryProtocolChaos runs every built-in protocol's chaos scenario
// (PROTO/chaos: the swarm's random fault mix, every monitor after every
// event, the history checked at the end), one sub-benchmark per protocol
// with the metrics of benchChaos, so that the table in
// docs/architecture.md comes from one command:
//
//	go test ./scenarios -run '^$' -bench EveryProtocolChaos -benchtime 10x
//
// The chaos scenarios differ in cluster, clients, duration and faults, so
// compare a protocol with itself across commits; raft/canonical is the
// world for comparing Raft with other implementations (BenchmarkRaftChaos).
func BenchmarkEveryProtocolChaos(b *testing.B) {
	for _, p := range BuiltinProtocols {
		name := p.Name + "/chaos"
		if _, err := Builtin(name); err != nil {
			continue
		}
		b.Run(p.Name, func(b *testing.B) { benchChaos(b, name) })
	}
}
