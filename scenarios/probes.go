package scenarios

import (
	"unsafe"

	"github.com/dsimlab/dsim/protocols"
)

// probeCounts counts the probes a run fires, by name. A chaos run fires
// thousands, a few names most of them, and counting them in a map hashed
// each name again at every one (2.5% of a BenchmarkSweepRaft profile).
// Probe names are nearly always string constants, so the counter first
// looks a name up by where its bytes are: a small table indexed by that
// address holds the names seen last, and only a name missing there is
// looked up by its text. Either way a name is matched by its text (the
// table only says where to look first), so the counts are the same
// whatever the addresses are.
type probeCounts struct {
	names  []string
	counts []int
	at     map[string]int // where each name is in names
	recent [64]recentProbe
}

type recentProbe struct {
	name string
	at   int // where name is in names
}

// add counts one firing of the probe called name.
func (p *probeCounts) add(name string) {
	r := &p.recent[recentSlot(name)]
	if protocols.SameString(r.name, name) && name != "" {
		p.counts[r.at]++
		return
	}
	i, ok := p.at[name]
	if !ok {
		if p.at == nil {
			p.at = map[string]int{}
		}
		i = len(p.names)
		p.at[name] = i
		p.names = append(p.names, name)
		p.counts = append(p.counts, 0)
	}
	p.counts[i]++
	*r = recentProbe{name: name, at: i}
}

// recentSlot is where name goes in the table of recent names: a hash of
// the address of its bytes.
func recentSlot(name string) int {
	return int(uint64(uintptr(unsafe.Pointer(unsafe.StringData(name))))*0x9e3779b97f4a7c15>>58) & 63
}

// count returns how many times the probe called name fired.
func (p *probeCounts) count(name string) int {
	if i, ok := p.at[name]; ok {
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
