package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// Helpers that make a panel exactly the size it was given. lipgloss's
// Width wraps text that is too long; panels here truncate instead, so one
// long trace line never pushes the rest of the screen down.

// fitLine truncates or pads s (which may hold ANSI styles) to width w.
func fitLine(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// block renders lines as exactly h lines of width w: extra lines are cut,
// missing ones are blank.
func block(lines []string, w, h int) string {
	if h <= 0 {
		return ""
	}
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fitLine(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", max(w, 0))
		}
	}
	return strings.Join(out, "\n")
}

// rule is a section title drawn as a horizontal rule: "── title ───────".
// extra is shown after the title, in the same quiet style.
func rule(st lipgloss.Style, title string, w int) string {
	head := "── " + title + " "
	if ansi.StringWidth(head) >= w {
		return st.Render(fitLine(head, w))
	}
	return st.Render(head + strings.Repeat("─", w-ansi.StringWidth(head)))
}

// wrap breaks plain text into lines of at most w cells, on spaces where it
// can; a word longer than w is cut.
func wrap(text string, w int) []string {
	if w <= 0 {
		return nil
	}
	var lines []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Fields(para) {
			for ansi.StringWidth(word) > w {
				if line != "" {
					lines = append(lines, line)
					line = ""
				}
				lines = append(lines, ansi.Truncate(word, w, ""))
				word = ansi.TruncateLeft(word, w, "")
			}
			switch {
			case line == "":
				line = word
			case ansi.StringWidth(line)+1+ansi.StringWidth(word) <= w:
				line += " " + word
			default:
				lines = append(lines, line)
				line = word
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// padRight pads plain text to w cells (never truncates).
func padRight(s string, w int) string {
	if pad := w - ansi.StringWidth(s); pad > 0 {
		return s + strings.Repeat(" ", pad)
	}
	return s
}

// padLeft right-aligns plain text in w cells (never truncates).
func padLeft(s string, w int) string {
	if pad := w - ansi.StringWidth(s); pad > 0 {
		return strings.Repeat(" ", pad) + s
	}
	return s
}

// wrapAtMost wraps text to lines of w cells, at most n of them. Text that
// still does not fit ends at a word with " …": never cut mid-word without
// saying so.
func wrapAtMost(text string, w, n int) []string {
	lines := wrap(text, w)
	if len(lines) <= n || n <= 0 {
		return lines
	}
	lines = lines[:n]
	last := lines[n-1]
	for ansi.StringWidth(last)+2 > w {
		i := strings.LastIndexByte(last, ' ')
		if i <= 0 {
			last = ansi.Truncate(last, max(w-2, 0), "")
			break
		}
		last = last[:i]
	}
	lines[n-1] = last + " …"
	return lines
}

// window picks the rows of a list of total items that fit in rows lines,
// with item sel visible (sel < 0: from the top). When some do not fit, the
// last line is left for a note saying how many are hidden and where: more
// is that note ("… 3 more below"), "" when every item fits.
func window(total, rows, sel int) (first, n int, more string) {
	if total <= rows {
		return 0, total, ""
	}
	return windowOf(total, rows-1, sel)
}

// windowOf shows n of total items, more than fit, with item sel visible,
// and says how many are hidden and where.
func windowOf(total, n, sel int) (first, shown int, more string) {
	n = max(n, 0)
	if n > 0 && sel >= n {
		first = min(sel, total-1) - n + 1
	}
	above, below := first, total-first-n
	switch {
	case n == 0:
		more = fmt.Sprintf("… %d not shown", total)
	case above == 0:
		more = fmt.Sprintf("… %d more below", below)
	case below == 0:
		more = fmt.Sprintf("… %d more above", above)
	default:
		more = fmt.Sprintf("… %d more: %d above, %d below", above+below, above, below)
	}
	return first, n, more
}
