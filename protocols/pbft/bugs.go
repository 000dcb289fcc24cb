package pbft

import (
	"errors"
	"fmt"

	"github.com/dsimlab/dsim/protocols"
)

// The bug variants' names.
const (
	BugAmnesia                     = "amnesia"
	BugAcceptConflictingPrePrepare = "accept-conflicting-preprepare"
	BugDuplicateSigners            = "duplicate-signers"
	BugUnverifiedCertificates      = "unverified-certificates"
	BugTrustFirstReply             = "trust-first-reply"
)

// Bugs lists PBFT's bug variants: mistakes people really made in BFT
// implementations. Each is a switch read at the one or two places where it
// bites (search for "BUG " in this package).
var Bugs = []protocols.Bug{
	{Name: BugAmnesia, Description: "A replica keeps its view, its log and the votes it sent only in memory, and persists " +
		"nothing but its stable checkpoints. After a restart it is back in view 0 with an empty log above its last " +
		"checkpoint, so it votes again, differently, where it already voted; once a quorum restarts (a power cut), " +
		"the primary of view 0 hands out sequence numbers that already committed. agreement or total-order " +
		"catches it. Validators double-signing after losing their signing state is a classic: Flow's collectors " +
		"after a wiped database (onflow/flow-go#105), Telcoin's startup equivocation finding " +
		"(telcoin-network#391), Mainsail's fix to record the last signed position (ArkEcosystem/mainsail#1449) " +
		"(scenario amnesia)."},
	{Name: BugAcceptConflictingPrePrepare, Description: "A backup that already accepted a pre-prepare for a view and " +
		"sequence number accepts a second, different one from the primary and prepares it too, instead of " +
		"keeping the first (§4.2: a backup accepts a pre-prepare only if it has not accepted another with the " +
		"same view and number). An equivocating primary then gets both requests prepared and committed at one " +
		"sequence number; agreement catches it. Autonity's Tendermint had to rework its propose flow to drop " +
		"additional proposals so no conflicting prevote can be sent (autonity/autonity#910) (scenario " +
		"conflicting-preprepare)."},
	{Name: BugDuplicateSigners, Description: "Quorums and certificates count signatures, not distinct signers, so " +
		"one faulty replica that repeats its own signature 2f+1 times makes a stable-checkpoint proof on its own, " +
		"and a replica installs the forger's made-up state. checkpoint-agreement catches it. Monad's quorum and " +
		"timeout certificates checked duplicates only in debug builds (category-labs/monad-bft#1323, #1991, " +
		"#2086); XDC's vote aggregation had the same hole (NethermindEth/nethermind#11027); Malachite lists the " +
		"check among its certificate rules (circlefin/malachite#974) (scenario duplicate-signers)."},
	{Name: BugUnverifiedCertificates, Description: "A replica checks the signature of the message it receives but " +
		"not the signatures inside the certificates it carries (checkpoint proofs, prepared certificates, commit " +
		"certificates), trusting whoever forwarded them. A faulty replica then bundles signatures it made up for " +
		"the others: a stable-checkpoint proof for a state nobody computed, a view change claiming requests that " +
		"never prepared. checkpoint-agreement or view-change-safety catches it. Microsoft CCF's PBFT signed " +
		"prepares and view changes but did not verify them on receipt (microsoft/CCF#690), and added the check " +
		"of the view-change signatures a new-view carries later (microsoft/CCF#1171) (scenario " +
		"unverified-certificates)."},
	{Name: BugTrustFirstReply, Description: "The client accepts the first reply instead of waiting for f+1 " +
		"matching replies from distinct replicas (§4.1), so a single faulty replica's answer is taken for the " +
		"service's: a lying replica answers a read with a value the service never held, or acknowledges a write " +
		"before it is ordered. The stale-read monitor or the linearizability check catches it. The reply quorum " +
		"is easy to get wrong: BFT-SMaRt's users questioned its reply-quorum formula (bft-smart/library#48) " +
		"(scenario trust-first-reply)."},
}

// ErrUnknownBug is returned (wrapped) for a bug name not in Bugs.
var ErrUnknownBug = errors.New("unknown bug variant")

// bugs holds the switches; the zero value is correct PBFT.
type bugs struct {
	amnesia                     bool
	acceptConflictingPrePrepare bool
	duplicateSigners            bool
	unverifiedCertificates      bool
	trustFirstReply             bool
}

func parseBug(name string) (bugs, error) {
	var b bugs
	switch name {
	case "":
	case BugAmnesia:
		b.amnesia = true
	case BugAcceptConflictingPrePrepare:
		b.acceptConflictingPrePrepare = true
	case BugDuplicateSigners:
		b.duplicateSigners = true
	case BugUnverifiedCertificates:
		b.unverifiedCertificates = true
	case BugTrustFirstReply:
		b.trustFirstReply = true
	default:
		return b, fmt.Errorf("%w %q", ErrUnknownBug, name)
	}
	return b, nil
}
