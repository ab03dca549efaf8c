package room

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/secure/precis"

	"github.com/chatroom/chatroom/room/sanitize"
)

// nickKey is the form nicks are compared in: two nicks with the same key
// look the same to a person. It folds case and width (the PRECIS Nickname
// profile, RFC 8266) and maps look-alike characters to one skeleton
// (Unicode TS #39), so "alice", "ALICE", "ａｌｉｃｅ" and "аlice" (with a
// Cyrillic а) are all one nick.
func nickKey(nick string) string {
	k, err := precis.Nickname.CompareKey(nick)
	if err != nil {
		k = strings.ToLower(nick)
	}
	// The skeleton maps some lower-case letters to capitals (0 to O);
	// fold again so case never matters.
	return strings.ToLower(confusables.Skeleton(k))
}

// reservedNick reports nicks that would read as something other than a
// person in the view: "<you>" marks your own lines.
func reservedNick(key string) bool {
	for _, r := range []string{"you", "server", "system"} {
		if key == nickKey(r) {
			return true
		}
	}
	return false
}

// nickProblem explains why nick cannot be used as typed, or returns "".
func nickProblem(nick string) string {
	if strings.ContainsFunc(nick, func(r rune) bool {
		return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Zs, r) && r != ' '
	}) {
		return fmt.Sprintf("%q holds invisible or direction-changing characters, which nicks may not", nick)
	}
	if !sanitize.ValidNick(nick) {
		return fmt.Sprintf("%q is not a valid nick: use 1-%d letters, digits, '-', '_' or '.'", nick, sanitize.MaxNickLen)
	}
	return ""
}

// nickUse says whether a member with key may use a nick: "" if it may, else
// why not. self is the member asking, nil at join. The caller holds r.mu.
func (r *Room) nickUseLocked(nick, key string, self *Member) (string, error) {
	k := nickKey(nick)
	if reservedNick(k) {
		return fmt.Sprintf("the nick %s is reserved", nick), nil
	}
	if other, ok := r.nicks[k]; ok && other != self {
		if strings.EqualFold(other.nick, nick) {
			return fmt.Sprintf("the nick %s is taken", nick), nil
		}
		return fmt.Sprintf("the nick %s looks too much like %s, who is online", nick, other.nick), nil
	}
	owner, err := r.hub.opts.Store.NickOwner(ctxBG, k)
	if err != nil {
		return "", err
	}
	if owner != "" && owner != key {
		return fmt.Sprintf("the nick %s is registered to another key", nick), nil
	}
	return "", nil
}

// freeNickLocked turns the nick someone asked for at join into one that is
// clean and free for their key, and says why it differs, if it does.
func (r *Room) freeNickLocked(asked, key string) (nick, why string, err error) {
	clean := sanitize.Nick(asked)
	base := clean
	if base == "" {
		base = "guest"
	}
	nick = base
	firstRefusal := ""
	for n := 2; ; n++ {
		refusal, err := r.nickUseLocked(nick, key, nil)
		if err != nil {
			return "", "", err
		}
		if refusal == "" {
			break
		}
		if firstRefusal == "" {
			firstRefusal = refusal
		}
		suffix := fmt.Sprintf("-%d", n)
		nick = truncateRunes(base, sanitize.MaxNickLen-len(suffix)) + suffix
	}
	switch {
	case clean == "":
		why = fmt.Sprintf("Your ssh user name %q cannot be a nick (use letters, digits, - _ .), so you are %s.", asked, nick)
	case clean != asked && nick != clean:
		why = fmt.Sprintf("Your ssh user name %q was cleaned to %s (nicks are 1-%d letters, digits, - _ .), but %s, so you are %s.",
			asked, clean, sanitize.MaxNickLen, firstRefusal, nick)
	case clean != asked:
		why = fmt.Sprintf("Your ssh user name %q was cleaned to %s (nicks are 1-%d letters, digits, - _ .).", asked, nick, sanitize.MaxNickLen)
	case nick != clean:
		why = fmt.Sprintf("%s, so you are %s.", capitalise(firstRefusal), nick)
	}
	if why != "" {
		why += " Change it with /nick NEW."
	}
	return nick, why, nil
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
