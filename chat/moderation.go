package chat

import (
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/chat/sanction"
	"github.com/chatroom/chatroom/sanitize"
	"github.com/chatroom/chatroom/store"
)

// maxReason bounds reasons and the message of the day.
const maxReason = 300

// Banned reports whether a key or an address is banned now, and if so
// what the banned person is told: by whom, why and until when, by the
// hub's clock. Listed operators are never banned.
func (h *Hub) Banned(key, addr string) (refusal string, banned bool) {
	if h.listedOp(key) {
		return "", false
	}
	now := h.now()
	s, banned := h.sanctions.Find(store.Ban, key, hostOnly(addr), now)
	if !banned {
		return "", false
	}
	return sanction.Refusal(s, now), true
}

// target is who a moderation command is about.
type target struct {
	id    string    // key fingerprint or IP address
	label string    // for people reading: a nick, or the address
	addr  string    // for a key, the address it is at now
	who   []*Member // online members it covers
}

// resolveTargetLocked reads NICK, FINGERPRINT or IP. A nick means that
// person's key, or their address if they have none; a nick nobody online
// has, the key owner owns it (read from the store before the lock was
// taken, by ownerOf). The caller holds h.mu.
func (h *Hub) resolveTargetLocked(arg, owner string) (target, error) {
	arg = strings.TrimLeft(arg, "@~")
	switch {
	case message.IsKey(arg):
		if !sanction.ValidFingerprint(arg) {
			return target{}, fmt.Errorf("%q is not a key fingerprint: they look like SHA256: and 43 more characters (see /whois)", arg)
		}
		t := target{id: arg, label: arg}
		for m := range h.members {
			if m.key == arg {
				t.who, t.label, t.addr = append(t.who, m), m.nick, m.addr
			}
		}
		return t, nil
	case net.ParseIP(arg) != nil:
		ip := net.ParseIP(arg).String()
		t := target{id: ip, label: ip}
		for m := range h.members {
			if m.addr == ip {
				t.who = append(t.who, m)
			}
		}
		return t, nil
	}
	if m := h.byNickLocked(arg); m != nil {
		if m.key != "" {
			return h.resolveTargetLocked(m.key, "")
		}
		t, err := h.resolveTargetLocked(m.addr, "")
		t.label = m.nick
		return t, err
	}
	if owner != "" {
		t, err := h.resolveTargetLocked(owner, "")
		if t.label == owner {
			t.label = sanitize.Nick(arg)
		}
		return t, err
	}
	return target{}, refuse(ErrNoSuchNick, "nobody called %q is online and no key owns that nick: give a key fingerprint (SHA256:...) or an IP address", arg)
}

func cleanReason(s string) string {
	return sanitize.OneLine(s, maxReason)
}

// requireOpLocked refuses a member who is not an operator the operation
// that /cmd runs. Dispatch refuses them the command already (see
// Command.Who); the operations check again, under the lock they act under,
// for callers that do not go through dispatch. The caller holds h.mu.
func (m *Member) requireOpLocked(cmd string) error {
	if !m.isOpLocked() {
		return NotOperator(cmd)
	}
	return nil
}

// protectedLocked refuses acting on a listed operator.
func (m *Member) protectedLocked(t target, verb string) error {
	if m.hub.listedOp(t.id) {
		return refuse(ErrProtected, "%s is in the operators file; to %s them, remove them from it first", t.label, verb)
	}
	return nil
}

// Ban keeps target (a nick, a key fingerprint or an IP address) out for d
// (0: for good) and closes its sessions, acting as the member: operators
// only (ErrNotOperator), and never a listed operator (ErrProtected) or
// the member itself (ErrSelf).
func (m *Member) Ban(target string, d time.Duration, reason string) error {
	return m.impose(store.Ban, target, d, cleanReason(reason))
}

// Mute stops target (as for Ban) posting for d (0: for good), acting as
// the member, with Ban's refusals.
func (m *Member) Mute(target string, d time.Duration, reason string) error {
	return m.impose(store.Mute, target, d, cleanReason(reason))
}

// impose imposes a ban or a mute, announces it and logs it. The sanction
// is stored before it takes effect, so that one the store refuses is
// refused (a ban forgotten at the next restart would be a surprise), and
// outside the hub's lock, so that nobody else waits on the disk for it:
// checked under the lock, written, then applied under the lock again, to
// the sessions its target has then.
func (m *Member) impose(kind store.SanctionKind, arg string, d time.Duration, reason string) error {
	h := m.hub
	now := h.now()
	// One sanction change at a time, from check to applying it: two must
	// not cross between the store and the hub.
	h.sanctionWriteMu.Lock()
	defer h.sanctionWriteMu.Unlock()
	owner, err := h.ownerOf(arg)
	if err != nil {
		return err
	}
	h.mu.Lock()
	s, err := m.sanctionLocked(kind, arg, d, reason, owner, now)
	h.unlock()
	if err != nil {
		return err
	}
	if err := h.opts.Store.PutSanction(ctxBG, s); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.unlock()
	h.sanctions.Put(s)

	name := string(kind)
	h.audit(name, "by", m.nick, "by_key", m.key, "target", s.Target, "nick", s.Nick, "for", sanction.Lasting(d), "reason", reason)
	text := fmt.Sprintf("%s %s %s%s", m.nick, sanction.Past(kind), s.Nick, sanction.ForHowLong(d))
	if reason != "" {
		text += ": " + reason
	}
	h.announceLocked(m, text)
	// Found again: sessions may have come or gone while it was stored.
	t, err := h.resolveTargetLocked(s.Target, "")
	if err != nil {
		return err
	}
	for _, who := range t.who {
		if who == m || h.listedOp(who.key) {
			continue
		}
		if kind == store.Ban {
			h.closeLocked(who, "you were banned"+sanction.Describe(s, now), "banned", true)
		} else {
			who.noticeLocked(who.currentRoomLocked(), message.Error, "You are muted"+sanction.Describe(s, now)+". You can still read.")
		}
	}
	return nil
}

// sanctionLocked checks that m may impose a sanction of kind on arg and
// returns it. The caller holds h.mu.
func (m *Member) sanctionLocked(kind store.SanctionKind, arg string, d time.Duration, reason, owner string, now time.Time) (store.Sanction, error) {
	name := string(kind)
	h := m.hub
	if err := m.requireOpLocked(name); err != nil {
		return store.Sanction{}, err
	}
	t, err := h.resolveTargetLocked(arg, owner)
	if err != nil {
		return store.Sanction{}, err
	}
	if t.id == m.key || (m.key == "" && t.id == m.addr) {
		return store.Sanction{}, refuse(ErrSelf, "you cannot %s yourself", name)
	}
	if err := m.protectedLocked(t, name); err != nil {
		return store.Sanction{}, err
	}
	// Naming a person who has no key means their address. Say so, rather
	// than hit others there by surprise.
	isAddr := !message.IsKey(t.id)
	if isAddr && net.ParseIP(strings.TrimLeft(arg, "@~")) == nil {
		var others []string
		for _, o := range t.who {
			if !nickname.Same(o.nick, arg) && o != m && !h.listedOp(o.key) {
				others = append(others, o.nick)
			}
		}
		if len(others) > 0 {
			return store.Sanction{}, fmt.Errorf("%s has no key, so this would %s the address %s, where %s also are; to do that, /%s %s",
				t.label, name, t.id, strings.Join(others, ", "), name, t.id)
		}
		t.label = fmt.Sprintf("%s (address %s)", t.label, t.id)
	}
	s := store.Sanction{Kind: kind, Target: t.id, Addr: t.addr, Nick: t.label, Reason: reason, By: m.nick, Since: now}
	if d > 0 {
		s.Until = now.Add(d)
	}
	return s, nil
}

// Unban lifts the ban on target, acting as the member (operators only):
// a key or address given as is, or the one person a nick names (online,
// or as the ban recorded them).
func (m *Member) Unban(target string) error { return m.lift(store.Ban, target) }

// Unmute lifts the mute on target, as Unban does the ban.
func (m *Member) Unmute(target string) error { return m.lift(store.Mute, target) }

// lift removes a ban or mute.
func (m *Member) lift(kind store.SanctionKind, target string) error {
	arg := strings.TrimLeft(strings.TrimSpace(target), "@~")
	h := m.hub
	now := h.now()
	// As impose: checked under the lock, deleted from the store outside
	// it, then lifted under it again.
	h.sanctionWriteMu.Lock()
	defer h.sanctionWriteMu.Unlock()
	owner, err := h.ownerOf(arg)
	if err != nil {
		return err
	}
	h.mu.Lock()
	id, s, err := m.liftLocked(kind, arg, owner, now)
	h.unlock()
	if err != nil {
		return err
	}
	if err := h.opts.Store.DeleteSanction(ctxBG, kind, id); err != nil {
		return err
	}
	h.mu.Lock()
	defer h.unlock()
	h.sanctions.Delete(kind, id)
	h.audit("un"+string(kind), "by", m.nick, "by_key", m.key, "target", id, "nick", s.Nick)
	h.announceLocked(m, fmt.Sprintf("%s lifted the %s on %s", m.nick, kind, s.Nick))
	if kind == store.Mute {
		for o := range h.members {
			if o.key == id || o.addr == id {
				o.noticeLocked(o.currentRoomLocked(), message.Notice, "You are no longer muted.")
			}
		}
	}
	return nil
}

// liftLocked checks that m may lift the sanction of kind on what arg names
// and finds it; owner owns the nick arg, read before the lock was taken.
// The caller holds h.mu.
func (m *Member) liftLocked(kind store.SanctionKind, arg, owner string, now time.Time) (string, store.Sanction, error) {
	h := m.hub
	if err := m.requireOpLocked("un" + string(kind)); err != nil {
		return "", store.Sanction{}, err
	}
	active := func(id string) bool {
		s, ok := h.sanctions.Get(kind, id)
		return ok && s.Active(now)
	}
	var ids []string
	switch {
	case message.IsKey(arg):
		ids = []string{arg}
	case net.ParseIP(arg) != nil:
		ids = []string{net.ParseIP(arg).String()}
	default:
		if who := h.byNickLocked(arg); who != nil {
			for _, id := range []string{who.key, who.addr} {
				if id != "" && active(id) {
					ids = append(ids, id)
				}
			}
		}
		if len(ids) == 0 {
			for _, s := range h.sanctions.Active(kind, now, func(s store.Sanction) bool {
				label, _, _ := strings.Cut(s.Nick, " (address ")
				return nickname.Same(label, arg)
			}) {
				ids = append(ids, s.Target)
			}
		}
		if len(ids) == 0 && owner != "" {
			ids = []string{owner}
		}
	}
	ids = slices.DeleteFunc(ids, func(id string) bool { return !active(id) })
	switch len(ids) {
	case 0:
		return "", store.Sanction{}, fmt.Errorf("%s is not %s", arg, sanction.Past(kind))
	case 1:
	default:
		slices.Sort(ids)
		return "", store.Sanction{}, fmt.Errorf("more than one %s is called %s: %s; name the key or address", kind, arg, strings.Join(ids, ", "))
	}
	s, _ := h.sanctions.Get(kind, ids[0])
	return ids[0], s, nil
}

// mutedLocked says why the member may not speak, or "".
func (m *Member) mutedLocked(now time.Time) string {
	if s, muted := m.hub.sanctions.Find(store.Mute, m.key, m.addr, now); muted && !m.hub.listedOp(m.key) {
		return "you are muted" + sanction.Describe(s, now)
	}
	return ""
}

// refuseMutedLocked refuses a muted member what (e.g. "message not
// sent"), or returns nil. The caller holds h.mu.
func (m *Member) refuseMutedLocked(what string, now time.Time) error {
	if why := m.mutedLocked(now); why != "" {
		return refuse(ErrMuted, "%s: %s", what, why)
	}
	return nil
}

// Kick closes every session of the person online as nick, acting as the
// member: operators only (ErrNotOperator); not yourself (ErrSelf) nor a
// listed operator (ErrProtected); ErrNoSuchNick if nobody is online as
// nick.
func (m *Member) Kick(nick, reason string) error {
	nick = strings.TrimLeft(nick, "@~")
	reason = cleanReason(reason)
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	if err := m.requireOpLocked("kick"); err != nil {
		return err
	}
	who := h.byNickLocked(nick)
	if who == nil {
		return noSuchNick(nick)
	}
	if who.author == m.author {
		return refuse(ErrSelf, "you cannot kick yourself; /quit leaves")
	}
	if err := m.protectedLocked(target{id: who.key, label: who.nick}, "kick"); err != nil {
		return err
	}
	why := "kicked by " + m.nick
	if reason != "" {
		why += ": " + reason
	}
	h.audit("kick", "by", m.nick, "by_key", m.key, "nick", who.nick, "key", who.key, "addr", who.addr, "reason", reason)
	for _, o := range slices.Clone(who.sessionsLocked()) { // the person, on every device
		h.closeLocked(o, "you were "+why, why, true)
	}
	return nil
}

// Sanctions returns the bans and mutes in force, acting as the member:
// operators only (ErrNotOperator).
func (m *Member) Sanctions() ([]store.Sanction, error) {
	h := m.hub
	now := h.now()
	h.mu.RLock()
	err := m.requireOpLocked("bans")
	h.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return append(h.sanctions.Active(store.Ban, now, nil), h.sanctions.Active(store.Mute, now, nil)...), nil
}

// announceLocked posts a moderation act in the room the operator is
// looking at.
func (h *Hub) announceLocked(by *Member, text string) {
	if r := by.currentRoomLocked(); r != nil {
		r.announceLocked(text)
		return
	}
	h.rooms[Lobby].announceLocked(text)
}
