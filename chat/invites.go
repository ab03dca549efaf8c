package chat

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
)

// Invite-only rooms: /private, /invite and /uninvite (SetPrivate, Invite,
// Uninvite), and who may enter such a room.

// SetPrivate makes room ("": the one the member is looking at)
// invite-only (on) or open to everyone, acting as the member: operators
// only (ErrNotOperator). Those in it when it closes are invited.
func (m *Member) SetPrivate(room string, on bool) error {
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	if err := m.requireOpLocked("private"); err != nil {
		return err
	}
	r, err := m.inRoomLocked(room)
	if err != nil {
		return err
	}
	if r.dm || r.name == Lobby {
		return errors.New("the lobby and direct conversations cannot be invite-only")
	}
	r.inviteOnly, r.kept = on, true
	// Those already in stay in, and are invited, so they can come back.
	var keys []string
	for o := range r.members {
		if on && o.key != "" && !slices.Contains(keys, o.key) {
			keys = append(keys, o.key)
		}
	}
	// Stored after the lock is released (afterLocked), the invitations
	// in one transaction: the room is closed now, whatever the disk
	// does, and nobody waits on it. Queued in the order of the changes,
	// the room's settings cannot land before those of a /topic set
	// before, and undo them. If it cannot be stored, the operator is told.
	info := store.RoomInfo{Name: r.name, Topic: r.topic, InviteOnly: on, Kept: true}
	h.afterLocked(func() {
		if err := h.opts.Store.PutRoomInfo(ctxBG, info); err != nil {
			h.tell(m, r, fmt.Sprintf("#%s could not be stored as it now is (%v): after a restart it is as it was.", r.name, err))
			return
		}
		if len(keys) > 0 {
			if err := h.opts.Store.Invite(ctxBG, r.name, keys...); err != nil {
				h.tell(m, r, fmt.Sprintf("%d of those here could not be invited (the server cannot store it now): they cannot come back once they leave; /invite them later.", len(keys)))
			}
		}
		h.roomsChanged()
	})
	h.audit("private", "room", r.name, "on", on, "by", m.nick, "by_key", m.key)
	if on {
		r.announceLocked(m.nick + " made #" + r.name + " invite-only; those here now may come back")
	} else {
		r.announceLocked(m.nick + " opened #" + r.name + " to everyone")
	}
	return nil
}

// keyOfLocked finds whom a nick names, for invitations: the member online
// under it, or else owner, the key that owns it, read from the store before
// the lock was taken (key "" when neither has a key). The caller holds h.mu.
func (h *Hub) keyOfLocked(arg, owner string) (who *Member, key, nick string) {
	nick = strings.TrimLeft(arg, "@~")
	if who = h.byNickLocked(nick); who != nil {
		return who, who.key, who.nick
	}
	return nil, owner, nick
}

// ownerOf reads who owns the nick arg names ("" if nobody does), for the
// operations that name people by nick: before they take the hub's lock.
func (h *Hub) ownerOf(arg string) (string, error) {
	owner, err := h.nickOwner(strings.TrimLeft(arg, "@~"))
	if err != nil {
		return "", fmt.Errorf("who owns %s: %w", arg, err)
	}
	return owner, nil
}

// An invitation is stored, or withdrawn, before it is announced and takes
// effect, so that one the store refuses is refused; and outside the hub's
// lock, so that nobody waits on the disk for it: checked under the lock,
// written, then applied under the lock again.

// Invite lets the key of the person called nick into room ("": the one the
// member is looking at), acting as the member: operators only
// (ErrNotOperator); ErrNoSuchNick when nobody online or no key goes by
// nick.
func (m *Member) Invite(room, nick string) error {
	h := m.hub
	owner, err := h.ownerOf(nick)
	if err != nil {
		return err
	}
	h.mu.Lock()
	r, who, key, nick, err := m.inviteLocked(room, nick, owner)
	h.unlock()
	if err != nil {
		return err
	}
	if err := h.opts.Store.Invite(ctxBG, r.name, key); err != nil {
		return err
	}
	h.roomsChanged()
	h.mu.Lock()
	defer h.unlock()
	h.audit("invite", "room", r.name, "nick", nick, "key", key, "by", m.nick)
	if h.rooms[r.name] == r { // not emptied and let go while it was stored
		r.announceLocked(fmt.Sprintf("%s invited %s to #%s", m.nick, nick, r.name))
	}
	if who != nil && who.author != m.author && !who.left {
		for _, o := range who.sessionsLocked() { // on whichever device they look
			o.noticeLocked(o.currentRoomLocked(), message.Notice, fmt.Sprintf("%s invited you to #%s: /join #%s", m.nick, r.name, r.name))
		}
	}
	return nil
}

// inviteLocked checks that m may invite the person nick names to room, and
// finds them. The caller holds h.mu.
func (m *Member) inviteLocked(room, nick, owner string) (r *Room, who *Member, key, name string, err error) {
	if err := m.requireOpLocked("invite"); err != nil {
		return nil, nil, "", "", err
	}
	if r, err = m.inRoomLocked(room); err != nil {
		return nil, nil, "", "", err
	}
	if r.dm {
		return nil, nil, "", "", errors.New("invitations are to public rooms")
	}
	who, key, name = m.hub.keyOfLocked(nick, owner)
	if key == "" {
		return nil, nil, "", "", refuse(ErrNoSuchNick, "%s has no key, and invitations need one", name)
	}
	return r, who, key, name, nil
}

// Uninvite withdraws the invitation of the person called nick to room
// ("": the one the member is looking at) and takes them out of it, acting
// as the member: operators only (ErrNotOperator); not an operator
// (ErrProtected).
func (m *Member) Uninvite(room, nick string) error {
	h := m.hub
	owner, err := h.ownerOf(nick)
	if err != nil {
		return err
	}
	h.mu.Lock()
	r, key, nick, err := m.uninviteLocked(room, nick, owner)
	h.unlock()
	if err != nil {
		return err
	}
	if err := h.opts.Store.Uninvite(ctxBG, r.name, key); err != nil {
		return err
	}
	h.roomsChanged()
	h.mu.Lock()
	defer h.unlock()
	h.audit("uninvite", "room", r.name, "nick", nick, "key", key, "by", m.nick)
	for o := range r.members {
		if o.key == key {
			h.unsubscribeLocked(o, r, "invitation withdrawn", true, true)
			o.noticeLocked(o.currentRoomLocked(), message.Notice, fmt.Sprintf("%s withdrew your invitation to #%s.", m.nick, r.name))
		}
	}
	if h.rooms[r.name] == r {
		r.announceLocked(fmt.Sprintf("%s withdrew the invitation of %s", m.nick, nick))
	}
	return nil
}

// uninviteLocked checks that m may withdraw the invitation of the person
// nick names to room, and finds their key. The caller holds h.mu.
func (m *Member) uninviteLocked(room, nick, owner string) (r *Room, key, name string, err error) {
	h := m.hub
	if err := m.requireOpLocked("uninvite"); err != nil {
		return nil, "", "", err
	}
	if r, err = m.inRoomLocked(room); err != nil {
		return nil, "", "", err
	}
	if r.dm || !r.inviteOnly {
		return nil, "", "", errors.New("this room is open to everyone: /private on makes it invite-only first")
	}
	who, key, name := h.keyOfLocked(nick, owner)
	if key == "" {
		return nil, "", "", refuse(ErrNoSuchNick, "nobody called %s is here or owns that nick", name)
	}
	if h.listedOp(key) || (who != nil && who.isOpLocked()) {
		return nil, "", "", refuse(ErrProtected, "%s is an operator, and operators may enter every room", name)
	}
	return r, key, name, nil
}
