package synod

import "github.com/dsimlab/dsim/protocols"

// The messages of single-decree Paxos, named as in Paxos Made Simple: the
// prepare request and its promise (phase 1a/1b), the accept request and
// the acceptance (phase 2a/2b), plus a rejection that tells a proposer
// which ballot beat it, and what learners use to spread the outcome.

// Prepare asks an acceptor to promise Ballot (phase 1a): to accept no
// proposal of a lower ballot from now on, and to say what it has accepted.
type Prepare struct{ Ballot Ballot }

// Kind implements protocols.Message.
func (Prepare) Kind() string { return "Prepare" }

// String renders the message as Prepare{ballot=302}.
func (m Prepare) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Prepare) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Prepare) append(b []byte) []byte {
	b = append(b, "Prepare{ballot="...)
	return append(m.Ballot.AppendTo(b), '}')
}

// Promise answers a Prepare (phase 1b): the acceptor promised Ballot, and
// Accepted and Value are the highest-ballot proposal it has accepted (zero
// and "" if none). The proposer must propose the Value of the highest
// Accepted among a quorum of promises.
type Promise struct {
	Ballot   Ballot
	Accepted Ballot
	Value    string
}

// Kind implements protocols.Message.
func (Promise) Kind() string { return "Promise" }

// String renders the message as Promise{ballot=302 accepted=201:v1} or
// Promise{ballot=302 accepted=-}.
func (m Promise) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Promise) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Promise) append(b []byte) []byte {
	b = append(b, "Promise{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " accepted="...)
	b = m.Accepted.AppendTo(b)
	if m.Accepted != 0 {
		b = append(b, ':')
		b = append(b, m.Value...)
	}
	return append(b, '}')
}

// Accept asks an acceptor to accept Value in Ballot (phase 2a).
type Accept struct {
	Ballot Ballot
	Value  string
}

// Kind implements protocols.Message.
func (Accept) Kind() string { return "Accept" }

// String renders the message as Accept{ballot=302 value=v1}.
func (m Accept) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Accept) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Accept) append(b []byte) []byte {
	b = append(b, "Accept{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " value="...)
	b = append(b, m.Value...)
	return append(b, '}')
}

// Accepted tells the proposer of Ballot, and every learner, that the sender
// accepted Value in Ballot (phase 2b). A value is chosen when a phase-2
// quorum of acceptors accepted it in one ballot.
type Accepted struct {
	Ballot Ballot
	Value  string
}

// Kind implements protocols.Message.
func (Accepted) Kind() string { return "Accepted" }

// String renders the message as Accepted{ballot=302 value=v1}.
func (m Accepted) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Accepted) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Accepted) append(b []byte) []byte {
	b = append(b, "Accepted{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " value="...)
	b = append(b, m.Value...)
	return append(b, '}')
}

// Nack refuses a Prepare or Accept for Ballot because the acceptor has
// promised the higher ballot Promised. Paxos Made Simple suggests it as an
// optimisation: the proposer abandons its round at once instead of waiting
// for a timeout, and knows which round to outbid.
type Nack struct {
	Ballot   Ballot
	Promised Ballot
}

// Kind implements protocols.Message.
func (Nack) Kind() string { return "Nack" }

// String renders the message as Nack{ballot=201 promised=302}.
func (m Nack) String() string { return string(m.append(nil)) }

// AppendText appends the String form to b (encoding.TextAppender).
func (m Nack) AppendText(b []byte) ([]byte, error) { return m.append(b), nil }

func (m Nack) append(b []byte) []byte {
	b = append(b, "Nack{ballot="...)
	b = m.Ballot.AppendTo(b)
	b = append(b, " promised="...)
	b = m.Promised.AppendTo(b)
	return append(b, '}')
}

// Chosen tells a learner the chosen value: sent by a proposer whose round
// succeeded, and by anyone who knows the value to a learner that Asks.
type Chosen struct{ Value string }

// Kind implements protocols.Message.
func (Chosen) Kind() string { return "Chosen" }

// String renders the message as Chosen{value=v1}.
func (m Chosen) String() string { return "Chosen{value=" + m.Value + "}" }

// Ask is a learner's question to the other servers: do you know the chosen
// value? Those that do answer with Chosen. It makes up for lost Accepted
// and Chosen messages, and for learners that were down.
type Ask struct{}

// Kind implements protocols.Message.
func (Ask) Kind() string { return "Ask" }

// String renders the message as Ask{}.
func (Ask) String() string { return "Ask{}" }

// The messages fold into the trace hash exactly what their String shows
// (protocols.HashAppender), without rendering it. A ballot folds as its
// number: none (0) shows as "-", which no number shows as.

// AppendHash implements protocols.HashAppender.
func (m Prepare) AppendHash(h *protocols.Hash) { h.Uint64(uint64(m.Ballot)) }

// AppendHash implements protocols.HashAppender: the value only with an
// accepted ballot, as String shows it.
func (m Promise) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Uint64(uint64(m.Accepted))
	if m.Accepted != 0 {
		h.String(m.Value)
	}
}

// AppendHash implements protocols.HashAppender.
func (m Accept) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.String(m.Value)
}

// AppendHash implements protocols.HashAppender.
func (m Accepted) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.String(m.Value)
}

// AppendHash implements protocols.HashAppender.
func (m Nack) AppendHash(h *protocols.Hash) {
	h.Uint64(uint64(m.Ballot))
	h.Uint64(uint64(m.Promised))
}

// AppendHash implements protocols.HashAppender.
func (m Chosen) AppendHash(h *protocols.Hash) { h.String(m.Value) }

// AppendHash implements protocols.HashAppender: Ask shows nothing but its
// kind, which the caller folds.
func (Ask) AppendHash(*protocols.Hash) {}
