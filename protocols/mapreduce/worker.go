package mapreduce

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// worker runs one task at a time, in stages:
//
//	idle ──Assign──▶ reading ──all read──▶ computing ──compute timer──▶ writing
//	  ▲                                                                   │ all chunks acknowledged
//	  └──DoneAck── reporting ◀──all renames acknowledged── renaming ◀─────┘
//
// An idle worker asks the coordinator for a task every PollEvery, and a busy
// one sends it a heartbeat as often. Every store request and the Done are
// resent every RetryEvery until answered.
// A worker keeps nothing on disk but its incarnation: a crash loses the
// task it was running, and the restarted worker asks for a new one.
type worker struct {
	o           Options
	b           bugs
	id          protocols.NodeID
	coordinator protocols.NodeID
	store       protocols.NodeID

	inc      uint32 // incarnation: how many times this worker has started
	ask      uint32 // the number of the current request for a task
	answered bool   // the current request was answered: the next one gets a new number
	finished bool   // the coordinator said every job is done
	nextReq  uint32

	cur       *attempt // nil while idle
	completed int      // tasks this incarnation completed
}

type stage uint8

const (
	reading stage = iota + 1
	computing
	writing
	renaming
	reporting
)

func (s stage) String() string {
	return [...]string{"", "reading", "computing", "writing", "renaming", "reporting"}[s]
}

// attempt is the worker's state for the task it runs.
type attempt struct {
	task    TaskID
	id      Attempt
	backup  bool
	stage   stage
	inputs  [][]string // reading: what each Read returned, by position
	output  map[string][]string
	files   []string      // the final names written, in order
	pending []pendingReq  // requests sent and not yet answered, in the order sent
	reads   map[ReqID]int // a Read's position in inputs
}

type pendingReq struct {
	id  ReqID
	msg protocols.Message
}

const (
	timerPoll    = "poll"
	timerCompute = "compute"
	timerRetry   = "retry"
)

func newWorker(cfg protocols.Config, o Options) *worker {
	w := &worker{o: o, b: parseBug(o.Bug), id: cfg.ID, coordinator: o.Coordinator, store: o.Store}
	for _, r := range cfg.Store {
		if r, ok := r.(IncRecord); ok {
			w.inc = max(w.inc, r.Inc)
		}
	}
	return w
}

// Step implements protocols.Node.
func (w *worker) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		w.inc++
		out.Persist(IncRecord{Inc: w.inc})
		w.ask = 1
		w.askForTask(out)
	case protocols.Timer:
		switch in.Timer {
		case timerPoll:
			switch {
			case w.cur != nil:
				out.Send(w.coordinator, Heartbeat{Task: w.cur.task, Attempt: w.cur.id})
				out.SetTimer(timerPoll, w.o.PollEvery)
			case !w.finished:
				w.askForTask(out)
			}
		case timerCompute:
			if w.cur != nil && w.cur.stage == computing {
				w.write(out)
			}
		case timerRetry:
			w.resend(out)
		}
	case protocols.Receive:
		w.receive(in.Msg, out)
	}
}

// askForTask sends the current request for a task (a new one once the
// last was answered) and arms the poll timer to ask again.
func (w *worker) askForTask(out *protocols.Effects) {
	if w.answered {
		w.ask++
		w.answered = false
	}
	out.Send(w.coordinator, GetTask{Inc: w.inc, Ask: w.ask})
	out.SetTimer(timerPoll, w.o.PollEvery)
}

func (w *worker) receive(msg protocols.Message, out *protocols.Effects) {
	switch m := msg.(type) {
	case Assign:
		if w.cur != nil || w.answered || m.Inc != w.inc || m.Ask != w.ask {
			// Busy, or an answer to an earlier request (duplicated or
			// delayed): the coordinator times out the attempt or has
			// already seen this worker ask anew.
			out.Probe(ProbeStaleAssign)
			return
		}
		w.answered = true
		out.SetTimer(timerPoll, w.o.PollEvery) // now the heartbeat
		w.start(m, out)
	case Wait:
		if m.Inc == w.inc && m.Ask == w.ask && w.cur == nil {
			w.answered = true
			if m.Finished {
				w.finished = true
				out.CancelTimer(timerPoll)
			}
		}
	case DoneAck:
		if a := w.cur; a != nil && a.stage == reporting && m.Task == a.task && m.Attempt == a.id {
			w.cur = nil
			w.completed++
			out.CancelTimer(timerRetry)
			w.askForTask(out)
		}
	case FileReply:
		w.reply(m, out)
	}
}

// start begins an attempt: read the input files.
func (w *worker) start(m Assign, out *protocols.Effects) {
	a := &attempt{task: m.Task, id: m.Attempt, backup: m.Backup, stage: reading, reads: map[ReqID]int{}}
	w.cur = a
	t := m.Task
	if t.Phase == MapPhase {
		a.inputs = make([][]string, 1)
		w.request(out, func(id ReqID) protocols.Message {
			a.reads[id] = 0
			return Read{ID: id, Path: splitPath(t.Job, t.Index)}
		})
		out.SetTimer(timerRetry, w.o.RetryEvery)
		return
	}
	a.inputs = make([][]string, w.o.Splits)
	for mi := range w.o.Splits {
		w.request(out, func(id ReqID) protocols.Message {
			a.reads[id] = mi
			return Read{ID: id, Path: interPath(t.Job, mi, t.Index)}
		})
	}
	out.SetTimer(timerRetry, w.o.RetryEvery)
}

// request sends a store request built with a fresh ID and remembers it
// until answered; the caller arms the retry timer once it has sent a batch.
func (w *worker) request(out *protocols.Effects, build func(ReqID) protocols.Message) {
	w.nextReq++
	id := ReqID{Inc: w.inc, N: w.nextReq}
	msg := build(id)
	w.cur.pending = append(w.cur.pending, pendingReq{id: id, msg: msg})
	out.Send(w.store, msg)
}

// resend sends again whatever is unanswered: store requests, or the Done.
func (w *worker) resend(out *protocols.Effects) {
	a := w.cur
	if a == nil {
		return
	}
	if a.stage == reporting {
		out.Send(w.coordinator, Done{Task: a.task, Attempt: a.id})
		out.SetTimer(timerRetry, w.o.RetryEvery)
		return
	}
	for _, p := range a.pending {
		out.Send(w.store, p.msg)
	}
	if len(a.pending) > 0 {
		out.SetTimer(timerRetry, w.o.RetryEvery)
	}
}

// reply takes the store's answer to a pending request.
func (w *worker) reply(m FileReply, out *protocols.Effects) {
	a := w.cur
	if a == nil {
		return
	}
	i := -1
	for k, p := range a.pending {
		if p.id == m.ID {
			i = k
			break
		}
	}
	if i < 0 {
		return // answered already (a duplicate reply), or from an attempt given up
	}
	a.pending = append(a.pending[:i:i], a.pending[i+1:]...)
	switch a.stage {
	case reading:
		// A missing intermediate file is a map task's empty partition: map
		// tasks write only the partitions they have keys for.
		if m.Status == FileOK {
			a.inputs[a.reads[m.ID]] = append([]string(nil), m.Lines...)
		}
		if len(a.pending) == 0 {
			w.compute(out)
		}
	case writing:
		if len(a.pending) == 0 {
			w.rename(out)
		}
	case renaming:
		if m.Status == FileMismatch {
			// The temporary file is not the one this attempt wrote: give the
			// attempt up and let the coordinator give the task out again.
			w.cur = nil
			out.CancelTimer(timerRetry)
			w.answered = true
			w.askForTask(out)
			return
		}
		// ok, or not-found: a resend whose first copy was renamed already
		// (temporary names are never reused, so nobody else renamed it).
		if len(a.pending) == 0 {
			w.report(out)
		}
	}
}

// compute runs the task's function over its input, then waits out the
// task's compute time (a paused worker is a straggler here).
func (w *worker) compute(out *protocols.Effects) {
	a := w.cur
	a.stage = computing
	a.output = map[string][]string{}
	t := a.task
	kind := w.o.kindOf(t.Job)
	if t.Phase == MapPhase {
		for r, part := range mapSplit(kind, t.Index, a.inputs[0], w.o.Reduces) {
			if len(part) > 0 {
				p := interPath(t.Job, t.Index, r)
				a.files = append(a.files, p)
				a.output[p] = part
			}
		}
		out.SetTimer(timerCompute, w.o.MapTime)
	} else {
		p := outPath(t.Job, t.Index)
		a.files = []string{p}
		a.output[p] = reduceAll(kind, a.inputs)
		out.SetTimer(timerCompute, w.o.ReduceTime)
	}
	a.inputs = nil
}

// write sends every chunk of every output file to the store, under the
// attempt's temporary names.
func (w *worker) write(out *protocols.Effects) {
	a := w.cur
	a.stage = writing
	for _, p := range a.files {
		target := tempPath(p, a.id)
		if w.b.nonAtomicOutput {
			// BUG non-atomic-output: write the final file in place.
			target = p
		}
		lines := a.output[p]
		for k := 0; k == 0 || k*w.o.Chunk < len(lines); k++ {
			chunk := lines[k*w.o.Chunk : min(len(lines), (k+1)*w.o.Chunk)]
			w.request(out, func(id ReqID) protocols.Message {
				return Write{ID: id, Path: target, Chunk: k, Lines: chunk}
			})
		}
	}
	if len(a.files) == 0 {
		w.report(out) // a map task with no output at all
		return
	}
	out.SetTimer(timerRetry, w.o.RetryEvery)
}

// rename moves every temporary file into place, atomically.
func (w *worker) rename(out *protocols.Effects) {
	a := w.cur
	if w.b.nonAtomicOutput {
		w.report(out) // BUG non-atomic-output: nothing to rename
		return
	}
	a.stage = renaming
	for _, p := range a.files {
		lines := a.output[p]
		w.request(out, func(id ReqID) protocols.Message {
			return Rename{ID: id, From: tempPath(p, a.id), To: p, Lines: len(lines), Sum: checksum(lines)}
		})
	}
	out.SetTimer(timerRetry, w.o.RetryEvery)
}

// report tells the coordinator the task is complete, until it acknowledges.
func (w *worker) report(out *protocols.Effects) {
	a := w.cur
	a.stage = reporting
	a.output = nil
	out.Send(w.coordinator, Done{Task: a.task, Attempt: a.id})
	out.SetTimer(timerRetry, w.o.RetryEvery)
}

// Status implements protocols.Node: the role says what the worker does,
// Commit counts the tasks it completed since it last started.
func (w *worker) Status() protocols.Status {
	st := protocols.Status{Role: "idle", Commit: w.completed}
	st.Fields = []protocols.Field{{Name: "incarnation", Value: strconv.Itoa(int(w.inc))}}
	if a := w.cur; a != nil {
		st.Role = "mapper"
		if a.task.Phase == ReducePhase {
			st.Role = "reducer"
		}
		task := a.task.String() + " attempt " + a.id.String()
		if a.backup {
			task += " (backup)"
		}
		st.Fields = append(st.Fields,
			protocols.Field{Name: "task", Value: task},
			protocols.Field{Name: "stage", Value: a.stage.String()},
			protocols.Field{Name: "waiting-for", Value: strconv.Itoa(len(a.pending)) + " store replies"})
	}
	if w.finished {
		st.Fields = append(st.Fields, protocols.Field{Name: "finished", Value: "every job is done"})
	}
	return st
}
