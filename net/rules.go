package net

import (
	"fmt"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// RuleAction is what a targeted rule does to the messages it matches.
type RuleAction uint8

// Targeted rule actions.
const (
	DropRule  RuleAction = iota + 1 // drop the message
	DelayRule                       // add Delay to its latency
)

// Rule drops or delays the next Count messages matching From, To and Kind;
// an empty field matches anything. Canonical scenarios (Raft's Figure 8)
// need exactly this: random faults alone rarely reproduce them.
type Rule struct {
	Action   RuleAction
	From, To protocols.NodeID
	Kind     string
	Count    int
	Delay    clock.Duration
}

// Validate reports rules that can never act.
func (r Rule) Validate() error {
	if r.Count < 1 {
		return fmt.Errorf("rule: count %d, want at least 1", r.Count)
	}
	if r.Action == DelayRule && (r.Delay <= 0 || r.Delay > MaxLatency) {
		return fmt.Errorf("rule: delay %s out of range (0, %s]", clock.FormatDuration(r.Delay), clock.FormatDuration(MaxLatency))
	}
	if r.Action != DropRule && r.Action != DelayRule {
		return fmt.Errorf("rule: unknown action %d", r.Action)
	}
	return nil
}

// AddRule installs a targeted rule. Rules are consulted in the order added;
// the first that matches a message acts on it and counts it.
func (n *Network) AddRule(r Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	n.rules = append(n.rules, r)
	return nil
}

// Rules returns the rules still active.
func (n *Network) Rules() []Rule { return append([]Rule(nil), n.rules...) }

// ClearRules removes every targeted rule.
func (n *Network) ClearRules() { n.rules = nil }

func (n *Network) matchRule(from, to protocols.NodeID, kind string) (Rule, bool) {
	for i := range n.rules {
		r := &n.rules[i]
		if (r.From == "" || r.From == from) && (r.To == "" || r.To == to) && (r.Kind == "" || r.Kind == kind) {
			hit := *r
			r.Count--
			if r.Count == 0 {
				n.rules = append(n.rules[:i], n.rules[i+1:]...)
			}
			return hit, true
		}
	}
	return Rule{}, false
}
