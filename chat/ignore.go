package chat

import (
	"fmt"
	"slices"
	"strings"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/store"
)

// Whom a member ignores (/ignore, /unignore and /ignored).

// Ignore hides the messages of the person online as nick from the
// member's view, for good if both have keys. The member is told once it is
// stored.
func (m *Member) Ignore(nick string) error {
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	who := h.byNickLocked(nick)
	if who == nil {
		return noSuchNick(nick)
	}
	if who.author == m.author {
		return refuse(ErrSelf, "you cannot ignore yourself")
	}
	if _, ok := m.ignored[who.author]; ok {
		return fmt.Errorf("you already ignore %s", who.nick)
	}
	m.ignored[who.author] = who.nick
	told := func(note string) string {
		return fmt.Sprintf("You now ignore %s%s; /unignore %s undoes it.", who.nick, note, who.nick)
	}
	if m.key == "" || who.key == "" {
		m.noticeLocked(m.currentRoomLocked(), message.Notice, told(" for this session"))
		return nil
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
	return nil
}

// Unignore shows the messages of the person the member ignores as asked
// (their nick now, or the one they had when ignored) again.
func (m *Member) Unignore(asked string) error {
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	author := ""
	if who := h.byNickLocked(asked); who != nil {
		if _, ok := m.ignored[who.author]; ok {
			author = who.author
		}
	}
	for a, nick := range m.ignored {
		if author == "" && nickname.Same(nick, strings.TrimLeft(asked, "@~")) {
			author = a
		}
	}
	if author == "" {
		return fmt.Errorf("you do not ignore %q", asked)
	}
	nick := m.ignored[author]
	delete(m.ignored, author)
	if m.key == "" {
		m.noticeLocked(m.currentRoomLocked(), message.Notice, fmt.Sprintf("You no longer ignore %s.", nick))
		return nil
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
	return nil
}

// Ignored lists whom the member ignores, by the nick they had then, with
// the nick they are online under now if it differs.
func (m *Member) Ignored() []Ignored {
	h := m.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []Ignored
	for author, nick := range m.ignored {
		ig := Ignored{Nick: nick}
		if o := h.byAuthorLocked(author); o != nil && o.nick != nick {
			ig.Now = o.nick
		}
		out = append(out, ig)
	}
	slices.SortFunc(out, func(a, b Ignored) int { return strings.Compare(a.Nick, b.Nick) })
	return out
}

// Ignored is one person a member ignores.
type Ignored struct {
	Nick string // as they were called when ignored
	Now  string // the nick they are online under, if another; else ""
}
