package shardkv

import (
	"strconv"

	"github.com/dsimlab/dsim/protocols/kv"
)

// Notes: what servers report as they apply their logs, for the monitors
// (invariants.go) and the UI. Every replica of a group reports them, in
// log order, and again as it replays its log after a restart; the
// monitors tell a first application from a replay by the group's index.

// ConfigMade is noted by a controller server when an entry it applies
// makes a new configuration.
type ConfigMade struct{ Config Config }

// String renders the note as config made cfg3[...].
func (n ConfigMade) String() string { return "config made " + n.Config.String() }

// ConfigApplied is noted by a group server when it applies the entry at
// Index that moves it to configuration Num.
type ConfigApplied struct{ Gid, Num, Index int }

// String renders the note as g1 applied cfg3 at 17.
func (n ConfigApplied) String() string {
	return gname(n.Gid) + " applied cfg" + strconv.Itoa(n.Num) + " at " + strconv.Itoa(n.Index)
}

// Served is noted by a group server when it applies a client request at
// Index against shard Shard in configuration Num, with the outcome its
// shard's state machine gave.
type Served struct {
	Gid, Num, Shard, Index int
	Req                    kv.Request
	Outcome                kv.Outcome
}

// String renders the note as g1 cfg3 shard 5 at 18: c1#7 put(k1,c1.7) executed.
func (n Served) String() string {
	return gname(n.Gid) + " cfg" + strconv.Itoa(n.Num) + " shard " + strconv.Itoa(n.Shard) + " at " + strconv.Itoa(n.Index) +
		": " + n.Req.ID() + " " + n.Req.Op.String() + " " + n.Outcome.String()
}

// Installed is noted by a group server when it installs a shard handed to
// it in configuration Num, with the state it installed.
type Installed struct {
	Gid, Num, Shard, Index int
	State                  kv.Snapshot
}

// String renders the note as g2 installed shard 5 of cfg3 at 20.
func (n Installed) String() string {
	return gname(n.Gid) + " installed shard " + strconv.Itoa(n.Shard) + " of cfg" + strconv.Itoa(n.Num) + " at " + strconv.Itoa(n.Index)
}

// The probes shardkv servers report, beside Raft's and the client's.
const (
	ProbeConfigMade       = "config-made"           // the controller made a new configuration
	ProbeChurn            = "churn"                 // the controller's leader reconfigured on its schedule
	ProbeConfigApplied    = "config-applied"        // a group moved to the next configuration
	ProbeShardWaiting     = "shard-waiting"         // a group gained a shard whose data must come from its old owner
	ProbeShardPushed      = "shard-pushed"          // a group leader sent a shard it is handing off
	ProbeShardInstalled   = "shard-installed"       // a group installed a shard handed to it
	ProbeHandedOff        = "shard-handed-off"      // the new owner acknowledged a shard; the old owner deleted its copy
	ProbeHandoffNewLeader = "handoff-by-new-leader" // a leader elected after a hand-off began carried it on
	ProbeWrongGroupReply  = "wrong-group-reply"     // a server turned a request away: its group does not serve the key now
	ProbeRejectedAtApply  = "rejected-at-apply"     // a request logged while the group owned its shard was applied after the shard left
	ProbeGroupBehind      = "push-before-config"    // a shard arrived at a group that had not reached its configuration yet
	ProbeAdminForwarded   = "admin-forwarded"       // an operator's command went to the controller's leader
)

// Probes lists the probes above.
var Probes = []string{
	ProbeConfigMade, ProbeChurn, ProbeConfigApplied, ProbeShardWaiting, ProbeShardPushed, ProbeShardInstalled,
	ProbeHandedOff, ProbeHandoffNewLeader, ProbeWrongGroupReply, ProbeRejectedAtApply, ProbeGroupBehind, ProbeAdminForwarded,
}
