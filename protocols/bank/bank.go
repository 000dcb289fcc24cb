package bank

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// Account names one bank account: "a1", "a2", ...
type Account string

// TxID names one transaction: the submitting client and its sequence number,
// "c1.3". Clients persist their sequence numbers, so an ID is never reused.
type TxID string

// Client returns the client that submitted tx (the part before the last dot).
func (tx TxID) Client() protocols.NodeID {
	if i := strings.LastIndexByte(string(tx), '.'); i > 0 {
		return protocols.NodeID(tx[:i])
	}
	return ""
}

// Transfer moves Amount from one account to another.
type Transfer struct {
	From, To Account
	Amount   int64
}

func (t Transfer) String() string { return fmt.Sprintf("%s->%s %d", t.From, t.To, t.Amount) }

// Write is one participant's part of a transfer: a change to one account.
// A negative Delta is a withdrawal, which needs the funds.
type Write struct {
	Account Account
	Delta   int64
}

func (w Write) String() string {
	if w.Delta < 0 {
		return fmt.Sprintf("%s%d", w.Account, w.Delta)
	}
	return fmt.Sprintf("%s+%d", w.Account, w.Delta)
}

// FormatWrites renders writes as "[a1-30 a2+30]".
func FormatWrites(ws []Write) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// FormatIDs renders node IDs as "[n2 n3]".
func FormatIDs(ids []protocols.NodeID) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = string(id)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// AppendHash folds what String shows into a trace hash, for the
// AppendHash of messages that show a transfer.
func (t Transfer) AppendHash(h *protocols.Hash) {
	h.String(string(t.From))
	h.String(string(t.To))
	h.Uint64(uint64(t.Amount))
}

// HashWrites folds writes into a trace hash as FormatWrites shows them.
func HashWrites(h *protocols.Hash, ws []Write) {
	h.Int(len(ws))
	for _, w := range ws {
		h.String(string(w.Account))
		h.Uint64(uint64(w.Delta))
	}
}

// HashIDs folds node IDs into a trace hash as FormatIDs shows them.
func HashIDs(h *protocols.Hash, ids []protocols.NodeID) {
	h.Int(len(ids))
	for _, id := range ids {
		h.String(string(id))
	}
}

// World describes the bank and its workload. Both protocols embed it in
// their Options, so servers and clients built from one Options agree on
// which participant holds which account. Every zero value has a default.
type World struct {
	// Coordinator is the server that coordinates every transaction; the
	// other servers are participants. Zero: n1.
	Coordinator protocols.NodeID
	// Accounts is how many accounts each participant holds. Zero: 2.
	Accounts int
	// Initial is every account's opening balance. Zero: 100.
	Initial int64
	// MaxAmount bounds the amount of a random transfer, drawn uniformly from
	// 1..MaxAmount. It is deliberately close to Initial so that some transfers
	// lack the funds and get a "no" vote. Zero: 60.
	MaxAmount int64
	// ClientTimeout is how long a client waits for the outcome of a transfer
	// before reporting it unknown and moving on. Zero: 1s.
	ClientTimeout clock.Duration
	// Think is the pause between a client's transfers. Zero: 10ms.
	Think clock.Duration
	// Manual makes clients submit only the transfers they are sent as Order
	// messages (scripts and hand-written scenarios); otherwise each client
	// runs a random closed loop.
	Manual bool
}

// Defaults for the zero values of World.
const (
	DefaultAccounts      = 2
	DefaultInitial       = 100
	DefaultMaxAmount     = 60
	DefaultClientTimeout = clock.Second
	DefaultThink         = 10 * clock.Millisecond
)

// DefaultCoordinator is the coordinator when World.Coordinator is empty.
const DefaultCoordinator protocols.NodeID = "n1"

// WithDefaults returns w with every zero field replaced by its default.
func (w World) WithDefaults() World {
	if w.Coordinator == "" {
		w.Coordinator = DefaultCoordinator
	}
	if w.Accounts == 0 {
		w.Accounts = DefaultAccounts
	}
	if w.Initial == 0 {
		w.Initial = DefaultInitial
	}
	if w.MaxAmount == 0 {
		w.MaxAmount = DefaultMaxAmount
	}
	if w.ClientTimeout == 0 {
		w.ClientTimeout = DefaultClientTimeout
	}
	if w.Think == 0 {
		w.Think = DefaultThink
	}
	return w
}

// Validate reports the first field out of range.
func (w World) Validate() error {
	switch {
	case w.Accounts < 0:
		return fmt.Errorf("bank: Accounts %d is negative", w.Accounts)
	case w.Initial < 0:
		return fmt.Errorf("bank: Initial %d is negative", w.Initial)
	case w.MaxAmount < 0:
		return fmt.Errorf("bank: MaxAmount %d is negative", w.MaxAmount)
	case w.ClientTimeout < 0:
		return fmt.Errorf("bank: ClientTimeout %v is negative", w.ClientTimeout)
	case w.Think < 0:
		return fmt.Errorf("bank: Think %v is negative", w.Think)
	}
	return nil
}

// Layout is the deterministic placement of accounts on participants: account
// a<i> (1-based) lives on participant (i-1) mod P, so consecutive accounts sit
// on different participants and a transfer between them spans two.
type Layout struct {
	Coordinator  protocols.NodeID
	Participants []protocols.NodeID // sorted
	Accounts     []Account          // a1..aN
	Initial      int64
	owner        map[Account]protocols.NodeID
}

// Layout places w's accounts on servers (every server but the coordinator is
// a participant). It panics when the coordinator is not among servers or no
// participant is left: that is a wiring mistake, not a run-time condition.
func (w World) Layout(servers []protocols.NodeID) Layout {
	w = w.WithDefaults()
	if !slices.Contains(servers, w.Coordinator) {
		panic(fmt.Sprintf("bank: coordinator %s is not among the servers %s", w.Coordinator, FormatIDs(servers)))
	}
	parts := protocols.SortIDs(protocols.Without(servers, w.Coordinator))
	if len(parts) == 0 {
		panic("bank: no participants: a bank needs at least one server besides the coordinator")
	}
	l := Layout{Coordinator: w.Coordinator, Participants: parts, Initial: w.Initial, owner: map[Account]protocols.NodeID{}}
	for i := range w.Accounts * len(parts) {
		a := Account("a" + strconv.Itoa(i+1))
		l.Accounts = append(l.Accounts, a)
		l.owner[a] = parts[i%len(parts)]
	}
	return l
}

// Owner returns the participant holding a, or "" for an unknown account.
func (l Layout) Owner(a Account) protocols.NodeID { return l.owner[a] }

// Held returns the accounts participant id holds, in account order.
func (l Layout) Held(id protocols.NodeID) []Account {
	var out []Account
	for _, a := range l.Accounts {
		if l.owner[a] == id {
			out = append(out, a)
		}
	}
	return out
}

// Split divides a transfer into each participant's writes. The participants
// come back sorted, with their writes in account order. It returns an error
// for an unknown account, a non-positive amount or a transfer to itself.
func (l Layout) Split(t Transfer) ([]protocols.NodeID, map[protocols.NodeID][]Write, error) {
	from, to := l.owner[t.From], l.owner[t.To]
	switch {
	case from == "":
		return nil, nil, fmt.Errorf("bank: unknown account %q", t.From)
	case to == "":
		return nil, nil, fmt.Errorf("bank: unknown account %q", t.To)
	case t.From == t.To:
		return nil, nil, fmt.Errorf("bank: transfer from %s to itself", t.From)
	case t.Amount <= 0:
		return nil, nil, fmt.Errorf("bank: amount %d is not positive", t.Amount)
	}
	writes := map[protocols.NodeID][]Write{}
	ws := []Write{{t.From, -t.Amount}, {t.To, t.Amount}}
	slices.SortFunc(ws, func(a, b Write) int { return compareAccounts(a.Account, b.Account) })
	for _, w := range ws {
		writes[l.owner[w.Account]] = append(writes[l.owner[w.Account]], w)
	}
	parts := make([]protocols.NodeID, 0, len(writes))
	for id := range writes {
		parts = append(parts, id)
	}
	return protocols.SortIDs(parts), writes, nil
}

// compareAccounts orders a2 before a10, like protocols.Compare orders IDs.
func compareAccounts(a, b Account) int {
	return protocols.Compare(protocols.NodeID(a), protocols.NodeID(b))
}
