package checker

// stateTable names the values a key takes during the search by small ids,
// one per distinct string, without storing each string: a state is a put's
// value (or a read's output, or "") with appends after it, kept as a node
// pointing to the state it extends. So a step costs O(1) memory however long
// the value grows, and the memo stores an id, not the value: the search's
// memory is bounded by its budget.
//
// Ids are canonical (two ids are equal iff their strings are), which the
// memo needs to recognize a state reached two ways ("ab" by put, or by
// appending "b" to "a"). A new state is looked up by its length and a
// polynomial hash and compared byte by byte with the states it collides
// with, once per distinct (state, append) pair.
type stateTable struct {
	nodes  []stateNode
	values []string           // value ids: the strings nodes add
	byHash map[uint64][]int32 // (hash, length mixed) → ids
	child  map[[2]int32]int32 // (state, appended value id) → state
	root   map[string]int32   // put values and read outputs → state
}

type stateNode struct {
	parent int32 // the state this one appends to; -1: the value alone
	value  int32 // value id; -1 for the initial ""
	length int64
	hash   uint64 // of the whole string, polynomial in base hashBase, mod 2^64
}

const hashBase = 0x100000001b3

func newStateTable() *stateTable {
	return &stateTable{
		nodes:  []stateNode{{parent: -1, value: -1}},
		byHash: map[uint64][]int32{0: {0}},
		child:  make(map[[2]int32]int32),
		root:   map[string]int32{"": 0},
	}
}

// initial is the id of "".
const initial = int32(0)

// of returns the id of s as a value on its own: a put's value, a read's
// output.
func (t *stateTable) of(s string) int32 {
	if id, ok := t.root[s]; ok {
		return id
	}
	n := stateNode{parent: -1, value: int32(len(t.values)), length: int64(len(s))}
	t.values = append(t.values, s)
	for i := 0; i < len(s); i++ {
		n.hash = n.hash*hashBase + uint64(s[i])
	}
	id := t.canonical(n)
	t.root[s] = id
	return id
}

// appendTo returns the id of the state x followed by the value with id v
// (from valueID).
func (t *stateTable) appendTo(x, v int32) int32 {
	if id, ok := t.child[[2]int32{x, v}]; ok {
		return id
	}
	s, p := t.values[v], t.nodes[x]
	n := stateNode{parent: x, value: v, length: p.length + int64(len(s)), hash: p.hash}
	for i := 0; i < len(s); i++ {
		n.hash = n.hash*hashBase + uint64(s[i])
	}
	id := t.canonical(n)
	t.child[[2]int32{x, v}] = id
	return id
}

// valueID registers an appended value.
func (t *stateTable) valueID(s string) int32 {
	t.values = append(t.values, s)
	return int32(len(t.values) - 1)
}

// canonical returns the id of an existing state equal to n, or adds n.
func (t *stateTable) canonical(n stateNode) int32 {
	key := n.hash ^ uint64(n.length)*0x9e3779b97f4a7c15
	t.nodes = append(t.nodes, n)
	id := int32(len(t.nodes) - 1)
	for _, c := range t.byHash[key] {
		if t.equal(c, id) {
			t.nodes = t.nodes[:id]
			return c
		}
	}
	t.byHash[key] = append(t.byHash[key], id)
	return id
}

// equal compares two states byte by byte, from the end.
func (t *stateTable) equal(x, y int32) bool {
	if t.nodes[x].length != t.nodes[y].length || t.nodes[x].hash != t.nodes[y].hash {
		return false
	}
	a, b := t.cursor(x), t.cursor(y)
	for {
		ca, oka := a.prev(t)
		cb, okb := b.prev(t)
		if oka != okb || ca != cb {
			return false
		}
		if !oka {
			return true
		}
	}
}

// backCursor reads a state's bytes from the last to the first.
type backCursor struct {
	node int32
	rest int // bytes of the node's value not read yet
}

func (t *stateTable) cursor(x int32) backCursor {
	return backCursor{node: x, rest: t.valueLen(x)}
}

func (t *stateTable) valueLen(x int32) int {
	if v := t.nodes[x].value; v >= 0 {
		return len(t.values[v])
	}
	return 0
}

func (c *backCursor) prev(t *stateTable) (byte, bool) {
	for c.rest == 0 {
		if c.node < 0 {
			return 0, false
		}
		c.node = t.nodes[c.node].parent
		if c.node < 0 {
			return 0, false
		}
		c.rest = t.valueLen(c.node)
	}
	c.rest--
	return t.values[t.nodes[c.node].value][c.rest], true
}

// String returns the state's value (for tests and messages).
func (t *stateTable) String(x int32) string {
	b := make([]byte, t.nodes[x].length)
	c := t.cursor(x)
	for i := len(b) - 1; i >= 0; i-- {
		b[i], _ = c.prev(t)
	}
	return string(b)
}
