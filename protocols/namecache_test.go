package protocols_test

import (
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/dsimlab/dsim/protocols"
)

// Every hit gives the value put for the name's text, for the very strings
// put and for copies of them elsewhere in memory (which hit only once put
// themselves), however names crowd the slots, and for two names whose
// text starts at one address.
func TestNameCacheNeverAnswersWrong(t *testing.T) {
	whole := strings.Clone("client-redirect")
	names := []string{"n1", "n2", "n3", "n4", "n5", "c1", "c2", "AppendEntries", "x",
		whole, whole[:6]} // "client" lies where "client-redirect" does
	rapid.Check(t, func(t *rapid.T) {
		var c protocols.NameCache[int]
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			i := rapid.IntRange(0, len(names)-1).Draw(t, "name")
			name := names[i]
			if rapid.Bool().Draw(t, "copy") {
				name = strings.Clone(name)
			}
			if rapid.Bool().Draw(t, "put") {
				c.Put(name, i)
				continue
			}
			if v, ok := c.Get(name); ok && v != i {
				t.Fatalf("Get(%q) = %d, the value of %q", name, v, names[v])
			}
		}
	})
}

func TestNameCacheFindsWhatWasPut(t *testing.T) {
	var c protocols.NameCache[int]
	_, ok := c.Get("n1")
	if ok {
		t.Fatal("an empty cache has nothing")
	}
	c.Put("n1", 7)
	if v, ok := c.Get("n1"); !ok || v != 7 {
		t.Fatalf("Get(n1) = %d, %v after Put(n1, 7)", v, ok)
	}
	c.Put("", 3)
	if _, ok := c.Get(""); ok {
		t.Fatal("the empty name is never remembered")
	}
}
