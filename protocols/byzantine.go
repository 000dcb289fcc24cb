package protocols

import (
	"math/bits"
	"strconv"
)

// Byzantine nodes and the signatures that limit what they can do.
//
// Links are authenticated: a receiver always knows the last hop (Input.From),
// so a node cannot pretend to send as another. Protocols such as PBFT also
// forward other nodes' messages inside certificates; for those a node signs
// with Keys, which sign as that node only. Signatures are deterministic
// values derived from the run's seed, so traces stay byte-exact, and no
// node's code holds another node's key: a byzantine node can replay,
// withhold or bundle others' signed messages, never mint them.

// Signature is a node's signature over a digest.
type Signature struct {
	Signer NodeID
	Digest uint64
	Tag    uint64 // a function of the signer's secret key and the digest
}

// String renders the signature as sig(n1:3f2a9c01): the signer and the low
// 32 bits of the digest, enough to tell signatures apart in a trace.
func (s Signature) String() string {
	return "sig(" + string(s.Signer) + ":" + strconv.FormatUint(s.Digest&0xffffffff, 16) + ")"
}

// Keys is a node's signing key and the run's public keys.
type Keys interface {
	// Sign signs digest as this node.
	Sign(digest uint64) Signature
	// Verify reports whether sig is a valid signature by sig.Signer over
	// digest.
	Verify(sig Signature, digest uint64) bool
}

// Digest hashes a message's canonical bytes (FNV-1a, 64 bits) for signing.
func Digest(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// Keyring holds every node's secret key for one run; the driver hands each
// node only its own Keys. It counts signatures made and checked.
type Keyring struct {
	seed     uint64
	Signed   uint64 // signatures made
	Verified uint64 // signatures checked
}

// NewKeyring returns the keys of a run with the given seed.
func NewKeyring(seed uint64) *Keyring { return &Keyring{seed: seed} }

// For returns the keys node id signs with.
func (k *Keyring) For(id NodeID) Keys { return nodeKeys{ring: k, id: id} }

func (k *Keyring) secret(id NodeID) uint64 {
	return mix(k.seed ^ Digest([]byte("key/"+id)))
}

func (k *Keyring) tag(id NodeID, digest uint64) uint64 {
	return mix(k.secret(id) ^ bits.RotateLeft64(digest, 17))
}

type nodeKeys struct {
	ring *Keyring
	id   NodeID
}

func (n nodeKeys) Sign(digest uint64) Signature {
	n.ring.Signed++
	return Signature{Signer: n.id, Digest: digest, Tag: n.ring.tag(n.id, digest)}
}

func (n nodeKeys) Verify(sig Signature, digest uint64) bool {
	n.ring.Verified++
	return sig.Signer != "" && sig.Digest == digest && sig.Tag == n.ring.tag(sig.Signer, digest)
}

// mix is splitmix64's finalizer: a bijection that scatters bits.
func mix(z uint64) uint64 {
	z ^= z >> 30
	z *= 0xbf58476d1ce4e5b9
	z ^= z >> 27
	z *= 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Strategy is one way a byzantine node misbehaves. A byzantine node runs
// an honest node of its protocol wrapped by its strategy, which changes
// what the node sends (drops, alters, duplicates, replays messages) using
// only what the node itself has: its own keys and the messages it saw.
// Generic strategies (silent, selective, replay, ...) work for any
// protocol; a protocol adds its own (a PBFT primary that equivocates).
type Strategy struct {
	Name string
	Args string // what its arguments are, for usage messages; "" if it takes none
	Help string // what the node does, in one sentence
	// New checks the strategy's arguments (from "byzantine n4 NAME ARGS")
	// and returns the wrapper. It is called when the scenario is loaded,
	// so a bad argument is an error naming the line.
	New func(args []string) (Wrapper, error)
}

// Wrapper makes a byzantine node from an honest one. cfg is the node's
// configuration, with a random stream of the strategy's own (so the
// strategy's draws never shift the honest node's).
type Wrapper func(honest Node, cfg Config) Node

// Unwrapper is implemented by byzantine wrappers, so tools can reach the
// honest node inside (to show its state); checks should skip byzantine
// nodes instead.
type Unwrapper interface {
	Unwrap() Node
}
