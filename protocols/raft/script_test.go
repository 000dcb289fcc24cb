package raft

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/kv"
	"github.com/dsimlab/dsim/protocols/kv/kvtest"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each pins a piece of Raft's
// behaviour message by message, with every monitor checking every step
// (a violation prints as VIOLATION in the golden output). Regenerate with
// go test ./protocols/raft -run TestScripts -rewrite. Commands besides
// prototest's (start, fire, deliver, drop, dup, stabilize, crash, restart,
// status, store, timers, inflight):
//
//	cluster n=5 [bug=commit-old-term] [max-append=1] [clients=2 ops=3]
//	        [prevote] [check-quorum] [read=index|lease] [lease=75ms]
//	        [snapshot=10] [chunk=16] [members=3]
//	    build n1..n5 (and kv clients c1..cN doing ops operations each),
//	    with all monitors and the given options; must come first
//	disk n1 term=7 [vote=n2] log=1,1,1,4,4
//	    before start: n1's disk already holds this term, vote and log
//	    (entries are puts named after their index and term)
//	request to=n1 op=put key=k1 [value=v] [seq=3]
//	    the test client cx sends a request (seq counts up unless given)
//	elect n1
//	    fire n1's election timer and deliver messages until quiet
//	log [n1 ...]
//	    print whole logs, with commit and applied points
//	inject-vote from=n2 to=n3 term=3 [prevote]
//	    deliver a RequestVote (or PreVote) for term 3 from n2, with n2's
//	    current log
//	inject-append from=n1 to=n2 term=2 prev=3/1 [entries=4/1,5/2] [commit=3]
//	    deliver an AppendEntries no node sent (entries are puts named
//	    after their index and term, as disk makes them)
//	lease n1
//	    print whether leader n1 may read under its lease now
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{h: prototest.New(1), disks: map[protocols.NodeID][]protocols.Record{}, cx: kvtest.NewClient()}
		return w.h, w
	}, scriptCommands)
}

// world is the per-script state the commands share.
type world struct {
	h     *prototest.Harness
	disks map[protocols.NodeID][]protocols.Record // preloaded durable records
	cx    *kvtest.Client                          // the test client
	ids   []protocols.NodeID
}

// withDisks wraps a factory so that a node's store starts with its
// preloaded records, as if its disk had been written before the run.
func (w *world) withDisks(f protocols.Factory) protocols.Factory {
	return func(cfg protocols.Config) protocols.Node {
		if pre := w.disks[cfg.ID]; len(pre) > 0 {
			cfg.Store = append(append([]protocols.Record(nil), pre...), cfg.Store...)
		}
		return f(cfg)
	}
}

var scriptCommands = map[string]prototest.StateCommand[*world]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var n, clients, ops, maxAppend, snapshot, chunk, members int
		var bug, read, lease string
		d.ScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "clients", &clients)
		d.MaybeScanArgs(t, "ops", &ops)
		d.MaybeScanArgs(t, "max-append", &maxAppend)
		d.MaybeScanArgs(t, "bug", &bug)
		d.MaybeScanArgs(t, "read", &read)
		d.MaybeScanArgs(t, "lease", &lease)
		d.MaybeScanArgs(t, "snapshot", &snapshot)
		d.MaybeScanArgs(t, "chunk", &chunk)
		d.MaybeScanArgs(t, "members", &members)
		opts := Options{Bug: bug, MaxAppendEntries: maxAppend, PreVote: d.HasArg("prevote"), CheckQuorum: d.HasArg("check-quorum"),
			Read: ReadMode(read), SnapshotMin: snapshot, SnapshotChunk: chunk, Members: members}
		if lease != "" {
			dur, err := clock.ParseDuration(lease)
			if err != nil {
				d.Fatalf(t, "lease: %v", err)
			}
			opts.Lease = dur
		}
		if err := opts.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.ids = protocols.Servers(n)
		h.AddServers(w.withDisks(New(opts)), w.ids...)
		if clients > 0 {
			h.AddClients(kv.NewClient(kv.ClientOptions{MaxOps: max(ops, 1)}), protocols.Clients(clients)...)
		}
		h.AddClients(w.cx.Node(), kvtest.ID)
		for _, m := range Monitors() {
			h.AddMonitor(m)
		}
		return ""
	},
	"disk": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		id := protocols.NodeID(d.CmdArgs[0].Key)
		var term uint64
		var vote, terms string
		d.ScanArgs(t, "term", &term)
		d.MaybeScanArgs(t, "vote", &vote)
		d.MaybeScanArgs(t, "log", &terms)
		recs := []protocols.Record{HardState{Term: term, Vote: protocols.NodeID(vote)}}
		if terms != "" {
			var es []Entry
			for i, s := range strings.Split(terms, ",") {
				et, err := strconv.ParseUint(s, 10, 64)
				if err != nil {
					d.Fatalf(t, "disk: log: %v", err)
				}
				es = append(es, figureEntry(i+1, et))
			}
			recs = append(recs, &LogRecord{From: 1, Entries: es})
		}
		w.disks[id] = recs
		return ""
	},
	"request": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		return w.cx.Request(t, h, d)
	},
	"elect": func(t *testing.T, h *prototest.Harness, _ *world, d *datadriven.TestData) string {
		id := protocols.NodeID(d.CmdArgs[0].Key)
		h.Fire(id, timerElection)
		h.Stabilize(10000)
		return ""
	},
	"inject-vote": func(t *testing.T, h *prototest.Harness, _ *world, d *datadriven.TestData) string {
		var from, to string
		var term uint64
		d.ScanArgs(t, "from", &from)
		d.ScanArgs(t, "to", &to)
		d.ScanArgs(t, "term", &term)
		n := h.Node(protocols.NodeID(from)).(*node)
		if d.HasArg("prevote") {
			h.Inject(n.id, protocols.NodeID(to), PreVote{Term: term, LastIndex: n.log.lastIndex(), LastTerm: n.log.lastTerm()})
			return ""
		}
		h.Inject(n.id, protocols.NodeID(to), RequestVote{Term: term, LastIndex: n.log.lastIndex(), LastTerm: n.log.lastTerm()})
		return ""
	},
	"inject-append": func(t *testing.T, h *prototest.Harness, _ *world, d *datadriven.TestData) string {
		var from, to, prev, entries string
		var term uint64
		var commit int
		d.ScanArgs(t, "from", &from)
		d.ScanArgs(t, "to", &to)
		d.ScanArgs(t, "term", &term)
		d.ScanArgs(t, "prev", &prev)
		d.MaybeScanArgs(t, "entries", &entries)
		d.MaybeScanArgs(t, "commit", &commit)
		m := AppendEntries{Term: term, Commit: commit}
		var err error
		if m.PrevIndex, m.PrevTerm, err = parsePos(prev); err != nil {
			d.Fatalf(t, "inject-append: prev: %v", err)
		}
		if entries != "" {
			for _, e := range strings.Split(entries, ",") {
				idx, et, err := parsePos(e)
				if err != nil || idx != m.PrevIndex+1+len(m.Entries) {
					d.Fatalf(t, "inject-append: entries: %q does not follow on (%v)", e, err)
				}
				m.Entries = append(m.Entries, figureEntry(idx, et))
			}
		}
		h.Inject(protocols.NodeID(from), protocols.NodeID(to), &m)
		return ""
	},
	"lease": func(t *testing.T, h *prototest.Harness, _ *world, d *datadriven.TestData) string {
		n := h.Node(prototest.IDs(d)[0]).(*node)
		return fmt.Sprintf("%s: lease valid=%v (confirmed round %d, lease from tick %d, windows closed through tick %d)\n",
			n.id, n.leaseValid(), n.lead.confirmed, n.lead.leaseTick, n.lead.closed)
	},
	"log": func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		ids := prototest.IDs(d)
		if len(ids) == 0 {
			ids = w.ids
		}
		var b strings.Builder
		for _, id := range ids {
			n, _ := h.Node(id).(*node)
			if n == nil {
				fmt.Fprintf(&b, "%s: down\n", id)
				continue
			}
			snap := ""
			if n.snap.Index > 0 {
				snap = fmt.Sprintf(" snapshot=%d/%d", n.snap.Index, n.snap.Term)
			}
			fmt.Fprintf(&b, "%s: %s term=%d commit=%d applied=%d%s log=%s\n", id, n.role, n.term, n.commit, n.applied, snap, logTerms(n))
		}
		return b.String()
	},
}

// parsePos reads a log position written index/term.
func parsePos(s string) (int, uint64, error) {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("want index/term, got %q", s)
	}
	i, err := strconv.Atoi(a)
	if err != nil {
		return 0, 0, err
	}
	t, err := strconv.ParseUint(b, 10, 64)
	return i, t, err
}

// figureEntry is a preloaded entry: a put named after its position, so
// entries with the same index and term are the same command, as Raft's
// figures assume.
func figureEntry(index int, term uint64) Entry {
	id := strconv.Itoa(index) + "/" + strconv.FormatUint(term, 10)
	return Entry{Term: term, Req: kv.Request{Client: "fig", Seq: uint64(index), Op: kv.PutOp("k", id)}}
}

// logTerms renders a log as its terms, like the paper's figures: [1 1 4 4].
// A compacted log starts with the index it was compacted to: [6/2 | 2 3].
func logTerms(n *node) string {
	var b strings.Builder
	b.WriteByte('[')
	if n.log.base > 0 {
		fmt.Fprintf(&b, "%d/%d |", n.log.base, n.log.baseTerm)
	}
	for i := n.log.base + 1; i <= n.log.lastIndex(); i++ {
		if i > 1 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatUint(n.log.entry(i).Term, 10))
	}
	b.WriteByte(']')
	return b.String()
}
