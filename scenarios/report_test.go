package scenarios

import (
	"context"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The report of raft/leader-crash is one well-formed, self-contained page
// whose space-time diagram joins every delivered message's send and
// receive, and marks every drop.
func TestReportJoinsEveryMessage(t *testing.T) {
	s, err := Builtin("raft/leader-crash")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "r.html")
	res, err := RunScenario(s, RunOptions{Seed: s.Seed, Report: path})
	require.NoError(t, err)
	require.True(t, res.Pass, "%v", res.Violations)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()

	// Parsed strictly as XML: every tag closed, every attribute quoted.
	dec := xml.NewDecoder(f)
	dec.Strict = true
	var delivered, dropped, open, unjoined int
	sections := map[string]bool{}
	var inSVG bool
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		el, ok := tok.(xml.StartElement)
		if !ok {
			if end, ok := tok.(xml.EndElement); ok && end.Name.Local == "svg" {
				inSVG = false
			}
			continue
		}
		attr := map[string]string{}
		for _, a := range el.Attr {
			attr[a.Name.Local] = a.Value
		}
		switch el.Name.Local {
		case "section":
			sections[attr["id"]] = true
		case "script", "link", "img":
			assert.Empty(t, attr["src"]+attr["href"], "nothing loads from elsewhere")
		case "svg":
			inSVG = attr["id"] == "st"
		case "line":
			if !inSVG || !strings.HasPrefix(attr["class"], "m ") {
				continue
			}
			switch {
			case strings.Contains(attr["class"], " dr"):
				dropped++
			case attr["data-r"] == "":
				open++
				continue
			default:
				delivered++
			}
			if attr["data-s"] == "" {
				unjoined++
			}
		}
	}
	for _, id := range []string{"violations", "metrics", "faults", "roles", "spacetime", "history", "events"} {
		assert.True(t, sections[id], "section %s", id)
	}
	assert.Equal(t, int(res.Messages.Delivered), delivered, "one line per delivered message")
	assert.Equal(t, int(res.Messages.Dropped), dropped, "one line per dropped message")
	assert.Zero(t, unjoined, "every received or dropped message is joined to the event that sent it")
	assert.Equal(t, int(res.Messages.Sent), delivered+dropped+open, "and the rest were still on the wire")
}

// Where a headless browser is installed, the report renders: chromium
// takes a screenshot of it without any network.
func TestReportRendersInABrowser(t *testing.T) {
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("no chromium on this machine (apt-get install chromium)")
	}
	s, err := Builtin("raft/election")
	require.NoError(t, err)
	dir := t.TempDir()
	path := filepath.Join(dir, "r.html")
	_, err = RunScenario(s, RunOptions{Seed: s.Seed, Report: path})
	require.NoError(t, err)
	png := filepath.Join(dir, "r.png")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1600",
		"--screenshot="+png, "file://"+path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	st, err := os.Stat(png)
	require.NoError(t, err)
	assert.Greater(t, st.Size(), int64(20_000), "a page with drawings, not a blank one")
}
