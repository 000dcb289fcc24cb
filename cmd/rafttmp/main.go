// Temporary debugging tool; not committed.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/scenarios"
)

func main() {
	s, err := scenarios.Load(os.Args[1])
	if err != nil {
		panic(err)
	}
	seed, _ := strconv.ParseUint(os.Args[2], 10, 64)
	bug := ""
	if len(os.Args) > 3 {
		bug = os.Args[3]
	}
	at := clock.Time(-1)
	if len(os.Args) > 4 {
		d, _ := clock.ParseDuration(os.Args[4])
		at = clock.Time(d)
	}
	r, err := scenarios.Start(s, scenarios.RunOptions{Seed: seed, Bug: bug})
	if err != nil {
		panic(err)
	}
	for r.Step() {
		if at >= 0 && r.World.Now() >= at {
			break
		}
	}
	fmt.Println("time", r.World.Now())
	for _, id := range protocols.Servers(s.Nodes) {
		n := r.World.Node(id)
		if n == nil {
			fmt.Println(id, "down")
			continue
		}
		st := n.Status()
		fmt.Printf("%s %s term=%d commit=%d loglen=%d %v\n", id, st.Role, st.Term, st.Commit, st.LogLen, st.Fields)
	}
}
