package bank

import (
	"fmt"
	"slices"
	"strings"
)

// TxState is where a transaction stands at one participant.
type TxState uint8

// The states of a transaction at a participant. Prepared covers every state
// in which the participant has promised to commit if told to (2PC's
// prepared, 3PC's waiting and pre-committed): it holds the locks and cannot
// decide alone.
const (
	TxNone      TxState = iota // never heard of, or forgotten
	TxPrepared                 // voted yes; holding locks, in doubt
	TxCommitted                // writes applied, locks released
	TxAborted                  // nothing applied, locks released
)

func (s TxState) String() string {
	switch s {
	case TxNone:
		return "none"
	case TxPrepared:
		return "prepared"
	case TxCommitted:
		return "committed"
	case TxAborted:
		return "aborted"
	}
	return "state?"
}

// Refusal says why a participant cannot prepare a transaction.
type Refusal uint8

// Reasons to vote no.
const (
	OK       Refusal = iota
	Conflict         // an account is locked by another prepared transaction
	NoFunds          // a withdrawal would overdraw its account
	NotHeld          // a write names an account this participant does not hold
	Done             // the transaction already committed or aborted here
)

func (r Refusal) String() string {
	return [...]string{"ok", "conflict", "no-funds", "not-held", "done"}[r]
}

// Ledger is one participant's part of the bank: balances of the accounts it
// holds, the locks of prepared transactions, and the state of every
// transaction it has seen. Locking is strict two-phase with no waiting: a
// transaction locks all its accounts when it prepares and releases them when
// it commits or aborts; a transaction that finds a lock taken is refused
// (voting no is cheaper than a deadlock detector and is what the teaching
// scenarios need).
//
// The protocols drive a Ledger; monitors and the UI only read it, through
// the Participant interface.
type Ledger struct {
	initial  int64
	total    int64
	balance  map[Account]int64
	locks    map[Account]TxID
	txs      map[TxID]*ledgerTx
	inDoubt  int
	commits  int
	accounts []Account // held, sorted
}

type ledgerTx struct {
	state  TxState
	writes []Write
}

// NewLedger opens a ledger holding accounts, each with the initial balance.
func NewLedger(accounts []Account, initial int64) *Ledger {
	l := &Ledger{
		balance:  map[Account]int64{},
		locks:    map[Account]TxID{},
		txs:      map[TxID]*ledgerTx{},
		accounts: slices.Clone(accounts),
	}
	slices.SortFunc(l.accounts, compareAccounts)
	for _, a := range accounts {
		l.balance[a] = initial
		l.initial += initial
	}
	l.total = l.initial
	return l
}

// Check reports whether tx could prepare with writes now, without changing
// anything.
func (l *Ledger) Check(tx TxID, writes []Write) Refusal {
	if t := l.txs[tx]; t != nil && t.state != TxNone {
		if t.state == TxPrepared {
			return OK // preparing again is idempotent
		}
		return Done
	}
	for _, w := range writes {
		bal, held := l.balance[w.Account]
		if !held {
			return NotHeld
		}
		if owner, locked := l.locks[w.Account]; locked && owner != tx {
			return Conflict
		}
		if bal+w.Delta < 0 {
			return NoFunds
		}
	}
	return OK
}

// Prepare locks tx's accounts and remembers its writes. The caller has
// checked it with Check; preparing a prepared transaction does nothing.
// It panics on a refused transaction: that is a bug in the caller.
func (l *Ledger) Prepare(tx TxID, writes []Write) {
	if r := l.Check(tx, writes); r != OK {
		panic(fmt.Sprintf("bank: prepare %s refused (%s)", tx, r))
	}
	if l.State(tx) == TxPrepared {
		return
	}
	for _, w := range writes {
		l.locks[w.Account] = tx
	}
	l.txs[tx] = &ledgerTx{state: TxPrepared, writes: slices.Clone(writes)}
	l.inDoubt++
}

// Commit applies a prepared tx's writes and releases its locks. It reports
// false, changing nothing, when tx is not prepared here.
func (l *Ledger) Commit(tx TxID) bool {
	t := l.txs[tx]
	if t == nil || t.state != TxPrepared {
		return false
	}
	for _, w := range t.writes {
		l.balance[w.Account] += w.Delta
		l.total += w.Delta
	}
	l.release(tx, t)
	t.state = TxCommitted
	l.commits++
	return true
}

// Abort releases a prepared tx's locks, or records the abort of a
// transaction never prepared here so that a late prepare is refused. It
// reports false, changing nothing, when tx already committed or aborted.
func (l *Ledger) Abort(tx TxID) bool {
	t := l.txs[tx]
	switch {
	case t == nil:
		l.txs[tx] = &ledgerTx{state: TxAborted}
		return true
	case t.state == TxPrepared:
		l.release(tx, t)
		t.state = TxAborted
		return true
	}
	return false
}

func (l *Ledger) release(tx TxID, t *ledgerTx) {
	for _, w := range t.writes {
		if l.locks[w.Account] == tx {
			delete(l.locks, w.Account)
		}
	}
	l.inDoubt--
}

// State returns tx's state here.
func (l *Ledger) State(tx TxID) TxState {
	if t := l.txs[tx]; t != nil {
		return t.state
	}
	return TxNone
}

// Writes returns a copy of tx's writes here (nil if it never prepared).
func (l *Ledger) Writes(tx TxID) []Write {
	if t := l.txs[tx]; t != nil {
		return slices.Clone(t.writes)
	}
	return nil
}

// InDoubt returns the prepared transactions, sorted.
func (l *Ledger) InDoubt() []TxID {
	if l.inDoubt == 0 {
		return nil
	}
	var out []TxID
	for tx, t := range l.txs { // picked out, then sorted: l.txs keeps every transaction of the run
		if t.state == TxPrepared {
			out = append(out, tx)
		}
	}
	slices.Sort(out) // the map's order is gone once sorted
	return out
}

// InDoubtCount returns how many transactions are prepared, cheaply.
func (l *Ledger) InDoubtCount() int { return l.inDoubt }

// Commits returns how many transactions committed here.
func (l *Ledger) Commits() int { return l.commits }

// Total returns the sum of the balances held here.
func (l *Ledger) Total() int64 { return l.total }

// InitialTotal returns the sum of the opening balances held here.
func (l *Ledger) InitialTotal() int64 { return l.initial }

// Balance returns an account's balance and whether it is held here.
func (l *Ledger) Balance(a Account) (int64, bool) {
	b, ok := l.balance[a]
	return b, ok
}

// Accounts returns the accounts held here, sorted.
func (l *Ledger) Accounts() []Account { return slices.Clone(l.accounts) }

// Holds reports whether a is held here.
func (l *Ledger) Holds(a Account) bool {
	_, ok := l.balance[a]
	return ok
}

// LockedBy returns the transaction holding a's lock, or "".
func (l *Ledger) LockedBy(a Account) TxID { return l.locks[a] }

// FormatBalances renders "a1:70,a3:130".
func (l *Ledger) FormatBalances() string {
	parts := make([]string, len(l.accounts))
	for i, a := range l.accounts {
		parts[i] = fmt.Sprintf("%s:%d", a, l.balance[a])
	}
	return strings.Join(parts, ",")
}

// FormatLocks renders "a1:c1.2,a3:c2.1", or "-" when nothing is locked.
func (l *Ledger) FormatLocks() string {
	var parts []string
	for _, a := range l.accounts {
		if tx, ok := l.locks[a]; ok {
			parts = append(parts, fmt.Sprintf("%s:%s", a, tx))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ",")
}

// FormatInDoubt renders the prepared transactions, or "-".
func (l *Ledger) FormatInDoubt() string {
	txs := l.InDoubt()
	if len(txs) == 0 {
		return "-"
	}
	parts := make([]string, len(txs))
	for i, tx := range txs {
		parts[i] = string(tx)
	}
	return strings.Join(parts, ",")
}
