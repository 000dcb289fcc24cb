package scenarios

import (
	"cmp"
	"slices"
)

// The learning path: the built-in scenarios in the order a newcomer should
// take them. Protocols come in the order of their descriptions' Course
// (lower first; zero after every placed protocol, by name); within one,
// scenarios come in the order of their `lesson N` lines (the calm case
// first, chaos last; a scenario without one comes after, by name).
// `dsim list` and the terminal UI's catalogue follow it.

// Lessons parses every built-in scenario, in learning order.
func Lessons() ([]*Scenario, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	course := map[string]int{}
	for _, p := range Protocols() {
		course[p.Name] = p.Course
	}
	rank := func(n int) int { // zero sorts last
		if n <= 0 {
			return 1 << 30
		}
		return n
	}
	slices.SortStableFunc(all, func(a, b *Scenario) int {
		return cmp.Or(
			cmp.Compare(rank(course[a.Protocol]), rank(course[b.Protocol])),
			cmp.Compare(a.Protocol, b.Protocol),
			cmp.Compare(rank(a.Lesson), rank(b.Lesson)),
			cmp.Compare(a.Name, b.Name),
		)
	})
	return all, nil
}
