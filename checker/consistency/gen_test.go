package consistency

import (
	"fmt"

	"github.com/dsimlab/dsim/checker"
	"pgregory.net/rapid"
)

// genStore draws a small history from a toy replicated store: replicas
// apply writes locally and forward them, delivered in any order (so
// replicas may apply appends in different orders, or fall behind); each op
// goes to a replica of the client's choice. One replica gives linearizable
// histories; many give every rung of the ladder and many anomalies.
// Indeterminate ops take effect now, later, or never; failed ops never do;
// a read is occasionally corrupted so that invalid values occur too.
func genStore(t *rapid.T, maxOps int) []Op {
	return genStoreWith(t, maxOps, 1)
}

// genStoreWith is genStore with at least minReplicas replicas, for
// histories that break the stronger rungs more often.
func genStoreWith(t *rapid.T, maxOps, minReplicas int) []Op {
	clients := rapid.IntRange(1, 3).Draw(t, "clients")
	keys := rapid.IntRange(1, 2).Draw(t, "keys")
	replicas := rapid.IntRange(minReplicas, max(minReplicas, 3)).Draw(t, "replicas")
	nops := rapid.IntRange(1, maxOps).Draw(t, "ops")
	state := make([]map[string]string, replicas)
	for i := range state {
		state[i] = map[string]string{}
	}
	type msg struct {
		replica int
		op      Op
	}
	var inflight []msg
	type late struct {
		at int
		op Op
		r  int
	}
	var lates []late
	applyAt := func(r int, o Op) {
		apply(state[r], o)
		for q := range replicas {
			if q != r {
				inflight = append(inflight, msg{q, o})
			}
		}
	}
	lastRet := make([]int64, clients)
	seq := make([]int, clients)
	sticky := make([]int, clients)
	for c := range sticky {
		sticky[c] = rapid.IntRange(0, replicas-1).Draw(t, "home")
	}
	var h []Op
	var written []string
	for s := 1; s <= nops; s++ {
		for k := rapid.IntRange(0, min(2, len(inflight))).Draw(t, "deliveries"); k > 0 && len(inflight) > 0; k-- {
			i := rapid.IntRange(0, len(inflight)-1).Draw(t, "deliver")
			m := inflight[i]
			inflight = append(inflight[:i], inflight[i+1:]...)
			apply(state[m.replica], m.op)
		}
		for i := 0; i < len(lates); i++ {
			if lates[i].at == s {
				applyAt(lates[i].r, lates[i].op)
			}
		}
		c := rapid.IntRange(0, clients-1).Draw(t, "client")
		r := sticky[c]
		if rapid.IntRange(0, 3).Draw(t, "hop") == 0 {
			r = rapid.IntRange(0, replicas-1).Draw(t, "replica")
		}
		seq[c]++
		o := Op{Client: fmt.Sprintf("c%d", c+1), Key: fmt.Sprintf("k%d", rapid.IntRange(1, keys).Draw(t, "key")), Outcome: checker.OutcomeOK}
		at := int64(10 * s)
		o.Call = max(lastRet[c]+1, at-int64(rapid.IntRange(0, 15).Draw(t, "early")))
		o.Return = at + int64(rapid.IntRange(0, 9).Draw(t, "late"))
		lastRet[c] = o.Return
		switch rapid.IntRange(0, 2).Draw(t, "kind") {
		case 0:
			o.Kind = checker.OpGet
			v := state[r][o.Key]
			if len(written) > 0 && rapid.IntRange(0, 15).Draw(t, "corrupt") == 0 {
				v = written[rapid.IntRange(0, len(written)-1).Draw(t, "bogus")]
			}
			o.Values = []string{v}
		case 1:
			o.Kind, o.Value = checker.OpPut, fmt.Sprintf("%s.%d", o.Client, seq[c])
		default:
			o.Kind, o.Value = checker.OpAppend, fmt.Sprintf("%s.%d", o.Client, seq[c])
		}
		effect := true
		switch rapid.IntRange(0, 9).Draw(t, "outcome") {
		case 0:
			o.Outcome, o.Return, o.Values = checker.OutcomeIndeterminate, 0, nil
			switch rapid.IntRange(0, 2).Draw(t, "indeterminate effect") {
			case 0:
				effect = false
			case 1:
				effect = false
				lates = append(lates, late{at: s + rapid.IntRange(1, 3).Draw(t, "delay"), op: o, r: r})
			}
		case 1:
			if o.IsWrite() {
				o.Outcome, effect = checker.OutcomeFailed, false
			}
		}
		if o.IsWrite() {
			written = append(written, o.Value)
			if effect {
				applyAt(r, o)
			}
		}
		h = append(h, o)
	}
	return h
}
