package chat

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"

	"github.com/chatroom/chatroom/sanitize"
)

// nickKeys are the forms nicks are compared in: two nicks that share a key
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
func nickKeys(nick string) []string {
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

// sameNick reports whether two nicks look the same to a person.
func sameNick(a, b string) bool {
	for _, ka := range nickKeys(a) {
		for _, kb := range nickKeys(b) {
			if ka == kb {
				return true
			}
		}
	}
	return false
}

// reservedNick reports nicks that would read as something other than a
// person ("<you>" marks your own lines) or as someone in charge.
func reservedNick(nick string) bool {
	for _, r := range []string{"you", "server", "system", "chatroom", "admin", "administrator", "root",
		"operator", "op", "ops", "moderator", "mod", "staff", "support"} {
		if sameNick(nick, r) {
			return true
		}
	}
	return false
}

// invisibleProblem explains, naming the first, why name holds a character
// that would not show as itself: one that draws nothing or has no width
// (see sanitize.Invisible), whatever its Unicode category, or a space other
// than the plain one. what is "nicks" or "room names". It returns "" if
// there is none.
func invisibleProblem(name, what string) string {
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

// nickProblem explains why nick cannot be used as typed, or returns "".
func nickProblem(nick string) string {
	if problem := invisibleProblem(nick, "nicks"); problem != "" {
		return problem
	}
	if !sanitize.ValidNick(nick) {
		return fmt.Sprintf("%s is not a valid nick: use 1-%d letters, digits, '-', '_' or '.'", sanitize.Quote(nick), sanitize.MaxNickLen)
	}
	return ""
}

// indexNickLocked makes m findable by its nick. The caller holds h.mu.
func (h *Hub) indexNickLocked(m *Member) {
	for _, k := range nickKeys(m.nick) {
		h.nicks[k] = m
	}
}

// unindexNickLocked forgets m's nick.
func (h *Hub) unindexNickLocked(m *Member) {
	for _, k := range nickKeys(m.nick) {
		if h.nicks[k] == m {
			delete(h.nicks, k)
		}
	}
}

// byNickLocked finds an online member by nick, compared as nicks are.
func (h *Hub) byNickLocked(nick string) *Member {
	for _, k := range nickKeys(strings.TrimLeft(nick, "@~")) {
		if m, ok := h.nicks[k]; ok {
			return m
		}
	}
	return nil
}

// byAuthorLocked finds an online member by author id.
func (h *Hub) byAuthorLocked(author string) *Member {
	for m := range h.members {
		if m.author == author {
			return m
		}
	}
	return nil
}

// nickOwner returns the key that owns nick, or "".
func (h *Hub) nickOwner(nick string) (string, error) {
	for _, k := range nickKeys(nick) {
		owner, err := h.opts.Store.NickOwner(ctxBG, k)
		if err != nil || owner != "" {
			return owner, err
		}
	}
	return "", nil
}

// claimNickLocked registers nick to m's key under each of its keys, in
// one transaction, once h.mu is released: the nick is m's already, and the
// record need not hold up the hub. If it cannot be stored (the write watch
// has logged why), or another key registered the nick since its owner was
// read, m is told. The caller holds h.mu for writing.
func (h *Hub) claimNickLocked(m *Member, nick string) {
	key, at := m.key, h.now()
	h.afterLocked(func() {
		problem := ""
		if err := h.opts.Store.ClaimNicks(ctxBG, nickKeys(nick), nick, key, at); err != nil {
			problem = fmt.Sprintf("could not register %s to your key: %v", nick, err)
		} else if owner, err := h.nickOwner(nick); err == nil && owner != "" && owner != key {
			problem = fmt.Sprintf("could not register %s to your key: another key registered it first", nick)
		}
		if problem != "" {
			h.tell(m, nil, problem)
		}
	})
}

// nickUseLocked says whether a member with key may use a nick: "" if it
// may, else why not. self is the member asking, nil at join. owner is who
// owns the nick, read from the store before taking the lock. The caller
// holds h.mu.
func (h *Hub) nickUseLocked(nick, key string, self *Member, owner string) string {
	if reservedNick(nick) {
		return fmt.Sprintf("the nick %s is reserved", nick)
	}
	if net.ParseIP(nick) != nil {
		// Operators name addresses in /ban; a nick must not pass for one.
		return fmt.Sprintf("the nick %s looks like an IP address", nick)
	}
	if other := h.byNickLocked(nick); other != nil && other != self && (self == nil || other.person == nil || other.person != self.person) {
		if strings.EqualFold(other.nick, nick) {
			return fmt.Sprintf("the nick %s is taken", nick)
		}
		return fmt.Sprintf("the nick %s looks too much like %s, who is online", nick, other.nick)
	}
	if owner != "" && owner != key {
		return fmt.Sprintf("the nick %s is registered to another key", nick)
	}
	return ""
}

// maxNickTries bounds the search for a free variant of a nick.
const maxNickTries = 1000

// askedNick is the nick a join tries first for the user name asked.
func askedNick(asked string) string {
	if clean := sanitize.Nick(asked); clean != "" {
		return clean
	}
	return "guest"
}

// freeNickLocked turns the nick someone asked for at join into one that is
// clean and free for their key, and says why it differs, if it does. owner
// owns askedNick(asked), read before the join took the lock; the owners of
// variants, tried only when that one is taken, are read under it.
func (h *Hub) freeNickLocked(asked, key, owner string) (nick, why string, err error) {
	clean := sanitize.Nick(asked)
	base := askedNick(asked)
	nick = base
	firstRefusal := ""
	for n := 2; ; n++ {
		if n > 2 {
			if owner, err = h.nickOwner(nick); err != nil {
				return "", "", err
			}
		}
		refusal := h.nickUseLocked(nick, key, nil, owner)
		if refusal == "" {
			break
		}
		if n > maxNickTries {
			return "", "", fmt.Errorf("no free nick like %s", base)
		}
		if firstRefusal == "" {
			firstRefusal = refusal
		}
		suffix := fmt.Sprintf("-%d", n)
		nick = sanitize.TruncateRunes(base, sanitize.MaxNickLen-len(suffix)) + suffix
	}
	quoted := sanitize.Quote(asked)
	switch {
	case clean == "":
		why = fmt.Sprintf("Your ssh user name %s cannot be a nick (use letters, digits, - _ .), so you are %s.", quoted, nick)
	case clean != asked && nick != clean:
		why = fmt.Sprintf("Your ssh user name %s was cleaned to %s (nicks are 1-%d letters, digits, - _ .), but %s, so you are %s.",
			quoted, clean, sanitize.MaxNickLen, firstRefusal, nick)
	case clean != asked:
		why = fmt.Sprintf("Your ssh user name %s was cleaned to %s (nicks are 1-%d letters, digits, - _ .).", quoted, nick, sanitize.MaxNickLen)
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

func cmdNick(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /nick NEW (you are %s)", m.Nick())
	}
	return Stay, m.setNick(args)
}
