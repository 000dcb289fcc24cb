package kv

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
)

// The client under load: open-loop arrivals, retry policies, a retry
// budget, deadlines and a circuit breaker. Each is off in the zero
// ClientOptions, and a client with none of them set behaves, and draws
// from its random stream, exactly as it always has.
//
// Open loop. Operations arrive at a rate whatever completes, the way users
// arrive at a service. A client still keeps one request in flight (a
// session: the servers' at-most-once tables rely on it), so arrivals wait
// their turn in the client, oldest first, and an operation's latency runs
// from its arrival. This is what lets retries pile up faster than a
// server works: the offered load does not fall when the service slows.
//
// Retries. After a timeout (at the next server, as always) or an
// Overloaded answer (at the same server), the immediate policy sends again
// at once; the backoff policy waits, exponentially longer after each
// failed attempt of the operation up to a cap, with the jitter of the AWS
// Architecture Blog's "Exponential Backoff And Jitter": none, full,
// equal or decorrelated.
//
// Retry budget. A token bucket of retries earned by successes: each
// completed operation earns a share of a retry, each retry spends one, and
// a failed attempt with no token left gives its operation up (it stays
// indeterminate). Retries then stay a bounded share of the load.
//
// Deadlines. The client gives an operation up at its deadline. A deadline
// that propagates travels with every attempt (Request.Deadline), and a
// server with a service model drops a request past it without doing the
// work: nobody waits for its answer any more.
//
// Circuit breaker. After a run of failed attempts the breaker opens: the
// client gives up what it holds and fails new operations at once, sending
// nothing, for a while; then it lets one operation through (half-open),
// whose success closes the breaker and whose failure opens it again.

// Rate is an open-loop arrival rate.
type Rate struct {
	PerSecond int  // operations arriving per second of the client's clock
	Fixed     bool // evenly spaced; false: a Poisson process (exponential gaps)
}

// String renders the rate as its workload line writes it: 50/s, 50/s fixed,
// or closed.
func (r Rate) String() string {
	if r.PerSecond == 0 {
		return "closed"
	}
	s := strconv.Itoa(r.PerSecond) + "/s"
	if r.Fixed {
		s += " fixed"
	}
	return s
}

// ParseRate parses "50/s" or "50/s fixed".
func ParseRate(s string) (Rate, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "fixed") {
		return Rate{}, fmt.Errorf("want N/s, as in 50/s, optionally followed by fixed")
	}
	n, ok := strings.CutSuffix(f[0], "/s")
	v, err := strconv.Atoi(n)
	if !ok || err != nil || v < 1 || v > 100_000 {
		return Rate{}, fmt.Errorf("want a rate from 1/s to 100000/s, got %q", f[0])
	}
	return Rate{PerSecond: v, Fixed: len(f) == 2}, nil
}

// Jitter is how a backoff is randomized.
type Jitter string

// The jitters of "Exponential Backoff And Jitter". Of a wait w that
// doubles per attempt up to the cap: none waits w; full waits a uniform
// draw from [0, w]; equal waits w/2 plus a draw from [0, w/2];
// decorrelated waits a draw from [base, 3 × the previous wait], capped.
const (
	JitterNone         Jitter = "none"
	JitterFull         Jitter = "full"
	JitterEqual        Jitter = "equal"
	JitterDecorrelated Jitter = "decorrelated"
)

var jitters = []Jitter{JitterNone, JitterFull, JitterEqual, JitterDecorrelated}

// RetryPolicy says how long a client waits before it retries. The zero
// value is immediate.
type RetryPolicy struct {
	Backoff   bool
	Base, Cap clock.Duration
	Jitter    Jitter // "" means full
}

// String renders the policy as its workload line writes it.
func (p RetryPolicy) String() string {
	if !p.Backoff {
		return "immediate"
	}
	j := p.Jitter
	if j == "" {
		j = JitterFull
	}
	return "backoff " + clock.FormatDuration(p.Base) + " " + clock.FormatDuration(p.Cap) + " " + string(j)
}

// ParseRetry parses "immediate" or "backoff BASE CAP [none|full|equal|decorrelated]".
func ParseRetry(s string) (RetryPolicy, error) {
	f := strings.Fields(s)
	usage := fmt.Errorf("want immediate, or backoff BASE CAP [JITTER] with JITTER none, full, equal or decorrelated, as in backoff 10ms 1s full")
	switch {
	case len(f) == 1 && f[0] == "immediate":
		return RetryPolicy{}, nil
	case len(f) < 3 || len(f) > 4 || f[0] != "backoff":
		return RetryPolicy{}, usage
	}
	p := RetryPolicy{Backoff: true, Jitter: JitterFull}
	var err error
	if p.Base, err = clock.ParseDuration(f[1]); err != nil {
		return p, err
	}
	if p.Cap, err = clock.ParseDuration(f[2]); err != nil {
		return p, err
	}
	if len(f) == 4 {
		p.Jitter = Jitter(f[3])
	}
	return p, p.validate()
}

func (p RetryPolicy) validate() error {
	switch {
	case !p.Backoff:
		return nil
	case p.Base <= 0 || p.Cap < p.Base:
		return fmt.Errorf("backoff %s %s: want 0 < BASE <= CAP", clock.FormatDuration(p.Base), clock.FormatDuration(p.Cap))
	case p.Jitter != "" && !slices.Contains(jitters, p.Jitter):
		return fmt.Errorf("unknown jitter %q (want none, full, equal or decorrelated)", p.Jitter)
	}
	return nil
}

// RetryBudget is a token bucket of retries earned by successes. The zero
// value is no budget.
type RetryBudget struct {
	PPM    int64 // of a retry earned per completed operation, in parts per million
	Tokens int   // the bucket's size, and what it starts with; zero means 10
}

// String renders the budget as its workload line writes it: 10% 10, or off.
func (b RetryBudget) String() string {
	if b.PPM == 0 {
		return "off"
	}
	return fmtPercent(b.PPM) + " " + strconv.Itoa(b.tokens())
}

func (b RetryBudget) tokens() int {
	if b.Tokens == 0 {
		return 10
	}
	return b.Tokens
}

// ParseRetryBudget parses "P% [TOKENS]", as in "10%" or "20% 5".
func ParseRetryBudget(s string) (RetryBudget, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return RetryBudget{}, fmt.Errorf("want P%% [TOKENS], as in 10%% or 20%% 5")
	}
	ppm, err := parsePercent(f[0])
	if err != nil {
		return RetryBudget{}, err
	}
	if ppm <= 0 || ppm > 100*1_000_000 {
		return RetryBudget{}, fmt.Errorf("%s: want a share above 0%% and at most 10000%%", f[0])
	}
	b := RetryBudget{PPM: ppm}
	if len(f) == 2 {
		n, err := strconv.Atoi(f[1])
		if err != nil || n < 1 || n > 1_000_000 {
			return b, fmt.Errorf("tokens %q: want a whole number from 1", f[1])
		}
		b.Tokens = n
	}
	return b, nil
}

// Deadline is how long after its arrival a client gives an operation up,
// and whether the deadline travels with the requests. The zero value is
// none.
type Deadline struct {
	After     clock.Duration
	Propagate bool
}

// String renders the deadline as its workload line writes it: 1s propagate,
// or off.
func (d Deadline) String() string {
	if d.After == 0 {
		return "off"
	}
	s := clock.FormatDuration(d.After)
	if d.Propagate {
		s += " propagate"
	}
	return s
}

// ParseDeadline parses "D" or "D propagate".
func ParseDeadline(s string) (Deadline, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 || (len(f) == 2 && f[1] != "propagate") {
		return Deadline{}, fmt.Errorf("want D or D propagate, as in 1s propagate")
	}
	d, err := clock.ParseDuration(f[0])
	if err == nil && d <= 0 {
		err = fmt.Errorf("the deadline must be positive")
	}
	return Deadline{After: d, Propagate: len(f) == 2}, err
}

// onWire is the outstanding request as sent: its deadline stays in the
// client unless it propagates.
func (c *client) onWire() Request {
	var r Request
	c.putOnWire(&r)
	return r
}

// putOnWire writes onWire's request to *r, where it is sent from (a
// slot of the client's Slab): a copy fewer than assigning onWire's result.
func (c *client) putOnWire(r *Request) {
	*r = c.req
	if !c.opts.Deadline.Propagate {
		r.Deadline = 0
	}
}

// Breaker is a circuit breaker's setting. The zero value is no breaker.
type Breaker struct {
	Failures int            // failed attempts in a row that open it
	Open     clock.Duration // how long it stays open before a trial
}

// String renders the breaker as its workload line writes it: 5 1s, or off.
func (b Breaker) String() string {
	if b.Failures == 0 {
		return "off"
	}
	return strconv.Itoa(b.Failures) + " " + clock.FormatDuration(b.Open)
}

// ParseBreaker parses "FAILURES OPEN", as in "5 1s".
func ParseBreaker(s string) (Breaker, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return Breaker{}, fmt.Errorf("want FAILURES OPEN, as in 5 1s: open after 5 failures in a row, for 1s")
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 || n > 1_000_000 {
		return Breaker{}, fmt.Errorf("failures %q: want a whole number from 1", f[0])
	}
	d, err := clock.ParseDuration(f[1])
	if err == nil && d <= 0 {
		err = fmt.Errorf("the open time must be positive")
	}
	return Breaker{Failures: n, Open: d}, err
}

// The client's timers for load.
const (
	timerArrive   = "arrive"   // open loop: the next operation arrives
	timerDeadline = "deadline" // the outstanding operation's deadline
	timerBreaker  = "breaker"  // closed loop: the breaker's open time ended
)

// loaded reports whether any load option is set.
func (o ClientOptions) loaded() bool {
	return o.Rate.PerSecond > 0 || o.Retry.Backoff || o.Budget.PPM > 0 || o.Deadline.After > 0 || o.Breaker.Failures > 0
}

// load is a client's state for the load options; nil when none is set.
type load struct {
	arrivals  []Request      // open loop: arrived, waiting their turn, oldest first
	tokens    int64          // retry budget, in millionths of a retry
	failures  int            // breaker: failed attempts in a row
	openUntil clock.Time     // breaker: failing fast until then
	wasOpen   bool           // breaker: it opened; the next operation is the half-open trial
	sleep     clock.Duration // decorrelated jitter: the last wait
}

func newLoad(o ClientOptions) *load {
	return &load{tokens: int64(o.Budget.tokens()) * 1_000_000}
}

// arrive is an open-loop arrival: the operation is invoked now and waits
// its turn (or fails at once when the breaker is open or too many wait).
func (c *client) arrive() {
	l := c.load
	if (c.opts.MaxOps > 0 && c.done >= c.opts.MaxOps) || (c.opts.StopAt > 0 && c.now >= c.opts.StopAt) {
		return // no more arrivals
	}
	c.out.SetTimer(timerArrive, c.gap())
	c.seq++
	if c.seq > c.reserved {
		c.reserved = c.seq + seqBlockSize - 1
		c.out.Persist(SeqBlock{Upto: c.reserved})
	}
	r := Request{Client: c.id, Seq: c.seq, Op: c.draw()}
	if c.opts.Deadline.After > 0 {
		r.Deadline = c.now.Add(c.opts.Deadline.After)
	}
	c.out.Note(c.invoked.Note(Invoked{Client: c.id, Seq: r.Seq, Op: r.Op}))
	switch {
	case c.breakerOpen():
		c.drop(r, ProbeBreakerOpen)
	case len(l.arrivals) >= c.backlog():
		c.drop(r, ProbeBacklog)
	default:
		l.arrivals = append(l.arrivals, r)
		if !c.busy {
			c.serveNext()
		}
	}
}

// gap draws the time to the next arrival.
func (c *client) gap() clock.Duration {
	mean := clock.Second / clock.Duration(c.opts.Rate.PerSecond)
	if c.opts.Rate.Fixed {
		return mean
	}
	return max(clock.Duration(c.rand.ExpFloat64()*float64(mean)), clock.Microsecond)
}

func (c *client) backlog() int {
	if c.opts.Backlog == 0 {
		return 100
	}
	return c.opts.Backlog
}

// serveNext starts the oldest waiting arrival, giving up those already
// past their deadline.
func (c *client) serveNext() {
	l := c.load
	for len(l.arrivals) > 0 && !c.busy {
		r := l.arrivals[0]
		l.arrivals = l.arrivals[1:]
		if r.Deadline > 0 && c.now >= r.Deadline {
			c.drop(r, ProbeDeadline)
			continue
		}
		c.req = r
		if r.Op.IsWrite() {
			c.req.Context = c.contexts.get(r.Op.Key)
		}
		c.busy, c.hops, c.tries, c.sends, c.acks = true, 0, 0, 0, c.acks[:0]
		switch c.mode {
		case TargetRandom:
			c.target = c.servers[c.rand.IntN(len(c.servers))]
		case TargetKey:
			c.target = c.servers[protocols.Digest([]byte(c.req.Op.Key))%uint64(len(c.servers))]
		case TargetSticky:
			c.target = c.home
		}
		c.started()
		c.send()
	}
	if len(l.arrivals) == 0 {
		l.arrivals = nil // let the backing array go after a burst
	}
}

// started arms the outstanding operation's deadline and marks a breaker's
// half-open trial.
func (c *client) started() {
	if c.req.Deadline > 0 {
		c.out.SetTimer(timerDeadline, max(c.req.Deadline.Sub(c.now), 0))
	}
}

// stamp gives a closed-loop operation its deadline as it is issued.
func (c *client) stamp() {
	if c.load == nil {
		return
	}
	if c.opts.Deadline.After > 0 {
		c.req.Deadline = c.now.Add(c.opts.Deadline.After)
	}
	c.started()
}

// drop invokes nothing more for an operation that never got (or will not
// get) an answer: it stays indeterminate, and nobody waits for it.
func (c *client) drop(r Request, probe string) {
	if probe != "" {
		c.out.Probe(probe)
	}
	c.out.Note(Abandoned{Client: c.id, Seq: r.Seq, Op: r.Op})
}

// giveUp abandons the outstanding operation for a load reason and moves on.
func (c *client) giveUp(probe string) {
	c.busy = false
	c.out.CancelTimer(timerTimeout)
	if c.backoff {
		c.out.CancelTimer(timerRetry)
		c.backoff = false
	}
	if c.req.Deadline > 0 {
		c.out.CancelTimer(timerDeadline)
	}
	c.drop(c.req, probe)
	c.hops = 0
	c.next()
}

// failed handles a failed attempt (a timeout, or an Overloaded answer)
// under the load options, after the attempt was counted in tries. It
// reports whether it dealt with it; false leaves the immediate retry at
// the next server to the caller, as a client without load options does.
func (c *client) failed(overloaded bool) bool {
	l := c.load
	if c.opts.Breaker.Failures > 0 {
		l.failures++
		if l.failures >= c.opts.Breaker.Failures || l.wasOpen {
			c.openBreaker()
			return true
		}
	}
	if c.req.Deadline > 0 && c.now >= c.req.Deadline {
		c.giveUp(ProbeDeadline)
		return true
	}
	if c.opts.Budget.PPM > 0 {
		if l.tokens < 1_000_000 {
			c.giveUp(ProbeBudget)
			return true
		}
		l.tokens -= 1_000_000
	}
	if !overloaded && !c.opts.Retry.Backoff {
		return false
	}
	if !overloaded {
		// As without load options: whatever was lost, try the next server
		// (or the same one, RetrySame).
		c.out.Probe(ProbeTimeout)
		if !c.opts.RetrySame {
			c.target = c.after(c.target)
		}
	}
	c.hops = 0
	wait := c.wait()
	if wait == 0 {
		c.send()
		return true
	}
	c.out.CancelTimer(timerTimeout)
	c.out.SetTimer(timerRetry, wait)
	c.backoff = true
	return true
}

// wait is how long to back off before the next attempt.
func (c *client) wait() clock.Duration {
	p := c.opts.Retry
	if !p.Backoff {
		return 0
	}
	exp := p.Cap
	if c.tries <= 40 {
		exp = min(p.Cap, p.Base<<(max(c.tries, 1)-1))
	}
	switch p.Jitter {
	case JitterNone:
		return exp
	case JitterEqual:
		return exp/2 + between(c.rand, 0, exp/2)
	case JitterDecorrelated:
		prev := max(c.load.sleep, p.Base)
		c.load.sleep = min(p.Cap, between(c.rand, p.Base, 3*prev))
		return c.load.sleep
	}
	return between(c.rand, 0, exp)
}

// between draws a duration uniformly from [lo, hi].
func between(r *rand.Rand, lo, hi clock.Duration) clock.Duration {
	if hi <= lo {
		return lo
	}
	return lo + clock.Duration(r.Int64N(int64(hi-lo)+1))
}

// succeeded records a completed operation: it earns retry tokens, resets
// the breaker's count and closes it after a trial.
func (c *client) succeeded() {
	l := c.load
	if c.opts.Budget.PPM > 0 {
		l.tokens = min(l.tokens+c.opts.Budget.PPM, int64(c.opts.Budget.tokens())*1_000_000)
	}
	l.failures, l.wasOpen, l.sleep = 0, false, 0
	if c.req.Deadline > 0 {
		c.out.CancelTimer(timerDeadline)
	}
}

// breakerOpen reports whether the breaker fails operations fast now.
func (c *client) breakerOpen() bool {
	return c.load != nil && c.opts.Breaker.Failures > 0 && c.now < c.load.openUntil
}

// openBreaker opens the breaker: the outstanding operation and every
// waiting arrival fail at once, and nothing is sent until it half-opens.
func (c *client) openBreaker() {
	l := c.load
	l.openUntil = c.now.Add(c.opts.Breaker.Open)
	l.failures, l.wasOpen = 0, true
	c.out.Probe(ProbeBreakerOpen)
	for _, r := range l.arrivals {
		c.drop(r, "")
	}
	l.arrivals = nil
	c.giveUp("")
}

// breakerWait holds a closed-loop client's next operation while the
// breaker is open, and reports whether it did.
func (c *client) breakerWait() bool {
	if !c.breakerOpen() {
		return false
	}
	c.out.SetTimer(timerBreaker, c.load.openUntil.Sub(c.now))
	return true
}

// parsePercent parses "10%" or "0.5%" into parts per million of one
// (100% is 1_000_000).
func parsePercent(s string) (int64, error) {
	v, ok := strings.CutSuffix(s, "%")
	whole, frac, _ := strings.Cut(v, ".")
	if !ok || whole == "" || len(frac) > 4 || strings.Trim(whole+frac, "0123456789") != "" || len(whole) > 6 {
		return 0, fmt.Errorf("%q: want a percentage such as 10%% or 0.5%%", s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac += strings.Repeat("0", 4-len(frac))
	fr, _ := strconv.ParseInt(frac, 10, 64)
	return w*10_000 + fr, nil
}

func fmtPercent(ppm int64) string {
	s := strconv.FormatInt(ppm/10_000, 10)
	if f := ppm % 10_000; f != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%04d", f), "0")
	}
	return s + "%"
}

// validateLoad reports load options that cannot work.
func (o ClientOptions) validateLoad() error {
	switch {
	case o.Rate.PerSecond < 0 || o.Rate.PerSecond > 100_000:
		return fmt.Errorf("%w: Rate %d/s: want 0 to 100000", ErrBadClientOptions, o.Rate.PerSecond)
	case o.Backlog < 0:
		return fmt.Errorf("%w: Backlog %d is negative", ErrBadClientOptions, o.Backlog)
	case o.Deadline.After < 0:
		return fmt.Errorf("%w: negative Deadline", ErrBadClientOptions)
	case o.Budget.PPM < 0 || o.Budget.Tokens < 0:
		return fmt.Errorf("%w: negative retry budget", ErrBadClientOptions)
	case o.Breaker.Failures < 0 || (o.Breaker.Failures > 0 && o.Breaker.Open <= 0):
		return fmt.Errorf("%w: Breaker %v: want failures and a positive open time", ErrBadClientOptions, o.Breaker)
	}
	if err := o.Retry.validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadClientOptions, err)
	}
	return nil
}

// loadStatus adds the load options' state to a client's status.
func (c *client) loadStatus(st protocols.Status) protocols.Status {
	l := c.load
	if l == nil {
		return st
	}
	if c.opts.Rate.PerSecond > 0 {
		st.Fields = append(st.Fields, protocols.Field{Name: "waiting", Value: strconv.Itoa(len(l.arrivals))})
	}
	if c.opts.Budget.PPM > 0 {
		st.Fields = append(st.Fields, protocols.Field{Name: "retry tokens", Value: strconv.FormatFloat(float64(l.tokens)/1e6, 'f', 1, 64)})
	}
	if c.opts.Breaker.Failures > 0 {
		state := "closed"
		switch {
		case c.now < l.openUntil:
			state = "open"
		case l.wasOpen:
			state = "half-open"
		}
		st.Fields = append(st.Fields, protocols.Field{Name: "breaker", Value: state})
	}
	return st
}
