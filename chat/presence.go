package chat

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/sanitize"
)

// maxAwayReason bounds what /away shows in everyone's /names and /whois.
const maxAwayReason = 100

// presence is what a person has said about being here: /away, and whom
// they have been told is away. It is the person's, not one window's: the
// sessions of one key share one (Join gives a new session its other
// sessions'), so that /away on the laptop is /away on the desktop too.
type presence struct {
	// Guarded by hub.mu: set under its write lock, so that every roster
	// built under its read lock sees a whole change.
	awaySince  time.Time // zero: here
	awayReason string

	// told is, for each author this person wrote to while that author was
	// away, which absence they were told of (see absence), so that they
	// are told once an absence, not once a line. toldMu guards it: it is
	// written while the hub's lock is held only for reading.
	toldMu sync.Mutex
	told   map[string]string
}

func (p *presence) awayLocked() bool { return !p.awaySince.IsZero() }

// Away marks the member away, for why (cut to maxAwayReason): whoever
// writes to it privately is told, once.
func (m *Member) Away(why string) error {
	reason := sanitize.OneLine(why, maxAwayReason)
	h := m.hub
	now := h.now()
	h.mu.Lock()
	defer h.unlock()
	if m.left {
		return ErrLeft
	}
	// A new /away is a new absence: whoever writes is told its reason.
	m.pres.awaySince, m.pres.awayReason = now, reason
	m.presenceChangedLocked()
	text := "You are away. Whoever writes to you privately is told once; /back, or writing anything, ends it."
	if reason != "" {
		text = fmt.Sprintf("You are away (%s). Whoever writes to you privately is told why, once; /back, or writing anything, ends it.", reason)
	}
	m.noticeLocked(m.currentRoomLocked(), message.Notice, text)
	return nil
}

// Back ends the member's absence (/away).
func (m *Member) Back() error {
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	if m.left {
		return ErrLeft
	}
	if !m.pres.awayLocked() {
		return errors.New("you are not away; /away [REASON] says you are")
	}
	m.backLocked()
	return nil
}

// back ends the member's absence because it wrote something, as IRC
// clients do: someone typing is here. It is called only when the member was
// seen away, so a line costs the write lock only then.
func (m *Member) back() {
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	if !m.left && m.pres.awayLocked() {
		m.backLocked()
	}
}

func (m *Member) backLocked() {
	m.pres.awaySince, m.pres.awayReason = time.Time{}, ""
	m.presenceChangedLocked()
	m.noticeLocked(m.currentRoomLocked(), message.Notice, "You are back: no longer marked away.")
}

// presenceChangedLocked makes every roster showing the member show it
// anew. Nobody is told in the room: as on IRC, going away is shown in
// /names, /whois and the member list, not announced, so that it adds no
// noise to a room. The caller holds hub.mu for writing.
func (m *Member) presenceChangedLocked() {
	for _, s := range m.order {
		s.room.version.Add(1)
		s.room.wakeMembersLocked()
	}
}

// absence names the absence of the other person in the direct conversation
// r, as seen by m, and what to tell m of it; "" when they are here. The
// caller holds hub.mu.
func (m *Member) absenceLocked(r *Room) (absence, text string) {
	who := "they"
	if s, ok := m.subs[r.name]; ok {
		who = strings.TrimPrefix(s.label, "@")
	}
	o := m.hub.byAuthorLocked(r.otherAuthor(m.author))
	switch {
	case o == nil:
		return "offline", fmt.Sprintf("%s is away; your message will wait for them, and they will be told of it when they next connect.", who)
	case o.pres.awayLocked():
		text := fmt.Sprintf("%s is away. They will see it when they are back.", o.nick)
		if o.pres.awayReason != "" {
			text = fmt.Sprintf("%s is away: %s. They will see it when they are back.", o.nick, o.pres.awayReason)
		}
		return "away since " + o.pres.awaySince.String(), text
	}
	return "", ""
}

// tellIfAway tells m, after a line it sent in the direct conversation r,
// that the other person is away: gone (the line waits for them) or here
// but away (/away, with their reason). Without it a message to someone away
// looks the same as one they read at once. Each absence is told once: a
// conversation with someone away is not interrupted after every line.
func (m *Member) tellIfAway(r *Room) {
	h := m.hub
	// Reads, and a notice of m's own (its own lock): no writer needed,
	// nor anyone kept waiting behind one.
	h.mu.RLock()
	defer h.mu.RUnlock()
	absence, text := m.absenceLocked(r)
	other := r.otherAuthor(m.author)
	p := m.pres
	p.toldMu.Lock()
	defer p.toldMu.Unlock()
	if absence == "" {
		delete(p.told, other) // here again: their next absence is news
		return
	}
	if p.told[other] == absence {
		return
	}
	if p.told == nil {
		p.told = map[string]string{}
	}
	p.told[other] = absence
	m.noticeLocked(r, message.Notice, text)
}

// reconnectGrace is how long a leave line waits before it is posted: a
// person back within it (a dropped Wi-Fi, a laptop opened again, ssh
// started anew) was never gone as far as the room is told, so neither the
// leave nor the join is shown. A reconnect is not news.
const reconnectGrace = time.Minute

// heldLeave is the leave lines of one person whose session ended less than
// reconnectGrace ago, by room, and what stops the timer that posts them.
type heldLeave struct {
	lines map[string]message.Message
	stop  func() bool
}

// heldKey is who a held leave line is about: the key, or, for people
// without one, whose every session has a new author, the nick.
func heldKey(m *Member) string {
	if m.key != "" {
		return "key " + m.key
	}
	return "nick " + strings.ToLower(m.nick)
}

// publicRoomsLocked names the public rooms m is in: those with leave
// lines. The caller holds hub.mu.
func (m *Member) publicRoomsLocked() []string {
	var out []string
	for _, s := range m.order {
		if !s.room.dm {
			out = append(out, s.room.name)
		}
	}
	return out
}

// holdLeaveLocked keeps the leave lines of m, whose session just ended,
// for reconnectGrace, then posts them on the hub's clock unless m came
// back meanwhile (cancelHeldLeaveLocked). The caller holds hub.mu for
// writing.
func (h *Hub) holdLeaveLocked(m *Member, rooms []string, reason string) {
	if len(rooms) == 0 || h.closing.Load() {
		return
	}
	k := heldKey(m)
	hl := h.held[k]
	if hl == nil {
		hl = &heldLeave{lines: map[string]message.Message{}}
		h.held[k] = hl
	} else {
		hl.stop() // gone again: the grace starts again
	}
	for _, name := range rooms {
		hl.lines[name] = message.Message{Kind: message.Leave, Nick: m.nick, Author: m.author, Text: reason}
	}
	hl.stop = h.opts.AfterFunc(reconnectGrace, func() { h.postHeld(k, hl) })
}

// postHeld posts the leave lines held under k, once reconnectGrace has
// passed, in the rooms that are open and where the person is not back.
func (h *Hub) postHeld(k string, hl *heldLeave) {
	h.mu.Lock()
	defer h.unlock()
	if h.held[k] != hl || h.closing.Load() {
		return // cancelled, or held anew (a timer that was not stopped in time)
	}
	delete(h.held, k)
	names := make([]string, 0, len(hl.lines))
	for name := range hl.lines {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		line := hl.lines[name]
		// A room nobody is in has left memory: nobody is there to be
		// told, and the next to come finds it as it was left.
		r := h.rooms[name]
		if r == nil || h.backInLocked(k, r) {
			continue
		}
		r.serverLineLocked(line)
	}
}

// backInLocked reports whether the person held under k is in r again,
// under another session (one key's second window).
func (h *Hub) backInLocked(k string, r *Room) bool {
	for o := range r.members {
		if heldKey(o) == k {
			return true
		}
	}
	return false
}

// cancelHeldLeaveLocked drops m's held leave line in room, if it has one,
// reporting whether it did: m is back within the grace, and neither line
// is news. The caller holds hub.mu for writing.
func (h *Hub) cancelHeldLeaveLocked(m *Member, room string) bool {
	if len(h.held) == 0 {
		return false
	}
	k := heldKey(m)
	hl := h.held[k]
	if hl == nil {
		return false
	}
	if _, ok := hl.lines[room]; !ok {
		return false
	}
	delete(hl.lines, room)
	if len(hl.lines) == 0 {
		hl.stop()
		delete(h.held, k)
	}
	return true
}

// dropHeldLocked forgets every held leave line, at shutdown: the server
// going down is nobody's leaving (sessions it closes post no line either),
// and what was held would be posted into rooms being closed. The caller
// holds hub.mu for writing.
func (h *Hub) dropHeldLocked() {
	for k, hl := range h.held {
		hl.stop()
		delete(h.held, k)
	}
}
