package paxos

import (
	"github.com/dsimlab/dsim/protocols/paxos/multi"
	"github.com/dsimlab/dsim/protocols/paxos/synod"
)

// Paxos describes single-decree Paxos to dsim (protocol "paxos"):
// proposers, acceptors and learners choosing one value, for teaching. Its
// scenarios are paxos/*. See package synod.
var Paxos = synod.Protocol

// MultiPaxos describes Multi-Paxos replicating the KV service to dsim
// (protocol "multipaxos"), with Flexible Paxos's quorum sizes as options.
// Its scenarios are multipaxos/* and flexible/*. See package multi.
var MultiPaxos = multi.Protocol
