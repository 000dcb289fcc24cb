// Package consistency places a key-value history on the consistency ladder:
// for each model below it says whether the history satisfies it and, when
// not, gives the smallest anomaly it found (the operations, in order, that
// prove the model broken). [Ladder] judges a history against all of them and
// names the strongest rung that holds; [Check] and the Check* functions
// judge one model. Model names for a command line are the [Model]
// constants, read by [ParseModel].
//
// The algorithms, with the arguments for why each is exact, are in
// design.md next to this file.
//
// # Histories
//
// A history is a list of [Op]: checker.Op with the result of a get as a
// list of values, so that a read from a multi-primary store can return
// siblings (concurrent versions). [FromChecker] and [ToChecker] convert;
// in checker.Op form a sibling read's Output is written by
// [EncodeSiblings]: siblings["v1","v2"].
//
// A client is a session. Its program order is the order in which it invoked
// its operations (a client has one operation outstanding at a time).
//
// The checkers assume what dsim's workloads guarantee: every write's value
// is unique per key (dsim writes "c1.7" for client c1's seventh operation)
// and non-empty. A key's value is then the value of the last put applied
// (or nothing, the initial "") followed by the appends applied since, and
// parsing a read's value recovers exactly those writes: the read reads from
// each of them. For a put that is the one write whose value it returned; for
// appends the value reveals every append it saw, in order. This is what
// makes the sequential and causal checks tractable. A key whose values do
// not identify their writes (a value written twice, an empty value, a value
// that splits two ways) is left out of the check: an anomaly found on the
// other keys still stands, since dropping a key's operations never breaks
// a history that held, but an ok becomes unknown, naming the key.
//
// A read whose value no sequence of writes produces, or that contains a
// failed write's value, or one write's value twice (a duplicated effect),
// breaks every safety model below.
//
// Outcomes are handled soundly in every checker. A failed operation had no
// effect and is left out. An indeterminate operation may have taken effect
// at any point after its invocation, or never: an indeterminate get
// constrains nothing; an indeterminate write that some read saw took effect,
// and follows the operations its client invoked before it in program order,
// but not the ones its client invoked after it (the client had given up and
// moved on); an indeterminate write no read saw is assumed never to have
// taken effect, which can only remove constraints. Such an operation is
// never counted as a success (no session guarantee requires it to be seen)
// nor as a failure.
//
// # The models
//
// Linearizable (Herlihy & Wing 1990): a single order of the operations that
// respects real time (an operation that completed before another was
// invoked comes first) and the KV semantics. The verdict is checker.CheckKV's
// (porcupine, per key); see [CheckLinearizable] for the proofs this package
// adds and the anomaly it reports.
//
// Sequential (Lamport 1979): a single order of all effective operations
// that keeps every session's program order and in which each read returns
// the key's current value. Real time across sessions is ignored.
//
// Causal (Ahamad et al. 1995, causal memory, over the KV): the causal order
// is program order plus reads-from, closed transitively. For every session p
// there must be an order of all effective writes and of p's operations that
// extends the causal order and in which each of p's reads returns the key's
// current value. Different sessions may see concurrent writes in different
// orders.
//
// Sibling reads follow the multi-value register: a sibling read returns the
// causally maximal versions it saw. Its versions (the last write of each
// value) must be causally concurrent: none is in another's value or causally
// before it. Every write of the key in the read's causal past must be in one
// of its values or causally before a write of one. Sibling reads are judged
// by that rule and do not take part in the sessions' orders. A single copy
// never returns siblings, so a sibling read breaks linearizable and
// sequential (the anomaly is named sibling-read).
//
// The session guarantees (Terry et al. 1994), judged per session, are
// defined here as Viotti & Vukolić (2016) formalise them with abstract
// executions: each observer session d has its own arbitration order of all
// effective writes, and each of its reads a set of visible writes; a
// single-value read must return its visible writes of its key applied in
// that order, and a sibling read's values must be visible (other visible
// writes causally before them). Each guarantee then demands:
//
//   - ryw (read your writes): a read sees the session's own earlier ok
//     writes of its key.
//   - monotonic-reads: a read sees everything the session's earlier reads
//     saw.
//   - monotonic-writes: a session's ok writes are arbitrated in the order
//     it issued them, in every observer's order, and whoever sees a later
//     one sees the earlier ones.
//   - writes-follow-reads: a write is arbitrated after, and seen only
//     together with, the writes its session had read before making it,
//     transitively.
//
// The arbitration is per observer so that causal memory, whose sessions
// each have their own view, implies every guarantee. Each guarantee is
// judged on its own; the Session rung holds when all four do. Checked
// together with one shared visibility the four would come close to causal
// consistency (Brzezinski et al. 2004); checked one by one they miss a
// reader that sees a comment without the post it answers, which is why
// Session is a rung below Causal.
//
// Eventual (Vogels 2009; Bailis & Ghodsi 2013), over the final replica
// states the caller supplies: after healing every replica holds the same
// state; that state is one the writes produce (no phantom value, no failed
// write, no write applied twice, and when no put starts a key's value, every
// acknowledged write of the key is in it: nothing could have overwritten
// one); and every ok read invoked at or after the stated quiescence time
// returned it. Reads before quiescence are not judged.
//
// # The ladder
//
// From strongest to weakest: linearizable, sequential, causal, session
// (writes-follow-reads, monotonic-writes, monotonic-reads and ryw
// together), eventual. As checked here,
//
//	linearizable ⇒ sequential ⇒ causal ⇒ each of the four session guarantees
//
// (a linearization is a sequential order; a sequential order restricted to
// a session's operations and all writes is a causal view; a causal view,
// read as arbitration and visibility, gives every session guarantee). A
// property test checks these implications on random histories. Eventual
// convergence is implied by none of them and implies none: it is about the
// replicas' final state, a liveness property the safety rungs do not look
// at. [Ladder] reports as Strongest the strongest of linearizable,
// sequential, causal, session and eventual that holds (for session, all
// four guarantees), and checks nothing a holding rung implies.
//
// # Cost
//
// n is the number of operations, S of sessions, K of keys, B_k of values
// written to key k, and L of lanes (sessions plus indeterminate writes that
// were read). Every search counts its steps against a [Budget]; running out
// gives unknown, naming the budget and the key it was working on, never a
// pass. No check reads the wall clock, starts goroutines or depends on map
// order, so one history always gives one verdict and one anomaly.
//
//   - Preparing the history: O(n log n) plus, for each read, the length of
//     its value times the number of distinct value lengths of its key.
//   - Linearizable: checker.CheckKV per key (with unique values, an
//     O(n log n) ordering; otherwise a search counted in steps); a pattern
//     scan of O(reads × writes) per key runs first and settles stale reads.
//   - Sequential: NP-complete even when reads-from is known (Gibbons &
//     Korach 1997). A search guided by real time usually finds the order in
//     O(n·S) steps; otherwise saturation costs O(rounds · K · (n + edges) ·
//     B_k / 64) and the last-resort search is exponential, within the
//     budget.
//   - Causal: polynomial, O(S · rounds · (n + edges) · L), rounds being the
//     few passes of a fixpoint.
//   - Session guarantees: O(S · (n + edges)) for ryw, monotonic-reads and
//     monotonic-writes; writes-follow-reads adds bit sets of the writes each
//     write depends on, O(reads · writes / 64).
//   - Eventual: O(n) plus the length of the final values.
//
// Import rule: consistency imports checker and the standard library only.
// An import-graph test in scenarios enforces it.
package consistency
