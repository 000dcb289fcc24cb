package mapreduce

import (
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// coordinator runs the jobs one after another, each in two phases: it gives
// out the map tasks, and only when every map task has completed the reduce
// tasks. Workers pull tasks (GetTask) and send heartbeats while they run
// one. A task goes back to the pool when its attempt has been silent for
// WorkerTimeout (the paper's failed worker) or its worker comes back
// asking for work (it restarted); near the end of a phase, when no task is
// left to give, an idle worker gets a backup attempt of the oldest
// straggler: an attempt still alive, running for BackupAfter. The first
// Done for a task completes it; later ones are acknowledged and ignored.
//
// What survives a crash is a record per completed task (synced before the
// Done is acknowledged) and a record per start (the epoch, which keeps
// attempt names unique): a restarted coordinator resumes where the records
// say, and gives out again whatever was running.
type coordinator struct {
	o  Options
	b  bugs
	id protocols.NodeID

	epoch uint32
	next  uint32 // attempts given out in this epoch
	now   clock.Time

	done      map[TaskID]bool // every completed task, of every job (durable)
	job       int             // the current job; Jobs+1 once all are done
	phase     Phase
	tasks     []*ctask // the current phase's tasks
	counted   int      // BUG count-completions: completion messages counted in this phase
	jobStart  clock.Time
	took      []clock.Duration // how long each job completed in this incarnation took
	recovered bool

	workers map[protocols.NodeID]*wstate
}

// ctask is the coordinator's view of one task of the current phase.
type ctask struct {
	id       TaskID
	done     bool
	attempts []*cattempt
}

type cattempt struct {
	id     Attempt
	worker protocols.NodeID
	start  clock.Time
	heard  clock.Time // when its worker last said it runs it (the Assign, a heartbeat)
	live   bool       // the coordinator still expects it to complete
	backup bool
}

func (t *ctask) live() (n int, last *cattempt) {
	for _, a := range t.attempts {
		if a.live {
			n, last = n+1, a
		}
	}
	return n, last
}

// wstate is what the coordinator knows of one worker: its latest request
// for a task and the answer it got.
type wstate struct {
	inc, ask uint32
	reply    protocols.Message // Assign or Wait
	task     *ctask            // the task an Assign gave, with its attempt
	att      *cattempt
}

const timerTick = "tick"

func newCoordinator(cfg protocols.Config, o Options) *coordinator {
	c := &coordinator{o: o, b: parseBug(o.Bug), id: cfg.ID, done: map[TaskID]bool{}, workers: map[protocols.NodeID]*wstate{}}
	for _, r := range cfg.Store {
		switch r := r.(type) {
		case EpochRecord:
			c.epoch = max(c.epoch, r.Epoch)
		case TaskDoneRecord:
			c.done[r.Task] = true
		}
	}
	c.recovered = len(c.done) > 0
	return c
}

// Step implements protocols.Node.
func (c *coordinator) Step(in protocols.Input, out *protocols.Effects) {
	c.now = in.Now
	switch in.Kind {
	case protocols.Start:
		c.epoch++
		out.Persist(EpochRecord{Epoch: c.epoch})
		c.jobStart = in.Now
		c.resume()
		if c.recovered {
			out.Probe(ProbeCoordinatorResume)
		}
		if !c.finished() {
			out.SetTimer(timerTick, tick)
		}
	case protocols.Timer:
		if in.Timer == timerTick && !c.finished() {
			c.expire(out)
			out.SetTimer(timerTick, tick)
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case GetTask:
			c.getTask(in.From, m, out)
		case Heartbeat:
			c.heartbeat(in.From, m)
		case Done:
			c.onDone(in.From, m, out)
		}
	}
}

// resume finds the first job not complete and its phase, from the records.
func (c *coordinator) resume() {
	for c.job = 1; c.job <= c.o.Jobs; c.job++ {
		if !c.recorded(c.job, ReducePhase) {
			c.phase = MapPhase
			if c.recorded(c.job, MapPhase) {
				c.phase = ReducePhase
			}
			c.load()
			return
		}
	}
}

// recorded reports whether the records hold every task of a job's phase.
func (c *coordinator) recorded(job int, p Phase) bool {
	for i := range c.count(p) {
		if !c.done[TaskID{Job: job, Phase: p, Index: i}] {
			return false
		}
	}
	return true
}

func (c *coordinator) count(p Phase) int {
	if p == MapPhase {
		return c.o.Splits
	}
	return c.o.Reduces
}

// load sets up the current phase's tasks.
func (c *coordinator) load() {
	c.tasks = make([]*ctask, c.count(c.phase))
	c.counted = 0
	for i := range c.tasks {
		id := TaskID{Job: c.job, Phase: c.phase, Index: i}
		c.tasks[i] = &ctask{id: id, done: c.done[id]}
		if c.done[id] {
			c.counted++
		}
	}
}

func (c *coordinator) finished() bool { return c.job > c.o.Jobs }

// getTask answers a worker's request for a task.
func (c *coordinator) getTask(from protocols.NodeID, m GetTask, out *protocols.Effects) {
	ws := c.workers[from]
	if ws == nil {
		ws = &wstate{}
		c.workers[from] = ws
	}
	switch {
	case m.Inc < ws.inc || (m.Inc == ws.inc && m.Ask < ws.ask):
		return // a stale duplicate: the worker has asked anew since
	case m.Inc == ws.inc && m.Ask == ws.ask:
		// A resend: the worker did not get the answer. Give the same task
		// again if it is still the worker's to run.
		if a, ok := ws.reply.(Assign); ok && ws.att.live && !ws.task.done {
			out.Send(from, a)
			return
		}
	default:
		// A new request: the worker has given up whatever it ran (it
		// completed it, or it restarted and lost it).
		if ws.att != nil && ws.att.live && !ws.task.done {
			ws.att.live = false
			out.Probe(ProbeTaskAbandoned)
		}
	}
	ws.inc, ws.ask, ws.task, ws.att = m.Inc, m.Ask, nil, nil
	ws.reply = c.pick(from, m, ws, out)
	out.Send(from, ws.reply)
}

// pick chooses the answer to a new request: the first task of the phase
// with no live attempt, else a backup attempt of the oldest straggler,
// else wait.
func (c *coordinator) pick(from protocols.NodeID, m GetTask, ws *wstate, out *protocols.Effects) protocols.Message {
	if c.finished() {
		return Wait{Inc: m.Inc, Ask: m.Ask, Finished: true}
	}
	for _, t := range c.tasks {
		n, _ := t.live()
		if c.b.noReissue {
			// BUG no-reissue: the coordinator knows which attempts failed,
			// but a task given out once never goes back to the pool.
			n = len(t.attempts)
		}
		if !t.done && n == 0 {
			return c.issue(from, m, ws, t, false, out)
		}
	}
	if c.o.Backup {
		var oldest *ctask
		var oldestStart clock.Time
		for _, t := range c.tasks {
			n, a := t.live()
			if t.done || n != 1 || a.worker == from || c.now.Sub(a.start) < c.o.BackupAfter {
				continue
			}
			if oldest == nil || a.start < oldestStart {
				oldest, oldestStart = t, a.start
			}
		}
		if oldest != nil {
			out.Probe(ProbeBackupTask)
			return c.issue(from, m, ws, oldest, true, out)
		}
	}
	return Wait{Inc: m.Inc, Ask: m.Ask}
}

func (c *coordinator) issue(from protocols.NodeID, m GetTask, ws *wstate, t *ctask, backup bool, out *protocols.Effects) Assign {
	c.next++
	a := &cattempt{id: Attempt{Epoch: c.epoch, N: c.next}, worker: from, start: c.now, heard: c.now, live: true, backup: backup}
	t.attempts = append(t.attempts, a)
	ws.task, ws.att = t, a
	out.Note(Issued{Task: t.id, Attempt: a.id, Worker: from, Backup: backup})
	return Assign{Inc: m.Inc, Ask: m.Ask, Task: t.id, Attempt: a.id, Backup: backup}
}

// heartbeat notes that an attempt's worker is still running it.
func (c *coordinator) heartbeat(from protocols.NodeID, m Heartbeat) {
	if a := c.attempt(m.Task, m.Attempt); a != nil && a.worker == from {
		a.heard = max(a.heard, c.now)
	}
}

// attempt finds an attempt of a task of the current phase, or nil.
func (c *coordinator) attempt(task TaskID, id Attempt) *cattempt {
	if c.finished() || task.Job != c.job || task.Phase != c.phase || task.Index >= len(c.tasks) {
		return nil
	}
	for _, a := range c.tasks[task.Index].attempts {
		if a.id == id {
			return a
		}
	}
	return nil
}

// expire gives up on attempts that have been silent for WorkerTimeout:
// their workers crashed, are cut off or stalled. Their tasks go back to
// the pool.
func (c *coordinator) expire(out *protocols.Effects) {
	for _, t := range c.tasks {
		if t.done {
			continue
		}
		for _, a := range t.attempts {
			if a.live && c.now.Sub(a.heard) >= c.o.WorkerTimeout {
				a.live = false
				out.Probe(ProbeAttemptSilent)
			}
		}
	}
}

// onDone takes a Done: the first for a task completes it, durably,
// before the acknowledgement leaves.
func (c *coordinator) onDone(from protocols.NodeID, m Done, out *protocols.Effects) {
	defer out.Send(from, DoneAck{Task: m.Task, Attempt: m.Attempt})
	cur := !c.finished() && m.Task.Job == c.job && m.Task.Phase == c.phase
	if c.done[m.Task] {
		out.Probe(ProbeDuplicateDone)
		if c.b.countCompletions && cur {
			// BUG count-completions: a duplicate counts as a completion.
			c.counted++
			c.advance(out)
		}
		return
	}
	c.done[m.Task] = true
	out.Persist(TaskDoneRecord{Task: m.Task})
	out.Note(Accepted{Task: m.Task, Attempt: m.Attempt})
	if !cur {
		return // a task of a phase the coordinator has left (only with count-completions)
	}
	t := c.tasks[m.Task.Index]
	t.done = true
	c.counted++
	if a := c.attempt(m.Task, m.Attempt); a != nil {
		if a.backup {
			out.Probe(ProbeBackupWon)
		}
		if !a.live {
			out.Probe(ProbeLateCompletion)
		}
	}
	c.advance(out)
}

// advance moves to the next phase, or the next job, once every task of the
// current phase is complete.
func (c *coordinator) advance(out *protocols.Effects) {
	for !c.finished() && c.phaseComplete() {
		if c.phase == MapPhase {
			c.phase = ReducePhase
			c.load()
			continue
		}
		took := c.now.Sub(c.jobStart)
		out.Note(JobDone{Job: c.job, Took: took})
		out.Probe(ProbeJobDone)
		c.took = append(c.took, took)
		c.job++
		c.jobStart = c.now
		c.phase = MapPhase
		if !c.finished() {
			c.load()
		}
	}
}

func (c *coordinator) phaseComplete() bool {
	if c.b.countCompletions {
		return c.counted >= len(c.tasks) // BUG count-completions: a count, not a check of each task
	}
	for _, t := range c.tasks {
		if !t.done {
			return false
		}
	}
	return true
}

// JobsDone returns how many jobs are complete.
func (c *coordinator) JobsDone() int { return min(c.job, c.o.Jobs+1) - 1 }

// pending describes the current phase's incomplete tasks, for a liveness
// failure's detail.
func (c *coordinator) pending() string {
	var parts []string
	for _, t := range c.tasks {
		if !t.done {
			parts = append(parts, c.describe(t))
		}
	}
	return strings.Join(parts, "; ")
}

func (c *coordinator) describe(t *ctask) string {
	if t.done {
		return t.id.String() + " done"
	}
	var live []string
	for _, a := range t.attempts {
		if a.live {
			s := a.id.String() + " on " + string(a.worker) + " since " + a.start.String()
			if a.backup {
				s += " (backup)"
			}
			live = append(live, s)
		}
	}
	if len(live) == 0 {
		return t.id.String() + " waiting for a worker (" + strconv.Itoa(len(t.attempts)) + " attempts so far)"
	}
	return t.id.String() + " running: " + strings.Join(live, ", ")
}

// Status implements protocols.Node: it leads; Term is its epoch, Commit the
// tasks complete over all jobs, and the log the current phase's tasks.
func (c *coordinator) Status() protocols.Status {
	st := protocols.Status{Role: "coordinator", Leader: true, Term: uint64(c.epoch), Commit: len(c.done), LogLen: len(c.tasks)}
	for i, t := range c.tasks {
		st.Log = append(st.Log, protocols.LogEntry{Index: i + 1, Text: c.describe(t)})
	}
	job := "all " + strconv.Itoa(c.o.Jobs) + " done"
	if !c.finished() {
		job = strconv.Itoa(c.job) + " of " + strconv.Itoa(c.o.Jobs) + " (" + c.o.kindOf(c.job) + "), " + c.phase.String() + " phase"
	}
	st.Fields = []protocols.Field{{Name: "job", Value: job}}
	if len(c.took) > 0 {
		var took []string
		for _, d := range c.took {
			took = append(took, clock.FormatDuration(d))
		}
		st.Fields = append(st.Fields, protocols.Field{Name: "jobs took", Value: strings.Join(took, " ")})
	}
	return st
}
