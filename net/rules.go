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
	// A standing rule (Of > 0) acts on Every of each Of matching messages
	// (the first Every of each run of Of), for as long as it stands: until
	// a recover, not a heal. Count is then unused.
	Every, Of int
	// DelayMax, when above Delay, makes each delay a uniform draw from
	// [Delay, DelayMax] (from the network's stream).
	DelayMax clock.Duration
	seen     int // a standing rule's matching messages so far
}

// Standing reports whether the rule stands (every K of M) rather than
// acting on the next Count messages.
func (r Rule) Standing() bool { return r.Of > 0 }

// Validate reports rules that can never act.
func (r Rule) Validate() error {
	switch {
	case r.Standing() && (r.Every < 1 || r.Every > r.Of):
		return fmt.Errorf("rule: every %d of %d, want 1 <= every <= of", r.Every, r.Of)
	case !r.Standing() && r.Count < 1:
		return fmt.Errorf("rule: count %d, want at least 1", r.Count)
	}
	if r.Action == DelayRule && (r.Delay <= 0 || r.Delay > MaxLatency) {
		return fmt.Errorf("rule: delay %s out of range (0, %s]", clock.FormatDuration(r.Delay), clock.FormatDuration(MaxLatency))
	}
	if r.DelayMax != 0 && (r.Action != DelayRule || r.DelayMax < r.Delay || r.DelayMax > MaxLatency) {
		return fmt.Errorf("rule: delay range %s..%s: want min <= max <= %s", clock.FormatDuration(r.Delay), clock.FormatDuration(r.DelayMax), clock.FormatDuration(MaxLatency))
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
			if r.Standing() {
				r.seen++
				if (r.seen-1)%r.Of < r.Every {
					return *r, true
				}
				continue // not one of its every K: later rules may act
			}
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
