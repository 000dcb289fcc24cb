package consistency

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/dsimlab/dsim/checker"
)

// Op is one operation of a history as this package reads it. It is
// checker.Op with one change: the result of a get is a list of values, so
// that a read from a multi-primary store can return siblings.
type Op struct {
	Client string         // the session; one operation outstanding at a time
	Kind   checker.OpKind // get, put or append
	Key    string         // non-empty
	Value  string         // argument of put and append; empty for get
	// Values is the result of a get with Outcome ok: exactly one value for
	// an ordinary read (a key never written reads as ""), or two or more
	// distinct values for a sibling read (concurrent versions the client is
	// expected to merge). Empty for everything else.
	Values  []string
	Call    int64           // invocation time, >= 0
	Return  int64           // completion time, >= Call; ignored when indeterminate
	Outcome checker.Outcome // ok, failed or indeterminate
}

// IsWrite reports whether the op is a put or an append.
func (o Op) IsWrite() bool { return o.Kind == checker.OpPut || o.Kind == checker.OpAppend }

// siblingPrefix opens the encoding of a sibling read in checker.Op.Output.
const siblingPrefix = "siblings"

// EncodeSiblings returns how a sibling read is written in checker.Op.Output
// (and so in dsim's JSON history files): the word siblings followed by a
// JSON array of the values, sorted, e.g. siblings["c1.3","c2.5"]. A get
// whose Output starts with `siblings[` is read by FromChecker as a sibling
// read, so no ordinary value may start that way. Values are sorted and
// duplicates dropped; fewer than two distinct values encode as the single
// value itself (or "" for none).
func EncodeSiblings(values []string) string {
	vs := slices.Clone(values)
	slices.Sort(vs)
	vs = slices.Compact(vs)
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	b, err := json.Marshal(vs)
	if err != nil {
		panic(fmt.Sprintf("consistency: marshal %q: %v", vs, err)) // strings always marshal
	}
	return siblingPrefix + string(b)
}

// ParseOutput reads a get's checker.Op.Output: a sibling read written by
// EncodeSiblings gives its values (two or more, sorted, distinct); anything
// else is one ordinary value. An Output that starts with `siblings[` but is
// not two or more distinct sorted strings in a JSON array is an error
// matching checker.ErrInvalidHistory.
func ParseOutput(output string) ([]string, error) {
	if !strings.HasPrefix(output, siblingPrefix+"[") {
		return []string{output}, nil
	}
	var vs []string
	if err := json.Unmarshal([]byte(output[len(siblingPrefix):]), &vs); err != nil {
		return nil, invalidf("output %q starts like a sibling read but is not a JSON array of strings: %v", output, err)
	}
	if len(vs) < 2 {
		return nil, invalidf("sibling read %q has %d values, want at least 2", output, len(vs))
	}
	for i := 1; i < len(vs); i++ {
		if vs[i-1] >= vs[i] {
			return nil, invalidf("sibling read %q: values must be sorted and distinct (%q, %q)", output, vs[i-1], vs[i])
		}
	}
	return vs, nil
}

// FromChecker converts a checker history, decoding sibling reads (see
// EncodeSiblings) and checking the history as checker does. Errors match
// checker.ErrInvalidHistory and name the op by its index.
func FromChecker(history []checker.Op) ([]Op, error) {
	out := make([]Op, len(history))
	for i, c := range history {
		o := Op{Client: c.Client, Kind: c.Kind, Key: c.Key, Value: c.Value, Call: c.Call, Return: c.Return, Outcome: c.Outcome}
		if c.Kind == checker.OpGet && c.Outcome == checker.OutcomeOK {
			vs, err := ParseOutput(c.Output)
			if err != nil {
				return nil, invalidf("ops[%d]: %v", i, err)
			}
			o.Values = vs
		} else if c.Output != "" {
			return nil, invalidf("ops[%d]: output %q given for %s %s (only an ok get returns a value)", i, c.Output, c.Outcome, c.Kind)
		}
		if err := o.validate(); err != nil {
			return nil, invalidf("ops[%d]: %v", i, err)
		}
		out[i] = o
	}
	return out, nil
}

// ToChecker converts back, encoding sibling reads with EncodeSiblings.
func ToChecker(history []Op) []checker.Op {
	out := make([]checker.Op, len(history))
	for i, o := range history {
		out[i] = checker.Op{Client: o.Client, Kind: o.Kind, Key: o.Key, Value: o.Value,
			Output: EncodeSiblings(o.Values), Call: o.Call, Return: o.Return, Outcome: o.Outcome}
	}
	return out
}

// validate checks one op on its own.
func (o Op) validate() error {
	if o.Client == "" {
		return invalidf("client is empty")
	}
	switch o.Kind {
	case checker.OpGet, checker.OpPut, checker.OpAppend:
	default:
		return invalidf("unknown op %q (want get, put or append)", o.Kind)
	}
	if o.Key == "" {
		return invalidf("key is empty")
	}
	switch o.Outcome {
	case checker.OutcomeOK, checker.OutcomeFailed, checker.OutcomeIndeterminate:
	default:
		return invalidf("unknown outcome %q (want ok, failed or indeterminate)", o.Outcome)
	}
	if o.Kind == checker.OpGet && o.Value != "" {
		return invalidf("value %q given for get (only put and append take a value)", o.Value)
	}
	okGet := o.Kind == checker.OpGet && o.Outcome == checker.OutcomeOK
	switch {
	case okGet && len(o.Values) == 0:
		return invalidf("ok get without a result (Values is empty; a key never written reads as [\"\"])")
	case !okGet && len(o.Values) > 0:
		return invalidf("values %q given for %s %s (only an ok get returns values)", o.Values, o.Outcome, o.Kind)
	}
	if len(o.Values) > 1 {
		vs := slices.Clone(o.Values)
		slices.Sort(vs)
		if len(slices.Compact(vs)) != len(o.Values) {
			return invalidf("sibling read %q repeats a value", o.Values)
		}
	}
	if o.Call < 0 {
		return invalidf("negative call %d", o.Call)
	}
	if o.Outcome != checker.OutcomeIndeterminate && o.Return < o.Call {
		return invalidf("return %d before call %d", o.Return, o.Call)
	}
	return nil
}

func validateHistory(h []Op) error {
	for i, o := range h {
		if err := o.validate(); err != nil {
			return invalidf("ops[%d]: %v", i, err)
		}
	}
	return nil
}

// historyError matches checker.ErrInvalidHistory, so a command line tells
// bad input from a failed check the same way for both packages.
type historyError struct{ msg string }

func (e *historyError) Error() string        { return e.msg }
func (e *historyError) Is(target error) bool { return target == checker.ErrInvalidHistory }

func invalidf(format string, args ...any) error {
	return &historyError{msg: fmt.Sprintf(format, args...)}
}

// describe renders an op for anomaly text: c1 put(x, "c1.1") or
// c2 get(x) -> "c1.1", with its times.
func (o Op) describe() string {
	var b strings.Builder
	b.WriteString(o.Client)
	b.WriteByte(' ')
	switch o.Kind {
	case checker.OpGet:
		fmt.Fprintf(&b, "get(%s)", o.Key)
		if len(o.Values) == 1 {
			fmt.Fprintf(&b, " -> %s", quoteShort(o.Values[0]))
		} else if len(o.Values) > 1 {
			qs := make([]string, len(o.Values))
			for i, v := range o.Values {
				qs[i] = quoteShort(v)
			}
			fmt.Fprintf(&b, " -> siblings {%s}", strings.Join(qs, ", "))
		}
	default:
		fmt.Fprintf(&b, "%s(%s, %s)", o.Kind, o.Key, quoteShort(o.Value))
	}
	switch o.Outcome {
	case checker.OutcomeIndeterminate:
		fmt.Fprintf(&b, " called %d, outcome unknown", o.Call)
	case checker.OutcomeFailed:
		fmt.Fprintf(&b, " [%d, %d] failed", o.Call, o.Return)
	default:
		fmt.Fprintf(&b, " [%d, %d]", o.Call, o.Return)
	}
	return b.String()
}

// quoteShort keeps long append chains readable.
func quoteShort(s string) string {
	const limit = 40
	if len(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q…(%d bytes)", s[:limit], len(s))
}
