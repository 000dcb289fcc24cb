package checker

import (
	"errors"
	"fmt"
	"time"
)

// OpKind names a key-value operation.
type OpKind string

// The operations of the KV model. Append exists because it makes a
// duplicated write visible: applying append(k, "x") twice leaves "xx".
const (
	OpGet    OpKind = "get"    // read a key; a missing key reads as ""
	OpPut    OpKind = "put"    // set a key to Value
	OpAppend OpKind = "append" // concatenate Value onto the key's value
)

// Outcome is what the client learned about an operation.
type Outcome string

// The outcomes a client can record.
const (
	// OutcomeOK: the operation completed and its result is known.
	OutcomeOK Outcome = "ok"
	// OutcomeFailed: the system definitely did not apply the operation
	// (for example it was rejected). Failed operations are left out of the
	// linearizability check.
	OutcomeFailed Outcome = "failed"
	// OutcomeIndeterminate: the client never learned the outcome (it timed
	// out). The operation may have taken effect at any point after its
	// call, or never; its Return and Output are meaningless.
	OutcomeIndeterminate Outcome = "indeterminate"
)

// Op is one client operation in a KV history.
type Op struct {
	Client  string  // who issued it, e.g. "c1"; also picks its lane in the HTML
	Kind    OpKind  // get, put or append
	Key     string  // non-empty
	Value   string  // argument of put and append; empty for get
	Output  string  // value returned by a get with Outcome ok; empty otherwise
	Call    int64   // invocation time, virtual nanoseconds, >= 0
	Return  int64   // completion time, >= Call; ignored when indeterminate
	Outcome Outcome // ok, failed or indeterminate; there is no default
}

// ErrInvalidHistory is matched (errors.Is) by every error about a malformed
// history, whether it came from [ParseHistory], [CheckKV] or [WriteHistory],
// so a command line can tell bad input from a failed check.
var ErrInvalidHistory = errors.New("invalid history")

// historyError keeps messages exactly as written ("ops[3]: return 12 before
// call 20") while still matching ErrInvalidHistory.
type historyError struct{ msg string }

func (e *historyError) Error() string        { return e.msg }
func (e *historyError) Is(target error) bool { return target == ErrInvalidHistory }

func invalidf(format string, args ...any) error {
	return &historyError{msg: fmt.Sprintf(format, args...)}
}

// validate checks one op on its own and returns the problem without saying
// which op it is; callers add the index (and the file position).
func (op *Op) validate() error {
	if op.Client == "" {
		return invalidf("client is empty")
	}
	switch op.Kind {
	case OpGet, OpPut, OpAppend:
	default:
		return invalidf("unknown op %q (want get, put or append)", op.Kind)
	}
	if op.Key == "" {
		return invalidf("key is empty")
	}
	switch op.Outcome {
	case OutcomeOK, OutcomeFailed, OutcomeIndeterminate:
	default:
		return invalidf("unknown outcome %q (want ok, failed or indeterminate)", op.Outcome)
	}
	if op.Kind == OpGet && op.Value != "" {
		return invalidf("value %q given for get (only put and append take a value)", op.Value)
	}
	if op.Output != "" && (op.Kind != OpGet || op.Outcome != OutcomeOK) {
		return invalidf("output %q given for %s %s (only an ok get returns a value)", op.Output, op.Outcome, op.Kind)
	}
	if op.Call < 0 {
		return invalidf("negative call %d", op.Call)
	}
	if op.Outcome != OutcomeIndeterminate && op.Return < op.Call {
		return invalidf("return %d before call %d", op.Return, op.Call)
	}
	return nil
}

// validateHistory names the first malformed op by its index.
func validateHistory(history []Op) error {
	for i := range history {
		if err := history[i].validate(); err != nil {
			return invalidf("ops[%d]: %v", i, err)
		}
	}
	return nil
}

// String describes the op in one line for messages, with its times as
// durations since time zero: `c2 get(k1) -> "c1.5" 1.2s..1.21s`, or
// `c3 put(k1, "c3.4") from 1.5s, indeterminate`.
func (op Op) String() string {
	s := op.Client + " " + describeCall(&kvInput{kind: op.Kind, key: op.Key, value: op.Value})
	if op.Kind == OpGet && op.Outcome == OutcomeOK {
		s += " -> " + quoteShort(op.Output)
	}
	switch op.Outcome {
	case OutcomeIndeterminate:
		return s + " from " + time.Duration(op.Call).String() + ", indeterminate"
	case OutcomeFailed:
		s += " (failed)"
	}
	return s + " " + time.Duration(op.Call).String() + ".." + time.Duration(op.Return).String()
}
