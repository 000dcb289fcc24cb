package pbft

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
)

// The replica's timers.
const (
	timerRequest    = "request"     // a backup waits for a request to execute; on expiry it suspects the primary
	timerViewChange = "view-change" // 2f+1 asked for the view; on expiry before it is installed, on to the next
	timerStatus     = "status"      // time to tell the others where this replica is
)

// New returns a factory for PBFT replicas with the given options. Its
// nodes take signed Requests from clients (NewClient's) and answer with
// Reply. New panics if opts is invalid; call Validate first.
func New(opts Options) protocols.Factory {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	opts = opts.withDefaults()
	b, _ := parseBug(opts.Bug)
	return func(cfg protocols.Config) protocols.Node {
		all := protocols.SortIDs(append(slices.Clone(cfg.Peers), cfg.ID))
		n := len(all)
		f := (n - 1) / 3
		r := &replica{
			id:     cfg.ID,
			all:    all,
			me:     slices.Index(all, cfg.ID),
			f:      f,
			q:      (n + f + 2) / 2, // ceil((n+f+1)/2): 2f+1 when n = 3f+1
			opts:   opts,
			bugs:   b,
			keys:   cfg.Keys,
			active: true,
			hState: genesisState,
			sm:     kv.NewMachine(),
			log:    map[uint64]*slot{},
			next:   1,
		}
		r.recoverState(cfg.Store)
		return r
	}
}

// replica is one PBFT replica.
type replica struct {
	id   protocols.NodeID
	all  []protocols.NodeID // every replica, sorted: the primary of view v is all[v mod n]
	me   int                // this replica's position in all
	f, q int                // faults tolerated; quorum (2f+1 when n = 3f+1)
	opts Options
	bugs bugs
	keys protocols.Keys
	out  *protocols.Effects // set during Step only

	// The view: the replica is in view, and active once the view is
	// installed (view 0 from the start, later ones by a new-view message).
	view   uint64
	active bool
	nv     NewView // the new-view that installed view, when hasNV
	hasNV  bool

	// The last stable checkpoint: the low watermark h, its state digest and
	// proof, and its state when the replica has it (hasSnap; after adopting
	// a checkpoint it has not executed up to, it waits for a state transfer).
	h       uint64
	hState  uint64
	hProof  []Checkpoint
	hSnap   kv.Snapshot
	hasSnap bool

	exec uint64 // the last sequence number executed
	sm   *kv.Machine
	own  []ownCheckpoint // checkpoints taken above h, oldest first
	cps  []Checkpoint    // others' checkpoint messages above h

	log  map[uint64]*slot // sequence numbers in (h, h+L]
	top  uint64           // the highest sequence number in the log
	next uint64           // the primary's next sequence number to assign

	pending  []Request                   // requests received and not yet executed, one per client, oldest first
	assigned map[protocols.NodeID]uint64 // the primary: each client's latest request pre-prepared in this view

	vcs      []ViewChange // valid view-change messages for views above the last installed one
	myVC     ViewChange   // the view-change message this replica sent for view, while !active
	sentVCs  []ViewChange // the last view-change messages it sent, for replicas stuck in those views
	attempts int          // view changes since a request last executed: the view-change timeout doubles with each
	future   []protocols.Message

	reqTimer, vcTimer bool // armed
	recovered         bool // this incarnation found records on disk
}

// slot is what a replica knows about one sequence number.
type slot struct {
	pp        PrePrepare // accepted in pp.View, the current view (when hasPP)
	hasPP     bool
	prepares  []Prepare // of the current view
	commits   []Commit  // of the current view
	prepared  bool      // prepared in the current view
	cert      PreparedCert
	hasCert   bool // cert: prepared in some view, the highest one
	committed bool
	cc        CommitCert // how it committed
}

// ownCheckpoint is a checkpoint this replica took.
type ownCheckpoint struct {
	seq, state uint64
	snap       kv.Snapshot
}

// Step implements protocols.Node.
func (r *replica) Step(in protocols.Input, out *protocols.Effects) {
	r.out = out
	switch in.Kind {
	case protocols.Start:
		r.start()
	case protocols.Timer:
		switch in.Timer {
		case timerRequest:
			r.reqTimer = false
			r.requestTimeout()
		case timerViewChange:
			r.vcTimer = false
			r.viewChangeTimeout()
		case timerStatus:
			r.sendStatus()
		}
	case protocols.Receive:
		r.receive(in.From, in.Msg)
	}
	r.out = nil
}

func (r *replica) receive(from protocols.NodeID, msg protocols.Message) {
	switch m := msg.(type) {
	case Request:
		r.onRequest(from, m)
	case PrePrepare:
		r.onPrePrepare(m)
	case Prepare:
		r.onPrepare(m)
	case Commit:
		r.onCommit(m)
	case Checkpoint:
		r.onCheckpoint(m)
	case ViewChange:
		r.onViewChange(m)
	case NewView:
		r.onNewView(m)
	case Status:
		r.onStatus(from, m)
	case CommitCert:
		r.onCommitCert(m)
	case State:
		r.onState(from, m)
	}
}

// primaryOf returns the primary of view v.
func (r *replica) primaryOf(v uint64) protocols.NodeID { return r.all[v%uint64(len(r.all))] }

// isPrimary reports whether this replica is the primary of its view.
func (r *replica) isPrimary() bool { return r.primaryOf(r.view) == r.id }

// isReplica reports whether id is one of the replicas.
func (r *replica) isReplica(id protocols.NodeID) bool { return slices.Contains(r.all, id) }

// others returns every replica but this one.
func (r *replica) others() []protocols.NodeID { return protocols.Without(r.all, r.id) }

// inWindow reports whether sequence number n is within the watermarks.
func (r *replica) inWindow(n uint64) bool { return n > r.h && n <= r.h+uint64(r.opts.Window) }

// slot returns the slot of sequence number n, creating it.
func (r *replica) slot(n uint64) *slot {
	s := r.log[n]
	if s == nil {
		s = &slot{}
		r.log[n] = s
		r.top = max(r.top, n)
	}
	return s
}

// seqs returns the sequence numbers in the log, in order.
func (r *replica) seqs() []uint64 {
	out := make([]uint64, 0, len(r.log))
	for n := range r.log {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// broadcast sends m to every other replica.
func (r *replica) broadcast(m protocols.Message) { r.out.Broadcast(r.others(), m) }

// newSigners returns a counter of distinct signers (of signatures, with
// the bug duplicate-signers).
func (r *replica) newSigners() signers { return signers{dup: r.bugs.duplicateSigners} }

// Role implements protocols.RoleReporter.
func (r *replica) Role() string {
	switch {
	case !r.active:
		return "view-change"
	case r.isPrimary():
		return "primary"
	}
	return "backup"
}

// Leads implements protocols.LeaderReporter: what Status shows as Leader
// and Term.
func (r *replica) Leads() (bool, uint64) { return r.active && r.isPrimary(), r.view }

// Status implements protocols.Node.
func (r *replica) Status() protocols.Status {
	role := r.Role()
	const tail = 10
	var log []protocols.LogEntry
	for n := max(r.h+1, r.top-min(r.top, tail-1)); n <= r.top; n++ {
		s := r.log[n]
		if s == nil {
			continue
		}
		log = append(log, s.entry(n, n <= r.exec))
	}
	fields := []protocols.Field{
		{Name: "primary", Value: string(r.primaryOf(r.view))},
		{Name: "stable", Value: strconv.FormatUint(r.h, 10)},
		{Name: "executed", Value: strconv.FormatUint(r.exec, 10)},
		{Name: "pending", Value: strconv.Itoa(len(r.pending))},
	}
	if r.active && r.isPrimary() {
		fields = append(fields, protocols.Field{Name: "next", Value: strconv.FormatUint(r.next, 10)})
	}
	return protocols.Status{
		Role:   role,
		Leader: r.active && r.isPrimary(),
		Term:   r.view,
		Commit: int(r.exec),
		LogLen: int(max(r.top, r.exec)),
		Log:    log,
		Fields: fields,
	}
}

// entry renders a slot for the status pane: the request, then how far it
// got (pre-prepared, prepared, committed, executed).
func (s *slot) entry(n uint64, executed bool) protocols.LogEntry {
	var b strings.Builder
	var view uint64
	switch {
	case s.committed:
		view = s.cc.View()
		writeReq(&b, s.cc.Req)
	case s.hasPP:
		view = s.pp.View
		writeReq(&b, s.pp.Req)
	case s.hasCert:
		view = s.cert.PP.View
		writeReq(&b, s.cert.PP.Req)
	default:
		b.WriteString("?")
	}
	mark := " pp"
	switch {
	case executed:
		mark = " executed"
	case s.committed:
		mark = " committed"
	case s.prepared:
		mark = " prepared"
	case !s.hasPP:
		mark = " votes"
	}
	b.WriteString(mark)
	return protocols.LogEntry{Index: int(n), Term: view, Text: b.String()}
}

func writeReq(b *strings.Builder, r kv.Request) {
	if r.Client == "" {
		b.WriteString("null")
		return
	}
	b.WriteString(r.ID())
	b.WriteByte(' ')
	b.WriteString(r.Op.String())
}

// KVState implements kv.Replica: the replica's copy of the KV state, as far
// as it has executed, for the end-of-run eventual-convergence check.
func (r *replica) KVState() map[string]string { return r.sm.State() }
