package mapreduce

import (
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestScripts runs the scripts in testdata: each pins a piece of the
// protocol message by message, with the output checker judging every step
// (a violation prints as VIOLATION in the golden output). Regenerate with
// go test ./protocols/mapreduce -run TestScripts -rewrite. The world is
// coordinator n1, workers n2 and n3 and store n4. Commands besides
// prototest's (start, fire, deliver, drop, dup, stabilize, crash, restart,
// advance, status, store, timers, inflight):
//
//	cluster [bug=NAME] [splits=2] [reduces=1] [lines=2] [chunk=4] [backup=off] [jobs=1] [job=wordcount]
//	    build the world with those options (the defaults shown are the
//	    scripts', smaller than the protocol's); must come first
//	files [PREFIX]
//	    list the store's files (under PREFIX) with their content
//	tasks
//	    the coordinator's view: its job and phase, each task of the phase
//	finish [rounds=50]
//	    deliver everything and fire every armed timer, round after round,
//	    until every job is done; print only the outcome
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *scriptWorld) {
		w := &scriptWorld{h: prototest.New(1)}
		return w.h, w
	}, scriptCommands)
}

type scriptWorld struct {
	h     *prototest.Harness
	o     Options
	check *Checker
}

var scriptIDs = []protocols.NodeID{"n1", "n2", "n3", "n4"}

var scriptCommands = map[string]prototest.StateCommand[*scriptWorld]{
	"cluster": func(t *testing.T, h *prototest.Harness, w *scriptWorld, d *datadriven.TestData) string {
		o := Options{Coordinator: "n1", Store: "n4", Splits: 2, Reduces: 1, Lines: 2, Chunk: 4, Backup: true, Jobs: 1}
		backup := "on"
		d.MaybeScanArgs(t, "bug", &o.Bug)
		d.MaybeScanArgs(t, "splits", &o.Splits)
		d.MaybeScanArgs(t, "reduces", &o.Reduces)
		d.MaybeScanArgs(t, "lines", &o.Lines)
		d.MaybeScanArgs(t, "chunk", &o.Chunk)
		d.MaybeScanArgs(t, "jobs", &o.Jobs)
		d.MaybeScanArgs(t, "job", &o.Job)
		d.MaybeScanArgs(t, "backup", &backup)
		o.Backup = backup == "on"
		if err := o.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		w.o = o.withDefaults()
		w.check = NewChecker(o)
		h.AddServers(New(o), scriptIDs...)
		h.AddMonitor(w.check)
		return ""
	},
	"files": func(t *testing.T, h *prototest.Harness, w *scriptWorld, d *datadriven.TestData) string {
		prefix := ""
		if len(d.CmdArgs) > 0 {
			prefix = d.CmdArgs[0].Key
		}
		s, _ := h.Node(w.o.Store).(*storeNode)
		if s == nil {
			return "the store is down\n"
		}
		var b strings.Builder
		for _, p := range sortedKeys(s.files) {
			if strings.HasPrefix(p, prefix) {
				fmt.Fprintf(&b, "%s: %s\n", p, strings.Join(s.files[p].content(), " | "))
			}
		}
		if b.Len() == 0 {
			return "no files\n"
		}
		return b.String()
	},
	"tasks": func(t *testing.T, h *prototest.Harness, w *scriptWorld, d *datadriven.TestData) string {
		c, _ := h.Node(w.o.Coordinator).(*coordinator)
		if c == nil {
			return "the coordinator is down\n"
		}
		st := c.Status()
		var b strings.Builder
		for _, f := range st.Fields {
			fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
		}
		for _, e := range st.Log {
			fmt.Fprintf(&b, "  %s\n", e.Text)
		}
		return b.String()
	},
	"finish": func(t *testing.T, h *prototest.Harness, w *scriptWorld, d *datadriven.TestData) string {
		rounds := 50
		d.MaybeScanArgs(t, "rounds", &rounds)
		for i := 1; i <= rounds; i++ {
			h.Stabilize(100_000)
			if c, _ := h.Node(w.o.Coordinator).(*coordinator); c != nil && c.finished() {
				h.Output()
				return fmt.Sprintf("every job done after %d rounds\n", i)
			}
			for _, id := range scriptIDs {
				if h.Node(id) == nil {
					continue
				}
				for _, timer := range h.Timers(id) {
					h.Fire(id, timer)
				}
			}
			if h.Failure() != nil {
				break
			}
		}
		h.Output()
		if err := h.Failure(); err != nil {
			return fmt.Sprintf("VIOLATION %v\n", err)
		}
		return fmt.Sprintf("not done after %d rounds\n", rounds)
	},
}
