package multiprimary

import "strings"

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
func (m Update) String() string { return "Update{" + m.Key + " " + m.Version.String() + "}" }

// String renders the message as State{k1=[c1:7]="c1.7"|[c2:4]="c2.4" k2=... reply}.
func (m State) String() string {
	var b strings.Builder
	b.WriteString("State{")
	for i, k := range m.Keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k)
		b.WriteByte('=')
		for j, v := range m.Versions[i] {
			if j > 0 {
				b.WriteByte('|')
			}
			b.WriteString(v.String())
		}
	}
	if m.Reply {
		b.WriteString(" reply")
	}
	b.WriteByte('}')
	return b.String()
}
