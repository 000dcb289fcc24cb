package broadcast

import (
	"slices"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// Checker follows a run: it learns every originated value from the nodes'
// notes, checks after every event that no node holds a value nobody
// originated (validity), and at the end that every live node holds every
// originated value (convergence).
type Checker struct {
	originated map[string]bool
	order      []string
}

// NewChecker returns a checker for one run.
func NewChecker() *Checker { return &Checker{originated: map[string]bool{}} }

// Check implements protocols.Monitor.
func (c *Checker) Check(cl protocols.Cluster, ev protocols.Event) error {
	for _, note := range ev.Notes {
		if l, ok := note.(Learned); ok && l.Origin && !c.originated[l.Value] {
			c.originated[l.Value] = true
			c.order = append(c.order, l.Value)
		}
	}
	if ev.Node == "" || ev.Input != protocols.Receive {
		return nil
	}
	n, ok := ev.Stepped(cl).(*Node)
	if !ok {
		return nil
	}
	for _, v := range n.order {
		if !c.originated[v] {
			return protocols.Violationf("validity", "%s holds %q, which no node originated", ev.Node, v)
		}
	}
	return nil
}

// Converged reports the first live node missing an originated value: after
// the network heals, every live node must hold every value.
func (c *Checker) Converged(cl protocols.Cluster) error {
	for _, id := range cl.Servers() {
		n, ok := cl.Node(id).(*Node)
		if !ok {
			continue
		}
		var missing []string
		for _, v := range c.order {
			if !n.Has(v) {
				missing = append(missing, v)
			}
		}
		if len(missing) > 0 {
			slices.Sort(missing)
			if len(missing) > 5 {
				missing = append(missing[:5], "...")
			}
			return protocols.Violationf("convergence", "%s is missing %d of %d values: %s", id, len(missing), len(c.order), strings.Join(missing, " "))
		}
	}
	return nil
}

// Originated returns how many distinct values were originated.
func (c *Checker) Originated() int { return len(c.order) }
