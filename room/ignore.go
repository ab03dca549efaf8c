package room

import (
	"fmt"
	"slices"
	"strings"
)

// Whom a member ignores: /ignore, /unignore and /ignored.

func cmdIgnore(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /ignore NICK")
	}
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	who := h.byNickLocked(args)
	if who == nil {
		return Stay, noSuchNick(args)
	}
	if who.author == m.author {
		return Stay, refuse(ErrSelf, "you cannot ignore yourself")
	}
	if _, ok := m.ignored[who.author]; ok {
		return Stay, fmt.Errorf("you already ignore %s", who.nick)
	}
	m.ignored[who.author] = who.nick
	note := ""
	if m.key != "" && who.key != "" {
		if err := h.opts.Store.PutIgnore(ctxBG, m.key, Ignore{Author: who.author, Nick: who.nick}); err != nil {
			note = fmt.Sprintf(" (for this session only: %v)", err)
		}
	} else {
		note = " for this session"
	}
	m.noticeLocked(m.currentRoomLocked(), Notice, fmt.Sprintf("You now ignore %s%s; /unignore %s undoes it.", who.nick, note, who.nick))
	return Stay, nil
}

func cmdUnignore(m *Member, args string) (Effect, error) {
	if args == "" {
		return Stay, usage("usage: /unignore NICK")
	}
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	author := ""
	if who := h.byNickLocked(args); who != nil {
		if _, ok := m.ignored[who.author]; ok {
			author = who.author
		}
	}
	for a, nick := range m.ignored {
		if author == "" && sameNick(nick, strings.TrimLeft(args, "@~")) {
			author = a
		}
	}
	if author == "" {
		return Stay, fmt.Errorf("you do not ignore %q", args)
	}
	nick := m.ignored[author]
	delete(m.ignored, author)
	note := ""
	if m.key != "" {
		// As /ignore: done for this session even if it cannot be stored.
		if err := h.opts.Store.DeleteIgnore(ctxBG, m.key, author); err != nil {
			note = fmt.Sprintf(" for this session only (it could not be stored: %v)", err)
		}
	}
	m.noticeLocked(m.currentRoomLocked(), Notice, fmt.Sprintf("You no longer ignore %s%s.", nick, note))
	return Stay, nil
}

func cmdIgnored(m *Member, _ string) (Effect, error) {
	h := m.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	var nicks []string
	for author, nick := range m.ignored {
		if o := h.byAuthorLocked(author); o != nil && o.nick != nick {
			nick += " (now " + o.nick + ")"
		}
		nicks = append(nicks, nick)
	}
	slices.Sort(nicks)
	text := "You ignore nobody."
	if len(nicks) > 0 {
		text = "You ignore: " + strings.Join(nicks, ", ")
	}
	m.noticeLocked(m.currentRoomLocked(), Notice, text)
	return Stay, nil
}
