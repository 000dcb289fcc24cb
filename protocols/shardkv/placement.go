package shardkv

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// Keys, shards and groups. A key belongs to one of a fixed number of
// shards, by a hash of the key (ShardOf); a configuration assigns each
// shard to a replica group. Placement decides that assignment from the set
// of groups in a configuration: Ring, consistent hashing with virtual nodes
// (Karger et al. 1997; Dynamo's "fixed partitions assigned by tokens",
// DeCandia et al. 2007, §6.2 strategy 3), moves only the shards whose
// successor on the ring changed when a group joins or leaves; ModN, the
// naive baseline, moves most of them.

// ShardOf returns the shard of key among shards.
func ShardOf(key string, shards int) int {
	return int(protocols.Digest([]byte(key)) % uint64(shards))
}

// Placement names how shards are assigned to groups.
type Placement string

// The placements.
const (
	Ring Placement = "ring" // consistent hashing with virtual nodes
	ModN Placement = "modn" // shard hash mod the number of groups: the baseline
)

// Assign returns the owner group of each of shards shards, given the groups
// (sorted, non-empty) and vnodes virtual nodes per group on the ring.
func Assign(p Placement, groups []int, shards, vnodes int) []int {
	out := make([]int, shards)
	if len(groups) == 0 {
		return out
	}
	if p == ModN {
		for s := range out {
			out[s] = groups[shardPoint(s)%uint64(len(groups))]
		}
		return out
	}
	ring := make([]point, 0, len(groups)*vnodes)
	for _, g := range groups {
		for v := 0; v < vnodes; v++ {
			ring = append(ring, point{hash: mix(protocols.Digest([]byte("g" + strconv.Itoa(g) + "/" + strconv.Itoa(v)))), gid: g})
		}
	}
	slices.SortFunc(ring, func(a, b point) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return a.gid - b.gid
	})
	for s := range out {
		h := shardPoint(s)
		i, _ := slices.BinarySearchFunc(ring, h, func(p point, h uint64) int {
			switch {
			case p.hash < h:
				return -1
			case p.hash > h:
				return 1
			}
			return 0
		})
		out[s] = ring[i%len(ring)].gid
	}
	return out
}

type point struct {
	hash uint64
	gid  int
}

// shardPoint is a shard's place on the ring.
func shardPoint(s int) uint64 { return mix(protocols.Digest([]byte("shard/" + strconv.Itoa(s)))) }

// mix spreads FNV's output over the whole ring (FNV-1a of short, similar
// strings differs mostly in its low bits): a 64-bit finalizer (SplitMix64).
func mix(h uint64) uint64 {
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// Config is one configuration: which group serves which shard. Num counts
// configurations from 1 (0 is the empty one every group starts in).
// Configs are values: never changed once made, so messages, commands and
// states share their slices.
type Config struct {
	Num    int
	Groups []int // the groups in the configuration, sorted
	Shards []int // the owner group of each shard; 0 for none
}

// Owner returns the group that serves shard s, 0 for none.
func (c Config) Owner(s int) int {
	if s < len(c.Shards) {
		return c.Shards[s]
	}
	return 0
}

// Has reports whether group g is in the configuration.
func (c Config) Has(g int) bool { return slices.Contains(c.Groups, g) }

// String renders the configuration as cfg3[g1 g2: 1 1 2 1 ...].
func (c Config) String() string {
	var b strings.Builder
	b.WriteString("cfg")
	b.WriteString(strconv.Itoa(c.Num))
	b.WriteByte('[')
	for i, g := range c.Groups {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('g')
		b.WriteString(strconv.Itoa(g))
	}
	b.WriteByte(':')
	for _, g := range c.Shards {
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(g))
	}
	b.WriteByte(']')
	return b.String()
}

// next returns the configuration after c with the given groups.
func (c Config) next(groups []int, p Placement, shards, vnodes int) Config {
	return Config{Num: c.Num + 1, Groups: groups, Shards: Assign(p, groups, shards, vnodes)}
}

// Moved counts the shards whose owner differs between two assignments.
func Moved(a, b []int) int {
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}
