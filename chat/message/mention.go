package message

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Mentions reports whether text names nick as a word, as IRC clients
// highlight: "@alice", "alice:", "hi alice!" and "what does Alice think?"
// all do, case aside; "malice", "@alicebob", "alice-b" and "x@alice.org"
// do not.
func Mentions(text, nick string) bool {
	if nick == "" {
		return false
	}
	lower, n := strings.ToLower(text), strings.ToLower(nick)
	for i := 0; ; {
		j := strings.Index(lower[i:], n)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(n)
		before := lower[:at]
		if strings.HasSuffix(before, "@") {
			// "@alice" counts wherever it stands as a word of its own,
			// not inside an address such as x@alice.org.
			before = before[:len(before)-1]
		}
		if !wordRune(before, true) && !wordRune(lower[end:], false) {
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
