package mapreduce

import (
	"embed"
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

//go:embed catalog
var catalog embed.FS

// Protocol describes MapReduce to dsim.
var Protocol = &protocols.Protocol{
	Name:       "mapreduce",
	Summary:    "MapReduce with worker crashes and stragglers: re-issued tasks, backup attempts, atomic-rename output",
	MinServers: 3,
	MinHealing: 3 * clock.Second,
	Bugs:       Bugs,
	Probes:     Probes,
	Messages: []protocols.Message{
		GetTask{}, Assign{}, Wait{}, Heartbeat{}, Done{}, DoneAck{}, Read{}, Write{}, Rename{}, FileReply{},
	},
	Options: []protocols.Option{
		{Name: "jobs", Default: "1", Help: "jobs the coordinator runs, one after another, each over its own generated corpus"},
		{Name: "job", Default: JobWordCount, Help: "what the jobs compute: wordcount, index (an inverted index: the splits each word occurs in) or mixed (odd jobs count, even jobs index)"},
		{Name: "splits", Default: strconv.Itoa(DefaultSplits), Help: "input splits, hence map tasks, per job"},
		{Name: "reduces", Default: strconv.Itoa(DefaultReduces), Help: "reduce tasks, hence output files, per job"},
		{Name: "lines", Default: strconv.Itoa(DefaultLines), Help: "lines of six words in each input split"},
		{Name: "corpus-seed", Default: "1", Help: "seeds the generated text (the run's seed does not change it)"},
		{Name: "chunk", Default: strconv.Itoa(DefaultChunk), Help: "lines per Write: a file of more lines is written in several"},
		{Name: "map-time", Default: "150ms", Help: "compute time of a map task, between reading its split and writing its output"},
		{Name: "reduce-time", Default: "100ms", Help: "compute time of a reduce task"},
		{Name: "worker-timeout", Default: "1s", Help: "the coordinator gives a task out again when its attempt has sent no heartbeat for this long"},
		{Name: "backup", Default: "on", Help: "near the end of a phase, give idle workers backup attempts of stragglers"},
		{Name: "backup-after", Default: "300ms", Help: "how long an attempt runs before it counts as a straggler"},
		{Name: "poll-every", Default: "100ms", Help: "how often an idle worker asks the coordinator for a task, and a busy one sends it a heartbeat"},
		{Name: "retry-every", Default: "100ms", Help: "how often a worker resends unanswered store requests and completions"},
	},
	Display: protocols.Display{
		Term:   "epoch",
		Commit: "tasks",
		Log:    "tasks of the phase (coordinator), newest files (store)",
		Progress: func(n int) string {
			if n == 1 {
				return "1 task done"
			}
			return strconv.Itoa(n) + " tasks done"
		},
		Help: "epoch: how many times the coordinator has started. tasks: on the coordinator the tasks complete over all jobs; " +
			"on a worker the tasks it completed since it started; on the store the files under final names.",
		Roles: []protocols.Role{
			{Name: "coordinator", Kind: protocols.RoleLeads, Help: "hands out map then reduce tasks, re-issues those whose workers went quiet, runs backups of stragglers, records each completion"},
			{Name: "mapper", Kind: protocols.RoleFollows, Help: "a worker running a map task: reads a split, writes one temporary file per partition, renames them into place"},
			{Name: "reducer", Kind: protocols.RoleFollows, Help: "a worker running a reduce task: reads its partition of every map output, writes the output file, renames it into place"},
			{Name: "idle", Kind: protocols.RoleFollows, Help: "a worker with no task: it asks the coordinator for one every poll interval"},
			{Name: "store", Kind: protocols.RoleOther, Help: "the shared file store: durable files, positional writes and an atomic, conditional rename"},
		},
	},
	Catalog: protocols.CatalogDir(catalog, "catalog"),
	Build:   build,
}

func build(s protocols.Setup) (protocols.Wiring, error) {
	if len(s.Servers) < 3 {
		return protocols.Wiring{}, fmt.Errorf("mapreduce: needs a coordinator, a store and a worker: at least 3 servers, not %d", len(s.Servers))
	}
	o := Options{
		Coordinator:   s.Servers[0],
		Store:         s.Servers[len(s.Servers)-1],
		Jobs:          s.Options.Int("jobs", DefaultJobs, 1, 1000),
		Job:           s.Options.Word("job", JobWordCount, JobWordCount, JobIndex, JobMixed),
		Splits:        s.Options.Int("splits", DefaultSplits, 1, 1000),
		Reduces:       s.Options.Int("reduces", DefaultReduces, 1, 1000),
		Lines:         s.Options.Int("lines", DefaultLines, 1, 10_000),
		CorpusSeed:    uint64(s.Options.Int("corpus-seed", 1, 1, 1<<30)),
		Chunk:         s.Options.Int("chunk", DefaultChunk, 1, 10_000),
		MapTime:       s.Options.Duration("map-time", DefaultMapTime),
		ReduceTime:    s.Options.Duration("reduce-time", DefaultReduceTime),
		WorkerTimeout: s.Options.Duration("worker-timeout", DefaultWorkerTimeout),
		Backup:        s.Options.Bool("backup", true),
		BackupAfter:   s.Options.Duration("backup-after", DefaultBackupAfter),
		PollEvery:     s.Options.Duration("poll-every", DefaultPollEvery),
		RetryEvery:    s.Options.Duration("retry-every", DefaultRetryEvery),
		Bug:           s.Bug,
	}
	if err := o.Validate(); err != nil {
		return protocols.Wiring{}, err
	}
	return protocols.Wiring{Server: New(o), Checks: NewChecker(o).Checks()}, nil
}
