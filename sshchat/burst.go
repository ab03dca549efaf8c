package sshchat

import (
	"strings"

	uv "github.com/charmbracelet/ultraviolet"
)

// minPastedLines is how many lines one burst of keys must hold to be taken
// for a paste. Two lines in one burst can be two typed lines that the
// network or a busy server delivered together; three cannot, short of a
// stall of two typing gaps.
const minPastedLines = 3

// pasteBurst tells a paste from typing on a terminal without bracketed
// paste, as irssi's paste detection does: such a terminal sends a pasted
// text as keys, its newlines as Enter, all in one burst, where a person's
// Enter comes alone. Taken as keys, each Enter would send a line, and a
// pasted block would arrive as a row of separate messages, paced out one
// by one. Taken for a paste, it goes into the input as one multi-line
// message, as a bracketed paste does, for its author to send with Enter.
type pasteBurst struct {
	// pasting says the last burst was a paste, so that what comes on
	// without a pause is its rest, whatever it holds.
	pasting bool
	// cr says the last key taken into a paste was CR, so that an LF
	// right after it, even in the next read, ends the same line.
	cr bool
}

// undecided reports whether events are two lines of text in one burst
// that does not go on from a paste: not enough to call a paste, but what
// the first read of one may hold (a session reads 1 KiB at a time). The
// pump waits a moment for more before it decides.
func (b *pasteBurst) undecided(events []uv.Event, cont bool) bool {
	if b.pasting && cont {
		return false
	}
	lines, ok := textLines(events)
	return ok && lines == minPastedLines-1
}

// textLines counts the lines of text events begin, and reports whether
// they hold only text, Enter and Tab, as a terminal sends a paste.
func textLines(events []uv.Event) (lines int, ok bool) {
	text := false // a line of text is going on
	for _, ev := range events {
		k, isKey := ev.(uv.KeyPressEvent)
		switch {
		case !isKey:
			return 0, false
		case isNewline(k):
			text = false
		case k.Code == uv.KeyTab && k.Mod == 0:
		case k.Text != "" && k.Mod&^uv.ModShift == 0:
			if !text {
				lines++
				text = true
			}
		default:
			return 0, false
		}
	}
	return lines, true
}

// take reports the text of events as a paste if they are one: only text,
// Enter and Tab, with at least minPastedLines lines, or the rest of a paste
// when cont says they came without a pause after it.
func (b *pasteBurst) take(events []uv.Event, cont bool) (string, bool) {
	going := b.pasting && cont
	b.pasting = false
	if len(events) == 0 {
		b.pasting = going
		return "", false
	}
	lines, ok := textLines(events)
	if !ok {
		return "", false
	}
	if !going && lines < minPastedLines {
		return "", false
	}
	var sb strings.Builder
	cr := going && b.cr
	for _, ev := range events {
		k := ev.(uv.KeyPressEvent)
		switch {
		case isNewline(k):
			if lf := k.Code != uv.KeyEnter; !(lf && cr) {
				sb.WriteByte('\n')
			}
		case k.Code == uv.KeyTab:
			sb.WriteByte('\t')
		default:
			sb.WriteString(k.Text)
		}
		cr = k.Code == uv.KeyEnter
	}
	// A newline that ends the paste stays: what is typed next starts a
	// line of its own rather than gluing onto the last pasted one.
	b.pasting, b.cr = true, cr
	return sb.String(), true
}

// isNewline reports whether k ends a line in a burst: Enter (CR), or LF,
// which decodes as Ctrl+J; a terminal that sends CR LF sends both.
func isNewline(k uv.KeyPressEvent) bool {
	return (k.Code == uv.KeyEnter && k.Mod == 0) || (k.Code == 'j' && k.Mod == uv.ModCtrl)
}
