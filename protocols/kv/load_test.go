package kv

import (
	"maps"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dsimlab/dsim/clock"
	"github.com/dsimlab/dsim/protocols"
	"github.com/dsimlab/dsim/protocols/prototest"
)

// TestClientLoadScripts drives one client with load options against three
// fake servers; see testdata/load/. Commands besides those of
// TestClientScripts:
//
//	client [rate=20/s,fixed] [backlog=2] [retry=backoff,10ms,80ms,none] [budget=50%,2] [deadline=300ms,propagate] [breaker=2,100ms] [give-up=3]
//	    add c1 (or name=c2) with these options (commas stand for spaces), putting one key
//	reply ... status=overloaded   as the rejection of a full queue
func TestClientLoadScripts(t *testing.T) {
	cmds := maps.Clone(clientCommands)
	cmds["client"] = func(t *testing.T, h *prototest.Harness, _ *world, d *datadriven.TestData) string {
		o := ClientOptions{Keys: 1, Mix: Mix{Put: 1}}
		name := protocols.NodeID("c1")
		for _, a := range d.CmdArgs {
			v := strings.ReplaceAll(strings.Join(a.Vals, " "), ",", " ")
			var err error
			switch a.Key {
			case "rate":
				o.Rate, err = ParseRate(v)
			case "backlog":
				o.Backlog = atoi(t, v)
			case "retry":
				o.Retry, err = ParseRetry(v)
			case "budget":
				o.Budget, err = ParseRetryBudget(v)
			case "deadline":
				o.Deadline, err = ParseDeadline(v)
			case "breaker":
				o.Breaker, err = ParseBreaker(v)
			case "give-up":
				o.GiveUpAfter = atoi(t, v)
			case "name":
				name = protocols.NodeID(v)
			default:
				d.Fatalf(t, "unknown option %s", a.Key)
			}
			require.NoError(t, err, a.Key)
		}
		h.AddClients(NewClient(o), name)
		return ""
	}
	reply := cmds["reply"]
	cmds["reply"] = func(t *testing.T, h *prototest.Harness, w *world, d *datadriven.TestData) string {
		var status string
		d.ScanArgs(t, "status", &status)
		if status != "overloaded" {
			return reply(t, h, w, d)
		}
		var to string
		var seq uint64
		from := "n1"
		d.ScanArgs(t, "to", &to)
		d.ScanArgs(t, "seq", &seq)
		d.MaybeScanArgs(t, "from", &from)
		h.Inject(protocols.NodeID(from), protocols.NodeID(to), Request{Seq: seq}.Rejection())
		return ""
	}
	prototest.RunWith(t, "testdata/load", func(t *testing.T) (*prototest.Harness, *world) {
		w := &world{leader: "n1", hint: "n1"}
		h := prototest.New(7)
		h.AddServers(newFakeServer(w), "n1", "n2", "n3")
		return h, w
	}, cmds)
}

func atoi(t *testing.T, s string) int {
	var n int
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', s)
		n = n*10 + int(c-'0')
	}
	return n
}

func TestLoadOptionsParse(t *testing.T) {
	for in, want := range map[string]string{
		"50/s":      "50/s",
		"7/s fixed": "7/s fixed",
	} {
		r, err := ParseRate(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, r.String())
	}
	for in, want := range map[string]string{
		"immediate":                   "immediate",
		"backoff 10ms 1s":             "backoff 10ms 1s full",
		"backoff 10ms 1s none":        "backoff 10ms 1s none",
		"backoff 5ms 5ms equal":       "backoff 5ms 5ms equal",
		"backoff 1ms 2s decorrelated": "backoff 1ms 2s decorrelated",
	} {
		p, err := ParseRetry(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, p.String())
	}
	b, err := ParseRetryBudget("12.5% 3")
	require.NoError(t, err)
	assert.Equal(t, RetryBudget{PPM: 125_000, Tokens: 3}, b)
	assert.Equal(t, "12.5% 3", b.String())
	d, err := ParseDeadline("1.5s propagate")
	require.NoError(t, err)
	assert.Equal(t, Deadline{After: 1500 * clock.Millisecond, Propagate: true}, d)
	br, err := ParseBreaker("5 1s")
	require.NoError(t, err)
	assert.Equal(t, "5 1s", br.String())

	for in, want := range map[string]string{
		"0/s": "want a rate", "5": "want a rate", "5/s often": "want N/s",
	} {
		_, err := ParseRate(in)
		assert.ErrorContains(t, err, want, in)
	}
	for in, want := range map[string]string{
		"sometimes": "want immediate", "backoff 10ms": "want immediate", "backoff 1s 10ms": "0 < BASE <= CAP",
		"backoff 0s 1s": "0 < BASE <= CAP", "backoff 1ms 1s lots": "unknown jitter", "backoff x 1s": "duration",
	} {
		_, err := ParseRetry(in)
		assert.ErrorContains(t, err, want, in)
	}
	for in, want := range map[string]string{"": "want P%", "10": "want a percentage", "0%": "above 0%", "10% 0": "tokens", "10% 1 2": "want P%"} {
		_, err := ParseRetryBudget(in)
		assert.ErrorContains(t, err, want, in)
	}
	for in, want := range map[string]string{"1s later": "want D", "0s": "positive", "soon": "duration"} {
		_, err := ParseDeadline(in)
		assert.ErrorContains(t, err, want, in)
	}
	for in, want := range map[string]string{"5": "want FAILURES OPEN", "0 1s": "failures", "3 0s": "positive"} {
		_, err := ParseBreaker(in)
		assert.ErrorContains(t, err, want, in)
	}
	for _, o := range []ClientOptions{
		{Rate: Rate{PerSecond: -1}}, {Backlog: -1}, {Deadline: Deadline{After: -1}}, {Budget: RetryBudget{PPM: -1}},
		{Breaker: Breaker{Failures: 2}}, {Retry: RetryPolicy{Backoff: true}},
	} {
		assert.ErrorIs(t, o.Validate(), ErrBadClientOptions, "%+v", o)
	}
}

// The jitters draw their waits as "Exponential Backoff And Jitter" says,
// within their bounds, and the default client draws nothing new.
func TestBackoffJitterBounds(t *testing.T) {
	ms := clock.Millisecond
	for _, j := range jitters {
		h := prototest.New(3)
		h.AddServers(newFakeServer(&world{}), "n1", "n2")
		h.AddClients(NewClient(ClientOptions{Retry: RetryPolicy{Backoff: true, Base: 10 * ms, Cap: 200 * ms, Jitter: j}}), "c1")
		h.Start()
		c := h.Node("c1").(*client)
		prev := clock.Duration(0)
		for try := 1; try <= 8; try++ {
			c.tries = try
			w := c.wait()
			exp := min(200*ms, 10*ms<<(try-1))
			switch j {
			case JitterNone:
				assert.Equal(t, exp, w)
			case JitterFull:
				assert.True(t, w >= 0 && w <= exp, "%s: %v of %v", j, w, exp)
			case JitterEqual:
				assert.True(t, w >= exp/2 && w <= exp, "%s: %v of %v", j, w, exp)
			case JitterDecorrelated:
				assert.True(t, w >= 10*ms && w <= min(200*ms, 3*max(prev, 10*ms)), "%s: %v after %v", j, w, prev)
			}
			prev = w
		}
	}
}
