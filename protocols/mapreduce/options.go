package mapreduce

import (
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// The kinds of job, as the job option names them.
const (
	JobWordCount = "wordcount" // how often each word occurs in the corpus
	JobIndex     = "index"     // an inverted index: for each word, the splits it occurs in
	JobMixed     = "mixed"     // odd jobs count words, even jobs build an index
)

// Options configure a MapReduce world: the jobs, their input, the cost of a
// task, and the coordinator's and workers' timeouts. Every zero value has a
// default (see withDefaults).
type Options struct {
	// Coordinator and Store are the servers that play those roles; every
	// other server is a worker. Zero: the first and the last of the servers
	// the node is told about (Config.Peers plus itself).
	Coordinator, Store protocols.NodeID

	Jobs       int    // jobs run one after another; default 1
	Job        string // JobWordCount, JobIndex or JobMixed; default JobWordCount
	Splits     int    // input splits, hence map tasks, per job; default 8
	Reduces    int    // reduce tasks (output partitions) per job; default 4
	Lines      int    // lines per input split; default 6
	CorpusSeed uint64 // seeds the generated text; default 1
	Chunk      int    // lines per Write message; default 4

	MapTime       clock.Duration // compute time of one map task; default 150ms
	ReduceTime    clock.Duration // compute time of one reduce task; default 100ms
	WorkerTimeout clock.Duration // the coordinator gives a task out again when its attempt has been silent this long; default 1s
	Backup        bool           // run backup attempts of stragglers near the end of a phase (zero: off; Build defaults to on)
	BackupAfter   clock.Duration // a task becomes a straggler after running this long; default 300ms
	PollEvery     clock.Duration // an idle worker asks for a task, a busy one sends a heartbeat, this often; default 100ms
	RetryEvery    clock.Duration // unanswered store requests and completions are resent this often; default 100ms

	Bug string // a bug variant from Bugs, or "" for correct code
}

// The defaults of the zero values.
const (
	DefaultJobs          = 1
	DefaultSplits        = 8
	DefaultReduces       = 4
	DefaultLines         = 6
	DefaultChunk         = 4
	DefaultMapTime       = 150 * clock.Millisecond
	DefaultReduceTime    = 100 * clock.Millisecond
	DefaultWorkerTimeout = clock.Second
	DefaultBackupAfter   = 300 * clock.Millisecond
	DefaultPollEvery     = 100 * clock.Millisecond
	DefaultRetryEvery    = 100 * clock.Millisecond
)

// wordsPerLine is the length of every generated line.
const wordsPerLine = 6

// tick is how often the coordinator looks for attempts that went silent.
const tick = 100 * clock.Millisecond

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	defDur := func(v *clock.Duration, d clock.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Jobs, DefaultJobs)
	def(&o.Splits, DefaultSplits)
	def(&o.Reduces, DefaultReduces)
	def(&o.Lines, DefaultLines)
	def(&o.Chunk, DefaultChunk)
	if o.Job == "" {
		o.Job = JobWordCount
	}
	if o.CorpusSeed == 0 {
		o.CorpusSeed = 1
	}
	defDur(&o.MapTime, DefaultMapTime)
	defDur(&o.ReduceTime, DefaultReduceTime)
	defDur(&o.WorkerTimeout, DefaultWorkerTimeout)
	defDur(&o.BackupAfter, DefaultBackupAfter)
	defDur(&o.PollEvery, DefaultPollEvery)
	defDur(&o.RetryEvery, DefaultRetryEvery)
	return o
}

// Validate reports the first option out of range, or an unknown bug.
func (o Options) Validate() error {
	switch {
	case o.Jobs < 0 || o.Jobs > 1000:
		return fmt.Errorf("mapreduce: jobs %d: want 1 to 1000", o.Jobs)
	case o.Splits < 0 || o.Splits > 1000:
		return fmt.Errorf("mapreduce: splits %d: want 1 to 1000", o.Splits)
	case o.Reduces < 0 || o.Reduces > 1000:
		return fmt.Errorf("mapreduce: reduces %d: want 1 to 1000", o.Reduces)
	case o.Lines < 0 || o.Lines > 10_000:
		return fmt.Errorf("mapreduce: lines %d: want 1 to 10000", o.Lines)
	case o.Chunk < 0:
		return fmt.Errorf("mapreduce: chunk %d is negative", o.Chunk)
	case o.MapTime < 0 || o.ReduceTime < 0 || o.WorkerTimeout < 0 || o.BackupAfter < 0 || o.PollEvery < 0 || o.RetryEvery < 0:
		return fmt.Errorf("mapreduce: durations must not be negative")
	}
	switch o.Job {
	case "", JobWordCount, JobIndex, JobMixed:
	default:
		return fmt.Errorf("mapreduce: job %q: want %s, %s or %s", o.Job, JobWordCount, JobIndex, JobMixed)
	}
	if o.Bug != "" && !slices.ContainsFunc(Bugs, func(b protocols.Bug) bool { return b.Name == o.Bug }) {
		return fmt.Errorf("mapreduce: unknown bug %q", o.Bug)
	}
	return nil
}

// kindOf returns the kind of job number j (1-based).
func (o Options) kindOf(j int) string {
	if o.Job == JobMixed {
		if j%2 == 0 {
			return JobIndex
		}
		return JobWordCount
	}
	return o.Job
}
