package twopc

import "github.com/dsimlab/dsim/protocols"

// The bug names, as used in Options.Bug.
const (
	BugAbortAfterYes   = "abort-after-yes"
	BugSendBeforeLog   = "send-before-log"
	BugUnloggedPrepare = "unlogged-prepare"
)

// Bugs lists the deliberate bugs of this package.
var Bugs = []protocols.Bug{
	{Name: BugAbortAfterYes, Description: "a prepared participant that hears nothing aborts on its own instead of asking the coordinator: " +
		"it breaks its yes vote, and atomicity breaks when the coordinator decided commit"},
	{Name: BugSendBeforeLog, Description: "the coordinator sends its decision before the decision record is synced: " +
		"a crash right after the send loses it, the restarted coordinator presumes abort, and atomicity breaks"},
	{Name: BugUnloggedPrepare, Description: "a participant votes yes without persisting its prepared state: " +
		"after a crash it has forgotten the transaction, so a commit finds nothing to apply and money vanishes"},
}
