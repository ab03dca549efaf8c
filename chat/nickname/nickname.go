// Package nickname says what a nick may be and when two nicks are the same
// to a person: folding, look-alike characters, reserved names. Room names
// are compared the same way.
package nickname

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"github.com/chatroom/chatroom/sanitize"
)

// Keys are the forms nicks are compared in: two nicks that share a key
// look the same to a person. Case and width are folded (the PRECIS Nickname
// profile, RFC 8266) and look-alike characters mapped to one skeleton
// (Unicode TS #39). Folding first misses capitals that only look like Latin
// ones (Cyrillic Т becomes т, which looks like nothing); the skeleton of the
// nick as typed misses plain case; and "alice" looks like "ALlCE" only by way
// of "ALICE", whose I looks like l. So a nick has up to three keys, and
// "alice", "ALICE", "ａｌｉｃｅ", "аlice", "aIice" and "ALlCE" all share one.
// Characters that show nothing are left out first, as a screen leaves them
// out: "bob" with a Hangul filler or a zero-width space is "bob". (Names
// holding them are refused; this keeps lookups, such as /msg, and names
// stored before they were refused, in line with what people see.) Room
// names are compared the same way.
func Keys(nick string) []string {
	nick = strings.Map(func(r rune) rune {
		if sanitize.Invisible(r) {
			return -1
		}
		return r
	}, nick)
	folded, err := precis.Nickname.CompareKey(nick)
	if err != nil {
		folded = strings.ToLower(nick)
	}
	typed := norm.NFKC.String(nick)
	keys := []string{
		strings.ToLower(confusables.Skeleton(folded)),
		strings.ToLower(confusables.Skeleton(typed)),
		strings.ToLower(confusables.Skeleton(strings.ToUpper(typed))),
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Same reports whether two nicks look the same to a person.
func Same(a, b string) bool {
	for _, ka := range Keys(a) {
		for _, kb := range Keys(b) {
			if ka == kb {
				return true
			}
		}
	}
	return false
}

// Reserved reports nicks that would read as something other than a
// person ("<you>" marks your own lines) or as someone in charge.
func Reserved(nick string) bool {
	for _, r := range []string{"you", "server", "system", "chatroom", "admin", "administrator", "root",
		"operator", "op", "ops", "moderator", "mod", "staff", "support"} {
		if Same(nick, r) {
			return true
		}
	}
	return false
}

// InvisibleProblem explains, naming the first, why name holds a character
// that would not show as itself: one that draws nothing or has no width
// (see sanitize.Invisible), whatever its Unicode category, or a space other
// than the plain one. what is "nicks" or "room names". It returns "" if
// there is none.
func InvisibleProblem(name, what string) string {
	for _, r := range name {
		var kind string
		switch {
		case unicode.IsControl(r):
			continue // shown as ^[ and the like, so not hidden: just not valid
		case unicode.Is(unicode.Bidi_Control, r):
			kind = "an invisible direction-changing character"
		case sanitize.Ignorable(r):
			kind = "an invisible character"
		case sanitize.Invisible(r):
			kind = "a zero-width character"
		case unicode.Is(unicode.Zs, r) && r != ' ':
			kind = "a space character"
		default:
			continue
		}
		return fmt.Sprintf("%s holds %s (U+%04X), which %s may not", sanitize.Quote(name), kind, r, what)
	}
	return ""
}

// Problem explains why nick cannot be used as typed, or returns "".
func Problem(nick string) string {
	if problem := InvisibleProblem(nick, "nicks"); problem != "" {
		return problem
	}
	if !sanitize.ValidNick(nick) {
		return fmt.Sprintf("%s is not a valid nick: use 1-%d letters, digits, '-', '_' or '.'", sanitize.Quote(nick), sanitize.MaxNickLen)
	}
	return ""
}

// Asked is the nick a join tries first for the user name asked.
func Asked(asked string) string {
	if clean := sanitize.Nick(asked); clean != "" {
		return clean
	}
	return "guest"
}
