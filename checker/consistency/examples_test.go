package consistency

import (
	"strings"
	"testing"

	"github.com/dsimlab/dsim/checker"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// safety lists the safety models in the order of the verdict strings
// below: linearizable, sequential, causal, writes-follow-reads,
// monotonic-writes, monotonic-reads, ryw. '1' holds, '0' is broken.
var safety = []Model{Linearizable, Sequential, Causal, WritesFollowReads, MonotonicWrites, MonotonicReads, ReadYourWrites}

type example struct {
	name string
	h    []Op
	// want is one character per model of safety.
	want string
	// kinds are the anomalies some models must report.
	kinds map[Model]AnomalyKind
	// steps are the ops (by index, in order) some models' anomalies must show.
	steps map[Model][]int
}

// The hand-worked histories. Each comment says why; the pairs at the end
// prove that neighbouring rungs differ.
var examples = []example{
	{
		name: "empty", want: "1111111",
	},
	{
		name: "one client reads its writes",
		h: []Op{put("c1", "x", "a", 0, 10), get("c1", "x", 20, 30, "a"), app("c1", "x", "b", 40, 50),
			get("c1", "x", 60, 70, "ab")},
		want: "1111111",
	},
	{
		// Sequential but not linearizable: the read starts after b
		// completed yet returns a. Ordering the read before b explains
		// it if real time does not count.
		name:  "stale read",
		h:     []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 20, 30), get("c3", "x", 40, 50, "a")},
		want:  "0111111",
		kinds: map[Model]AnomalyKind{Linearizable: KindStaleRead},
		steps: map[Model][]int{Linearizable: {0, 1, 2}},
	},
	{
		// a completed before b was invoked; the read sees b but not a.
		name: "lost update",
		h: []Op{app("c1", "x", "a", 0, 10), app("c2", "x", "b", 20, 30),
			get("c3", "x", 40, 50, "b")},
		want:  "0111111",
		kinds: map[Model]AnomalyKind{Linearizable: KindLostUpdate},
		steps: map[Model][]int{Linearizable: {0, 1, 2}},
	},
	{
		// Causal but not sequential: two concurrent appends, each
		// client sees only its own. Each has a view (its own append
		// first); no single order has both.
		name: "concurrent appends seen apart",
		h: []Op{app("c1", "x", "a", 0, 10), get("c1", "x", 40, 50, "a"),
			app("c2", "x", "b", 0, 10), get("c2", "x", 40, 50, "b")},
		want:  "0011111",
		kinds: map[Model]AnomalyKind{Sequential: KindForkedReads},
	},
	{
		// Causal but not sequential, on registers: store buffering.
		// Each client misses the other's write.
		name: "store buffering",
		h: []Op{put("c1", "x", "a", 0, 10), get("c1", "y", 20, 30, ""),
			put("c2", "y", "b", 0, 10), get("c2", "x", 20, 30, "")},
		want: "0011111",
	},
	{
		// The primary acked c1's put and failed over to a replica that
		// never got it: c1 reads the initial value.
		name: "read-your-writes broken after failover",
		h:    []Op{put("c1", "x", "a", 0, 10), get("c1", "x", 20, 30, "")},
		want: "0001110",
		kinds: map[Model]AnomalyKind{ReadYourWrites: KindReadYourWrites, Causal: KindCausalReversal,
			Linearizable: KindStaleRead},
		steps: map[Model][]int{ReadYourWrites: {0, 1}},
	},
	{
		// c3 reads a from one replica, b from a second, then a again
		// from a lagging one: having seen a then b, it cannot see a
		// without b again.
		name: "non-monotonic reads across replicas",
		h: []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 20, 30),
			get("c3", "x", 40, 45, "a"), get("c3", "x", 50, 55, "b"), get("c3", "x", 60, 65, "a")},
		want:  "0001101",
		kinds: map[Model]AnomalyKind{MonotonicReads: KindNonMonotonicRead},
	},
	{
		// Session-consistent but not causal: a reader sees an effect
		// (the comment) without its cause (the post it answers).
		name: "causal reversal",
		h: []Op{put("c1", "post", "p1", 0, 10),
			get("c2", "post", 20, 30, "p1"), put("c2", "comment", "m1", 40, 50),
			get("c3", "comment", 60, 70, "m1"), get("c3", "post", 80, 90, "")},
		want:  "0001111",
		kinds: map[Model]AnomalyKind{Causal: KindCausalReversal},
		steps: map[Model][]int{Causal: {0, 1, 2, 3, 4}},
	},
	{
		// c2 read a, then appended b: whoever sees b must see a first.
		name: "writes-follow-reads broken",
		h: []Op{app("c1", "x", "a", 0, 10),
			get("c2", "x", 20, 30, "a"), app("c2", "x", "b", 40, 50),
			get("c3", "x", 60, 70, "b")},
		want:  "0000111",
		kinds: map[Model]AnomalyKind{WritesFollowReads: KindWritesFollowReads},
		steps: map[Model][]int{WritesFollowReads: {0, 1, 2, 3}},
	},
	{
		name: "monotonic writes broken: later append seen without the earlier",
		h: []Op{app("c1", "x", "a", 0, 10), app("c1", "x", "b", 20, 30),
			get("c2", "x", 40, 50, "b")},
		want:  "0001011",
		kinds: map[Model]AnomalyKind{MonotonicWrites: KindMonotonicWrites},
	},
	{
		name: "monotonic writes broken: appends seen in reverse",
		h: []Op{app("c1", "x", "a", 0, 10), app("c1", "x", "b", 20, 30),
			get("c2", "x", 40, 50, "ba")},
		want: "0001011",
	},
	{
		// Writes a, b of one client; a reader sees b then a. Each
		// guarantee alone allows it (the arbitration may put b before
		// a); together with causality it is impossible.
		name: "each guarantee alone allows new-then-old",
		h: []Op{put("c1", "x", "a", 0, 10), put("c1", "x", "b", 20, 30),
			get("c2", "x", 40, 50, "b"), get("c2", "x", 60, 70, "a")},
		want: "0001111",
	},
	{
		// A sibling read of two concurrent puts: fine for causal
		// (multi-value register), impossible for a single copy.
		name: "sibling read of concurrent writes",
		h: []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 0, 10),
			get("c3", "x", 20, 30, "a", "b"), put("c3", "x", "m", 40, 50), get("c4", "x", 60, 70, "m")},
		want:  "0011111",
		kinds: map[Model]AnomalyKind{Linearizable: KindSiblingRead, Sequential: KindSiblingRead},
		steps: map[Model][]int{Sequential: {0, 1, 2}},
	},
	{
		// b overwrote a in c1's session, so a cannot be b's sibling.
		name: "sibling read of an overwritten version",
		h: []Op{put("c1", "x", "a", 0, 10), put("c1", "x", "b", 20, 30),
			get("c2", "x", 40, 50, "a", "b")},
		want:  "0001111",
		kinds: map[Model]AnomalyKind{Causal: KindOverwrittenSibling},
	},
	{
		name: "sibling read without the reader's own write",
		h: []Op{put("c1", "x", "a", 0, 10), put("c2", "x", "b", 0, 10), put("c3", "x", "c", 0, 10),
			get("c1", "x", 20, 30, "b", "c")},
		want:  "0001110",
		kinds: map[Model]AnomalyKind{ReadYourWrites: KindReadYourWrites},
	},
	{
		// A timed-out put may take effect long after the client gave
		// up, even after its later ops.
		name: "indeterminate put takes effect late",
		h: []Op{indet(put("c1", "x", "a", 0, 0)), put("c1", "x", "b", 10, 20),
			get("c2", "x", 30, 40, "b"), get("c2", "x", 50, 60, "a")},
		want: "1111111",
	},
	{
		name: "indeterminate put never takes effect",
		h:    []Op{indet(put("c1", "x", "a", 0, 0)), get("c2", "x", 30, 40, "")},
		want: "1111111",
	},
	{
		// ...but once seen, the value it overwrote cannot come back:
		// a follows o in c1's session, so causally too. (Each session
		// guarantee alone lets the arbitration put a before o.)
		name: "indeterminate put seen, then the value before it",
		h: []Op{put("c1", "x", "o", 0, 5), indet(put("c1", "x", "a", 10, 0)),
			get("c2", "x", 30, 40, "a"), get("c2", "x", 50, 60, "o")},
		want: "0001111",
	},
	{
		// Having seen o, then a (so o before a), o cannot come back.
		name: "indeterminate put seen between two reads of the old value",
		h: []Op{put("c1", "x", "o", 0, 5), indet(put("c1", "x", "a", 10, 0)),
			get("c2", "x", 20, 25, "o"), get("c2", "x", 30, 40, "a"), get("c2", "x", 50, 60, "o")},
		want:  "0001101",
		kinds: map[Model]AnomalyKind{MonotonicReads: KindNonMonotonicRead},
	},
	{
		name: "indeterminate get constrains nothing",
		h:    []Op{put("c1", "x", "a", 0, 10), indet(get("c2", "x", 20, 0))},
		want: "1111111",
	},
	{
		name: "failed put is not applied",
		h:    []Op{failed(put("c1", "x", "a", 0, 10)), get("c2", "x", 20, 30, "")},
		want: "1111111",
	},
	{
		name:  "read of a failed put",
		h:     []Op{failed(put("c1", "x", "a", 0, 10)), get("c2", "x", 20, 30, "a")},
		want:  "0000000",
		kinds: map[Model]AnomalyKind{Sequential: KindFailedWriteRead, Causal: KindFailedWriteRead, ReadYourWrites: KindFailedWriteRead},
	},
	{
		name:  "phantom read",
		h:     []Op{put("c1", "x", "a", 0, 10), get("c2", "x", 20, 30, "zz")},
		want:  "0000000",
		kinds: map[Model]AnomalyKind{Sequential: KindPhantomRead, MonotonicWrites: KindPhantomRead},
	},
	{
		name:  "append applied twice",
		h:     []Op{app("c1", "x", "c1.1", 0, 10), get("c2", "x", 20, 30, "c1.1c1.1")},
		want:  "0000000",
		kinds: map[Model]AnomalyKind{Causal: KindDuplicateEffect},
	},
	{
		// A read that returns before the write it saw was invoked.
		name:  "read from the future",
		h:     []Op{get("c1", "x", 0, 10, "a"), put("c2", "x", "a", 20, 30)},
		want:  "0111111",
		kinds: map[Model]AnomalyKind{Linearizable: KindFutureRead},
	},
	{
		// c1 reads b and then writes a; c2 reads a and then writes b:
		// each read sees a write that depends on it.
		name: "causality cycle",
		h: []Op{get("c1", "x", 0, 10, "b"), put("c1", "y", "a", 20, 30),
			get("c2", "y", 0, 10, "a"), put("c2", "x", "b", 20, 30)},
		want:  "0000111",
		kinds: map[Model]AnomalyKind{Causal: KindFutureRead, Sequential: KindFutureRead},
	},
	{
		// Independent reads of independent writes in opposite orders
		// (IRIW): causal, not sequential.
		name: "IRIW",
		h: []Op{put("c1", "x", "a", 0, 10), put("c2", "y", "b", 0, 10),
			get("c3", "x", 20, 30, "a"), get("c3", "y", 40, 50, ""),
			get("c4", "y", 20, 30, "b"), get("c4", "x", 40, 50, "")},
		want: "0011111",
	},
	{
		// Two observers see the appends in opposite orders: allowed by
		// causal memory (each has its own view), not by a single copy.
		name: "appends seen in different orders by different sessions",
		h: []Op{app("c1", "x", "a", 0, 10), app("c2", "x", "b", 0, 10),
			get("c3", "x", 20, 30, "ab"), get("c4", "x", 20, 30, "ba")},
		want: "0011111",
	},
	{
		name: "one session sees appends in both orders",
		h: []Op{app("c1", "x", "a", 0, 10), app("c2", "x", "b", 0, 10),
			get("c3", "x", 20, 30, "ab"), get("c3", "x", 40, 50, "ba")},
		want:  "0000000",
		kinds: map[Model]AnomalyKind{ReadYourWrites: KindOrderFlip, MonotonicReads: KindOrderFlip},
	},
}

func TestExamples(t *testing.T) {
	for _, ex := range examples {
		t.Run(ex.name, func(t *testing.T) {
			require.Len(t, ex.want, len(safety))
			for i, m := range safety {
				r := Check(m, ex.h, Options{Budget: testBudget})
				require.NoError(t, r.Err)
				want := checker.VerdictOK
				if ex.want[i] == '0' {
					want = checker.VerdictIllegal
				}
				assert.Equal(t, want, r.Verdict, "%s: %s", m, r)
				if r.Verdict == checker.VerdictIllegal {
					require.NotNil(t, r.Anomaly, "%s", m)
					assert.NotEmpty(t, r.Anomaly.Summary)
				} else {
					assert.Nil(t, r.Anomaly, "%s", m)
				}
				if kind, ok := ex.kinds[m]; ok && r.Anomaly != nil {
					assert.Equal(t, kind, r.Anomaly.Kind, "%s: %s", m, r.Anomaly)
				}
				if steps, ok := ex.steps[m]; ok && r.Anomaly != nil {
					var got []int
					for _, s := range r.Anomaly.Steps {
						got = append(got, s.Index)
					}
					assert.Equal(t, steps, got, "%s: %s", m, r.Anomaly)
				}
			}
			if !t.Failed() {
				return
			}
			t.Log(Ladder(ex.h, Options{Budget: testBudget}))
		})
	}
}

// TestExamplesAgreeWithBruteForce runs the references on every example
// they model (no siblings), so the hand-worked verdicts are checked twice.
func TestExamplesAgreeWithBruteForce(t *testing.T) {
	for _, ex := range examples {
		if strings.HasPrefix(ex.name, "sibling") {
			continue
		}
		t.Run(ex.name, func(t *testing.T) {
			for i, m := range safety {
				var want bool
				switch m {
				case Linearizable:
					continue
				case Sequential:
					want = bruteSequential(ex.h)
				case Causal:
					want = bruteCausal(ex.h)
				default:
					want = bruteSession(ex.h, m)
				}
				assert.Equal(t, want, ex.want[i] == '1', "%s", m)
			}
		})
	}
}

// TestSiblingDominanceWithACausalityCycle: a cycle in the causal order
// breaks causal consistency, yet a sibling read whose missing write is
// overwritten by one of its versions still satisfies read-your-writes.
func TestSiblingDominanceWithACausalityCycle(t *testing.T) {
	h := []Op{
		// The cycle, on keys p and q.
		get("c8", "p", 0, 10, "w2"), put("c8", "q", "w1", 20, 30),
		get("c9", "q", 0, 10, "w1"), put("c9", "p", "w2", 20, 30),
		// c1 writes a, then a writes-over b (c2 read a first), and c1
		// reads siblings {b, c}: a is overwritten by b, so it is seen.
		put("c1", "x", "a", 0, 10), get("c2", "x", 20, 30, "a"), put("c2", "x", "b", 40, 50),
		put("c3", "x", "c", 40, 50), get("c1", "x", 60, 70, "b", "c"),
	}
	assert.Equal(t, checker.VerdictIllegal, Check(Causal, h, Options{Budget: testBudget}).Verdict)
	r := Check(ReadYourWrites, h, Options{Budget: testBudget})
	assert.True(t, r.OK(), "%s", r)
}
