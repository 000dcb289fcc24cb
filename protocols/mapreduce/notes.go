package mapreduce

import (
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Notes are what nodes tell the checks and the UI. They never reach other
// nodes, and nothing in the protocol reads them back.

// Issued is noted by the coordinator when it gives a task to a worker.
type Issued struct {
	Task    TaskID
	Attempt Attempt
	Worker  protocols.NodeID
	Backup  bool
}

// String renders the note as issued j1/map-3 attempt=1.4 to=n2.
func (n Issued) String() string {
	s := "issued " + n.Task.String() + " attempt=" + n.Attempt.String() + " to=" + string(n.Worker)
	if n.Backup {
		s += " backup"
	}
	return s
}

// Accepted is noted by the coordinator when it records a task complete:
// the first Done for it.
type Accepted struct {
	Task    TaskID
	Attempt Attempt
}

// String renders the note as accepted j1/map-3 attempt=1.4.
func (n Accepted) String() string {
	return "accepted " + n.Task.String() + " attempt=" + n.Attempt.String()
}

// JobDone is noted by the coordinator when the last reduce task of a job
// completes. Took is how long the job ran by the coordinator's clock, from
// its first task given out (or the start, for a coordinator that restarted
// into it); the checks measure it in global time too.
type JobDone struct {
	Job  int
	Took clock.Duration
}

// String renders the note as job-done j1 took=1.234s.
func (n JobDone) String() string {
	return "job-done j" + strconv.Itoa(n.Job) + " took=" + clock.FormatDuration(n.Took)
}

// FileChanged is noted by the store whenever a file appears, changes or
// disappears, so the output checks look at exactly the files that changed.
type FileChanged struct{ Path string }

// String renders the note as file-changed j1/mr-out-2.
func (n FileChanged) String() string { return "file-changed " + n.Path }

// The durable records.

// EpochRecord is the coordinator's record of one of its starts.
type EpochRecord struct{ Epoch uint32 }

// String renders the record as epoch 2.
func (r EpochRecord) String() string { return "epoch " + u32(r.Epoch) }

// TaskDoneRecord is the coordinator's record that a task completed: synced
// before the completion is acknowledged or acted on, so a restarted
// coordinator never runs the job backwards.
type TaskDoneRecord struct{ Task TaskID }

// String renders the record as task-done j1/map-3.
func (r TaskDoneRecord) String() string { return "task-done " + r.Task.String() }

// IncRecord is a worker's record of one of its starts: its incarnation.
type IncRecord struct{ Inc uint32 }

// String renders the record as incarnation 2.
func (r IncRecord) String() string { return "incarnation " + u32(r.Inc) }

// WriteRecord is the store's record of a Write.
type WriteRecord struct {
	Path  string
	Chunk int
	Lines []string
}

// String renders the record as write j1/tmp/mr-0-1@1.1 #0 [a 1|b 2].
func (r WriteRecord) String() string {
	return "write " + r.Path + " #" + strconv.Itoa(r.Chunk) + " " + linesText(r.Lines)
}

// RenameRecord is the store's record of a Rename.
type RenameRecord struct{ From, To string }

// String renders the record as rename j1/tmp/mr-0-1@1.1 -> j1/mr-0-1.
func (r RenameRecord) String() string { return "rename " + r.From + " -> " + r.To }

// The coverage probes nodes report.
const (
	ProbeAttemptSilent     = "attempt-silent"        // an attempt sent no heartbeat for the worker timeout: its task is given out again
	ProbeTaskAbandoned     = "task-abandoned"        // a worker asked for work while holding a task (it restarted): the task is given out again at once
	ProbeBackupTask        = "backup-task"           // a backup attempt of a straggler was given out
	ProbeBackupWon         = "backup-won"            // a backup attempt completed its task first
	ProbeDuplicateDone     = "duplicate-completion"  // a Done came for a task already complete, and was ignored
	ProbeLateCompletion    = "late-completion"       // an attempt the coordinator had given up on completed its task first
	ProbeCoordinatorResume = "coordinator-recovered" // a restarted coordinator resumed the job from its log
	ProbeStoreRecovered    = "store-recovered"       // a restarted store rebuilt its files from its log
	ProbeRenameRefused     = "rename-refused"        // the store refused to rename a file that was not the complete one described
	ProbeStaleAssign       = "stale-assign-ignored"  // a worker ignored an Assign that did not answer its current request
	ProbeJobDone           = "job-done"              // a job completed
)

// Probes lists the probes this protocol declares.
var Probes = []string{
	ProbeAttemptSilent, ProbeTaskAbandoned, ProbeBackupTask, ProbeBackupWon, ProbeDuplicateDone,
	ProbeLateCompletion, ProbeCoordinatorResume, ProbeStoreRecovered, ProbeRenameRefused,
	ProbeStaleAssign, ProbeJobDone,
}
