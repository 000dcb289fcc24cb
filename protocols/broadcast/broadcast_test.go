package broadcast

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

func harness(t *testing.T, o Options) (*prototest.Harness, *Checker) {
	h := prototest.New(1)
	h.AddServers(New(o), "n1", "n2", "n3")
	c := NewChecker()
	h.AddMonitor(c)
	return h, c
}

// TestScripts runs the scripts in testdata, each a gossip run step by step
// with the validity monitor on. Regenerate with -rewrite. Commands besides
// prototest's:
//
//	cluster n=3 [values=2] [bug=no-retry]
//	    build n1..n3 gossiping values each; must come first
//	converged
//	    the end-of-run check: does every live node hold every value?
func TestScripts(t *testing.T) {
	prototest.RunWith(t, "testdata", func(t *testing.T) (*prototest.Harness, *script) {
		return prototest.New(1), &script{}
	}, scriptCommands)
}

// script is what one script's commands share.
type script struct{ checker *Checker }

var scriptCommands = map[string]prototest.StateCommand[*script]{
	"cluster": func(t *testing.T, h *prototest.Harness, s *script, d *datadriven.TestData) string {
		n, values := 3, 2
		var bug string
		d.MaybeScanArgs(t, "n", &n)
		d.MaybeScanArgs(t, "values", &values)
		d.MaybeScanArgs(t, "bug", &bug)
		o := Options{Values: values, OriginateEvery: 300 * clock.Millisecond, GossipEvery: 100 * clock.Millisecond, Bug: bug}
		if err := o.Validate(); err != nil {
			d.Fatalf(t, "%v", err)
		}
		h.AddServers(New(o), protocols.Servers(n)...)
		s.checker = NewChecker()
		h.AddMonitor(s.checker)
		return ""
	},
	"converged": func(t *testing.T, h *prototest.Harness, s *script, d *datadriven.TestData) string {
		if err := s.checker.Converged(h); err != nil {
			return "not converged: " + err.Error() + "\n"
		}
		return "every live node holds every value\n"
	},
}

func TestConvergesAfterLossAndCrash(t *testing.T) {
	h, c := harness(t, Options{Values: 1})
	h.Start()
	h.Fire("n1", "originate")
	h.Drop(prototest.Filter{To: "n3"}, 0) // n3 misses n1's gossip
	h.Stabilize(100)
	assert.Error(t, c.Converged(h), "n3 has not got n1.1 yet")
	h.Crash("n3")
	h.Restart("n3")
	h.Fire("n1", "gossip") // the retransmission n1 still owes n3
	h.Stabilize(100)
	require.NoError(t, c.Converged(h))
	assert.Equal(t, []string{"n1.1"}, h.Node("n3").(*Node).Values())
}

func TestNoRetryBugLosesValues(t *testing.T) {
	h, c := harness(t, Options{Values: 1, Bug: "no-retry"})
	h.Start()
	h.Fire("n1", "originate")
	h.Drop(prototest.Filter{To: "n3"}, 0) // n1's only send to n3
	h.Stabilize(100)
	h.Fire("n2", "gossip")
	h.Drop(prototest.Filter{To: "n3"}, 0) // and n2's only forward to n3
	h.Fire("n1", "gossip")
	h.Fire("n2", "gossip")
	assert.Empty(t, h.Inflight(), "with no-retry nobody resends")
	assert.ErrorContains(t, c.Converged(h), "n3 is missing 1 of 1 values: n1.1")
}

func TestValidityCatchesForgedValues(t *testing.T) {
	h, _ := harness(t, Options{Values: 1})
	h.Start()
	h.Inject("n1", "n2", Gossip{Values: []string{"made-up"}})
	require.Error(t, h.Failure())
	assert.Contains(t, h.Failure().Error(), `validity: n2 holds "made-up", which no node originated`)
}

func TestOptionsValidate(t *testing.T) {
	assert.NoError(t, Options{}.Validate())
	assert.ErrorContains(t, Options{Values: -1}.Validate(), "values -1")
	assert.ErrorContains(t, Options{Bug: "nope"}.Validate(), `unknown bug "nope"`)
	assert.ErrorContains(t, Options{GossipEvery: -1}.Validate(), "negative")
}

var _ protocols.Cluster = (*prototest.Harness)(nil)

// The scripts double as checks of the convergence check: each bug's script
// ends unconverged and every other script ends converged, and every bug
// has its script.
func TestScriptsEndAsTheirBugsSay(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	shown := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		last := strings.LastIndex(string(b), "\nconverged\n----\n")
		require.GreaterOrEqual(t, last, 0, "%s ends with a converged check", f)
		verdict := strings.SplitN(string(b)[last+len("\nconverged\n----\n"):], "\n", 2)[0]
		bug, isBug := strings.CutPrefix(strings.TrimSuffix(filepath.Base(f), ".txt"), "bug-")
		if isBug {
			shown[bug] = true
			assert.True(t, strings.HasPrefix(verdict, "not converged"), "%s: the %s bug should leave a node without a value", f, bug)
		} else {
			assert.Equal(t, "every live node holds every value", verdict, f)
		}
	}
	for _, b := range Bugs {
		assert.True(t, shown[b.Name], "no script shows bug %s", b.Name)
	}
}
