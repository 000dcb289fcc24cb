// Package checker judges what a run did, from the outside.
//
// Today it holds the linearizability check of key-value client histories:
// [CheckKV] decides a history of [Op] against a single-copy KV store, key by
// key; [WriteHTML] draws the [Result] with porcupine's visualization and
// fault [Annotation]s; and [ParseHistory] / [WriteHistory] read and write the
// JSON history format of docs/history-format.md, so that `dsim check` can
// judge histories recorded by real systems as well as simulated ones.
//
// A verdict is a value, never an error: [VerdictOK], [VerdictIllegal], or
// [VerdictUnknown] when the search ran out of its [Budget]. Unknown is not a
// pass. Go errors are kept for malformed input, and they all match
// [ErrInvalidHistory].
//
// # How a key is decided
//
// Verdicts are a function of the history alone. Nothing reads a clock; the
// only bound is the Budget, counted in search steps, and a key that needs
// more is unknown and named, with the budget, in the Result.
//
//  1. Keys are independent: each is decided on its own, all of them to the
//     end, so every broken key is reported. A long history's keys run on
//     several goroutines, but nothing one key computes reaches another, so the Result does not
//     depend on scheduling.
//  2. The unique-values path ([MethodUniqueValues]). dsim's clients write
//     values unique per (client, seq), like "c1.7". When every value written
//     to a key is distinct and non-empty and every read's output parses one
//     way into the put and the appends it saw, the reads fix chains of
//     writes and the check reduces to ordering those chains, which takes
//     O(n log n) and no search. Every dsim history takes this path.
//  3. The search ([MethodSearch]) for the rest: Wing and Gong's search with
//     Lowe's memoization (porcupine's algorithm), single-threaded, counted
//     in steps, taking reads that fit without branching, and exploring each
//     segment between quiescent points once per state it can start from.
//
// An ok verdict comes with a linearization, which CheckKV replays through the
// plain sequential model before it reports ok. An illegal key comes with a
// witness: a small set of its ops that has no linearization on its own,
// shrunk by windows and delta debugging (KeyResult.Witness).
//
// Operations whose outcome the client never learned (it timed out) are
// recorded as [OutcomeIndeterminate]. They are checked as operations that
// never return: each may take effect at any point after its call, or never.
// They are neither failures nor successes. One that no read can have seen
// (an indeterminate get, or a write whose value occurs in no read) is left
// out, which changes no verdict.
//
// Porcupine remains the reference: a property test compares both paths with
// porcupine's own search on generated histories, and WriteHTML uses
// porcupine's visualization, fed the orders CheckKV found. design.md has the
// arguments.
//
// Import rule: checker imports porcupine and the standard library only, never
// a dsim package. It has its own history types so that histories from outside
// the simulator can be checked, and so that the simulator's packages can
// change without touching the judge. An import-graph test enforces this.
package checker
