// Package synod is single-decree Paxos, the "synod" algorithm of Lamport's
// The Part-Time Parliament as Paxos Made Simple (2001) presents it:
// proposers, acceptors and learners choosing one value among those
// proposed. It is written for teaching, with the three roles apart (a
// server may play any of them), and it is the core Multi-Paxos (package
// multi) runs once per slot.
//
// A node is a deterministic state machine driven through the node contract
// of package protocols. What it implements:
//
//   - proposers, each with its own value (n1 proposes v1), starting their
//     first round at a random time (Options.StartDelay, StartSpread); a round
//     is a ballot, unique to its proposer (Ballot: round×100 + the
//     proposer's number) and above every ballot it used before, restarts
//     included (the round is persisted before its Prepares leave);
//   - phase 1 (Prepare, Promise) and phase 2 (Accept, Accepted), with the
//     proposer adopting the value of the highest ballot its promise quorum
//     reports (P2c); Nack tells a proposer its ballot was beaten, and a
//     proposer whose own acceptor promises a higher ballot gives up its
//     round; failed rounds back off for a random, doubling time, which is
//     what ends duelling proposers;
//   - acceptors that promise a ballot higher than their promise and accept
//     a proposal of a ballot at least their promise, which promises it too;
//     both are persisted before the reply that reports them leaves;
//   - learners that learn from a phase-2 quorum of acceptances in one
//     ballot, from a proposer's Chosen, or by asking (Ask) after missing
//     them;
//   - Flexible Paxos quorum sizes (Quorums).
//
// Ghost is the run-long safety record shared with Multi-Paxos: what was
// promised, accepted, proposed, chosen and learned, judged after every
// event (agreement, chosen-unique, chosen-stable, proposal-safety,
// learn-chosen, ballot-unique). Monitors adds the promise checks, validity
// and the end-of-run check that every learner learned. Bugs lists the named
// defects a learner can switch on.
//
// synod imports only protocols, clock and the standard library; never the
// simulator, the network or the scenarios.
package synod
