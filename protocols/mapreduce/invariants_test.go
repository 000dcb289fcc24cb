package mapreduce

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// The map and reduce functions, run over every split and partition the way
// the workers run them, give exactly the sequential result: the output
// checks compare the store with sequential, so this is what makes a
// correct run pass. A differential test: two independent computations of
// one result.
func TestMapThenReduceEqualsTheSequentialResult(t *testing.T) {
	for _, kind := range []string{JobWordCount, JobIndex} {
		for _, reduces := range []int{1, 3, 7} {
			o := Options{Splits: 5, Lines: 4, Reduces: reduces, CorpusSeed: 9}.withDefaults()
			splits := corpus(o, 1)
			want := sequential(kind, splits, reduces)
			for r := range reduces {
				var inputs [][]string
				for m, lines := range splits {
					inputs = append(inputs, mapSplit(kind, m, lines, reduces)[r])
				}
				assert.Equal(t, want[r], reduceAll(kind, inputs), "%s, partition %d of %d", kind, r, reduces)
			}
		}
	}
}

// Each job's corpus depends on the corpus seed and the job number only.
func TestCorpusIsAFunctionOfTheOptions(t *testing.T) {
	o := Options{CorpusSeed: 3}.withDefaults()
	assert.Equal(t, corpus(o, 2), corpus(o, 2))
	assert.NotEqual(t, corpus(o, 1), corpus(o, 2))
	assert.Len(t, corpus(o, 1), DefaultSplits)
	assert.Len(t, corpus(o, 1)[0], DefaultLines)
}

func kindOf(err error) string {
	var v *protocols.Violation
	if errors.As(err, &v) {
		return v.Kind
	}
	return ""
}

// judge names what is wrong with a final file.
func TestJudgeClassifiesWhatAReaderSees(t *testing.T) {
	want := []string{"a 1", "b 2", "c 3", "d 4"}
	for _, c := range []struct {
		name string
		got  []string
		kind string
	}{
		{"exact", want, ""},
		{"first chunk only", want[:2], KindPartialOutput},
		{"a hole where a chunk is missing", []string{"a 1", "d 4"}, KindPartialOutput},
		{"empty", []string{}, KindPartialOutput},
		{"written twice", append(append([]string{}, want...), want...), KindDuplicateOutput},
		{"a key twice with other counts", []string{"a 1", "a 2", "b 2", "c 3"}, KindDuplicateOutput},
		{"a count too low", []string{"a 1", "b 1", "c 3", "d 4"}, KindWrongOutput},
		{"a line too many", append(append([]string{}, want...), "e 5"), KindWrongOutput},
	} {
		assert.Equal(t, c.kind, kindOf(judge("j1/mr-out-0", c.got, want)), c.name)
	}
}

func TestCheckerFollowsTheStoreAndTheCoordinator(t *testing.T) {
	o := Options{Coordinator: "n1", Store: "n3", Splits: 1, Reduces: 1, Lines: 2}
	c := NewChecker(o)
	s := newStore(protocols.Config{ID: "n3"}, o.withDefaults(), c.d)
	cl := cluster{nodes: map[protocols.NodeID]protocols.Node{"n3": s}}
	ev := func(node protocols.NodeID, notes ...protocols.Note) error {
		return c.Check(cl, protocols.Event{Node: node, Notes: notes})
	}
	inter, out := interPath(1, 0, 0), outPath(1, 0)

	// A reduce task given out before the map output it reads is in place.
	err := ev("n1", Issued{Task: TaskID{Job: 1, Phase: ReducePhase}, Worker: "n2"})
	assert.Equal(t, KindPrematureReduce, kindOf(err))

	// A temporary file may hold anything; renamed into place, it is judged.
	tmp := tempPath(inter, Attempt{1, 1})
	s.apply(WriteRecord{Path: tmp, Chunk: 0, Lines: c.d.expect[inter][:1]})
	require.NoError(t, ev("n3", FileChanged{Path: tmp}))
	s.apply(RenameRecord{From: tmp, To: inter})
	assert.Equal(t, KindPartialOutput, kindOf(ev("n3", FileChanged{Path: tmp}, FileChanged{Path: inter})))

	s.apply(WriteRecord{Path: inter, Chunk: 0, Lines: c.d.expect[inter]})
	require.NoError(t, ev("n3", FileChanged{Path: inter}))
	require.NoError(t, ev("n1", Accepted{Task: TaskID{Job: 1, Phase: MapPhase}}))
	require.NoError(t, ev("n1", Issued{Task: TaskID{Job: 1, Phase: ReducePhase}, Worker: "n2"}))

	// A job declared done before its output exists.
	assert.Equal(t, KindPrematureDone, kindOf(ev("n1", JobDone{Job: 1})))
	s.apply(WriteRecord{Path: out, Chunk: 0, Lines: c.d.expect[out]})
	require.NoError(t, ev("n3", FileChanged{Path: out}))
	require.NoError(t, ev("n1", JobDone{Job: 1}))
	require.NoError(t, c.Output(cl))
	assert.Equal(t, []clock.Time{0}, c.Completions())
}

// cluster is a protocols.Cluster over given nodes, at time 0.
type cluster struct {
	nodes map[protocols.NodeID]protocols.Node
}

func (c cluster) Now() clock.Time             { return 0 }
func (c cluster) Servers() []protocols.NodeID { return []protocols.NodeID{"n1", "n2", "n3"} }
func (c cluster) Node(id protocols.NodeID) protocols.Node {
	if n, ok := c.nodes[id]; ok {
		return n
	}
	return nil
}
func (c cluster) Byzantine(protocols.NodeID) bool { return false }
