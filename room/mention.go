package room

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mentions reports whether text names nick the way people address someone
// in chat: "@alice" anywhere, or "alice:" / "alice," at the start. Case does
// not matter; "@alice" inside "@alicebob" or "x@alice.org" does not count.
func Mentions(text, nick string) bool {
	if nick == "" {
		return false
	}
	lower, n := strings.ToLower(text), strings.ToLower(nick)
	if rest, ok := strings.CutPrefix(lower, n); ok && (strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, ",")) {
		return true
	}
	for i := 0; ; {
		j := strings.Index(lower[i:], "@"+n)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + 1 + len(n)
		if !wordRune(lower[:at], true) && !wordRune(lower[end:], false) {
			return true
		}
		i = at + 1
	}
}

// wordRune reports whether the rune at the end (before) or start of s could
// continue a nick or address.
func wordRune(s string, before bool) bool {
	var r rune
	if before {
		r, _ = utf8.DecodeLastRuneInString(s)
	} else {
		r, _ = utf8.DecodeRuneInString(s)
		if r == '.' || r == '-' { // "@alice." ends a sentence unless a word follows
			r2, _ := utf8.DecodeRuneInString(s[1:])
			return unicode.IsLetter(r2) || unicode.IsDigit(r2)
		}
	}
	if r == utf8.RuneError {
		return false
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.'
}
