package screen

import (
	"io"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// A row that changes usually changes in its middle: a chat line scrolled
// into a row keeps the row's time stamp when the minute is the same, and
// the side panel at its right end stays put. Sending only the changed
// stretch costs a few bytes of cursor movement and saves the rest of the
// row. A stretch may begin or end only where both rows are at the same
// column, outside any escape sequence, with no colour or style in effect,
// and before a plain ASCII character, which always begins a character of
// its own (a combining mark or a joiner never is ASCII), and never after a
// character whose width terminals disagree on; so the terminal draws the
// stretch exactly as it would draw the whole row.

// minSaving is how many bytes a skipped stretch must save to be worth a
// cursor movement.
const minSaving = 8

// boundary is a place in a row where a stretch may begin or end.
type boundary struct {
	at  int // byte offset
	col int // column
	// afterMark: the character before it has no width of its own (a lone
	// combining mark, a zero-width joiner shown bare); a terminal adds
	// such a one to the cell before, so a stretch may not end here.
	afterMark bool
}

// boundaries lists the places in row (with a sentinel at its end) where
// the terminal's state is plain and an ASCII character begins, with their
// columns; it also returns the row's width.
func boundaries(row string, into []boundary) ([]boundary, int) {
	into = into[:0]
	var state byte
	plain, col, mark, sure := true, 0, false, true
	for i := 0; i < len(row); {
		if sure && plain && row[i] < 0x80 && row[i] != ansi.ESC {
			into = append(into, boundary{at: i, col: col, afterMark: mark})
		}
		seq, width, n, newState := ansi.DecodeSequence(row[i:], state, nil)
		if n <= 0 {
			n = 1
		}
		switch {
		case width > 0:
			col += width
			mark = false
			if utf8.RuneCountInString(seq) > 1 {
				// Terminals disagree on the width of a character made of
				// several (an emoji sequence, a flag, a skin tone): past
				// it, nobody knows the column for sure.
				sure = false
			}
		case isSGR(seq):
			plain = resets(seq)
		case seq != "" && seq[0] != ansi.ESC:
			mark = true
		}
		state = newState
		i += n
	}
	into = append(into, boundary{at: len(row), col: col})
	return into, col
}

func isSGR(seq string) bool {
	return len(seq) >= 3 && seq[0] == ansi.ESC && seq[1] == '[' && seq[len(seq)-1] == 'm'
}

// resets reports whether an SGR sequence leaves no style in effect.
func resets(seq string) bool {
	return strings.Trim(seq[2:len(seq)-1], "0;") == ""
}

// rowChange is the stretch of a new row to send: the bytes new[from:to],
// drawn from column col; clear says the rest of the row must be erased
// after it (the stretch runs to the row's end).
type rowChange struct {
	from, to int
	col      int
	clear    bool
}

// diffRow finds what of row new must be sent over row old, whose
// boundaries ob and nb are (as boundaries returns them).
func diffRow(old, new string, ob, nb []boundary) rowChange {
	ch := rowChange{to: len(new), clear: true}
	// The common start: the last boundary shared by both rows within the
	// bytes they have in common. Their states agree there, because the
	// bytes before it are the same.
	common := 0
	for common < len(old) && common < len(new) && old[common] == new[common] {
		common++
	}
	for _, b := range nb {
		if b.at > common || b.at == len(new) {
			break
		}
		if b.at == common && common < len(old) && (old[common] >= 0x80 || old[common] == ansi.ESC) {
			break // the old row's character there may not end where the new one's does
		}
		ch.from, ch.col = b.at, b.col
	}
	if ch.from < minSaving {
		ch.from, ch.col = 0, 0
	}
	// The common end: a boundary at the same column in both rows after
	// which their bytes are the same, and which the new stretch does not
	// overlap.
	i, j := len(ob)-1, len(nb)-1 // the sentinels: both rows' ends
	if ob[i].col != nb[j].col {
		return ch // different widths: the end must be erased or drawn
	}
	end := -1
	for i > 0 && j > 0 {
		o, n := ob[i-1], nb[j-1]
		switch {
		case o.col > n.col:
			i--
			continue
		case n.col > o.col:
			j--
			continue
		}
		if n.at < ch.from || n.afterMark || len(old)-o.at != len(new)-n.at || old[o.at:] != new[n.at:] {
			break
		}
		end = n.at
		i, j = i-1, j-1
	}
	if end >= 0 && len(new)-end >= minSaving {
		ch.to, ch.clear = end, false
	}
	return ch
}

// minBlanks is the shortest run of blanks worth sending as a cursor
// movement: the view pads rows with spaces up to the side panel.
const minBlanks = 8

// writeCompact writes text (a stretch of a row, starting in plain state)
// to w with each long run of plain spaces replaced by erasing that many
// characters and moving past them, written to ctl. A run at the end is
// dropped when the row is erased after it anyway, and only erased
// otherwise. It reports whether the text ends in plain state, and whether
// the cursor is left short of the text's end.
func writeCompact(w, ctl io.StringWriter, text string, erased bool) (plainEnd, short bool) {
	var state byte
	plain, start := true, 0
	for i := 0; i < len(text); {
		if plain && text[i] == ' ' {
			j := i
			for j < len(text) && text[j] == ' ' {
				j++
			}
			if n := j - i; n >= minBlanks {
				_, _ = w.WriteString(text[start:i])
				start = j
				if j == len(text) {
					if !erased {
						_, _ = ctl.WriteString(ansi.EraseCharacter(n))
					}
					return true, true
				}
				_, _ = ctl.WriteString(ansi.EraseCharacter(n) + ansi.CursorForward(n))
			}
			i = j
			continue
		}
		seq, _, n, newState := ansi.DecodeSequence(text[i:], state, nil)
		if isSGR(seq) {
			plain = resets(seq)
		}
		state = newState
		i += max(n, 1)
	}
	_, _ = w.WriteString(text[start:])
	return plain, false
}
