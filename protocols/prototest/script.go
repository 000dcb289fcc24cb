package prototest

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Command handles one protocol-specific script command and returns its
// output; the harness's own output is appended after it.
type Command func(t *testing.T, h *Harness, d *datadriven.TestData) string

// Run executes the datadriven scripts matching path (a file or a directory)
// against harnesses built by setup, one fresh harness per file. Besides the
// protocol's own commands it understands:
//
//	start [n1 n2 ...]                     start nodes (all when none named)
//	crash n1 / restart n1                 crash a node / restart it from its synced records
//	fire n1 election                      fire an armed timer
//	deliver [from=n1] [to=n2] [kind=K] [n=1]  deliver matching in-flight messages, in send order
//	drop    [from=..] [to=..] [kind=..] [n=..]  drop them
//	dup     [from=..] [to=..] [kind=..] [n=..]  deliver a copy, keeping the original in flight
//	stabilize [limit=1000]                deliver until nothing is in flight
//	advance 100ms                         move time forward
//	inflight                              list messages in flight
//	status [n1 ...]                       print node status
//	store n1                              print a node's durable records
//	timers n1                             list a node's armed timers
//	admin n1 add-server n4                deliver an operator's command to a node
//
// Regenerate expected output with: go test -run TestName -rewrite
func Run(t *testing.T, path string, setup func(t *testing.T) *Harness, cmds map[string]Command) {
	typed := make(map[string]StateCommand[struct{}], len(cmds))
	for name, c := range cmds {
		typed[name] = func(t *testing.T, h *Harness, _ struct{}, d *datadriven.TestData) string { return c(t, h, d) }
	}
	RunWith(t, path, func(t *testing.T) (*Harness, struct{}) { return setup(t), struct{}{} }, typed)
}

// StateCommand is a Command that also gets the script's own state: what
// the protocol's commands share within one script file (preloaded disks, a
// test client's open operations), typed, instead of a side table keyed by
// harness.
type StateCommand[S any] func(t *testing.T, h *Harness, state S, d *datadriven.TestData) string

// RunWith is Run for commands that share per-script state: setup returns a
// fresh harness and state for each file, and every command gets both.
func RunWith[S any](t *testing.T, path string, setup func(t *testing.T) (*Harness, S), cmds map[string]StateCommand[S]) {
	datadriven.Walk(t, path, func(t *testing.T, path string) {
		h, state := setup(t)
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			if c, ok := cmds[d.Cmd]; ok {
				return c(t, h, state, d) + h.Output()
			}
			out, err := h.builtin(d)
			if err != nil {
				d.Fatalf(t, "%v", err)
			}
			return out + h.Output()
		})
	})
}

// Exec runs one of the commands Run understands on h and returns what it
// printed, for tests that drive scripts themselves (say, to run a script
// again with a mutation and see its output change).
func (h *Harness) Exec(d *datadriven.TestData) (string, error) {
	out, err := h.builtin(d)
	return out + h.Output(), err
}

func (h *Harness) builtin(d *datadriven.TestData) (string, error) {
	switch d.Cmd {
	case "start":
		h.Start(IDs(d)...)
	case "crash":
		for _, id := range IDs(d) {
			h.Crash(id)
		}
	case "restart":
		for _, id := range IDs(d) {
			h.Restart(id)
		}
	case "fire":
		if len(d.CmdArgs) != 2 {
			return "", fmt.Errorf("usage: fire NODE TIMER")
		}
		h.Fire(protocols.NodeID(d.CmdArgs[0].Key), d.CmdArgs[1].Key)
	case "deliver", "drop", "dup":
		f, n, err := filterArgs(d)
		if err != nil {
			return "", err
		}
		var got int
		switch d.Cmd {
		case "deliver":
			got = h.Deliver(f, n)
		case "drop":
			got = h.Drop(f, n)
		default:
			got = h.Duplicate(f, n)
		}
		if got == 0 {
			h.printf("no matching messages in flight\n")
		}
	case "stabilize":
		limit := 1000
		if len(d.CmdArgs) > 0 {
			v, err := strconv.Atoi(arg(d, "limit"))
			if err != nil {
				return "", fmt.Errorf("stabilize: limit: %w", err)
			}
			limit = v
		}
		h.Stabilize(limit)
	case "advance":
		if len(d.CmdArgs) != 1 {
			return "", fmt.Errorf("usage: advance DURATION")
		}
		dur, err := clock.ParseDuration(d.CmdArgs[0].Key)
		if err != nil {
			return "", err
		}
		h.Advance(dur)
		h.printf("now %s\n", h.now)
	case "inflight":
		for _, e := range h.inflight {
			h.printf("%s\n", e)
		}
		if len(h.inflight) == 0 {
			h.printf("nothing in flight\n")
		}
	case "status":
		ids := IDs(d)
		if len(ids) == 0 {
			ids = h.order
		}
		for _, id := range ids {
			h.printf("%s\n", h.StatusLine(id))
		}
	case "store":
		for _, id := range IDs(d) {
			recs, synced := h.Store(id)
			for i, r := range recs {
				mark := ""
				if i >= synced {
					mark = " (unsynced)"
				}
				h.printf("%s %d: %v%s\n", id, i+1, r, mark)
			}
		}
	case "admin":
		if len(d.CmdArgs) < 2 {
			return "", fmt.Errorf("usage: admin NODE WORD...")
		}
		words := make([]string, 0, len(d.CmdArgs)-1)
		for _, a := range d.CmdArgs[1:] {
			words = append(words, a.String())
		}
		h.Admin(protocols.NodeID(d.CmdArgs[0].Key), words...)
	case "timers":
		for _, id := range IDs(d) {
			h.printf("%s: %s\n", id, strings.Join(h.Timers(id), " "))
		}
	default:
		return "", fmt.Errorf("unknown command %q", d.Cmd)
	}
	return "", nil
}

// StatusLine renders a node's Status on one line.
func (h *Harness) StatusLine(id protocols.NodeID) string {
	n := h.Node(id)
	if n == nil {
		return fmt.Sprintf("%s: down", id)
	}
	st := n.Status()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s term=%d commit=%d log=[", id, st.Role, st.Term, st.Commit)
	for i, e := range st.Log {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d/%d", e.Index, e.Term)
		if e.Text != "" {
			fmt.Fprintf(&b, ":%s", e.Text)
		}
	}
	b.WriteByte(']')
	for _, f := range st.Fields {
		fmt.Fprintf(&b, " %s=%s", f.Name, f.Value)
	}
	return b.String()
}

// IDs returns the positional node IDs of a command.
func IDs(d *datadriven.TestData) []protocols.NodeID {
	var ids []protocols.NodeID
	for _, a := range d.CmdArgs {
		if len(a.Vals) == 0 {
			ids = append(ids, protocols.NodeID(a.Key))
		}
	}
	return ids
}

func arg(d *datadriven.TestData, key string) string {
	for _, a := range d.CmdArgs {
		if a.Key == key && len(a.Vals) > 0 {
			return a.Vals[0]
		}
	}
	return ""
}

func filterArgs(d *datadriven.TestData) (Filter, int, error) {
	var f Filter
	n := 0
	for _, a := range d.CmdArgs {
		if len(a.Vals) != 1 {
			return f, 0, fmt.Errorf("%s: want key=value arguments, got %q", d.Cmd, a.Key)
		}
		v := a.Vals[0]
		switch a.Key {
		case "from":
			f.From = protocols.NodeID(v)
		case "to":
			f.To = protocols.NodeID(v)
		case "kind":
			f.Kind = v
		case "n":
			var err error
			if n, err = strconv.Atoi(v); err != nil || n < 1 {
				return f, 0, fmt.Errorf("%s: n must be a positive number, got %q", d.Cmd, v)
			}
		default:
			return f, 0, fmt.Errorf("%s: unknown argument %q (want from, to, kind, n)", d.Cmd, a.Key)
		}
	}
	return f, n, nil
}
