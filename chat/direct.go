package chat

import (
	"errors"
	"fmt"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/sanitize"
	"github.com/chatroom/chatroom/store"
)

// Private messages: /msg and /reply, and the direct conversations they
// open (SendDirect).

// otherAuthor is the party of a direct conversation who is not me.
func (r *Room) otherAuthor(me string) string {
	if r.parties[0] == me {
		return r.parties[1]
	}
	return r.parties[0]
}

// readDirect reads, before the hub's lock is taken, what opening m's
// direct conversation with the person nick names needs: who owns the nick,
// and the conversation's record (see readRooms).
func (h *Hub) readDirect(m *Member, nick string) (owner string, recs roomRecords, err error) {
	if owner, err = h.ownerOf(nick); err != nil {
		return "", roomRecords{}, err
	}
	h.mu.RLock()
	author := owner
	if who := h.byNickLocked(nick); who != nil {
		author = who.author
	}
	h.mu.RUnlock()
	if author == "" || author == m.author {
		return owner, roomRecords{}, nil
	}
	recs, err = h.readRooms(m.key, dmName(m.author, author))
	return owner, recs, err
}

// directToLocked opens m's side of the direct conversation with the person
// a nick names: online, or away but known by key (posting brings the other
// side in; see reachOtherParty). owner owns the nick and recs holds the
// conversation's record, both read before the lock (readDirect). The
// caller holds h.mu for writing.
func (h *Hub) directToLocked(m *Member, nick, owner string, recs roomRecords) (r *Room, opened bool, err error) {
	var author, label string
	if who := h.byNickLocked(nick); who != nil {
		author, label = who.author, who.nick
	} else {
		if owner == "" {
			return nil, false, refuse(ErrNoSuchNick, "nobody called %q is online, and no key owns that nick, so a message could not wait for them", nick)
		}
		if o := h.byAuthorLocked(owner); o != nil {
			// The nick's owner is here under another nick: the message
			// goes to them now, whoever writes.
			author, label = o.author, o.nick
		} else if m.key == "" {
			// They could not answer someone who may never come back, and
			// keyless sessions are free to make: no waiting messages.
			return nil, false, fmt.Errorf("%s is away; to leave a message that waits for them, connect with an ssh key", sanitize.Nick(nick))
		} else {
			author, label = owner, sanitize.Nick(nick)
		}
	}
	if author == m.author {
		return nil, false, refuse(ErrSelf, "that is you")
	}
	_, in := m.subs[dmName(m.author, author)]
	if n := m.ownRoomsLocked(); !in && n >= maxRooms {
		return nil, false, tooManyRooms(n)
	}
	if r, err = h.roomLocked(dmName(m.author, author), recs); err != nil {
		return nil, false, err
	}
	h.enterLocked(m, r, store.Membership{Label: "@" + label})
	return r, !in, nil
}

// SendDirect writes text to the person called nick in the member's direct
// conversation with them, opening it and looking at it; the line waits
// for them if they are away and have a key. Refusals: ErrMuted,
// *LimitError, ErrNoSuchNick, ErrSelf, ErrTooManyRooms, and what posting
// refuses.
func (m *Member) SendDirect(nick, text string) error {
	h := m.hub
	now := h.now()
	owner, recs, err := h.readDirect(m, nick)
	if err != nil {
		return err
	}
	h.mu.Lock()
	was := m.current
	r, opened, err := func() (*Room, bool, error) {
		// Refusals first: a line that cannot be sent opens nothing.
		if err := m.refuseMutedLocked("message not sent", now); err != nil {
			return nil, false, err
		}
		if m.msgLimit.TokensAt(now) < 1 {
			return nil, false, m.allow(m.msgLimit, "send", now)
		}
		return h.directToLocked(m, nick, owner, recs)
	}()
	if err == nil {
		m.current = r.name
	}
	h.unlock()
	if errors.Is(err, errFlooding) {
		h.kickForFlooding(m)
	}
	if err != nil {
		return err
	}
	err = m.post(r.name, message.Chat, text)
	if err == nil {
		m.tellIfAway(r)
	}
	var notReached *errNotReached
	if errors.As(err, &notReached) && opened {
		// The line could not reach them: the conversation opened for it
		// closes again, and the member stays where it was.
		h.mu.Lock()
		h.partLocked(m, r, false)
		if _, ok := m.subs[was]; ok {
			m.current = was
		}
		h.unlock()
	}
	return err
}

// Reply writes text in the direct conversation the member last had a
// message in, opening it again if it was closed.
func (m *Member) Reply(text string) error {
	last := m.lastDM.Load()
	if last == nil {
		return errors.New("nobody has sent you a direct message yet; /msg NICK TEXT starts one")
	}
	room := *last
	h := m.hub
	recs, err := h.readRooms(m.key, room)
	if err != nil {
		return err
	}
	h.mu.Lock()
	_, in := m.subs[room]
	if !in {
		// Closed since: open it again.
		r, err := h.roomLocked(room, recs)
		if err != nil {
			h.unlock()
			return err
		}
		h.enterLocked(m, r, store.Membership{})
	}
	m.current = room
	h.unlock()
	if err := m.post(room, message.Chat, text); err != nil {
		return err
	}
	h.mu.RLock()
	r := h.rooms[room]
	h.mu.RUnlock()
	if r != nil {
		m.tellIfAway(r)
	}
	return nil
}
