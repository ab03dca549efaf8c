package chat

import (
	"fmt"
	"net"
	"strings"

	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/sanitize"
)

// indexNickLocked makes m findable by its nick. The caller holds h.mu.
func (h *Hub) indexNickLocked(m *Member) {
	for _, k := range nickname.Keys(m.nick) {
		h.nicks[k] = m
	}
}

// unindexNickLocked forgets m's nick.
func (h *Hub) unindexNickLocked(m *Member) {
	for _, k := range nickname.Keys(m.nick) {
		if h.nicks[k] == m {
			delete(h.nicks, k)
		}
	}
}

// byNickLocked finds an online member by nick, compared as nicks are.
func (h *Hub) byNickLocked(nick string) *Member {
	for _, k := range nickname.Keys(strings.TrimLeft(nick, "@~")) {
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
	for _, k := range nickname.Keys(nick) {
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
		if err := h.opts.Store.ClaimNicks(ctxBG, nickname.Keys(nick), nick, key, at); err != nil {
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
	if nickname.Reserved(nick) {
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

// freeNickLocked turns the nick someone asked for at join into one that is
// clean and free for their key, and says why it differs, if it does. owner
// owns askedNick(asked), read before the join took the lock; the owners of
// variants, tried only when that one is taken, are read under it.
func (h *Hub) freeNickLocked(asked, key, owner string) (nick, why string, err error) {
	clean := sanitize.Nick(asked)
	base := nickname.Asked(asked)
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
