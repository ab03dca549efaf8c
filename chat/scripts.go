package chat

import (
	"fmt"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// Enter puts the member in the room called name ("#go" or "go") and makes
// it the one the member is looking at, as /join does, but never makes a
// room: a script reading a room (exec tail, who, search) or saying a line
// in one must not create it by a typo. The invite-only rule applies. For a
// person, the key's other sessions enter it too, as with /join; an
// Unannounced session enters alone, and nobody is told.
func (m *Member) Enter(name string) error {
	name, err := RoomName(name)
	if err != nil {
		return err
	}
	h := m.hub
	recs, err := h.readRooms(m.key, name)
	if err != nil {
		return fmt.Errorf("enter #%s: %w", name, err)
	}
	rec, _ := recs.get(name)
	known := rec.known
	h.mu.Lock()
	defer h.unlock()
	if m.left {
		return ErrLeft
	}
	if _, in := m.subs[name]; in {
		m.current = name
		return nil
	}
	if !known && name != Lobby {
		return refuse(ErrNoSuchRoom, "#%s: no such room", name)
	}
	if n := m.ownRoomsLocked(); n >= maxRooms {
		return refuse(ErrTooManyRooms, "you are in %d rooms and conversations, the most one session may be in", n)
	}
	r, err := h.roomLocked(name, recs)
	if err != nil {
		return err
	}
	if ok, err := h.mayEnterLocked(m, r, recs); err != nil {
		return err
	} else if !ok {
		return refuse(ErrInviteOnly, "#%s is invite-only: ask an operator for an invitation", name)
	}
	if m.unannounced {
		h.subscribeLocked(m, r, store.Membership{}, false, "")
	} else {
		h.enterLocked(m, r, store.Membership{})
	}
	m.current = name
	return nil
}

// Find returns up to limit messages of room ("": the one the member is
// looking at) whose text matches query, newest first, leaving out those of
// authors the member ignores; and how many match in all. It is Search's
// first page with each message's room set: for a script that wants the
// messages.
func (m *Member) Find(room, query string, limit int) ([]message.Message, int, error) {
	res, err := m.Search(room, query, 0, limit)
	if err != nil {
		return nil, 0, err
	}
	if room == "" {
		m.hub.mu.RLock()
		room = m.current
		m.hub.mu.RUnlock()
	}
	name, _ := RoomName(room)
	for i := range res.Found {
		res.Found[i].Room = name
	}
	return res.Found, res.Total, nil
}

// SendWait is how long until the rate limit lets the member send a line.
// A script pacing its lines waits this long before each rather than be
// refused and try again: refusals count toward the flood kick, and a bot
// that keeps to the limit is not flooding.
func (m *Member) SendWait() time.Duration {
	tokens := m.msgLimit.TokensAt(m.hub.now())
	if tokens >= 1 {
		return 0
	}
	return time.Duration((1 - tokens) / float64(m.msgLimit.Limit()) * float64(time.Second))
}
