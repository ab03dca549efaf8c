package sshd

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
	// trail says the last paste ended with a newline that was left out,
	// owed to the text if the paste goes on.
	trail bool
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
	lines, text := 0, false // lines of text begun, and whether one is going on
	for _, ev := range events {
		k, ok := ev.(uv.KeyPressEvent)
		switch {
		case !ok:
			return "", false
		case isNewline(k):
			text = false
		case k.Code == uv.KeyTab && k.Mod == 0:
		case k.Text != "" && k.Mod&^uv.ModShift == 0:
			if !text {
				lines++
				text = true
			}
		default:
			return "", false
		}
	}
	if !going && lines < minPastedLines {
		return "", false
	}
	var sb strings.Builder
	if going && b.trail {
		sb.WriteByte('\n')
	}
	cr := false // the last key was CR, so an LF after it ends the same line
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
	// The newline that ends the last line is left out: the text waits in
	// the input for Enter, and a blank line under it would be noise.
	paste := sb.String()
	trimmed := strings.TrimRight(paste, "\n")
	b.pasting, b.trail = true, len(trimmed) < len(paste)
	return trimmed, true
}

// isNewline reports whether k ends a line in a burst: Enter (CR), or LF,
// which decodes as Ctrl+J; a terminal that sends CR LF sends both.
func isNewline(k uv.KeyPressEvent) bool {
	return (k.Code == uv.KeyEnter && k.Mod == 0) || (k.Code == 'j' && k.Mod == uv.ModCtrl)
}
