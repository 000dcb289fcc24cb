package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hostile-input corpus: everything a user might type that dsim must
// refuse or survive. Each case is a file in testdata/hostile:
//
//	# what the case is about
//	args: run $DIR/x.scn --trace $DIR/x.scn
//	exit: 2
//	stderr: is the scenario being read
//	absent: t.out
//	-- x.scn --
//	protocol raft
//	...
//
// Sections are files written to a fresh directory ($DIR in args), except
// "stdin", which is the command's standard input. stderr is a substring of
// the one line a command that exits 2 must print; absent names files that
// must not exist afterwards. Every case also holds dsim to what every input
// gets: no panic, no hang, no runaway memory, input files unchanged, no
// temporary files left, and for exit 2 one line naming the problem without
// Go's internals in it. A few cases whose inputs are too large to keep in
// a file are generated (generatedCases).

var hostileUpdate = flag.Bool("update-hostile", false, "rewrite the stderr lines of the hostile corpus from what dsim prints")

type hostileCase struct {
	name    string
	args    []string
	exit    int
	stderr  string
	absent  []string
	files   map[string][]byte
	stdin   []byte
	header  []string // the case file's header lines, for -update-hostile
	order   []string // section names in file order
	fromDir string   // the case file
}

func parseHostile(t testing.TB, path string) hostileCase {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	c := hostileCase{name: strings.TrimSuffix(filepath.Base(path), ".txt"), exit: -1, files: map[string][]byte{}, fromDir: path}
	var cur string
	var body []byte
	flush := func() {
		if cur == "" {
			return
		}
		if cur == "stdin" {
			c.stdin = body
		} else {
			c.files[cur] = body
		}
		c.order = append(c.order, cur)
	}
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
		if s := string(line); strings.HasPrefix(s, "-- ") && strings.HasSuffix(s, " --") {
			flush()
			cur, body = strings.TrimSuffix(strings.TrimPrefix(s, "-- "), " --"), []byte{}
			continue
		}
		if cur != "" {
			body = append(append(body, line...), '\n')
			continue
		}
		s := string(line)
		c.header = append(c.header, s)
		key, val, _ := strings.Cut(s, ":")
		val = strings.TrimSpace(val)
		switch key {
		case "args":
			c.args = splitArgs(val)
		case "exit":
			c.exit, err = strconv.Atoi(val)
			require.NoError(t, err, path)
		case "stderr":
			c.stderr = val
		case "absent":
			c.absent = append(c.absent, strings.Fields(val)...)
		}
	}
	flush()
	require.NotEmpty(t, c.args, "%s: no args line", path)
	require.NotEqual(t, -1, c.exit, "%s: no exit line", path)
	return c
}

// splitArgs splits an args line at spaces; 'single quotes' keep spaces.
func splitArgs(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, any = !quoted, true
		case r == ' ' && !quoted:
			if any {
				out = append(out, cur.String())
			}
			cur.Reset()
			any = false
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// generatedCases are hostile inputs too large to keep as files.
func generatedCases() []hostileCase {
	heal := []byte("protocol broadcast\nnodes 3\nduration 2s\n" + strings.Repeat("at 1s heal\n", 200_000))
	long := []byte("protocol raft\nnodes 3\ntitle " + strings.Repeat("x", 2<<20) + "\nduration 1s\n")
	big := []byte(strings.Repeat("# a comment line to make the file large .....................\n", 300_000))
	deep := []byte(strings.Repeat("[", 100_000))
	zeros := make([]byte, 8<<20)
	ops := []byte(`{"format": "dsim-kv-history/1", "ops": [` + strings.Repeat(`{"client": "c1", "op": "put", "key": "k", "value": "v", "call": 1, "return": 2},`, 50_000) + `]}`)
	var many strings.Builder
	many.WriteString(`{"format": "dsim-kv-history/1", "ops": [`)
	for i := range 30_001 {
		if i > 0 {
			many.WriteString(",")
		}
		fmt.Fprintf(&many, `{"client": "c1", "op": "put", "key": "k", "value": "v%d", "call": %d, "return": %d}`, i, 2*i, 2*i+1)
	}
	many.WriteString("]}")
	return []hostileCase{
		{name: "gen-html-too-large-to-draw", args: []string{"check", "$DIR/h.json", "--html", "$DIR/h.html"}, exit: 2, stderr: `--html: checker: WriteHTML: key "k" has more than 30000 ops to draw`, files: map[string][]byte{"h.json": []byte(many.String())}, absent: []string{"h.html"}},
		{name: "gen-200k-faults", args: []string{"run", "$DIR/heal.scn"}, exit: 2, stderr: "heal.scn:10004: more than 10000 faults", files: map[string][]byte{"heal.scn": heal}},
		{name: "gen-200k-faults-fuzz", args: []string{"fuzz", "$DIR/heal.scn"}, exit: 2, stderr: "heal.scn:10004: more than 10000 faults", files: map[string][]byte{"heal.scn": heal}},
		{name: "gen-2mib-line", args: []string{"run", "$DIR/long.scn"}, exit: 2, stderr: "long.scn:3: the line is longer than 1 MiB", files: map[string][]byte{"long.scn": long}},
		{name: "gen-18mib-file", args: []string{"run", "-"}, exit: 2, stderr: "stdin:", stdin: big},
		{name: "gen-deep-json", args: []string{"check", "$DIR/deep.json"}, exit: 2, stderr: "deep.json: line 1 column 10001: ", files: map[string][]byte{"deep.json": deep}},
		{name: "gen-zeros-on-stdin-scenario", args: []string{"run", "-"}, exit: 2, stderr: "stdin:1: byte 0x00 in column 1", stdin: zeros},
		{name: "gen-zeros-on-stdin-history", args: []string{"check", "-"}, exit: 2, stderr: `stdin: line 1 column 1: invalid character '\x00'`, stdin: zeros},
		{name: "gen-trailing-comma-50k-ops", args: []string{"check", "$DIR/h.json"}, exit: 2, stderr: "invalid character ']' looking for beginning of value", files: map[string][]byte{"h.json": ops}},
	}
}

// heapBytes is the live heap as the runtime counts it.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// cpuSeconds is the CPU time the process has spent in Go code and its
// collector: on a loaded machine wall time says little about a case.
func cpuSeconds() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/user:cpu-seconds"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64() + s[1].Value.Float64()
}

// A case may use this much CPU, and run this long on the clock (which
// catches a case blocked on something), before it counts as runaway.
const (
	hostileCPU  = 20.0 // seconds
	hostileWall = 3 * time.Minute
)

// hostileMemoryCap is the hard cap a case may reach above the heap it
// started with; the test also runs under a soft GOMEMLIMIT of half of it.
const hostileMemoryCap = 768 << 20

var (
	filePrefix = regexp.MustCompile(`[^\s:]+:\d+: `)
	leaks      = []string{"goroutine ", "panic:", "strconv.", "bufio.Scanner", "runtime error", "invalid memory", "json: cannot", "%!"}
)

func TestHostileInputs(t *testing.T) {
	paths, err := filepath.Glob("testdata/hostile/*.txt")
	require.NoError(t, err)
	var cases []hostileCase
	for _, p := range paths {
		cases = append(cases, parseHostile(t, p))
	}
	// Every malformed history fixture of the checker is a hostile input too.
	fixtures, err := filepath.Glob("../../checker/testdata/malformed/*.json")
	require.NoError(t, err)
	for _, p := range fixtures {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		base := filepath.Base(p)
		cases = append(cases, hostileCase{name: "checker-" + strings.TrimSuffix(base, ".json"), args: []string{"check", "$DIR/" + base}, exit: 2, stderr: base + ": ", files: map[string][]byte{base: data}})
	}
	cases = append(cases, generatedCases()...)
	require.GreaterOrEqual(t, len(cases), 150, "the corpus must hold at least 150 cases")

	defer debug.SetMemoryLimit(debug.SetMemoryLimit(hostileMemoryCap / 2))
	start := time.Now()
	slowest, slowestCase := time.Duration(0), ""
	for _, c := range cases {
		d := runHostile(t, c)
		if d > slowest {
			slowest, slowestCase = d, c.name
		}
	}
	t.Logf("%d cases in %s; slowest %s (%s)", len(cases), time.Since(start).Round(time.Millisecond), slowestCase, slowest.Round(time.Millisecond))
}

// runHostile runs one case and returns how long it took.
func runHostile(t *testing.T, c hostileCase) time.Duration {
	dir := t.TempDir()
	for name, data := range c.files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		if strings.HasSuffix(name, "/") {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, name), 0o755))
			continue
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	args := make([]string, len(c.args))
	for i, a := range c.args {
		args[i] = strings.ReplaceAll(a, "$DIR", dir)
	}

	// A watchdog: a case that runs past its time or its memory is
	// cancelled, which stops any command within a batch of events.
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	runtime.GC()
	base, cpu0 := heapBytes(), cpuSeconds()
	var peak atomic.Uint64
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		deadline := time.After(hostileWall)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-deadline:
				cancel(fmt.Errorf("hang: still running after %s", hostileWall))
				return
			case <-tick.C:
				if cpu := cpuSeconds() - cpu0; cpu > hostileCPU {
					cancel(fmt.Errorf("runaway: %.0fs of CPU", cpu))
					return
				}
				h := heapBytes()
				if h > peak.Load() {
					peak.Store(h)
				}
				if h > base+hostileMemoryCap {
					cancel(fmt.Errorf("runaway memory: %d MiB live", (h-base)>>20))
					return
				}
			}
		}
	}()
	var out, errOut bytes.Buffer
	began := time.Now()
	code := func() (code int) {
		defer func() {
			if p := recover(); p != nil {
				t.Errorf("%s: panic: %v", c.name, p)
				code = -1
			}
		}()
		return RunIO(ctx, args, bytes.NewReader(c.stdin), &out, &errOut)
	}()
	took := time.Since(began)
	if took > time.Second {
		t.Logf("%s: %s on the clock, %.1fs of CPU", c.name, took.Round(time.Millisecond), cpuSeconds()-cpu0)
	}
	close(stop)
	<-watched
	if cause := context.Cause(ctx); cause != nil {
		t.Errorf("%s: %v", c.name, cause)
		return took
	}

	msg := strings.TrimSuffix(errOut.String(), "\n")
	where := fmt.Sprintf("%s (%s): stdout %q stderr %q", c.name, strings.Join(c.args, " "), truncateOut(out.String()), truncateOut(msg))
	assert.Equal(t, c.exit, code, where)
	if c.exit == 2 {
		line := strings.TrimPrefix(msg, "dsim: ")
		if *hostileUpdate && c.fromDir != "" {
			rewriteStderr(t, c, strings.ReplaceAll(line, dir+"/", ""))
		}
		assert.True(t, strings.HasPrefix(msg, "dsim: "), "%s: the message starts with dsim:", where)
		assert.NotContains(t, msg, "\n", "%s: one line", where)
		assert.Contains(t, strings.ReplaceAll(msg, dir+"/", ""), c.stderr, where)
		prefixes := filePrefix.FindAllString(msg, -1)
		assert.Equal(t, len(prefixes), len(slices.Compact(slices.Clone(prefixes))), "%s: a prefix is doubled", where)
		assert.Less(t, len(msg), 2000, "%s: a message, not a dump", where)
	}
	for _, leak := range leaks {
		assert.NotContains(t, msg, leak, "%s: Go's internals in the message", where)
	}
	for name, data := range c.files {
		if strings.HasSuffix(name, "/") {
			continue
		}
		now, err := os.ReadFile(filepath.Join(dir, name))
		if assert.NoError(t, err, "%s: input %s is gone", where, name) {
			assert.True(t, bytes.Equal(data, now), "%s: input %s was changed", where, name)
		}
	}
	for _, name := range c.absent {
		_, err := os.Stat(filepath.Join(dir, name))
		assert.True(t, os.IsNotExist(err), "%s: %s exists but must not", where, name)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		assert.False(t, strings.HasSuffix(e.Name(), ".tmp"), "%s: temporary file %s left behind", where, e.Name())
	}
	if p := peak.Load(); p > base {
		assert.Less(t, p-base, uint64(hostileMemoryCap), where)
	}
	return took
}

func truncateOut(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// rewriteStderr records what dsim printed as the case's expectation, cut
// before any list in parentheses (lists grow as protocols are added).
func rewriteStderr(t *testing.T, c hostileCase, line string) {
	if i := strings.Index(line, " ("); i > 0 {
		line = line[:i]
	}
	var b strings.Builder
	wrote := false
	for _, h := range c.header {
		if strings.HasPrefix(h, "stderr:") {
			h, wrote = "stderr: "+line, true
		}
		if !wrote && strings.HasPrefix(h, "-- ") {
			break
		}
		b.WriteString(h + "\n")
	}
	text := strings.TrimSuffix(b.String(), "\n")
	if !wrote {
		text += "\nstderr: " + line
	}
	text = strings.TrimRight(text, "\n") + "\n"
	for _, name := range c.order {
		data := c.stdin
		if name != "stdin" {
			data = c.files[name]
		}
		text += "-- " + name + " --\n" + string(data)
	}
	require.NoError(t, os.WriteFile(c.fromDir, []byte(text), 0o644))
}

// The corpus's file names say what each case is; keep them unique and
// tidy so that a failure names its case plainly.
func TestHostileCorpusNames(t *testing.T) {
	paths, err := filepath.Glob("testdata/hostile/*.txt")
	require.NoError(t, err)
	var names []string
	for _, p := range paths {
		n := filepath.Base(p)
		assert.Regexp(t, `^[a-z0-9][a-z0-9-]*\.txt$`, n)
		names = append(names, n)
	}
	assert.True(t, slices.IsSorted(names))
}
