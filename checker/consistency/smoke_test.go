package consistency

import (
	"testing"
)

func TestSmoke(t *testing.T) {
	h := []Op{
		put("c1", "x", "a", 0, 10),
		put("c2", "x", "b", 20, 30),
		get("c3", "x", 40, 50, "a"),
	}
	l := Ladder(h, Options{Final: map[string]map[string]string{"n1": {"x": "b"}, "n2": {"x": "b"}}})
	t.Log(l)
	h2 := []Op{
		put("c1", "x", "a", 0, 10), get("c1", "y", 20, 30, ""),
		put("c2", "y", "b", 0, 10), get("c2", "x", 20, 30, ""),
	}
	t.Log(Ladder(h2, Options{}))
	h3 := []Op{
		put("c1", "x", "a", 0, 10), put("c1", "y", "b", 20, 30),
		get("c2", "y", 40, 50, "b"), get("c2", "x", 60, 70, ""),
	}
	t.Log(Ladder(h3, Options{}))
}
