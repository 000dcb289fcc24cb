package multiprimary

import "github.com/dsimlab/dsim/protocols"

// Update pushes one new version of a key to a peer, as soon as a server
// accepts a write. It is sent once; anti-entropy repairs what is lost.
type Update struct {
	Key     string
	Version Version
}

// State is a server's whole state, sent to one peer at a time
// (anti-entropy): per key, the versions it holds. The receiver merges it
// and, unless Reply is set, answers with its own state when it holds
// something the sender lacks.
type State struct {
	Keys     []string
	Versions [][]Version // parallel to Keys
	Reply    bool
}

// Kind implements protocols.Message.
func (Update) Kind() string { return "Update" }

// Kind implements protocols.Message.
func (State) Kind() string { return "State" }

// String renders the message as Update{k1 [c1:7]="c1.7"}.
func (m Update) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender), which
// the simulator's trace uses without allocating.
func (m Update) AppendText(b []byte) ([]byte, error) {
	b = append(append(append(b, "Update{"...), m.Key...), ' ')
	return append(m.Version.appendText(b), '}'), nil
}

// String renders the message as State{k1=[c1:7]="c1.7"|[c2:4]="c2.4" k2=... reply}.
func (m State) String() string { return text(m) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m State) AppendText(b []byte) ([]byte, error) {
	b = append(b, "State{"...)
	for i, k := range m.Keys {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(append(b, k...), '=')
		for j, v := range m.Versions[i] {
			if j > 0 {
				b = append(b, '|')
			}
			b = v.appendText(b)
		}
	}
	if m.Reply {
		b = append(b, " reply"...)
	}
	return append(b, '}'), nil
}

// text renders a message through its AppendText.
func text(m interface {
	AppendText([]byte) ([]byte, error)
}) string {
	var buf [128]byte
	b, _ := m.AppendText(buf[:0])
	return string(b)
}

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it.

// appendHash folds the version as appendText shows it: its vector if it
// has one (even empty), its stamp otherwise, and its value.
func (v Version) appendHash(h *protocols.Hash) {
	h.Bool(v.VV != nil)
	if v.VV != nil {
		h.Int(len(v.VV))
		for _, d := range v.VV {
			h.String(string(d.Node))
			h.Uint64(d.N)
		}
	} else {
		h.Uint64(uint64(v.Stamp.Millis))
		h.String(v.Stamp.Writer)
	}
	h.String(v.Value)
}

// AppendHash implements protocols.HashAppender.
func (m Update) AppendHash(h *protocols.Hash) {
	h.String(m.Key)
	m.Version.appendHash(h)
}

// AppendHash implements protocols.HashAppender: each key with its
// versions, as far as Keys goes, as String shows them.
func (m State) AppendHash(h *protocols.Hash) {
	h.Int(len(m.Keys))
	for i, k := range m.Keys {
		h.String(k)
		h.Int(len(m.Versions[i]))
		for _, v := range m.Versions[i] {
			v.appendHash(h)
		}
	}
	h.Bool(m.Reply)
}
