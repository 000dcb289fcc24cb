package consistency

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/dsimlab/dsim/checker"
)

// chain is what one value reveals. With unique write values, a key's value
// is the value of the last put applied (or nothing: the initial "") followed
// by the appends applied since, in order, and parsing the string recovers
// exactly those writes. A get reads from every write of its chain.
type chain struct {
	head int32   // the put the value starts with; -1 for the initial value
	apps []int32 // the appends applied after it, in order
}

// last is the last write of the chain, -1 for the empty initial value.
func (c chain) last() int32 {
	if len(c.apps) > 0 {
		return c.apps[len(c.apps)-1]
	}
	return c.head
}

// has reports whether w is in the chain.
func (c chain) has(w int32) bool {
	return w >= 0 && (c.head == w || slices.Contains(c.apps, w))
}

// members are the chain's writes, head first.
func (c chain) members() []int32 {
	if c.head < 0 {
		return c.apps
	}
	return append([]int32{c.head}, c.apps...)
}

// index is what every checker needs to know about a history, computed once.
type index struct {
	h    []Op
	keys []string // sorted
	key  []int32  // key id of each op

	// eff marks the ops that take part: ok ops, and indeterminate writes that
	// some read saw (they certainly took effect). Failed ops had no effect;
	// an indeterminate get constrains nothing; an indeterminate write nobody
	// saw may be assumed never to have taken effect, which removes it from
	// every order without changing any read. Ops on ambiguous keys are left
	// out too (see ambiguous).
	eff []bool
	// reads holds, for each effective get, the chain of each value it
	// returned (one for an ordinary read, several for a sibling read).
	reads [][]chain
	// writes lists each key's effective writes in history order.
	writes [][]int32

	clients []string // sorted
	client  []int32  // client id of each op
	// lanes are the chains of program order. Lane c < len(clients) holds
	// client c's effective ok ops by invocation; every effective
	// indeterminate write has a lane of its own, because it may take effect
	// after the ops its client issued later.
	lanes [][]int32
	lane  []int32 // lane of each effective op, -1 otherwise
	pos   []int32 // position in its lane
	// pred is the program-order predecessor of each effective op: the last
	// ok op of its client invoked before it, -1 if none.
	pred []int32

	// validity is the first read whose value no history of writes explains
	// (a phantom value, a failed write's value, a write applied twice);
	// every safety model fails on it.
	validity *Anomaly
	// validityOf holds the first such anomaly of each key.
	validityOf map[string]*Anomaly
	// ambiguous holds, for each key whose values do not identify their
	// writes, why. Those keys are left out: a verdict of illegal from the
	// rest still stands (dropping a key's ops never breaks a history that
	// held), an ok becomes unknown.
	ambiguous map[string]string
	// siblings lists the effective sibling reads, in history order.
	siblings []int32
}

// keyWrites maps values to the writes of one key that wrote them, so that a
// value can be parsed into its chain.
type keyWrites struct {
	puts, apps       map[string]int32
	putLens, appLens []int
}

func buildIndex(h []Op) *index {
	n := len(h)
	ix := &index{h: h, key: make([]int32, n), client: make([]int32, n), eff: make([]bool, n),
		reads: make([][]chain, n), lane: make([]int32, n), pos: make([]int32, n), pred: make([]int32, n),
		ambiguous: map[string]string{}}
	keyID, clientID := map[string]int32{}, map[string]int32{}
	for _, o := range h {
		keyID[o.Key], clientID[o.Client] = 0, 0
	}
	ix.keys = sortedKeys(keyID)
	ix.clients = sortedKeys(clientID)
	for i, k := range ix.keys {
		keyID[k] = int32(i)
	}
	for i, c := range ix.clients {
		clientID[c] = int32(i)
	}
	for i, o := range h {
		ix.key[i], ix.client[i] = keyID[o.Key], clientID[o.Client]
	}

	// Values must identify writes: unique and non-empty per key.
	kws := make([]keyWrites, len(ix.keys))
	for k := range kws {
		kws[k] = keyWrites{puts: map[string]int32{}, apps: map[string]int32{}}
	}
	for i, o := range h {
		if !o.IsWrite() {
			continue
		}
		k, kw := ix.keys[ix.key[i]], &kws[ix.key[i]]
		if _, bad := ix.ambiguous[k]; bad {
			continue
		}
		if o.Value == "" {
			ix.ambiguous[k] = fmt.Sprintf("ops[%d] writes the empty value, which no read can tell apart", i)
			continue
		}
		if j, dup := kw.puts[o.Value]; dup {
			ix.ambiguous[k] = fmt.Sprintf("ops[%d] and ops[%d] both write %q", j, i, o.Value)
			continue
		}
		if j, dup := kw.apps[o.Value]; dup {
			ix.ambiguous[k] = fmt.Sprintf("ops[%d] and ops[%d] both write %q", j, i, o.Value)
			continue
		}
		if o.Kind == checker.OpPut {
			kw.puts[o.Value] = int32(i)
		} else {
			kw.apps[o.Value] = int32(i)
		}
	}
	for k := range kws {
		kws[k].putLens = valueLens(kws[k].puts)
		kws[k].appLens = valueLens(kws[k].apps)
	}

	// Parse every ok get.
	observed := make([]bool, n)
	stamp := make([]int32, n) // detects a write seen twice in one value
	tag := int32(0)
	var invalid []*Anomaly // validity anomalies, by read; filtered once ambiguity is known
	var scratch []uint8
	for i, o := range h {
		if o.Kind != checker.OpGet || o.Outcome != checker.OutcomeOK {
			continue
		}
		k := ix.keys[ix.key[i]]
		if _, bad := ix.ambiguous[k]; bad {
			continue
		}
		cs := make([]chain, len(o.Values))
		for v, val := range o.Values {
			var count int
			cs[v], count, scratch = kws[ix.key[i]].parse(val, scratch)
			switch {
			case count > 1:
				ix.ambiguous[k] = fmt.Sprintf("the value %q read by ops[%d] splits into writes in more than one way", val, i)
			case count == 0:
				invalid = append(invalid, newAnomaly(h, KindPhantomRead, k,
					fmt.Sprintf("ops[%d] returned %s, which no sequence of writes to %s produces", i, quoteShort(val), k)).
					step(i, "its value is not a put followed by appends of this key").build())
			}
			tag++
			for _, w := range cs[v].members() {
				switch {
				case h[w].Outcome == checker.OutcomeFailed:
					invalid = append(invalid, newAnomaly(h, KindFailedWriteRead, k,
						fmt.Sprintf("ops[%d] saw the value of ops[%d], which failed and so had no effect", i, w)).
						step(int(w), "failed").step(i, "its value contains %s", quoteShort(h[w].Value)).build())
				case stamp[w] == tag:
					invalid = append(invalid, newAnomaly(h, KindDuplicateEffect, k,
						fmt.Sprintf("ops[%d] saw the value of ops[%d] twice: the write took effect twice", i, w)).
						step(int(w), "written once").step(i, "its value contains %s twice", quoteShort(h[w].Value)).build())
				}
				stamp[w] = tag
				observed[w] = true
			}
		}
		ix.reads[i] = cs
	}
	ix.validityOf = map[string]*Anomaly{}
	for _, a := range invalid {
		if _, bad := ix.ambiguous[a.Key]; !bad {
			if ix.validity == nil {
				ix.validity = a
			}
			if ix.validityOf[a.Key] == nil {
				ix.validityOf[a.Key] = a
			}
		}
	}
	for i, o := range h {
		if _, bad := ix.ambiguous[o.Key]; bad {
			ix.reads[i] = nil
			continue
		}
		switch {
		case o.Outcome == checker.OutcomeOK:
			ix.eff[i] = true
		case o.Outcome == checker.OutcomeIndeterminate && o.IsWrite() && observed[i]:
			ix.eff[i] = true
		}
		if !ix.eff[i] {
			ix.reads[i] = nil
		}
	}

	ix.writes = make([][]int32, len(ix.keys))
	for i, o := range h {
		if ix.eff[i] && o.IsWrite() {
			ix.writes[ix.key[i]] = append(ix.writes[ix.key[i]], int32(i))
		}
		if ix.eff[i] && len(ix.reads[i]) > 1 {
			ix.siblings = append(ix.siblings, int32(i))
		}
	}
	ix.buildLanes()
	return ix
}

// parse splits s into a put (or nothing) followed by appends, and says in
// how many ways it can (0, 1, or 2 meaning "more than one"). It runs a
// forward count over the positions where a parse can stand, so its cost is
// the length of s times the number of distinct value lengths.
func (kw *keyWrites) parse(s string, scratch []uint8) (chain, int, []uint8) {
	if cap(scratch) < len(s)+1 {
		scratch = make([]uint8, len(s)+1)
	}
	reach := scratch[:len(s)+1]
	clear(reach)
	reach[0] = 1 // no put: the initial value
	for _, l := range kw.putLens {
		if l <= len(s) {
			if _, ok := kw.puts[s[:l]]; ok {
				reach[l] = min(2, reach[l]+1)
			}
		}
	}
	for i := 0; i < len(s); i++ {
		if reach[i] == 0 {
			continue
		}
		for _, l := range kw.appLens {
			if i+l <= len(s) {
				if _, ok := kw.apps[s[i:i+l]]; ok {
					reach[i+l] = min(2, reach[i+l]+reach[i])
				}
			}
		}
	}
	if reach[len(s)] != 1 {
		return chain{head: -1}, int(reach[len(s)]), scratch
	}
	// The parse is unique, so every position on it has a count of one and
	// exactly one way in: walk it backwards.
	c := chain{head: -1}
	for j := len(s); j > 0; {
		stepped := false
		for _, l := range kw.appLens {
			if l <= j && reach[j-l] > 0 {
				if w, ok := kw.apps[s[j-l:j]]; ok {
					c.apps = append(c.apps, w)
					j -= l
					stepped = true
					break
				}
			}
		}
		if stepped {
			continue
		}
		c.head = kw.puts[s[:j]]
		break
	}
	slices.Reverse(c.apps)
	return c, 1, scratch
}

func valueLens(m map[string]int32) []int {
	seen := map[int]bool{}
	for v := range m {
		seen[len(v)] = true
	}
	return sortedKeys(seen)
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	ks := make([]K, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// buildLanes orders each client's ops by invocation (a client has one
// operation outstanding at a time, so this is its program order).
func (ix *index) buildLanes() {
	byClient := make([][]int32, len(ix.clients))
	for i := range ix.h {
		ix.lane[i], ix.pos[i], ix.pred[i] = -1, -1, -1
		if ix.h[i].Outcome != checker.OutcomeFailed {
			byClient[ix.client[i]] = append(byClient[ix.client[i]], int32(i))
		}
	}
	ix.lanes = make([][]int32, len(ix.clients))
	var floating []int32
	for c, ops := range byClient {
		slices.SortStableFunc(ops, func(a, b int32) int { return cmp.Compare(ix.h[a].Call, ix.h[b].Call) })
		last := int32(-1)
		for _, i := range ops {
			if !ix.eff[i] {
				continue
			}
			ix.pred[i] = last
			if ix.h[i].Outcome == checker.OutcomeOK {
				ix.lane[i], ix.pos[i] = int32(c), int32(len(ix.lanes[c]))
				ix.lanes[c] = append(ix.lanes[c], i)
				last = i
			} else {
				floating = append(floating, i)
			}
		}
	}
	slices.Sort(floating)
	for _, i := range floating {
		ix.lane[i], ix.pos[i] = int32(len(ix.lanes)), 0
		ix.lanes = append(ix.lanes, []int32{i})
	}
}

// ambiguity returns the reason an ok verdict must be unknown, or "".
func (ix *index) ambiguity() string {
	if len(ix.ambiguous) == 0 {
		return ""
	}
	k := sortedKeys(ix.ambiguous)[0]
	return fmt.Sprintf("key %s left unchecked: %s; this checker needs unique, non-empty values per key", k, ix.ambiguous[k])
}

// okOrUnknown is the verdict when no anomaly was found.
func (ix *index) okOrUnknown(m Model) Result {
	if why := ix.ambiguity(); why != "" {
		return unknown(m, "%s", why)
	}
	return ok(m)
}

// isRead reports whether op i is an effective get.
func (ix *index) isRead(i int32) bool { return ix.reads[i] != nil }

// isWrite reports whether op i is an effective write.
func (ix *index) isWrite(i int32) bool { return ix.eff[i] && ix.h[i].IsWrite() }
