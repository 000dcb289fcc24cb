package synod

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Ballot numbers a proposal. Paxos needs ballots that are totally ordered
// and unique to one proposer ("different proposers choose their numbers from
// disjoint sets", Paxos Made Simple §2.2); Paxos Made Moderately Complex
// uses (round, leader) pairs. dsim packs the pair into one number that
// reads the same way: Round×100 + the proposer's number, so ballot 302 is
// round 3 of n2 and outbids every ballot of round 2 or below. The proposer's
// number is its position in the sorted list of servers, from 1 (at most 99
// servers; a world has at most 64 nodes). The zero Ballot is "none": no
// promise made, nothing accepted.
type Ballot uint64

// MakeBallot returns the ballot of round r for the proposer numbered p.
func MakeBallot(r uint64, p int) Ballot { return Ballot(r*100 + uint64(p)) }

// Round returns the ballot's round.
func (b Ballot) Round() uint64 { return uint64(b) / 100 }

// Proposer returns the number of the proposer that owns the ballot.
func (b Ballot) Proposer() int { return int(b % 100) }

// String renders the ballot as its number ("302"), or "-" for none.
func (b Ballot) String() string {
	if b == 0 {
		return "-"
	}
	return strconv.FormatUint(uint64(b), 10)
}

// AppendTo appends the String form to buf.
func (b Ballot) AppendTo(buf []byte) []byte {
	if b == 0 {
		return append(buf, '-')
	}
	return strconv.AppendUint(buf, uint64(b), 10)
}

// Number returns id's proposer number among servers: its 1-based position
// in the sorted list, or 0 if it is not a server.
func Number(servers []protocols.NodeID, id protocols.NodeID) int {
	s := protocols.SortIDs(slices.Clone(servers))
	return slices.Index(s, id) + 1
}

// Quorums are the sizes of the phase-1 and phase-2 quorums. Classic Paxos
// uses majorities for both; Flexible Paxos (Howard, Malkhi and Spiegelman,
// 2016) shows that only phase-1 and phase-2 quorums need intersect, so any
// sizes with Phase1 + Phase2 > n are safe: a small phase-2 quorum makes the
// common case (phase 2, once per command) cheaper at the price of a larger
// phase-1 quorum (once per leader change). Zero means a majority.
type Quorums struct {
	Phase1, Phase2 int
}

// ErrBadQuorums is wrapped by Quorums.Validate errors.
var ErrBadQuorums = errors.New("bad quorum sizes")

// Validate reports sizes that cannot work among n acceptors. Sizes that do
// not intersect (Phase1 + Phase2 <= n) are allowed: scenarios use them to
// show what breaks.
func (q Quorums) Validate(n int) error {
	switch {
	case q.Phase1 < 0 || q.Phase1 > n:
		return fmt.Errorf("%w: phase-1 quorum %d is not between 1 and the %d acceptors", ErrBadQuorums, q.Phase1, n)
	case q.Phase2 < 0 || q.Phase2 > n:
		return fmt.Errorf("%w: phase-2 quorum %d is not between 1 and the %d acceptors", ErrBadQuorums, q.Phase2, n)
	}
	return nil
}

// Sizes returns the two quorum sizes among n acceptors, majorities for
// zeros.
func (q Quorums) Sizes(n int) (q1, q2 int) {
	q1, q2 = q.Phase1, q.Phase2
	if q1 == 0 {
		q1 = protocols.Quorum(n)
	}
	if q2 == 0 {
		q2 = protocols.Quorum(n)
	}
	return q1, q2
}

// Intersect reports whether every phase-1 quorum meets every phase-2
// quorum among n acceptors, which is what Paxos's safety rests on.
func (q Quorums) Intersect(n int) bool {
	q1, q2 := q.Sizes(n)
	return q1+q2 > n
}

// Set is a set of acceptors as a bit mask over their positions in a list
// (at most 64: a world has at most 64 nodes). Replies are counted in one,
// so a duplicated reply counts once.
type Set uint64

// Add returns s with position i.
func (s Set) Add(i int) Set { return s | 1<<uint(i) }

// Has reports whether position i is in s.
func (s Set) Has(i int) bool { return s&(1<<uint(i)) != 0 }

// Len returns the size of s.
func (s Set) Len() int { return bits.OnesCount64(uint64(s)) }

// Members returns the IDs at s's positions in ids.
func (s Set) Members(ids []protocols.NodeID) []protocols.NodeID {
	var out []protocols.NodeID
	for i, id := range ids {
		if s.Has(i) {
			out = append(out, id)
		}
	}
	return out
}
