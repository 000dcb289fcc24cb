package mapreduce

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// The jobs: their input (a seeded corpus of text, one file per split),
// their map and reduce functions, and where their files live in the store.
// Everything here is a pure function of the options, so the workers, the
// store and the checks compute the same things independently.

// Phase is a job's phase: every map task runs before any reduce task.
type Phase uint8

// The phases.
const (
	MapPhase Phase = iota + 1
	ReducePhase
)

func (p Phase) String() string {
	switch p {
	case MapPhase:
		return "map"
	case ReducePhase:
		return "reduce"
	}
	return "phase?"
}

// TaskID names one task: map task m reads split m, reduce task r writes
// output partition r. Jobs count from 1, tasks from 0.
type TaskID struct {
	Job   int
	Phase Phase
	Index int
}

// String renders the task as j1/map-3.
func (t TaskID) String() string {
	return "j" + strconv.Itoa(t.Job) + "/" + t.Phase.String() + "-" + strconv.Itoa(t.Index)
}

// Attempt names one execution of a task: the coordinator's epoch (how many
// times it has started) and a counter within the epoch, so attempt names
// are never reused, across coordinator restarts too. A worker writes its
// output under temporary names that include it.
type Attempt struct {
	Epoch, N uint32
}

// String renders the attempt as 2.17.
func (a Attempt) String() string {
	return strconv.FormatUint(uint64(a.Epoch), 10) + "." + strconv.FormatUint(uint64(a.N), 10)
}

// The file names: split m of job j is j1/split-m; map task m writes its
// partition r to j1/mr-m-r; reduce task r writes j1/mr-out-r (the names of
// the MIT 6.5840 lab). An attempt writes each file first under
// j1/tmp/NAME@ATTEMPT and renames it into place when it is complete.
func splitPath(job, m int) string { return "j" + strconv.Itoa(job) + "/split-" + strconv.Itoa(m) }

func interPath(job, m, r int) string {
	return "j" + strconv.Itoa(job) + "/mr-" + strconv.Itoa(m) + "-" + strconv.Itoa(r)
}

func outPath(job, r int) string { return "j" + strconv.Itoa(job) + "/mr-out-" + strconv.Itoa(r) }

func tempPath(final string, a Attempt) string {
	dir, base, _ := strings.Cut(final, "/")
	return dir + "/tmp/" + base + "@" + a.String()
}

// isTemp reports whether a path is a temporary file.
func isTemp(path string) bool { return strings.Contains(path, "/tmp/") }

// vocabulary is what the corpus is written in. Words are drawn with a skew
// toward the front of the list, so some words are common and some rare, as
// in real text.
var vocabulary = strings.Fields(`the of and a to in is fox dog cat was for on that
with as by at from this bird map task file node disk lost slow fast crash work
reduce split word count index apple river stone cloud light green seven paper
quiet storm winter copper`)

// corpus generates job j's input: Splits splits of Lines lines each.
func corpus(o Options, job int) [][]string {
	r := rand.New(rand.NewPCG(o.CorpusSeed, uint64(job)))
	splits := make([][]string, o.Splits)
	words := make([]string, wordsPerLine)
	for m := range splits {
		lines := make([]string, o.Lines)
		for i := range lines {
			for k := range words {
				u := r.Float64()
				words[k] = vocabulary[int(u*u*float64(len(vocabulary)))]
			}
			lines[i] = strings.Join(words, " ")
		}
		splits[m] = lines
	}
	return splits
}

// partition is the reduce task a key goes to: a hash of the key modulo the
// number of reduce tasks, the paper's default partitioning function.
func partition(key string, reduces int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(reduces))
}

// mapSplit runs the map function of a job of the given kind over split m,
// with the paper's combiner for word count (one line per distinct word of
// the split, not one per occurrence), and returns its output per reduce
// partition: lines "key value", sorted by key.
func mapSplit(kind string, m int, lines []string, reduces int) [][]string {
	counts := map[string]int{}
	for _, l := range lines {
		for _, w := range strings.Fields(l) {
			counts[w]++
		}
	}
	out := make([][]string, reduces)
	for _, w := range sortedKeys(counts) {
		v := strconv.Itoa(m)
		if kind == JobWordCount {
			v = strconv.Itoa(counts[w])
		}
		r := partition(w, reduces)
		out[r] = append(out[r], w+" "+v)
	}
	return out
}

// reduceAll runs the reduce function of a job of the given kind over the
// map outputs of one partition: for word count the sum of the counts of
// each key, for the index the sorted list of splits each key occurs in.
// Its output is sorted by key, as the paper's ordering guarantee promises.
func reduceAll(kind string, inputs [][]string) []string {
	values := map[string][]int{}
	for _, in := range inputs {
		for _, l := range in {
			k, v, ok := strings.Cut(l, " ")
			n, err := strconv.Atoi(v)
			if !ok || err != nil {
				continue // not a line a map task writes; a bug elsewhere shows in the output check
			}
			values[k] = append(values[k], n)
		}
	}
	out := make([]string, 0, len(values))
	for _, k := range sortedKeys(values) {
		out = append(out, k+" "+combine(kind, values[k]))
	}
	return out
}

func combine(kind string, vs []int) string {
	if kind == JobWordCount {
		sum := 0
		for _, v := range vs {
			sum += v
		}
		return strconv.Itoa(sum)
	}
	slices.Sort(vs)
	vs = slices.Compact(vs)
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ",")
}

// sequential computes a job's result the way one machine would, straight
// from the corpus without tasks, partitions or files, and splits it into
// the partitions the reduce tasks write: the checks compare every output
// file with it.
func sequential(kind string, splits [][]string, reduces int) [][]string {
	count := map[string]int{}
	docs := map[string][]int{}
	for m, lines := range splits {
		for _, l := range lines {
			for _, w := range strings.Fields(l) {
				count[w]++
				if d := docs[w]; len(d) == 0 || d[len(d)-1] != m {
					docs[w] = append(d, m)
				}
			}
		}
	}
	out := make([][]string, reduces)
	for _, w := range sortedKeys(count) {
		v := strconv.Itoa(count[w])
		if kind == JobIndex {
			v = combine(JobIndex, docs[w])
		}
		r := partition(w, reduces)
		out[r] = append(out[r], w+" "+v)
	}
	return out
}

// checksum is a digest of a file's lines, carried by Rename so the store
// moves a temporary file into place only when it is the complete file the
// worker wrote.
func checksum(lines []string) uint64 {
	h := fnv.New64a()
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return h.Sum64()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// dataset is everything the options determine: the input files, and what
// every final file must hold.
type dataset struct {
	inputs map[string][]string // split path -> its lines
	// expect holds, for every intermediate and output file name, the
	// content a complete, correct execution gives it: the map function's
	// output for an intermediate file, the sequential result's partition
	// for an output file.
	expect map[string][]string
}

func newDataset(o Options) *dataset {
	d := &dataset{inputs: map[string][]string{}, expect: map[string][]string{}}
	for j := 1; j <= o.Jobs; j++ {
		kind := o.kindOf(j)
		splits := corpus(o, j)
		for m, lines := range splits {
			d.inputs[splitPath(j, m)] = lines
			for r, part := range mapSplit(kind, m, lines, o.Reduces) {
				d.expect[interPath(j, m, r)] = part
			}
		}
		for r, part := range sequential(kind, splits, o.Reduces) {
			d.expect[outPath(j, r)] = part
		}
	}
	return d
}
