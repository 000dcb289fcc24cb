package kv

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
)

func TestMachineAtMostOnce(t *testing.T) {
	type step struct {
		req     Request
		want    string
		outcome Outcome
	}
	req := func(c string, seq uint64, op Op) Request {
		return Request{Client: protocols.NodeID("c" + c), Seq: seq, Op: op}
	}
	cases := []struct {
		name  string
		steps []step
		final map[string]string
	}{
		{
			name: "put then get",
			steps: []step{
				{req("1", 1, PutOp("k", "a")), "", Executed},
				{req("1", 2, GetOp("k")), "a", Executed},
			},
			final: map[string]string{"k": "a"},
		},
		{
			name: "missing key reads empty",
			steps: []step{
				{req("1", 1, GetOp("k")), "", Executed},
			},
			final: map[string]string{"k": ""},
		},
		{
			name: "retried append executes once",
			steps: []step{
				{req("1", 1, AppendOp("k", "x")), "", Executed},
				{req("1", 1, AppendOp("k", "x")), "", Duplicate},
				{req("1", 2, AppendOp("k", "y")), "", Executed},
				{req("1", 2, AppendOp("k", "y")), "", Duplicate},
			},
			final: map[string]string{"k": "xy"},
		},
		{
			name: "retried get returns the cached value, not the current one",
			steps: []step{
				{req("1", 1, PutOp("k", "a")), "", Executed},
				{req("2", 1, GetOp("k")), "a", Executed},
				{req("1", 2, PutOp("k", "b")), "", Executed},
				{req("2", 1, GetOp("k")), "a", Duplicate},
			},
			final: map[string]string{"k": "b"},
		},
		{
			name: "an older request is stale and changes nothing",
			steps: []step{
				{req("1", 5, AppendOp("k", "x")), "", Executed},
				{req("1", 3, AppendOp("k", "old")), "", Stale},
			},
			final: map[string]string{"k": "x"},
		},
		{
			name: "sequence numbers may skip (a restarted client)",
			steps: []step{
				{req("1", 1, AppendOp("k", "x")), "", Executed},
				{req("1", 101, AppendOp("k", "y")), "", Executed},
			},
			final: map[string]string{"k": "xy"},
		},
		{
			name: "clients are independent",
			steps: []step{
				{req("1", 1, AppendOp("k", "x")), "", Executed},
				{req("2", 1, AppendOp("k", "y")), "", Executed},
				{req("1", 1, AppendOp("k", "x")), "", Duplicate},
			},
			final: map[string]string{"k": "xy"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMachine()
			for i, s := range tc.steps {
				got, outcome := m.Apply(s.req)
				assert.Equal(t, s.want, got, "step %d %s", i, s.req)
				assert.Equal(t, s.outcome, outcome, "step %d %s", i, s.req)
			}
			for k, v := range tc.final {
				assert.Equal(t, v, m.Value(k), "key %s", k)
			}
		})
	}
}

func TestMachineCached(t *testing.T) {
	m := NewMachine()
	m.Apply(Request{Client: "c1", Seq: 1, Op: PutOp("k", "a")})
	m.Apply(Request{Client: "c1", Seq: 2, Op: GetOp("k")})
	v, ok := m.Cached("c1", 2)
	assert.True(t, ok)
	assert.Equal(t, "a", v)
	_, ok = m.Cached("c1", 1)
	assert.False(t, ok, "only the latest request is cached")
	_, ok = m.Cached("c2", 1)
	assert.False(t, ok)
	assert.Equal(t, uint64(2), m.LastSeq("c1"))
	assert.Equal(t, []string{"k"}, m.Keys())
}

func TestStrings(t *testing.T) {
	r := Request{Client: "c1", Seq: 7, Op: PutOp("k1", "c1.7")}
	assert.Equal(t, "Request{c1#7 put(k1,c1.7)}", r.String())
	assert.Equal(t, "Request", r.Kind())
	assert.Equal(t, "c1#7", r.ID())
	assert.Equal(t, "c1#7 put(k1,c1.7)", r.Label())
	assert.Equal(t, "c12345#18446744073709551615 get(a-key-longer-than-the-buffer-on-the-stack-of-sixty-four)",
		Request{Client: "c12345", Seq: 1<<64 - 1, Op: GetOp("a-key-longer-than-the-buffer-on-the-stack-of-sixty-four")}.Label())
	assert.Equal(t, "get(k2)", GetOp("k2").String())
	assert.Equal(t, "append(k3,x)", AppendOp("k3", "x").String())
	assert.Equal(t, `Reply{#7 ok value="c2.3"}`, Reply{Seq: 7, Status: OK, Value: "c2.3"}.String())
	assert.Equal(t, `Reply{#7 not-leader hint=n2}`, Reply{Seq: 7, Status: NotLeader, LeaderHint: "n2"}.String())
	assert.Equal(t, `Reply{#7 not-leader}`, Reply{Seq: 7, Status: NotLeader}.String())
	assert.Equal(t, `invoke c1#7 get(k1)`, Invoked{Client: "c1", Seq: 7, Op: GetOp("k1")}.String())
	assert.Equal(t, `complete c1#7 get(k1) -> "c2.3" from n1`,
		Completed{Client: "c1", Seq: 7, Op: GetOp("k1"), Output: "c2.3", Server: "n1"}.String())
}

func TestSnapshotRestore(t *testing.T) {
	m := NewMachine()
	m.Apply(Request{Client: "c2", Seq: 1, Op: PutOp("k2", "x")})
	m.Apply(Request{Client: "c1", Seq: 4, Op: AppendOp("k1", "a")})
	m.Apply(Request{Client: "c1", Seq: 5, Op: GetOp("k1")})
	s := m.Snapshot()
	assert.Equal(t, Snapshot{
		Data:     []Pair{{"k1", "a"}, {"k2", "x"}},
		Sessions: []ClientSession{{"c1", 5, "a"}, {"c2", 1, ""}},
	}, s)

	r := s.Restore()
	assert.Equal(t, s, r.Snapshot())
	res, out := r.Apply(Request{Client: "c1", Seq: 5, Op: GetOp("k1")})
	assert.Equal(t, Duplicate, out, "the session table is restored too")
	assert.Equal(t, "a", res)
	r.Apply(Request{Client: "c2", Seq: 2, Op: PutOp("k1", "y")})
	assert.Equal(t, "a", m.Value("k1"), "the restored machine shares nothing with the original")
}

// Appends write their values one after another into shared chunks
// (textChunk); every value a machine returned keeps reading the same,
// whatever is appended or put after it, to any key.
func TestValuesReadStayAsTheyWere(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	m := NewMachine()
	model := map[string]string{}
	type read struct{ got, want string }
	var reads []read
	keys := []string{"a", "b", "c"}
	for seq := uint64(1); seq <= 5000; seq++ {
		k := keys[r.IntN(len(keys))]
		v := strings.Repeat("x", r.IntN(3)) + strconv.FormatUint(seq, 10)
		if r.IntN(20) == 0 {
			v = strings.Repeat("y", textChunkLen+r.IntN(10)) // longer than a chunk
		}
		op := GetOp(k)
		switch r.IntN(4) {
		case 0:
			op = PutOp(k, v)
			model[k] = v
		case 1, 2:
			op = AppendOp(k, v)
			model[k] += v
		}
		res, _ := m.Apply(Request{Client: "c1", Seq: seq, Op: op})
		if op.Kind == Get {
			reads = append(reads, read{res, model[k]})
		}
		require.Equal(t, model[k], m.Value(k), "after %s", op)
	}
	for i, rd := range reads {
		require.Equal(t, rd.want, rd.got, "read %d changed after it was returned", i)
	}
}

// ApplyAt is Apply: the same results and outcomes, the same state after,
// over random requests of a few clients (retries and stale ones among
// them), and the request it read is as it was.
func TestApplyAtIsApply(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	byValue, inPlace := NewMachine(), NewMachine()
	kinds := []OpKind{Get, Put, Append, OpKind(99)}
	for i := range 2000 {
		r := Request{
			Client: protocols.NodeID("c" + strconv.Itoa(rng.IntN(4))),
			Seq:    uint64(i/3 - rng.IntN(3)),
			Op:     Op{Kind: kinds[rng.IntN(len(kinds))], Key: "k" + strconv.Itoa(rng.IntN(3)), Value: strconv.Itoa(i)},
		}
		before := r
		v1, o1 := byValue.Apply(r)
		v2, o2 := inPlace.ApplyAt(&r)
		require.Equal(t, v1, v2, "request %d", i)
		require.Equal(t, o1, o2, "request %d", i)
		require.Equal(t, before, r, "request %d changed", i)
	}
	assert.Equal(t, byValue.Snapshot(), inPlace.Snapshot())
}

// textChunk.text is string(b), idText is id.n, and the strings text, idText and concat return keep
// reading the same whatever is written after them, and however b is
// reused: over chunks that fill, and texts longer than a chunk.
func TestTextChunkTextIsAConversion(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c textChunk
		var got, want []string
		var buf []byte
		for range rapid.IntRange(1, 300).Draw(t, "steps") {
			n := rapid.IntRange(0, 40).Draw(t, "len")
			if rapid.IntRange(0, 30).Draw(t, "long") == 0 {
				n = textChunkLen + 5
			}
			buf = append(buf[:0], strings.Repeat(rapid.StringMatching(`[a-z]`).Draw(t, "byte"), n)...)
			switch {
			case len(got) > 0 && rapid.Bool().Draw(t, "concat"):
				v := got[len(got)-1]
				got = append(got, c.concat(v, string(buf)))
				want = append(want, v+string(buf))
			case rapid.IntRange(0, 3).Draw(t, "idText") == 0:
				seq := rapid.Uint64().Draw(t, "seq")
				got = append(got, c.idText(string(buf), seq))
				want = append(want, string(buf)+"."+strconv.FormatUint(seq, 10))
			default:
				got = append(got, c.text(buf))
				want = append(want, string(buf))
			}
			clear(buf) // the caller's bytes, reused
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("string %d reads %q, want %q", i, got[i], want[i])
			}
		}
	})
}
