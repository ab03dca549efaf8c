package chat

import (
	"fmt"
	"strings"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
)

// Operators: who is one (the operators file, /op and /deop for a
// session), and what only they do outside moderation: /release and the
// message of the day (/motd).

// listedOp reports whether key is in the operators file. Listed operators
// are the room's owners: no ban, mute, kick or /deop by another operator
// touches them, so nobody can lock them out of their own room; to remove
// one, edit the file.
func (h *Hub) listedOp(key string) bool {
	return key != "" && h.opts.Operators != nil && h.opts.Operators.IsOperator(key)
}

// SetOp grants (on) or takes away operator rights for the session of
// nick, acting as the member. With nick "" or its own, the member sets its
// own rights aside, or takes them back. Only operators in the operators
// file grant rights (ErrNotOperator); nobody takes them from one
// (ErrProtected).
func (m *Member) SetOp(nick string, on bool) error {
	nick = strings.TrimLeft(nick, "@~")
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	if nick == "" || nickname.Same(nick, m.nick) {
		listed := h.listedOp(m.key)
		switch {
		case on && !listed && !m.op:
			return fmt.Errorf("%w: your key is not in the operators file", ErrNotOperator)
		case on:
			m.setOpLocked(m.op, false)
			m.noticeLocked(m.currentRoomLocked(), message.Notice, "You have your operator rights again.")
		default:
			if !m.isOpLocked() {
				return refuse(ErrNotOperator, "you are not an operator")
			}
			m.setOpLocked(false, true)
			m.noticeLocked(m.currentRoomLocked(), message.Notice, "Your operator rights are set aside until you leave; /op takes them back.")
		}
		return nil
	}
	cmd := "op"
	if !on {
		cmd = "deop"
	}
	if err := m.requireOpLocked(cmd); err != nil {
		return err
	}
	if !h.listedOp(m.key) {
		return fmt.Errorf("%w: only operators in the operators file can /%s others", ErrNotOperator, cmd)
	}
	who := h.byNickLocked(nick)
	if who == nil {
		return noSuchNick(nick)
	}
	if !on {
		if err := m.protectedLocked(target{id: who.key, label: who.nick}, "deop"); err != nil {
			return err
		}
	}
	if who.isOpLocked() == on {
		if on {
			return fmt.Errorf("%s is already an operator", who.nick)
		}
		return fmt.Errorf("%s is not an operator", who.nick)
	}
	who.setOpLocked(on, !on)
	h.audit(cmd, "by", m.nick, "by_key", m.key, "nick", who.nick, "key", who.key)
	if on {
		h.announceLocked(m, fmt.Sprintf("%s made %s an operator until they leave", m.nick, who.nick))
	} else {
		h.announceLocked(m, fmt.Sprintf("%s took operator rights from %s until they leave", m.nick, who.nick))
	}
	return nil
}

// setOpLocked sets the rights /op and /deop give or set aside on every
// session of m's person: they are the person's, not one window's. The
// caller holds hub.mu for writing.
func (m *Member) setOpLocked(op, deop bool) {
	for _, o := range m.sessionsLocked() {
		o.op, o.deop = op, deop
		o.touchRoomsLocked()
	}
}

// OperatorsChanged tells every view to redraw who is an operator, after
// the operators file was re-read.
func (h *Hub) OperatorsChanged() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, r := range h.rooms {
		r.version.Add(1)
	}
}

// touchRoomsLocked makes every room m is in redraw its roster.
func (m *Member) touchRoomsLocked() {
	for _, s := range m.order {
		s.room.version.Add(1)
	}
}

// Release frees a nick from the key that registered it, acting as the
// member: operators only (ErrNotOperator), and not a nick of a listed
// operator (ErrProtected).
func (m *Member) Release(nick string) error {
	nick = strings.TrimLeft(nick, "@~")
	h := m.hub
	h.mu.RLock()
	err := m.requireOpLocked("release")
	h.mu.RUnlock()
	if err != nil {
		return err
	}
	// Read and written with no hub lock held: who owns a nick is the
	// store's alone, and the hub has nothing to change.
	owner, err := h.nickOwner(nick)
	if err != nil {
		return err
	}
	if owner == "" {
		return fmt.Errorf("no key owns %s", nick)
	}
	if h.listedOp(owner) && owner != m.key {
		return refuse(ErrProtected, "%s belongs to an operator in the operators file", nick)
	}
	for _, k := range nickname.Keys(nick) {
		if err := h.opts.Store.ReleaseNick(ctxBG, k); err != nil {
			return err
		}
	}
	h.audit("release", "by", m.nick, "by_key", m.key, "nick", nick, "owner", owner)
	h.note(m, fmt.Sprintf("%s is free: the next key to use it will own it.", nick))
	return nil
}

const settingMOTD = "motd"

// SetMOTD sets the message of the day ("" clears it), acting as the
// member: operators only (ErrNotOperator); anyone may read it.
func (m *Member) SetMOTD(text string) error {
	h := m.hub
	// Stored before it is shown, so that one the store refuses is
	// refused, and outside the hub's lock: checked, written, then applied
	// under the lock again. motdMu keeps two of them from crossing, the
	// one stored last shown first.
	h.motdMu.Lock()
	defer h.motdMu.Unlock()
	h.mu.RLock()
	op := m.isOpLocked()
	h.mu.RUnlock()
	if !op {
		return fmt.Errorf("%w: /motd TEXT sets the message of the day; /motd alone shows it", ErrNotOperator)
	}
	motd := cleanReason(text)
	if err := h.opts.Store.PutSetting(ctxBG, settingMOTD, motd); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.unlock()
	h.motdText.Store(&motd)
	h.audit("motd", "by", m.nick, "by_key", m.key, "motd", motd)
	lobby := h.rooms[Lobby]
	if motd == "" {
		lobby.announceLocked(m.nick + " cleared the message of the day")
	} else {
		lobby.announceLocked(m.nick + " set the message of the day: " + motd)
	}
	return nil
}

// MOTD is the message of the day, "" if there is none.
func (m *Member) MOTD() string {
	return m.hub.motd()
}

func (h *Hub) motd() string {
	return *h.motdText.Load()
}
