package broadcast

import "github.com/dsimlab/dsim/protocols"

// The bug variants' names.
const (
	BugNoRetry         = "no-retry"
	BugForgetOnRestart = "forget-on-restart"
)

// Bugs lists the defects this package can be built with. Each is a switch
// read at the one place it bites (search for BugNoRetry, BugForgetOnRestart).
var Bugs = []protocols.Bug{
	{Name: BugNoRetry, Description: "Gossip each value once and never retransmit: any lost message loses the value for that peer " +
		"for good. Fire-and-forget dissemination is the classic first version of a gossip layer (and of many " +
		"notification paths); convergence catches it under loss or partitions (scenario no-retry-bug)."},
	{Name: BugForgetOnRestart, Description: "Keep learned values in memory only: a restarted node has lost them, and nobody " +
		"resends them because they were acknowledged before the crash. An acknowledgement given before the " +
		"data is durable is the mistake behind many lost-write bugs; convergence catches it after a crash."},
}
