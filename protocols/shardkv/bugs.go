package shardkv

import (
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugServeBeforeInstall  = "serve-before-install"
	BugHandoffWithoutDedup = "handoff-without-dedup"
	BugSkipConfig          = "skip-config"
	BugCheckAtProposeOnly  = "check-at-propose-only"
)

// Bugs lists shardkv's bug variants: mistakes students make in the sharded
// KV lab of MIT 6.824 / 6.5840 (lab 4B, later 5B), which that lab's hints
// warn against. Each is a switch
// read at the one place where it bites (search for "BUG " in this package).
var Bugs = []protocols.Bug{
	{Name: BugServeBeforeInstall, Description: "A group starts serving a shard as soon as it applies the configuration " +
		"that gives it the shard, with an empty copy, instead of waiting until the old owner's data has arrived " +
		"and been installed through its log; the data installed later overwrites what it served meanwhile. " +
		"Reads miss acknowledged writes and writes are lost. shard-ownership catches the serve, linearizability " +
		"the harm. The lab's hints tell students to have a group wait for a shard's data before serving it " +
		"(scenario bug-serve-before-install)."},
	{Name: BugHandoffWithoutDedup, Description: "A shard is handed over with its keys and values but without the " +
		"duplicate-detection table, so the new owner forgets which requests it already executed: a client whose " +
		"reply was lost retries at the new owner and its append is executed twice. handoff-state catches the " +
		"table missing at the install; exactly-once catches the second execution. The lab's hints say the " +
		"duplicate-detection state must travel with the shard (scenario bug-handoff-without-dedup)."},
	{Name: BugSkipConfig, Description: "A group leader asks the controller for the latest configuration instead of " +
		"the next one, and applies whatever is newer than its own. A group that fell behind by two or more " +
		"configurations jumps over the middle ones and so never hands over, or never expects, the shards that " +
		"moved in them: another group waits forever, or serves a shard whose data went elsewhere. config-order " +
		"catches the jump. The lab's hints say to process reconfigurations one at a time, in order " +
		"(scenario bug-skip-config)."},
	{Name: BugCheckAtProposeOnly, Description: "A group checks that it owns a key's shard only when the request arrives, " +
		"not again when the request's log entry is applied. A configuration change that enters the log between the " +
		"two takes the shard away, its data is frozen and handed over, and the request is then executed on the stale " +
		"copy left behind and acknowledged: the write is lost. shard-ownership catches the serve after the hand-off " +
		"(a key served by a group that does not own it in the configuration it has applied); the lab's " +
		"hints warn that ownership can change between a request's arrival and its application " +
		"(scenario bug-check-at-propose-only)."},
}

type bugs struct {
	serveBeforeInstall bool
	noDedup            bool
	skipConfig         bool
	checkAtPropose     bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugServeBeforeInstall:
		b.serveBeforeInstall = true
	case BugHandoffWithoutDedup:
		b.noDedup = true
	case BugSkipConfig:
		b.skipConfig = true
	case BugCheckAtProposeOnly:
		b.checkAtPropose = true
	default:
		return b, fmt.Errorf("unknown bug %q", name)
	}
	return b, nil
}
