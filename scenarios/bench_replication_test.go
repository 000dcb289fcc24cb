package scenarios

import "testing"

// The replication family's chaos benchmarks: each iteration is one seed of
// the protocol's PROTO/chaos scenario (20s of swarm chaos, 10s of healing,
// five clients), with every monitor after every event and the history
// checked at the end, as `dsim fuzz PROTO` runs it. They report simulated
// seconds and client operations per wall second, events per second,
// messages per operation and seeds per second. A seed that fails fails the
// benchmark: correct code passes every seed. benchChaos is in
// bench_quorum_test.go.

func BenchmarkPrimaryBackupChaos(b *testing.B)      { benchChaos(b, "primary-backup/chaos") }
func BenchmarkPrimaryBackupAsyncChaos(b *testing.B) { benchChaos(b, "primary-backup-async/chaos") }
func BenchmarkChainChaos(b *testing.B)              { benchChaos(b, "chain/chaos") }
func BenchmarkCRAQChaos(b *testing.B)               { benchChaos(b, "craq/chaos") }
