package mapreduce

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/protocols"
)

// storeNode is the shared file store: a flat namespace of files, each a
// sequence of chunks. It answers Read, Write and Rename, persisting every
// change (synced) before it replies, so whatever it acknowledged survives
// its crashes. Rename is atomic: the checks see the destination either as
// it was or as the complete source, never in between. The input splits are
// there from the start, as if loaded before the run.
type storeNode struct {
	id     protocols.NodeID
	b      bugs
	inputs map[string][]string // the splits; read-only, shared with the checks
	files  map[string]*file
	// changed counts the files changed in this incarnation, for the UI.
	writes, renames int
}

// file is a file of the store: chunk k holds the lines of the k-th Write.
// A chunk not yet written is absent (a hole), so a file written out of
// order reads as what has arrived.
type file struct {
	chunks [][]string
	has    []bool
}

func (f *file) content() []string {
	var out []string
	for k, c := range f.chunks {
		if f.has[k] {
			out = append(out, c...)
		}
	}
	if out == nil {
		out = []string{}
	}
	return out
}

func (f *file) write(chunk int, lines []string) {
	for len(f.chunks) <= chunk {
		f.chunks = append(f.chunks, nil)
		f.has = append(f.has, false)
	}
	f.chunks[chunk], f.has[chunk] = lines, true
}

func newStore(cfg protocols.Config, o Options, d *dataset) *storeNode {
	s := &storeNode{id: cfg.ID, b: parseBug(o.Bug), inputs: d.inputs, files: map[string]*file{}}
	for _, r := range cfg.Store {
		s.apply(r)
	}
	return s
}

// apply performs a recorded change, at recovery or as it happens, and
// reports the paths it changed.
func (s *storeNode) apply(r protocols.Record) []string {
	switch r := r.(type) {
	case WriteRecord:
		f := s.files[r.Path]
		if f == nil {
			f = &file{}
			s.files[r.Path] = f
		}
		f.write(r.Chunk, r.Lines)
		s.writes++
		return []string{r.Path}
	case RenameRecord:
		s.files[r.To] = s.files[r.From]
		delete(s.files, r.From)
		s.renames++
		return []string{r.From, r.To}
	}
	return nil
}

// Step implements protocols.Node.
func (s *storeNode) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		if len(s.files) > 0 {
			out.Probe(ProbeStoreRecovered)
		}
	case protocols.Receive:
		s.receive(in.From, in.Msg, out)
	}
}

func (s *storeNode) receive(from protocols.NodeID, msg protocols.Message, out *protocols.Effects) {
	switch m := msg.(type) {
	case Read:
		lines, ok := s.read(m.Path)
		if !ok {
			out.Send(from, FileReply{ID: m.ID, Status: FileNotFound})
			return
		}
		out.Send(from, FileReply{ID: m.ID, Status: FileOK, Lines: lines})
	case Write:
		// The store keeps its own copy: a node never holds on to a slice
		// of a message it received.
		s.change(WriteRecord{Path: m.Path, Chunk: m.Chunk, Lines: slices.Clone(m.Lines)}, out)
		out.Send(from, FileReply{ID: m.ID, Status: FileOK})
	case Rename:
		f := s.files[m.From]
		switch {
		case f == nil:
			// Renamed already (this is a resend whose first copy was
			// answered, or a stale duplicate), or never written.
			out.Send(from, FileReply{ID: m.ID, Status: FileNotFound})
		case !s.b.blindRename && !matches(f.content(), m.Lines, m.Sum):
			// (BUG unconditional-rename: no such check.)
			// A stale Write recreated the source after it was renamed: it
			// is not the file the worker describes, and must not be
			// moved over a complete one.
			out.Probe(ProbeRenameRefused)
			out.Send(from, FileReply{ID: m.ID, Status: FileMismatch})
		default:
			s.change(RenameRecord{From: m.From, To: m.To}, out)
			out.Send(from, FileReply{ID: m.ID, Status: FileOK})
		}
	}
}

func matches(lines []string, n int, sum uint64) bool {
	return len(lines) == n && checksum(lines) == sum
}

// change persists a record (synced before the reply leaves), applies it
// and notes the files it changed.
func (s *storeNode) change(r protocols.Record, out *protocols.Effects) {
	out.Persist(r)
	for _, p := range s.apply(r) {
		out.Note(FileChanged{Path: p})
	}
}

// read returns a file's content: a stored file, or an input split.
func (s *storeNode) read(path string) ([]string, bool) {
	if f := s.files[path]; f != nil {
		return f.content(), true
	}
	lines, ok := s.inputs[path]
	return lines, ok
}

// File returns the content of the file at path and whether it exists, for
// the checks and tests.
func (s *storeNode) File(path string) ([]string, bool) { return s.read(path) }

// Status implements protocols.Node: Commit counts the final files (not
// temporary ones), the log shows the newest of them.
func (s *storeNode) Status() protocols.Status {
	var final, temp []string
	for _, p := range sortedKeys(s.files) {
		if isTemp(p) {
			temp = append(temp, p)
		} else {
			final = append(final, p)
		}
	}
	st := protocols.Status{Role: "store", Commit: len(final), LogLen: len(final)}
	for i, p := range final[max(0, len(final)-8):] {
		st.Log = append(st.Log, protocols.LogEntry{Index: len(final) - min(8, len(final)) + i + 1, Text: p + " (" + strconv.Itoa(len(s.files[p].content())) + " lines)"})
	}
	st.Fields = []protocols.Field{
		{Name: "files", Value: strconv.Itoa(len(final))},
		{Name: "temp", Value: strconv.Itoa(len(temp))},
		{Name: "writes", Value: strconv.Itoa(s.writes)},
		{Name: "renames", Value: strconv.Itoa(s.renames)},
	}
	if len(temp) > 0 {
		st.Fields = append(st.Fields, protocols.Field{Name: "newest-temp", Value: strings.TrimSpace(temp[len(temp)-1])})
	}
	return st
}
