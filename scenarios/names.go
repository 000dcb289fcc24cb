package scenarios

import (
	"github.com/dsimlab/dsim/protocols"
)

// nameIndex numbers names in the order they are first seen, for an
// observer that counts by name at every event. A chaos run fires
// thousands of probes, a few names most of them, and a map hashed each
// name again every time (probe counting was 2.5% of a BenchmarkSweepRaft
// profile). The names are nearly always string constants, so an index
// first looks a name up by where its bytes are (protocols.NameCache), and
// only a name missing there is looked up by its text. A name is numbered
// by its text either way, so the numbers are the same whatever the
// addresses are. (Message kinds are better found by the
// metrics' scan of a protocol's few kinds, which inlines: this index cost
// more instructions there.)
type nameIndex struct {
	names  []string
	at     map[string]int // each name's number
	recent protocols.NameCache[int]
}

// of returns name's number, numbering it if it is new.
func (x *nameIndex) of(name string) int {
	if i, ok := x.recent.Get(name); ok {
		return i
	}
	i, ok := x.at[name]
	if !ok {
		if x.at == nil {
			x.at = map[string]int{}
		}
		i = len(x.names)
		x.at[name] = i
		x.names = append(x.names, name)
	}
	x.recent.Put(name, i)
	return i
}

// lookup returns name's number, if it has one.
func (x *nameIndex) lookup(name string) (int, bool) {
	i, ok := x.at[name]
	return i, ok
}

// probeCounts counts the probes a run fires, by name.
type probeCounts struct {
	nameIndex
	counts []int // by number
}

// add counts one firing of the probe called name.
func (p *probeCounts) add(name string) {
	i := p.of(name)
	if i == len(p.counts) {
		p.counts = append(p.counts, 0)
	}
	p.counts[i]++
}

// count returns how many times the probe called name fired.
func (p *probeCounts) count(name string) int {
	if i, ok := p.lookup(name); ok {
		return p.counts[i]
	}
	return 0
}

// asMap returns the counts by name, nil when no probe fired.
func (p *probeCounts) asMap() map[string]int {
	if len(p.names) == 0 {
		return nil
	}
	m := make(map[string]int, len(p.names))
	for i, name := range p.names {
		m[name] = p.counts[i]
	}
	return m
}
