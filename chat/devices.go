package chat

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/chatroom/chatroom/store"
)

// MaxSessionsPerKey is how many sessions one key may have open at once: a
// laptop, a desktop, a phone and a few windows. A further one is let in
// only in place of one that no longer answers (see makeRoomForSession).
const MaxSessionsPerKey = 5

// defaultAliveTimeout is how long the sessions of a key at its cap are
// given to answer whether they are still there (Options.AliveTimeout).
const defaultAliveTimeout = 5 * time.Second

// ErrTooManySessions refuses a session of a key that has MaxSessionsPerKey
// sessions open, all of which answer.
var ErrTooManySessions = fmt.Errorf("you already have %d sessions open with this key; close one to open another", MaxSessionsPerKey)

// person is the live sessions of one key: one person on several devices.
// They share one nick, one set of rooms and one read position in each: a
// line is the person's, whichever device sent it; joining a room or
// reading it on one device does so on all. Keyless sessions have none:
// each is a person of its own. Guarded by hub.mu.
type person struct {
	sessions []*Member // oldest first
}

// sessionsLocked returns the member's key's live sessions, itself among
// them. The caller holds hub.mu.
func (m *Member) sessionsLocked() []*Member {
	if m.person == nil {
		return []*Member{m}
	}
	return m.person.sessions
}

// devicesLocked is how many live sessions the member's person has.
func (m *Member) devicesLocked() int {
	if m.person == nil {
		return 1
	}
	return len(m.person.sessions)
}

// addSessionLocked counts m among its key's sessions. The caller holds
// hub.mu for writing.
func (h *Hub) addSessionLocked(m *Member) {
	if m.key == "" {
		return
	}
	p := h.people[m.key]
	if p == nil {
		p = &person{}
		h.people[m.key] = p
	}
	if len(p.sessions) > 0 {
		// Rights given or set aside by /op and /deop are the person's.
		m.op, m.deop = p.sessions[0].op, p.sessions[0].deop
	}
	p.sessions = append(p.sessions, m)
	m.person = p
}

// dropSessionLocked forgets m among its key's sessions; the nick stays
// findable while another session holds it. The caller holds hub.mu for
// writing.
func (h *Hub) dropSessionLocked(m *Member) {
	p := m.person
	if p == nil {
		return
	}
	p.sessions = slices.DeleteFunc(p.sessions, func(o *Member) bool { return o == m })
	if len(p.sessions) == 0 {
		delete(h.people, m.key)
		return
	}
	h.indexNickLocked(p.sessions[0])
}

// makeRoomForSession lets a new session of key in when the key already has
// MaxSessionsPerKey: it asks those sessions whether they are still there
// (Identity.Alive), outside the hub's lock since the answer takes a round
// trip, and closes those that do not answer, as a reconnect over a hanging
// session (a dropped Wi-Fi, a closed laptop) would expect. If all answer,
// the new session is refused. It returns how many it closed.
func (h *Hub) makeRoomForSession(key string) (int, error) {
	if key == "" {
		return 0, nil
	}
	h.mu.RLock()
	var olds []*Member
	if p := h.people[key]; p != nil && len(p.sessions) >= MaxSessionsPerKey {
		olds = slices.Clone(p.sessions)
	}
	h.mu.RUnlock()
	if olds == nil {
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(ctxBG, h.opts.AliveTimeout)
	defer cancel()
	gone := make([]error, len(olds))
	var wg sync.WaitGroup
	for i, o := range olds {
		if o.alive == nil {
			continue // the transport cannot tell: it counts as answering
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			gone[i] = o.alive(ctx)
		}()
	}
	wg.Wait()

	h.mu.Lock()
	defer h.unlock()
	closed := 0
	for i, o := range olds {
		if gone[i] != nil && !o.left {
			h.audit("session replaced", "nick", o.nick, "key", o.key, "addr", o.addr, "why", gone[i].Error())
			// Not announced: the person is still here, on the new session.
			h.closeLocked(o, "you connected again from another session, so this one is closed", "replaced by a new session", false)
			closed++
		}
	}
	if p := h.people[key]; p != nil && len(p.sessions) >= MaxSessionsPerKey {
		return closed, ErrTooManySessions
	}
	return closed, nil
}

// liveRoomsLocked adds to what the store says key was in (rejoin) the rooms
// its live session o is in now, each read up to where either says: a new
// device opens what the others have open, with what they read as read.
// The caller holds hub.mu.
func liveRoomsLocked(o *Member, rejoin []store.Membership) []store.Membership {
	at := map[string]int{}
	for i, ms := range rejoin {
		at[ms.Room] = i
	}
	for _, s := range o.order {
		read := s.read.Load()
		if i, ok := at[s.room.name]; ok {
			rejoin[i].Cursor = max(rejoin[i].Cursor, read)
			continue
		}
		from := ""
		if s.unanswered.Load() {
			from = s.room.otherAuthor(o.author)
		}
		rejoin = append(rejoin, store.Membership{Room: s.room.name, Cursor: read, Label: labelFor(s.room, s), From: from})
	}
	return rejoin
}

// enterLocked puts m in room r by the person's own doing (/join, opening a
// conversation), and with it the key's other sessions, silently: rooms
// are the person's, not the device's. The caller holds hub.mu for writing.
func (h *Hub) enterLocked(m *Member, r *Room, ms store.Membership) {
	h.subscribeLocked(m, r, ms, false, "")
	for _, o := range m.sessionsLocked() {
		if o != m {
			h.subscribeLocked(o, r, ms, false, "")
		}
	}
}

// partLocked takes m's person out of room r: the other sessions first and
// silently, so that the one leave line, if announce, is the last one's.
// The caller holds hub.mu for writing.
func (h *Hub) partLocked(m *Member, r *Room, announce bool) {
	for _, o := range slices.Clone(m.sessionsLocked()) {
		if o != m {
			h.unsubscribeLocked(o, r, "", false, true)
		}
	}
	h.unsubscribeLocked(m, r, "", announce, true)
}

// shareReadLocked tells the key's other sessions that room has been read up
// to seq on one of them: their counts of unread drop, and whichever
// session saves the position saves the furthest. The caller holds hub.mu.
func (m *Member) shareReadLocked(room string, seq uint64) {
	for _, o := range m.sessionsLocked() {
		if o == m {
			continue
		}
		if s, ok := o.subs[room]; ok && s.readTo(seq) {
			o.readsVersion.Add(1)
			o.wake()
		}
	}
}

// ReadTo returns how far the member's person has read room, on any of
// its sessions: what is up to there is not unread on this one either.
func (m *Member) ReadTo(room string) uint64 {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	if s, ok := m.subs[room]; ok {
		return s.read.Load()
	}
	return 0
}

// peopleLocked counts the people in r: a person on several devices once.
// The caller holds hub.mu.
func (r *Room) peopleLocked() int {
	n := len(r.members)
	var seen map[*person]bool
	for o := range r.members {
		if o.unannounced {
			n-- // a script, not someone here
			continue
		}
		if o.person == nil || len(o.person.sessions) < 2 {
			continue
		}
		if seen[o.person] {
			n--
			continue
		}
		if seen == nil {
			seen = map[*person]bool{}
		}
		seen[o.person] = true
	}
	return n
}

// hasPersonLocked reports whether another session of m's person is in r.
// The caller holds hub.mu.
func (r *Room) hasPersonLocked(m *Member) bool {
	for _, o := range m.sessionsLocked() {
		if o != m && !o.unannounced {
			if _, in := r.members[o]; in {
				return true
			}
		}
	}
	return false
}
