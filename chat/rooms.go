package chat

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/limit"
	"github.com/chatroom/chatroom/sanitize"
	"github.com/chatroom/chatroom/store"
)

// roomNamePattern is what a public room may be called: 1-32 letters,
// digits, '-' and '_'.
var roomNamePattern = regexp.MustCompile(`^[\p{L}\p{N}_-]{1,32}$`)

// RoomName reads "#go" or "go" as a room name, composed (NFC) and
// lower-cased. A name holding a character that shows nothing is refused
// with the character named, so that no room can pass for another: "#lobby"
// with a Hangul filler would show as #lobby.
func RoomName(arg string) (string, error) {
	typed := norm.NFC.String(strings.TrimPrefix(strings.TrimSpace(arg), "#"))
	if problem := nickname.InvisibleProblem("#"+typed, "room names"); problem != "" {
		return "", errors.New(problem)
	}
	name := strings.ToLower(typed)
	if !roomNamePattern.MatchString(name) {
		return "", fmt.Errorf("%s is not a room name: use 1-32 letters, digits, '-' or '_', like #go", sanitize.Quote(arg))
	}
	return name, nil
}

// lookAlikeRoomLocked returns a room that exists whose name reads like
// name, as nicks are compared (case, width and look-alike letters: Cyrillic
// "lоbby" reads as "lobby"), or "". The caller holds h.mu.
func (h *Hub) lookAlikeRoomLocked(name string) string {
	for _, k := range nickname.Keys(name) {
		if other, ok := h.looks[k]; ok && other != name {
			return other
		}
	}
	return ""
}

// indexRoomLocked and unindexRoomLocked keep h.looks, the name of every
// public room under each form it is compared in, so that telling a new
// room from the others reads no store and takes no time in proportion to
// the rooms, under a lock that posting needs. The caller holds h.mu for
// writing.
func (h *Hub) indexRoomLocked(name string) {
	for _, k := range nickname.Keys(name) {
		h.looks[k] = name
	}
}

func (h *Hub) unindexRoomLocked(name string) {
	for _, k := range nickname.Keys(name) {
		if h.looks[k] == name {
			delete(h.looks, k)
		}
	}
}

// inRoomLocked finds the room of m's called name ("#go" or "go", or a
// conversation's name), or the one m is looking at for "". The caller
// holds h.mu.
func (m *Member) inRoomLocked(name string) (*Room, error) {
	if name == "" {
		if r := m.currentRoomLocked(); r != nil {
			return r, nil
		}
		return nil, refuse(ErrNotInRoom, "you are in no room")
	}
	if s, ok := m.subs[strings.TrimPrefix(name, "#")]; ok {
		return s.room, nil
	}
	return nil, refuse(ErrNotInRoom, "you are not in %s", name)
}

// tooManyRooms refuses entering one more room to a member in n.
func tooManyRooms(n int) error {
	return refuse(ErrTooManyRooms, "you are in %d rooms and conversations, the most one session may be in; /part one first", n)
}

// Join enters the room called room ("#go" or "go"), making it if it is
// new, and looks at it; a room the member is in already it only looks at.
// Refusals: ErrTooManyRooms, ErrInviteOnly, a *LimitError for making rooms
// or joining too fast, and a name that is not a room's or reads like
// another's.
func (m *Member) Join(room string) error {
	name, err := RoomName(room)
	if err != nil {
		return err
	}
	h := m.hub
	now := h.now()
	// Read before taking the lock, as a join's reads are.
	recs, err := h.readRooms(m.key, name)
	if err != nil {
		return err
	}
	rec, _ := recs.get(name)
	known := rec.known
	h.mu.Lock()
	locked := true
	defer func() {
		if locked {
			h.unlock()
		}
	}()
	if _, in := m.subs[name]; in {
		m.current = name
		return nil
	}
	if n := m.ownRoomsLocked(); n >= maxRooms {
		return tooManyRooms(n)
	}
	if err := m.allow(m.msgLimit, "join a room", now); err != nil {
		return err
	}
	if !known {
		// Refused before it costs the allowance to make rooms.
		if like := h.lookAlikeRoomLocked(name); like != "" {
			return fmt.Errorf("#%s looks too much like #%s, which exists: /join #%s", name, like, like)
		}
		if err := m.allowNewRoom(now); err != nil {
			return err
		}
		// A room an operator makes is theirs: it stays when empty. It
		// is stored before it is made, so that a room the store refuses
		// is refused, and outside the lock; storing it twice, should
		// two people make it at once, does no harm.
		info := store.RoomInfo{Name: name, Kept: m.isOpLocked()}
		locked = false
		h.unlock()
		if err := h.opts.Store.PutRoomInfo(ctxBG, info); err != nil {
			return err
		}
		rec.name, rec.known, rec.info = name, true, info
		recs.put(rec) // the room opens as stored
		h.mu.Lock()
		locked = true
		if m.left {
			return ErrLeft
		}
		h.indexRoomLocked(name)
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
	h.enterLocked(m, r, store.Membership{})
	m.current = name
	if !known {
		h.audit("room created", "room", name, "by", m.nick, "by_key", m.key)
		m.noticeLocked(r, message.Notice, fmt.Sprintf("You made #%s. /topic TEXT says what it is for; /part leaves it.", name))
	} else if r.topic != "" {
		m.noticeLocked(r, message.Notice, "Topic: "+r.topic)
	}
	return nil
}

// allowNewRoom limits how often rooms are made: per key and per address,
// across sessions, so that neither a new session nor a new key starts
// afresh. Listed operators are not limited.
func (m *Member) allowNewRoom(now time.Time) error {
	h := m.hub
	if h.listedOp(m.key) {
		return nil
	}
	wait, ok := limit.AllowAll(now, limit.Take{Limits: h.roomsByKey, Key: m.key},
		limit.Take{Limits: h.roomsByAddr, Key: limit.AddrGroup(m.addr)})
	if ok {
		return nil
	}
	return m.refused("make a room", wait, now)
}

// Part leaves room ("": the one the member is looking at), which must not
// be the last it is in.
func (m *Member) Part(room string) error {
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	r, err := m.inRoomLocked(room)
	if err != nil {
		return err
	}
	if len(m.order) <= 1 {
		return errors.New("this is the only room you are in; /quit leaves the chat")
	}
	h.partLocked(m, r, true)
	return nil
}

// Listing is one room as /rooms lists it.
type Listing struct {
	Name       string
	Online     int // people in it now
	Topic      string
	InviteOnly bool
}

// Listings returns the public rooms the member may see, the busiest first:
// an invite-only room is listed only to those it would let in.
func (m *Member) Listings() ([]Listing, error) {
	h := m.hub
	infos, err := h.opts.Store.RoomInfos(ctxBG)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var rows []Listing
	var ask []bool // the row is of an invite-only room: shown if invited
	h.mu.RLock()
	op := m.isOpLocked()
	add := func(name, topic string, inviteOnly bool) {
		if seen[name] {
			return
		}
		seen[name] = true
		online := 0
		if r, ok := h.rooms[name]; ok {
			online = r.peopleLocked()
			topic, inviteOnly = r.topic, r.inviteOnly
		}
		_, in := m.subs[name]
		if inviteOnly && !op && !in && m.key == "" {
			return
		}
		rows = append(rows, Listing{Name: name, Online: online, Topic: topic, InviteOnly: inviteOnly})
		ask = append(ask, inviteOnly && !op && !in)
	}
	add(Lobby, "", false)
	for _, info := range infos {
		add(info.Name, info.Topic, info.InviteOnly)
	}
	for name, r := range h.rooms {
		if !r.dm {
			add(name, r.topic, r.inviteOnly)
		}
	}
	h.mu.RUnlock()
	// Invitations are read with no hub lock held, as every read is.
	shown := rows[:0]
	for i, l := range rows {
		if ask[i] {
			if invited, err := h.opts.Store.Invited(ctxBG, l.Name, m.key); err != nil || !invited {
				continue
			}
		}
		shown = append(shown, l)
	}
	rows = shown
	slices.SortFunc(rows, func(a, b Listing) int {
		if a.Online != b.Online {
			return b.Online - a.Online
		}
		return strings.Compare(a.Name, b.Name)
	})
	return rows, nil
}

// ErrNoTopic: direct conversations have no topic.
var ErrNoTopic = errors.New("direct conversations have no topic")

// Topic is the topic of the room the member is looking at ("": none),
// and the room's name. A direct conversation has none (ErrNoTopic).
func (m *Member) Topic() (room, topic string, err error) {
	h := m.hub
	h.mu.RLock()
	defer h.mu.RUnlock()
	r := m.currentRoomLocked()
	if r == nil || r.dm {
		return "", "", ErrNoTopic
	}
	return r.name, r.topic, nil
}

// SetTopic sets the topic of room ("": the one the member is looking at;
// topic "": none), acting as the member: refused to a muted member
// (ErrMuted), or one changing it too fast (*LimitError).
func (m *Member) SetTopic(room, topic string) error {
	h := m.hub
	now := h.now()
	h.mu.Lock()
	defer h.unlock()
	r, err := m.inRoomLocked(room)
	if err != nil {
		return err
	}
	if r.dm {
		return ErrNoTopic
	}
	return m.setTopicLocked(r, topic, now)
}

// setTopicLocked is SetTopic in r. The caller holds h.mu for writing.
func (m *Member) setTopicLocked(r *Room, topic string, now time.Time) error {
	h := m.hub
	if err := m.refuseMutedLocked("topic not changed", now); err != nil {
		return err
	}
	if err := m.allow(m.msgLimit, "change the topic", now); err != nil {
		return err
	}
	topic = cleanReason(topic)
	// A topic an operator sets makes the room theirs: it stays when
	// empty. Anyone else's topic keeps nothing, or a topic would be a way
	// round the limit on making rooms.
	kept := r.kept || m.isOpLocked()
	r.topic, r.kept = topic, kept
	// Stored after the lock is released, in the order of the changes (see
	// SetPrivate, which writes the same record); if it cannot be, the
	// member is told.
	info := store.RoomInfo{Name: r.name, Topic: topic, InviteOnly: r.inviteOnly, Kept: kept}
	h.afterLocked(func() {
		if err := h.opts.Store.PutRoomInfo(ctxBG, info); err != nil {
			h.tell(m, r, fmt.Sprintf("The topic of #%s could not be stored (%v): after a restart it is as it was.", r.name, err))
		}
	})
	m.roomsVersion.Add(1)
	for o := range r.members {
		o.roomsVersion.Add(1)
	}
	if topic == "" {
		r.announceLocked(m.nick + " cleared the topic")
	} else {
		r.announceLocked(m.nick + " set the topic: " + topic)
	}
	return nil
}

// DeleteRoom deletes the public room called room ("#go" or "go") for
// everyone, with all its messages, acting as the member: operators only
// (ErrNotOperator); ErrNoSuchRoom if there is none. Unless confirmed, it
// deletes nothing and returns how many messages it would delete, so that
// a person can be asked first; confirmed, it returns 0.
func (m *Member) DeleteRoom(room string, confirmed bool) (messages uint64, err error) {
	name, err := RoomName(room)
	if err != nil {
		return 0, err
	}
	h := m.hub
	// Read before taking the lock, as a join's reads are.
	_, known, err := h.opts.Store.RoomInfo(ctxBG, name)
	if err != nil {
		return 0, err
	}
	h.mu.Lock()
	locked := true
	defer func() {
		if locked {
			h.unlock()
		}
	}()
	if err := m.requireOpLocked("delete"); err != nil {
		return 0, err
	}
	if name == Lobby {
		return 0, errors.New("the lobby cannot be deleted")
	}
	r, ok := h.rooms[name]
	if why, busy := h.expiring[name]; busy {
		return 0, fmt.Errorf("#%s is being removed already, %s", name, why)
	}
	if !ok && !known {
		return 0, refuse(ErrNoSuchRoom, "there is no room #%s", name)
	}
	if !confirmed {
		if r != nil {
			return r.lastSeq(), nil
		}
		locked = false
		h.unlock()
		return h.opts.History.LastSeq(ctxBG, name)
	}
	if r != nil {
		for o := range r.members {
			h.unsubscribeLocked(o, r, "", false, true)
			o.noticeLocked(o.currentRoomLocked(), message.Notice, fmt.Sprintf("%s deleted #%s.", m.nick, name))
		}
		delete(h.rooms, name)
	}
	// The room's records are deleted after its members are out of it,
	// and outside the lock: its log and its memberships may take the
	// disk a while, and everyone else goes on meanwhile. Marked as being
	// removed, it cannot be entered, loaded or made anew until they are
	// gone (roomLocked). Messages first: should the second write fail,
	// the room is known still, empty, and can be deleted again.
	h.expiring[name] = "being deleted"
	locked = false
	h.unlock()
	err = h.opts.History.DeleteRoom(ctxBG, name)
	if err == nil {
		err = h.opts.Store.DeleteRoomInfo(ctxBG, name)
	}
	h.mu.Lock()
	locked = true
	delete(h.expiring, name)
	h.roomsChanged()
	if err != nil {
		return 0, err
	}
	h.unindexRoomLocked(name)
	h.audit("room deleted", "room", name, "by", m.nick, "by_key", m.key)
	m.noticeLocked(m.currentRoomLocked(), message.Notice, fmt.Sprintf("#%s is deleted, with its messages.", name))
	return 0, nil
}
