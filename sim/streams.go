package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Stream returns the random stream called name for a seed. Each part of a
// run draws from its own stream ("net", "faults", "node/n1", ...), so a new
// draw in one place does not shift every other stream.
func Stream(seed uint64, name string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}
