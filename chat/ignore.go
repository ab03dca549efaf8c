package chat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/store"
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
	told := func(note string) string {
		return fmt.Sprintf("You now ignore %s%s; /unignore %s undoes it.", who.nick, note, who.nick)
	}
	if m.key == "" || who.key == "" {
		m.noticeLocked(m.currentRoomLocked(), message.Notice, told(" for this session"))
		return Stay, nil
	}
	// Stored once the lock is released (afterLocked): ignoring is done
	// for this session whatever the store says; the member is told
	// which, once it is known.
	key, ig := m.key, store.Ignore{Author: who.author, Nick: who.nick}
	h.afterLocked(func() {
		note := ""
		if err := h.opts.Store.PutIgnore(ctxBG, key, ig); err != nil {
			note = fmt.Sprintf(" (for this session only: %v)", err)
		}
		h.note(m, told(note))
	})
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
		if author == "" && nickname.Same(nick, strings.TrimLeft(args, "@~")) {
			author = a
		}
	}
	if author == "" {
		return Stay, fmt.Errorf("you do not ignore %q", args)
	}
	nick := m.ignored[author]
	delete(m.ignored, author)
	if m.key == "" {
		m.noticeLocked(m.currentRoomLocked(), message.Notice, fmt.Sprintf("You no longer ignore %s.", nick))
		return Stay, nil
	}
	// As /ignore: done for this session even if it cannot be stored,
	// which is written once the lock is released.
	key := m.key
	h.afterLocked(func() {
		note := ""
		if err := h.opts.Store.DeleteIgnore(ctxBG, key, author); err != nil {
			note = fmt.Sprintf(" for this session only (it could not be stored: %v)", err)
		}
		h.note(m, fmt.Sprintf("You no longer ignore %s%s.", nick, note))
	})
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
	m.noticeLocked(m.currentRoomLocked(), message.Notice, text)
	return Stay, nil
}
