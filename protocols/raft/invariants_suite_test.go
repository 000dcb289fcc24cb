package raft

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// sameRequest must answer ==, for strings that share their bytes or not:
// it lists kv.Request's fields itself, so a field added there must be
// added to it (the field count below fails first).
func TestSameRequestIsEquality(t *testing.T) {
	assert.Equal(t, 6, reflect.TypeFor[kv.Request]().NumField(), "sameRequest compares kv.Request field by field")
	assert.Equal(t, 3, reflect.TypeFor[kv.Op]().NumField(), "sameRequest compares kv.Op field by field")
	rapid.Check(t, func(t *rapid.T) {
		str := func(label string) string {
			s := rapid.SampledFrom([]string{"", "c1", "c2", "k1", "x"}).Draw(t, label)
			if rapid.Bool().Draw(t, label+" copied") {
				s = strings.Clone(s) // the same text elsewhere
			}
			return s
		}
		req := func(label string) kv.Request {
			return kv.Request{
				Client:   protocols.NodeID(str(label + " client")),
				Seq:      rapid.Uint64Range(0, 2).Draw(t, label+" seq"),
				Op:       kv.Op{Kind: kv.OpKind(rapid.IntRange(0, 2).Draw(t, label+" kind")), Key: str(label + " key"), Value: str(label + " value")},
				Deadline: clock.Time(rapid.IntRange(0, 1).Draw(t, label+" deadline")),
				Context:  str(label + " context"),
				Attempt:  uint32(rapid.IntRange(0, 1).Draw(t, label+" attempt")),
			}
		}
		a, b := req("a"), req("b")
		if got, want := sameRequest(&a, &b), a == b; got != want {
			t.Fatalf("sameRequest(%+v, %+v) = %v, == says %v", a, b, got, want)
		}
	})
}

// markAt finds each incarnation's mark, whatever slot of recent its
// address picks and whoever used that slot before, and no mark for an
// incarnation it has not marked, even where its server has one.
func TestMarkAtFindsEachIncarnation(t *testing.T) {
	s := MonitorSuite().(*suite)
	var nodes []*node
	for k := range 200 {
		n := &node{id: protocols.NodeID(fmt.Sprint("n", k))}
		nodes = append(nodes, n)
		assert.Equal(t, -1, s.markAt(n))
		s.mark(n, k)
	}
	for round := range 2 {
		for k, n := range nodes {
			assert.Equal(t, k, s.markAt(n), "round %d", round)
		}
	}
	for k := range nodes {
		restarted := &node{id: nodes[k].id}
		assert.Equal(t, -1, s.markAt(restarted))
		s.mark(restarted, k)
		assert.Equal(t, k, s.markAt(restarted))
		assert.Equal(t, -1, s.markAt(nodes[k]), "a mark of an earlier incarnation")
	}
}
