// Package sanitize turns untrusted text into text that is safe to put on
// another person's terminal.
//
// Everything a member types, and every ssh user name, passes through here
// before it reaches the room log, so the log never holds a byte that a
// terminal would interpret: escape sequences and control characters become
// visible caret notation (ESC shows as ^[), invalid UTF-8 becomes U+FFFD.
package sanitize

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text makes s inert for display: it keeps printable characters, newlines
// and the zero-width joiners emoji need, turns tabs into spaces, and shows
// every other control or bidi-override character visibly. It never removes a
// character silently, so what someone sent stays recognisable.
func Text(s string) string {
	if isPlain(s) {
		return s
	}
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteByte('\n')
		case r == '\r', r == '\u2028', r == '\u2029':
			b.WriteByte('\n')
		case r == '\t':
			b.WriteString("    ")
		case r < 0x20:
			// Caret notation, as cat -v and most terminals show it: ESC is ^[.
			b.WriteByte('^')
			b.WriteByte(byte(r) + '@')
		case r == 0x7f:
			b.WriteString("^?")
		case r >= 0x80 && r < 0xa0, isBidiControl(r):
			// C1 controls (0x9b is a one-byte CSI) and bidi overrides have no
			// caret form; show the code point.
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isPlain reports whether s is printable ASCII (plus newline), the common
// case, which needs no copy.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n') || c >= 0x7f {
			return false
		}
	}
	return true
}

// isBidiControl reports the explicit directional formatting characters that
// can make a line display in a different order than it was written.
func isBidiControl(r rune) bool {
	switch {
	case r >= '\u202a' && r <= '\u202e': // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= '\u2066' && r <= '\u2069': // LRI, RLI, FSI, PDI
		return true
	}
	return false
}

// MaxNickLen is the longest nick, in characters.
const MaxNickLen = 24

// Nick keeps the characters a nick may hold (letters, digits, '-', '_' and
// '.'), drops the rest and cuts the result to MaxNickLen characters. The
// result may be empty; the caller decides what to use instead.
func Nick(s string) string {
	s = strings.ToValidUTF8(s, "")
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == MaxNickLen {
			break
		}
		if !NickRune(r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// NickRune reports whether r may appear in a nick.
func NickRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.'
}

// ValidNick reports whether s is already a clean nick of 1 to MaxNickLen
// characters.
func ValidNick(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && n <= MaxNickLen && Nick(s) == s
}
