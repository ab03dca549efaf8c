package room

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrNoSuchRoom is returned by Enter for a room that does not exist.
var ErrNoSuchRoom = errors.New("no such room")

// Enter puts the member in the room called name ("#go" or "go") and makes
// it the one the member is looking at, as /join does, but never makes a
// room: a script reading a room (exec tail, who, search) or saying a line
// in one must not create it by a typo. The invite-only rule applies. For a
// person, the key's other sessions enter it too, as with /join; an
// Unannounced session enters alone, and nobody is told.
func (m *Member) Enter(name string) error {
	name, err := roomName(name)
	if err != nil {
		return err
	}
	h := m.hub
	_, known, err := h.opts.Store.RoomInfo(ctxBG, name)
	if err != nil {
		return fmt.Errorf("enter #%s: %w", name, err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if m.left {
		return ErrLeft
	}
	if _, in := m.subs[name]; in {
		m.current = name
		return nil
	}
	if !known && name != Lobby {
		return fmt.Errorf("#%s: %w", name, ErrNoSuchRoom)
	}
	if n := m.ownRoomsLocked(); n >= maxRooms {
		return fmt.Errorf("you are in %d rooms and conversations, the most one session may be in", n)
	}
	r, err := h.roomLocked(name)
	if err != nil {
		return err
	}
	if ok, err := h.mayEnterLocked(m, r); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("#%s is invite-only: ask an operator for an invitation", name)
	}
	if m.unannounced {
		h.subscribeLocked(m, r, Membership{}, false, "")
	} else {
		h.enterLocked(m, r, Membership{})
	}
	m.current = name
	return nil
}

// Find returns up to limit messages of room ("": the one the member is
// looking at) whose text matches query, newest first, leaving out those of
// authors the member ignores; and how many match in all. It is /search
// without the paging and the text: for a script that wants the messages.
func (m *Member) Find(room, query string, limit int) ([]Message, int, error) {
	h := m.hub
	h.mu.RLock()
	if room == "" {
		room = m.current
	}
	_, in := m.subs[room]
	h.mu.RUnlock()
	if !in {
		return nil, 0, fmt.Errorf("you are not in #%s", room)
	}
	found, total, err := h.opts.History.Search(ctxBG, room, query, 0, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("search failed: %w", err)
	}
	h.mu.RLock()
	found = slices.DeleteFunc(found, func(msg Message) bool { _, ig := m.ignored[msg.Author]; return ig })
	h.mu.RUnlock()
	for i := range found {
		found[i].Room = room
	}
	return found, total, nil
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
