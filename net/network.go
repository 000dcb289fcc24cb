package net

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// LinkConfig is the behaviour of a directed link.
type LinkConfig struct {
	Latency Latency
	Loss    float64 // probability that a message is lost, in [0, 1]
	Dup     float64 // probability that a message is delivered twice, in [0, 1]
}

// Validate reports settings that make no sense.
func (c LinkConfig) Validate() error {
	if err := c.Latency.Validate(); err != nil {
		return err
	}
	if c.Loss < 0 || c.Loss > 1 || c.Loss != c.Loss {
		return fmt.Errorf("loss %v: want a probability between 0%% and 100%%", c.Loss)
	}
	if c.Dup < 0 || c.Dup > 1 || c.Dup != c.Dup {
		return fmt.Errorf("duplication %v: want a probability between 0%% and 100%%", c.Dup)
	}
	return nil
}

// DefaultLink is a calm LAN: 1-10ms, no loss, no duplication.
var DefaultLink = LinkConfig{Latency: UniformLatency(clock.Millisecond, 10*clock.Millisecond)}

// Link is a directed link between two nodes.
type Link struct{ From, To protocols.NodeID }

func (l Link) String() string { return string(l.From) + "->" + string(l.To) }

// Reason says why a message was not delivered.
type Reason uint8

// Why messages are dropped.
const (
	Delivered   Reason = iota
	Lost               // random loss on the link
	Partitioned        // the link was cut when the message arrived
	Targeted           // a targeted drop rule matched it
	Down               // the receiver was down when it arrived
	Shed               // the receiver's input queue was full (a service model's bound)
	Expired            // the receiver would have started on it after its deadline
)

func (r Reason) String() string {
	return [...]string{"delivered", "lost", "partitioned", "dropped by rule", "receiver down", "shed", "expired"}[r]
}

// Network holds the state of every link among a fixed set of nodes. Links are
// indexed densely, so the per-message path does no map lookups.
type Network struct {
	ids   []protocols.NodeID
	index map[protocols.NodeID]int
	rng   draws
	links []linkState // len(ids)^2, row = sender
	rules []Rule
}

type linkState struct {
	cfg       LinkConfig
	override  bool       // cfg was set for this link alone; SetAll leaves it
	cut       bool       // a partition cuts it
	heldUntil clock.Time // messages arriving before this wait until it (clock.Never: until released)
}

// New returns a network among ids with every link set to cfg, drawing
// messages' fates and delays from src.
func New(ids []protocols.NodeID, cfg LinkConfig, src *rand.PCG) *Network {
	n := &Network{ids: slices.Clone(ids), index: make(map[protocols.NodeID]int, len(ids)), rng: newDraws(src)}
	for i, id := range ids {
		n.index[id] = i
	}
	n.links = make([]linkState, len(ids)*len(ids))
	for i := range n.links {
		n.links[i].cfg = cfg
	}
	return n
}

// Index returns the dense index of a node, or -1 if the network has no such node.
func (n *Network) Index(id protocols.NodeID) int {
	if i, ok := n.index[id]; ok {
		return i
	}
	return -1
}

// Nodes returns the nodes of the network, in index order.
func (n *Network) Nodes() []protocols.NodeID { return n.ids }

func (n *Network) link(from, to int) *linkState { return &n.links[from*len(n.ids)+to] }

func (n *Network) lookup(l Link) (*linkState, error) {
	f, t := n.Index(l.From), n.Index(l.To)
	if f < 0 || t < 0 || f == t {
		return nil, fmt.Errorf("no link %s", l)
	}
	return n.link(f, t), nil
}

// SetAll applies cfg to every link that has no per-link override.
func (n *Network) SetAll(cfg LinkConfig) {
	for i := range n.links {
		if !n.links[i].override {
			n.links[i].cfg = cfg
		}
	}
}

// SetLink applies cfg to one directed link, overriding SetAll from now on.
func (n *Network) SetLink(l Link, cfg LinkConfig) error {
	ls, err := n.lookup(l)
	if err != nil {
		return err
	}
	ls.cfg, ls.override = cfg, true
	return nil
}

// Config returns the current settings of a link.
func (n *Network) Config(l Link) LinkConfig {
	if ls, err := n.lookup(l); err == nil {
		return ls.cfg
	}
	return LinkConfig{}
}

// Cut cuts the given links. Cuts accumulate until Heal.
func (n *Network) Cut(links []Link) error {
	for _, l := range links {
		ls, err := n.lookup(l)
		if err != nil {
			return err
		}
		ls.cut = true
	}
	return nil
}

// Heal repairs every cut, releases every clogged or held link and cancels
// the targeted rules still waiting for messages: after a heal the network
// does only what its link settings and standing rules say (ClearRules
// removes those too).
func (n *Network) Heal() {
	for i := range n.links {
		n.links[i].cut = false
		n.links[i].heldUntil = 0
	}
	n.rules = slices.DeleteFunc(n.rules, func(r Rule) bool { return !r.Standing() })
}

// IsCut reports whether a link is cut.
func (n *Network) IsCut(l Link) bool {
	ls, err := n.lookup(l)
	return err == nil && ls.cut
}

// CutLinks returns every cut link, in index order.
func (n *Network) CutLinks() []Link { return n.collect(func(ls *linkState) bool { return ls.cut }) }

// HeldLinks returns every clogged or held link, in index order.
func (n *Network) HeldLinks(now clock.Time) []Link {
	return n.collect(func(ls *linkState) bool { return ls.heldUntil > now })
}

func (n *Network) collect(keep func(*linkState) bool) []Link {
	var out []Link
	for f := range n.ids {
		for t := range n.ids {
			if f != t && keep(n.link(f, t)) {
				out = append(out, Link{n.ids[f], n.ids[t]})
			}
		}
	}
	return out
}

// Clog holds a link's messages until the given time, then releases them in
// the order they arrived. Pass clock.Never to hold until Release.
func (n *Network) Clog(l Link, until clock.Time) error {
	ls, err := n.lookup(l)
	if err != nil {
		return err
	}
	ls.heldUntil = max(ls.heldUntil, until)
	return nil
}

// Release ends a clog or hold on a link.
func (n *Network) Release(l Link) error {
	ls, err := n.lookup(l)
	if err != nil {
		return err
	}
	ls.heldUntil = 0
	return nil
}

// Plan is what becomes of one message at send time.
type Plan struct {
	Copies int               // 1, or 2 when duplicated
	Delay  [2]clock.Duration // the latency of each copy
	Fate   Reason            // Delivered, Lost or Targeted: lost copies still travel, to be dropped on arrival
}

// HasRules reports whether any targeted rule is in force: only then does
// Send read the kind, so a sender can skip working it out.
func (n *Network) HasRules() bool { return len(n.rules) > 0 }

// Send decides the fate of a message from -> to (dense indexes) of the given
// kind: targeted rules first, then loss, duplication and latency. The draws
// come from the network's stream in a fixed order.
func (n *Network) Send(from, to int, kind string) Plan {
	ls := n.link(from, to)
	p := Plan{Copies: 1}
	extra := clock.Duration(0)
	if len(n.rules) > 0 {
		if r, ok := n.matchRule(n.ids[from], n.ids[to], kind); ok {
			if r.Action == DropRule {
				p.Fate = Targeted
			} else {
				extra = r.Delay
				if r.DelayMax > r.Delay {
					extra += clock.Duration(n.rng.int64n(int64(r.DelayMax-r.Delay) + 1))
				}
			}
		}
	}
	if p.Fate == Delivered && ls.cfg.Loss > 0 && n.rng.float64() < ls.cfg.Loss {
		p.Fate = Lost
	}
	if p.Fate == Delivered && ls.cfg.Dup > 0 && n.rng.float64() < ls.cfg.Dup {
		p.Copies = 2
	}
	for i := 0; i < p.Copies; i++ {
		p.Delay[i] = ls.cfg.Latency.draw(n.rng) + extra
	}
	return p
}

// Arrive decides what happens to a message reaching to from from at now: it
// is delivered (Delivered, 0), dropped because the link is cut (Partitioned,
// 0), or held until a later time (Delivered, t > now).
func (n *Network) Arrive(from, to int, now clock.Time) (Reason, clock.Time) {
	ls := n.link(from, to)
	if ls.cut {
		return Partitioned, 0
	}
	if ls.heldUntil > now {
		return Delivered, ls.heldUntil
	}
	return Delivered, 0
}

// Calm sets loss and duplication to zero on every link, per-link settings
// included, keeping latencies.
func (n *Network) Calm() {
	for i := range n.links {
		n.links[i].cfg.Loss, n.links[i].cfg.Dup = 0, 0
	}
}
