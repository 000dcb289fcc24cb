package tui

import (
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
