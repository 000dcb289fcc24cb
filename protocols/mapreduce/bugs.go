package mapreduce

import "github.com/dsimlab/dsim/protocols"

// The bug variants' names.
const (
	BugNonAtomicOutput  = "non-atomic-output"
	BugNoReissue        = "no-reissue"
	BugCountCompletions = "count-completions"
	BugBlindRename      = "unconditional-rename"
)

// Bugs lists the defects this package can be built with. Each is a switch
// read at the one place it bites (search for "BUG " in this package).
var Bugs = []protocols.Bug{
	{Name: BugNonAtomicOutput, Description: "Workers write their output straight to the final file names, chunk by " +
		"chunk, instead of to a temporary file renamed into place when complete (the paper's §3.3), so a " +
		"reader sees half-written files, and a crashed or slow attempt leaves one behind. partial-output " +
		"catches it. Hadoop's FileOutputCommitter writes each attempt under _temporary and renames it on " +
		"commit for this reason; on S3, where a rename is a copy, partially visible job output was a known " +
		"problem until the S3A committers (HADOOP-13786) (scenario non-atomic-output)."},
	{Name: BugNoReissue, Description: "The coordinator notices that an attempt went silent, or that its worker " +
		"came back asking for work, but never puts the task back in the pool: a task given out once is " +
		"never given out again. A task whose worker crashed is never finished, so the job never " +
		"completes (a backup attempt, given out before the silence was noticed, rescues it unless the " +
		"backup's worker fails too); the liveness check after the healing phase catches it. Forgetting " +
		"to re-issue the tasks of dead workers is the classic first-version mistake the MIT 6.5840 " +
		"MapReduce lab's crash test exists for (scenario no-reissue)."},
	{Name: BugCountCompletions, Description: "The coordinator moves to the next phase when it has counted as many " +
		"completion messages as there are tasks, instead of tracking which tasks completed. A duplicate " +
		"completion (a backup and its original both finishing, a late straggler, a duplicated message) is " +
		"counted twice, so reduce tasks start while a map task is unfinished and read its missing output " +
		"as empty, or a job is declared done early. premature-reduce and premature-done catch it; the " +
		"paper's master ignores completions of tasks already complete for this reason " +
		"(scenario count-completions)."},
	{Name: BugBlindRename, Description: "The store renames whatever file is at the source name, ignoring the size and " +
		"checksum the Rename carries. Requests are resent until answered, so a resent Write can arrive after " +
		"the Rename it preceded and recreate the temporary file with one chunk; a resent or duplicated Rename " +
		"then moves that fragment over the complete output. A retried request that is not idempotent is " +
		"NFS's classic failure (Juszczak, \"Improving the Performance and Correctness of an NFS Server\", " +
		"USENIX 1989: the duplicate request cache exists for RENAME and REMOVE); partial-output or " +
		"wrong-output catch it (scenario unconditional-rename)."},
}

// bugs holds the switches; the zero value is correct code.
type bugs struct {
	nonAtomicOutput  bool
	noReissue        bool
	countCompletions bool
	blindRename      bool
}

func parseBug(name string) bugs {
	return bugs{
		nonAtomicOutput:  name == BugNonAtomicOutput,
		noReissue:        name == BugNoReissue,
		countCompletions: name == BugCountCompletions,
		blindRename:      name == BugBlindRename,
	}
}
