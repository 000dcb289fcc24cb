package shardkv

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
)

// reconfigs is the sequence of group sets the placement measurements walk:
// three groups, three joins, then three leaves.
var reconfigs = [][]int{{1, 2, 3}, {1, 2, 3, 4}, {1, 2, 3, 4, 5}, {1, 2, 3, 4, 5, 6}, {2, 3, 4, 5, 6}, {2, 4, 5, 6}, {2, 4, 6}}

// placementStats measures a placement over the reconfigs: the mean number
// of shards moved per reconfiguration, the mean of the minimum any
// placement must move (a join takes S/N shards to the new group, a leave
// moves the leaver's), and the balance of keys over groups (max/mean keys
// per group, averaged over the configurations), with keys k1..kK.
func placementStats(p Placement, shards, vnodes, keys int) (moved, minimum, balance float64) {
	perShard := make([]int, shards)
	for i := 1; i <= keys; i++ {
		perShard[ShardOf("k"+strconv.Itoa(i), shards)]++
	}
	var prev []int
	for i, gs := range reconfigs {
		a := Assign(p, gs, shards, vnodes)
		load := map[int]int{}
		for s, g := range a {
			load[g] += perShard[s]
		}
		most := 0
		for _, g := range gs {
			most = max(most, load[g])
		}
		balance += float64(most) / (float64(keys) / float64(len(gs)))
		if i > 0 {
			moved += float64(Moved(prev, a))
			if len(gs) > len(reconfigs[i-1]) {
				minimum += float64(shards) / float64(len(gs))
			} else {
				for _, g := range prev {
					if !slices.Contains(gs, g) {
						minimum++
					}
				}
			}
		}
		prev = a
	}
	n := float64(len(reconfigs) - 1)
	return moved / n, minimum / n, balance / float64(len(reconfigs))
}

// The consistent-hash ring moves close to the minimum on every join and
// leave; mod-N moves most shards. The table in design.md comes from
// go test ./protocols/shardkv -run TestPlacementTable -v.
func TestPlacementTable(t *testing.T) {
	t.Logf("| placement | shards | vnodes | shards moved per reconfiguration | minimum | balance (max/mean keys per group) |")
	t.Logf("| --- | --- | --- | --- | --- | --- |")
	for _, c := range []struct {
		p              Placement
		shards, vnodes int
	}{
		{ModN, 16, 0}, {Ring, 16, 1}, {Ring, 16, 20},
		{ModN, 256, 0}, {Ring, 256, 1}, {Ring, 256, 20}, {Ring, 256, 100},
	} {
		moved, minimum, balance := placementStats(c.p, c.shards, max(c.vnodes, 1), 10000)
		vn := strconv.Itoa(c.vnodes)
		if c.p == ModN {
			vn = "-"
		}
		t.Logf("| %s | %d | %s | %.1f | %.1f | %.2f |", c.p, c.shards, vn, moved, minimum, balance)
		if c.p == Ring && c.vnodes >= 20 {
			mm, _, _ := placementStats(ModN, c.shards, 1, 10000)
			assert.Less(t, moved, mm/2, "the ring moves far fewer shards than mod-N")
		}
	}
}

// A ring's assignment changes only where a joining group's points land:
// every shard that moves on a join moves to the joining group, and every
// shard that moves on a leave moved off the leaving group.
func TestRingMovesOnlyWhatItMust(t *testing.T) {
	for _, shards := range []int{16, 256} {
		for i := 1; i < len(reconfigs); i++ {
			before, after := Assign(Ring, reconfigs[i-1], shards, 20), Assign(Ring, reconfigs[i], shards, 20)
			for s := range before {
				if before[s] == after[s] {
					continue
				}
				joined, left := !slices.Contains(reconfigs[i-1], after[s]), !slices.Contains(reconfigs[i], before[s])
				assert.True(t, joined || left, fmt.Sprintf("shard %d moved from g%d to g%d in step %d", s, before[s], after[s], i))
			}
		}
	}
}

// BenchmarkPlacement reports, for the ring and the mod-N baseline at the
// protocol's defaults (16 shards, 20 virtual nodes) and at 256 shards,
// the shards moved per reconfiguration and the key balance.
func BenchmarkPlacement(b *testing.B) {
	for _, c := range []struct {
		p      Placement
		shards int
	}{{Ring, 16}, {ModN, 16}, {Ring, 256}, {ModN, 256}} {
		b.Run(fmt.Sprintf("%s/shards=%d", c.p, c.shards), func(b *testing.B) {
			var moved, minimum, balance float64
			for b.Loop() {
				moved, minimum, balance = placementStats(c.p, c.shards, 20, 10000)
			}
			b.ReportMetric(moved, "moved/reconfig")
			b.ReportMetric(minimum, "min-moved/reconfig")
			b.ReportMetric(balance, "max/mean-keys")
		})
	}
}
