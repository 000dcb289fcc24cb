package bank

import (
	"fmt"
	"strconv"

	"github.com/dsimlab/dsim/protocols"
)

// Client is a closed-loop bank client: it submits one transfer at a time to
// the coordinator, waits for its Result or for ClientTimeout, reports the
// outcome in a Reported note, pauses for Think and submits the next. Its
// transfers each touch accounts on two participants, drawn from its own
// random stream (or taken from Order messages).
//
// A client persists each sequence number before using it, so a restarted
// client never reuses a transaction ID: the coordinator treats a repeated ID
// as a duplicate of the old transaction.
type Client struct {
	cfg     protocols.Config
	w       World
	layout  Layout
	seq     int
	current TxID
	queue   []Transfer
	counts  [3]int // by Outcome
}

// clientSeq is the client's durable record: the last sequence number used.
type clientSeq struct{ Seq int }

func (r clientSeq) String() string { return "seq " + strconv.Itoa(r.Seq) }

// The client's timers.
const (
	timerNext    = "next"
	timerTimeout = "timeout"
)

// NewClient returns a factory of clients for world w. A client's Peers are
// all the servers; the coordinator is w.Coordinator.
func NewClient(w World) protocols.Factory {
	w = w.WithDefaults()
	return func(cfg protocols.Config) protocols.Node {
		c := &Client{cfg: cfg, w: w, layout: w.Layout(cfg.Peers)}
		for _, r := range cfg.Store {
			if s, ok := r.(clientSeq); ok && s.Seq > c.seq {
				c.seq = s.Seq
			}
		}
		return c
	}
}

// Step implements protocols.Node.
func (c *Client) Step(in protocols.Input, out *protocols.Effects) {
	switch in.Kind {
	case protocols.Start:
		if !c.w.Manual {
			out.SetTimer(timerNext, c.w.Think)
		}
	case protocols.Timer:
		switch in.Timer {
		case timerNext:
			if c.current == "" {
				c.submitNext(out)
			}
		case timerTimeout:
			if c.current != "" {
				c.finish(OutcomeUnknown, out)
			}
		}
	case protocols.Receive:
		switch m := in.Msg.(type) {
		case Result:
			if m.Tx == c.current && m.Outcome != OutcomeUnknown {
				c.finish(m.Outcome, out)
			}
		case Order:
			c.queue = append(c.queue, m.Transfer)
			if c.current == "" {
				c.submitNext(out)
			}
		}
	}
}

func (c *Client) submitNext(out *protocols.Effects) {
	var t Transfer
	if len(c.queue) > 0 {
		t = c.queue[0]
		c.queue = c.queue[1:]
	} else {
		t = c.draw()
	}
	c.seq++
	c.current = TxID(fmt.Sprintf("%s.%d", c.cfg.ID, c.seq))
	out.Persist(clientSeq{c.seq})
	out.Send(c.w.Coordinator, Submit{Tx: c.current, Transfer: t})
	out.SetTimer(timerTimeout, c.w.ClientTimeout)
	out.Note(Submitted{Client: c.cfg.ID, Tx: c.current, Transfer: t})
}

// draw picks a random transfer between accounts on two different
// participants (any two accounts when there is only one participant).
func (c *Client) draw() Transfer {
	accts := c.layout.Accounts
	from := accts[c.cfg.Rand.IntN(len(accts))]
	var tos []Account
	for _, a := range accts {
		if a != from && (len(c.layout.Participants) == 1 || c.layout.Owner(a) != c.layout.Owner(from)) {
			tos = append(tos, a)
		}
	}
	to := tos[c.cfg.Rand.IntN(len(tos))]
	return Transfer{From: from, To: to, Amount: 1 + c.cfg.Rand.Int64N(c.w.MaxAmount)}
}

func (c *Client) finish(o Outcome, out *protocols.Effects) {
	out.Note(Reported{Client: c.cfg.ID, Tx: c.current, Outcome: o})
	c.counts[o]++
	c.current = ""
	out.CancelTimer(timerTimeout)
	switch {
	case len(c.queue) > 0:
		c.submitNext(out)
	case !c.w.Manual:
		out.SetTimer(timerNext, c.w.Think)
	}
}

// Current returns the transaction the client is waiting on, or "".
func (c *Client) Current() TxID { return c.current }

// Role implements protocols.RoleReporter.
func (c *Client) Role() string { return "client" }

// Status implements protocols.Node.
func (c *Client) Status() protocols.Status {
	cur := string(c.current)
	if cur == "" {
		cur = "-"
	}
	return protocols.Status{
		Role:   "client",
		Commit: c.counts[OutcomeCommitted],
		Fields: []protocols.Field{
			{Name: "waiting", Value: cur},
			{Name: "committed", Value: strconv.Itoa(c.counts[OutcomeCommitted])},
			{Name: "aborted", Value: strconv.Itoa(c.counts[OutcomeAborted])},
			{Name: "unknown", Value: strconv.Itoa(c.counts[OutcomeUnknown])},
		},
	}
}
