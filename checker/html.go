package checker

import (
	"cmp"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

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

// WriteHTML checks history like [CheckKV] and writes porcupine's interactive
// visualization to w: one row per client (more when a client has overlapping
// ops, as after a time-out), one partition per key in sorted order, the
// linearization found or the longest partial ones, failed ops in grey, and
// notes in their lanes. Porcupine numbers the rows; hovering over an op
// shows its client and its index in history. It returns the verdict of
// that check.
//
// It is slower than CheckKV (it records partial linearizations, and checks
// every key to the end even when one is illegal), and its output grows fast
// with the history (a 3k-op history has produced a 1.5 GB file): write it
// for small or failing histories, e.g. for the ops on Result.IllegalKeys
// only. A timed-out search still writes what it found.
func WriteHTML(w io.Writer, history []Op, notes []Annotation, timeout time.Duration) (Verdict, error) {
	if err := validateHistory(history); err != nil {
		return VerdictUnknown, err
	}
	lanes, clientLane := assignLanes(history)
	ops := toPorcupine(history, lanes)
	res, info := porcupine.CheckOperationsVerbose(kvModel, ops, timeout)

	var extra []porcupine.Annotation
	for i, op := range history {
		if op.Outcome != OutcomeFailed {
			continue
		}
		extra = append(extra, porcupine.Annotation{
			ClientId:        lanes[i],
			Start:           op.Call,
			End:             op.Return,
			Description:     describeCall(&kvInput{kind: op.Kind, key: op.Key, value: op.Value}) + " failed",
			Details:         "client " + op.Client + ": failed, so not applied; left out of the check",
			BackgroundColor: failedColor,
		})
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
	info.AddAnnotations(extra)
	err := porcupine.Visualize(kvModel, info, w)
	return fromPorcupine(res), err
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
