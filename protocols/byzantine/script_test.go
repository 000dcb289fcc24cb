package byzantine

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/dsimlab/dsim/protocols"
)

// The scripts under testdata/ wrap the chatty node (it sends one Ping to
// each of n2, n3 and n4 on every input) in a strategy and show, step by
// step, which of its sends the strategy lets out:
//
//	strategy NAME [ARGS...]   wrap a fresh chatty n1 (seeded 1, 2)
//	step [N]                  deliver N Pings from n2 (default 1), one line per step
func TestScripts(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		var n protocols.Node
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			switch d.Cmd {
			case "strategy":
				if len(d.CmdArgs) == 0 {
					d.Fatalf(t, "strategy wants a name")
				}
				var args []string
				for _, a := range d.CmdArgs[1:] {
					args = append(args, a.String())
				}
				wrap, err := Lookup(nil, d.CmdArgs[0].String(), args)
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				peers := protocols.Servers(4)[1:]
				n = wrap(&chatty{peers: peers}, protocols.Config{ID: "n1", Peers: peers, Rand: rand.New(rand.NewPCG(1, 2))})
				return "ok\n"
			case "step":
				steps := 1
				if len(d.CmdArgs) > 0 {
					v, err := strconv.Atoi(d.CmdArgs[0].String())
					if err != nil {
						d.Fatalf(t, "step %s: want a count", d.CmdArgs[0])
					}
					steps = v
				}
				var b strings.Builder
				var fx protocols.Effects
				for i := range steps {
					fx.Reset()
					n.Step(protocols.Input{Kind: protocols.Receive, From: "n2", Msg: ping{}}, &fx)
					var to []string
					for _, s := range fx.Sends {
						to = append(to, string(s.To))
					}
					if len(to) == 0 {
						to = []string{"nothing"}
					}
					fmt.Fprintf(&b, "step %d: sends to %s\n", i+1, strings.Join(to, " "))
				}
				return b.String()
			}
			d.Fatalf(t, "unknown command %q", d.Cmd)
			return ""
		})
	})
}
