// Package checker judges what a run did, from the outside.
//
// Today it holds the linearizability check of key-value client histories:
// [CheckKV] runs porcupine over a history of [Op] with a KV model partitioned
// per key, [WriteHTML] draws porcupine's visualization with fault
// [Annotation]s, and [ParseHistory] / [WriteHistory] read and write the JSON
// history format of docs/history-format.md, so that `dsim check` can judge
// histories recorded by real systems as well as simulated ones.
//
// A verdict is a value, never an error: [VerdictOK], [VerdictIllegal], or
// [VerdictUnknown] when the search ran out of time. Unknown is not a pass.
// Go errors are kept for malformed input, and they all match
// [ErrInvalidHistory].
//
// Operations whose outcome the client never learned (it timed out) are
// recorded as [OutcomeIndeterminate]. They are checked as operations that
// never return: each may take effect at any point after its call, or never.
// They are neither failures nor successes.
//
// Import rule: checker imports porcupine and the standard library only, never
// a dsim package. It has its own history types so that histories from outside
// the simulator can be checked, and so that the simulator's packages can
// change without touching the judge. An import-graph test enforces this.
package checker
