package shardkv

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/raft"
)

// Options configures a sharded KV deployment. The zero value is three
// controller servers, groups of three, 16 shards placed by a consistent-
// hash ring with 20 virtual nodes per group, polling every 100ms, Raft at
// its defaults, no scheduled reconfiguration and correct code.
type Options struct {
	// Controllers is how many servers (n1..nC) replicate the shard
	// controller. Zero means 3.
	Controllers int
	// GroupSize is how many servers each replica group has; the servers
	// after the controllers form groups g1, g2, ... in order. Zero means 3.
	GroupSize int
	// InitialGroups is how many groups (g1..gK) the first configuration
	// holds; the others wait to join. Zero means all.
	InitialGroups int
	// Shards is the number of shards. Zero means 16.
	Shards int
	// VNodes is the number of virtual nodes per group on the ring. Zero
	// means 20.
	VNodes int
	// Placement is Ring (the zero value) or ModN.
	Placement Placement
	// Poll is how often a group leader asks the controller for the next
	// configuration and resends the shards it is handing off, and how
	// often a controller server retries an operator's command. Zero means
	// 100ms.
	Poll clock.Duration
	// Churn, if set, makes the controller's leader reconfigure on its own
	// every Churn: the next step of a fixed cycle (g1 leaves, g1 joins, g2
	// leaves, ...), until ChurnUntil on its clock. Zero means never.
	Churn      clock.Duration
	ChurnUntil clock.Time
	// Raft configures every Raft group (controller and replica groups).
	// Snapshots are not supported.
	Raft raft.Options
	// Bug switches on one of the named bug variants in Bugs.
	Bug string
}

// ErrBadOptions is wrapped by every Options.Validate error.
var ErrBadOptions = errors.New("shardkv: bad options")

func (o Options) withDefaults() Options {
	if o.Controllers == 0 {
		o.Controllers = 3
	}
	if o.GroupSize == 0 {
		o.GroupSize = 3
	}
	if o.Shards == 0 {
		o.Shards = 16
	}
	if o.VNodes == 0 {
		o.VNodes = 20
	}
	if o.Placement == "" {
		o.Placement = Ring
	}
	if o.Poll == 0 {
		o.Poll = 100 * clock.Millisecond
	}
	return o
}

// Validate reports options that cannot work with n servers.
func (o Options) Validate(n int) error {
	d := o.withDefaults()
	switch {
	case o.Controllers < 0 || o.GroupSize < 0 || o.InitialGroups < 0 || o.Shards < 0 || o.VNodes < 0:
		return fmt.Errorf("%w: negative count", ErrBadOptions)
	case o.Poll < 0 || o.Churn < 0:
		return fmt.Errorf("%w: negative duration", ErrBadOptions)
	case d.Placement != Ring && d.Placement != ModN:
		return fmt.Errorf("%w: unknown placement %q (want ring or modn)", ErrBadOptions, o.Placement)
	case n < d.Controllers+d.GroupSize || (n-d.Controllers)%d.GroupSize != 0:
		return fmt.Errorf("%w: %d servers do not make %d controllers and groups of %d (want %d, %d, %d, ...)",
			ErrBadOptions, n, d.Controllers, d.GroupSize, d.Controllers+d.GroupSize, d.Controllers+2*d.GroupSize, d.Controllers+3*d.GroupSize)
	case d.InitialGroups > (n-d.Controllers)/d.GroupSize:
		return fmt.Errorf("%w: %d initial groups, but only %d groups", ErrBadOptions, d.InitialGroups, (n-d.Controllers)/d.GroupSize)
	case d.Raft.SnapshotMin > 0:
		return fmt.Errorf("%w: Raft snapshots are not supported", ErrBadOptions)
	}
	if err := d.Raft.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	if _, err := parseBug(o.Bug); err != nil {
		return fmt.Errorf("%w: %w", ErrBadOptions, err)
	}
	return nil
}

// Layout is who is who: the controller's servers and each group's, fixed
// for a run. Every node derives it from the server list and the options,
// so configurations name groups by number only.
type Layout struct {
	Controllers []protocols.NodeID
	Groups      [][]protocols.NodeID // Groups[g-1] are group g's servers
}

// NewLayout splits servers (n1..nN, in order) into the controller's and
// the groups'.
func NewLayout(servers []protocols.NodeID, o Options) Layout {
	o = o.withDefaults()
	l := Layout{Controllers: servers[:o.Controllers]}
	for i := o.Controllers; i+o.GroupSize <= len(servers); i += o.GroupSize {
		l.Groups = append(l.Groups, servers[i:i+o.GroupSize])
	}
	return l
}

// GroupOf returns the group a server belongs to: 0 for a controller
// server, -1 for a node outside the layout.
func (l Layout) GroupOf(id protocols.NodeID) int {
	for _, c := range l.Controllers {
		if c == id {
			return 0
		}
	}
	for g, ids := range l.Groups {
		for _, x := range ids {
			if x == id {
				return g + 1
			}
		}
	}
	return -1
}

// Members returns the servers of group g (0: the controller).
func (l Layout) Members(g int) []protocols.NodeID {
	if g == 0 {
		return l.Controllers
	}
	if g < 1 || g > len(l.Groups) {
		return nil
	}
	return l.Groups[g-1]
}

// genesis is configuration 1: the initial groups, placed. Every controller
// server knows it without a log entry, and groups learn it as any other.
func genesis(o Options, groups int) Config {
	o = o.withDefaults()
	k := o.InitialGroups
	if k == 0 {
		k = groups
	}
	gs := make([]int, k)
	for i := range gs {
		gs[i] = i + 1
	}
	return Config{Num: 1, Groups: gs, Shards: Assign(o.Placement, gs, o.Shards, o.VNodes)}
}

// gname renders group g as g3 (g0 for none).
func gname(g int) string { return "g" + strconv.Itoa(g) }
