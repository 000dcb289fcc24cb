package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// Stream returns the random stream called name for a seed. Each part of a
// run draws from its own stream ("net", "faults", "node/n1", ...), so a new
// draw in one place does not shift every other stream.
func Stream(seed uint64, name string) *rand.Rand { return rand.New(StreamSource(seed, name)) }

// StreamSource returns the source of the stream Stream returns, for a
// part that draws from it directly (the network).
func StreamSource(seed uint64, name string) *rand.PCG {
	h := fnv.New64a()
	h.Write([]byte(name))
	return rand.NewPCG(seed, h.Sum64())
}
