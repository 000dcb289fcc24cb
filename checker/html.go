package checker

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/anishathalye/porcupine"
)

// Annotation marks something that happened during a run, drawn along the
// history in the HTML: a fault, a leader change, a retry.
type Annotation struct {
	// Lane is where it is drawn: the name of a client puts it on that
	// client's lane; any other text gets a lane of its own below the
	// clients; "" means "faults".
	Lane  string
	Start int64 // same time base as Op.Call
	End   int64 // End <= Start draws a point in time
	Text  string
}

// failedColor greys out failed ops, which are drawn for context only.
const failedColor = "#d8d8d8"

// MaxDrawnPerKey bounds the ops WriteHTML draws on one key: porcupine's
// layout keeps a bitset per op, about 110 MB at this many.
const MaxDrawnPerKey = 30_000

// WriteHTML writes porcupine's interactive visualization of res, the
// Result of [CheckKV] on history, to w: one row per client (more when a
// client has overlapping ops, as after a time-out), one partition per key in
// sorted order, failed ops in grey, and notes in their lanes. Porcupine
// numbers the rows; hovering over an op shows its client and its index in
// history.
//
// It draws what the check found and searches nothing again: for an ok key,
// the linearization CheckKV found; for an illegal key, only the ops of its
// witness, with the longest partial linearization of them, since a witness
// is what a person can read; for an unknown key, the longest partial
// linearization the search reached. When res is illegal only the illegal
// keys are drawn. Porcupine lays the drawing out by replaying those orders
// through a model that accepts exactly the next op of the order, so its own
// search never branches.
//
// The output grows with the ops drawn, about 250 bytes each (8 MB for the
// 33k ops of raft/canonical with 30 clients), and porcupine's layout keeps
// a bitset per op, so memory grows with the square of the ops on one key:
// draw histories of at most tens of thousands of ops, or illegal ones.
//
// A key with more than MaxDrawnPerKey ops to draw is refused with an error
// rather than drawn in gigabytes.
func WriteHTML(w io.Writer, history []Op, res Result, notes []Annotation) error {
	if res.Err != nil {
		return res.Err
	}
	if err := validateHistory(history); err != nil {
		return err
	}
	if res.historyLen != len(history) {
		return fmt.Errorf("checker: WriteHTML: the result is of a history of %d ops, not this one of %d", res.historyLen, len(history))
	}

	// What to draw, key by key: positions in history, and each one's place
	// in the order to replay.
	var drawn []int
	place := make(map[int]int)
	whole := make(map[string]bool) // keys drawn with all their ops
	var extra []porcupine.Annotation
	for _, k := range res.Keys {
		if res.Verdict == VerdictIllegal && k.Verdict != VerdictIllegal {
			continue
		}
		for i, h := range k.lin {
			place[int(h)] = i
		}
		if k.Verdict == VerdictIllegal {
			drawn = append(drawn, k.Witness...)
		} else {
			whole[k.Key] = true
		}
	}
	for i := range history {
		if whole[history[i].Key] {
			drawn = append(drawn, i)
		}
	}
	slices.Sort(drawn)
	perKey := make(map[string]int)
	for _, i := range drawn {
		if perKey[history[i].Key]++; perKey[history[i].Key] > MaxDrawnPerKey {
			return fmt.Errorf("checker: WriteHTML: key %q has more than %d ops to draw, and porcupine's layout needs memory growing with the square of their number: draw a shorter history (an illegal one draws only its witnesses)", history[i].Key, MaxDrawnPerKey)
		}
	}
	ops := make([]Op, len(drawn))
	for j, i := range drawn {
		ops[j] = history[i]
	}
	lanes, clientLane := assignLanes(ops)

	// The last op of each key's order that had to take effect: ops ordered
	// after it never needed to.
	lastNeeded := make(map[string]int)
	for _, k := range res.Keys {
		lastNeeded[k.Key] = -1
		for i, h := range k.lin {
			if history[h].Outcome == OutcomeOK {
				lastNeeded[k.Key] = i
			}
		}
	}
	var pops []porcupine.Operation
	for j, i := range drawn {
		op := history[i]
		if op.Outcome == OutcomeFailed {
			extra = append(extra, porcupine.Annotation{
				ClientId:        lanes[j],
				Start:           op.Call,
				End:             op.Return,
				Description:     describeCall(&kvInput{kind: op.Kind, key: op.Key, value: op.Value}) + " failed",
				Details:         "client " + op.Client + ": failed, so not applied; left out of the check",
				BackgroundColor: failedColor,
			})
			continue
		}
		in := &replayInput{kvInput: kvInput{kind: op.Kind, key: op.Key, value: op.Value}, pos: -1}
		if p, ok := place[i]; ok {
			in.pos = p
			in.never = p > lastNeeded[op.Key]
		}
		out := &kvOutput{value: op.Output}
		p := porcupine.Operation{
			ClientId: lanes[j],
			Input:    in,
			Call:     op.Call,
			Output:   out,
			Return:   op.Return,
			Metadata: fmt.Sprintf("client %s, ops[%d]", op.Client, i),
		}
		if op.Outcome == OutcomeIndeterminate {
			out.unknown = true
			p.Return = math.MaxInt64
			meta := fmt.Sprintf("client %s, ops[%d], indeterminate: never returned", op.Client, i)
			if in.never {
				meta += "; ordered after every completed op, so it need not have taken effect"
			}
			p.Metadata = meta
		}
		pops = append(pops, p)
	}
	for _, k := range res.Keys {
		if res.Verdict == VerdictIllegal && k.Verdict != VerdictIllegal {
			continue
		}
		switch k.Verdict {
		case VerdictIllegal:
			start, end := int64(math.MaxInt64), int64(0)
			for _, i := range k.Witness {
				start = min(start, history[i].Call)
				end = max(end, history[i].Call, history[i].Return)
			}
			text := fmt.Sprintf("%s: these %d of its %d ops have no linearization", k.Key, len(k.Witness), k.Ops)
			extra = append(extra, porcupine.Annotation{Tag: "checker", Start: start, End: end, Description: text, Details: text, BackgroundColor: "#fcc"})
		case VerdictUnknown:
			text := fmt.Sprintf("%s: undecided within the budget of %d steps; drawn: the longest partial linearization found", k.Key, res.Budget)
			extra = append(extra, porcupine.Annotation{Tag: "checker", Description: text, Details: text})
		}
	}
	for _, n := range notes {
		a := porcupine.Annotation{Start: n.Start, End: n.End, Description: n.Text, Details: n.Text}
		if l, ok := clientLane[n.Lane]; ok {
			a.ClientId = l
		} else if n.Lane == "" {
			a.Tag = "faults"
		} else {
			a.Tag = n.Lane
		}
		extra = append(extra, a)
	}
	replayed, info := porcupine.CheckOperationsVerbose(replayModel, pops, 0)
	if (replayed == porcupine.Ok) != (res.Verdict == VerdictOK) {
		return fmt.Errorf("checker: bug: drawing a %s result, porcupine replayed its orders as %s", res.Verdict, replayed)
	}
	info.AddAnnotations(extra)
	return porcupine.Visualize(replayModel, info, w)
}

// assignLanes gives each op a row in the HTML. A client's ops share a row
// while they do not overlap; an op that overlaps (after an indeterminate op,
// which never ends) moves to a new row, because porcupine draws one row per
// ClientId and overlapping boxes on one row are unreadable. Clients are
// laid out in natural order (c2 before c10) so the rows are the same on
// every run. clientLane is each client's first row.
func assignLanes(history []Op) (lanes []int, clientLane map[string]int) {
	byClient := make(map[string][]int)
	for i, op := range history {
		byClient[op.Client] = append(byClient[op.Client], i)
	}
	clients := slices.SortedFunc(maps.Keys(byClient), compareNatural)
	lanes = make([]int, len(history))
	clientLane = make(map[string]int, len(clients))
	next := 0
	for _, c := range clients {
		idx := byClient[c]
		slices.SortStableFunc(idx, func(a, b int) int {
			return cmp.Compare(history[a].Call, history[b].Call)
		})
		clientLane[c] = next
		var ends []int64 // per row of this client: when its last op ends
		for _, i := range idx {
			op := history[i]
			end := op.Return
			if op.Outcome == OutcomeIndeterminate {
				end = math.MaxInt64
			}
			row := slices.IndexFunc(ends, func(e int64) bool { return e < op.Call })
			if row < 0 {
				row = len(ends)
				ends = append(ends, 0)
			}
			ends[row] = end
			lanes[i] = next + row
		}
		next += len(ends)
	}
	return lanes, clientLane
}

// compareNatural orders strings with runs of digits compared as numbers,
// so that c2 sorts before c10. Ties ("c1", "c01") fall back to bytes so the
// order is total.
func compareNatural(a, b string) int {
	if c := compareDigitRuns(a, b); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func compareDigitRuns(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := trimZeros(a[:da]), trimZeros(b[:db])
			if len(na) != len(nb) {
				return cmp.Compare(len(na), len(nb))
			}
			if c := strings.Compare(na, nb); c != 0 {
				return c
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	}
	return 1
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func trimZeros(s string) string {
	for len(s) > 1 && s[0] == '0' {
		s = s[1:]
	}
	return s
}
