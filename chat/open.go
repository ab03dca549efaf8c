package chat

import (
	"fmt"

	"github.com/chatroom/chatroom/store"
)

// Opening a room (loading it into memory) and letting someone into it need
// the room's record from the store: its settings, the bounds of its log,
// whether the key entering was invited. They are read before the hub's lock
// is taken (readRooms), so that nobody waits on the disk behind it: after a
// restart no room is open, and a crowd coming back opens every room each
// person was in.
//
// A record read before the lock is used under it only if no room's record
// changed in between: every change a reader could miss (a room emptied and
// let go, deleted or expired, pruned, an invitation given or withdrawn,
// a room made private) moves h.roomEpoch on once its store write is done.
// Otherwise, rarely, the record is read again under the lock.

// roomRecord is what opening name and letting one key into it need.
type roomRecord struct {
	name        string
	known       bool // the room was set up (a direct conversation always is)
	info        store.RoomInfo
	bounds      bool   // first and last were read (not for a room open then)
	first, last uint64 // the oldest Seq stored and the last given
	invited     bool   // the key was invited (read for invite-only rooms)
}

// roomRecords are records read at one epoch of the hub's rooms; the zero
// value holds none. A join reads a few (a slice: a map would cost a join
// a kilobyte).
type roomRecords struct {
	epoch uint64
	list  []roomRecord
}

// get returns the record of name, if read.
func (recs roomRecords) get(name string) (roomRecord, bool) {
	for _, rec := range recs.list {
		if rec.name == name {
			return rec, true
		}
	}
	return roomRecord{}, false
}

// put records rec in place of the one of the same name, if any.
func (recs *roomRecords) put(rec roomRecord) {
	for i := range recs.list {
		if recs.list[i].name == rec.name {
			recs.list[i] = rec
			return
		}
	}
	recs.list = append(recs.list, rec)
}

// readRooms reads, outside the hub's lock, what opening names and letting
// key into them need. A room open now is known from memory: of it only an
// invitation is read, if it is invite-only (the lobby, always open, costs
// a join no read).
func (h *Hub) readRooms(key string, names ...string) (roomRecords, error) {
	// The epoch first: a change whose bump comes after this is caught at
	// use; one whose bump came before wrote the store before these reads.
	recs := roomRecords{epoch: h.roomEpoch.Load(), list: make([]roomRecord, 0, len(names))}
	h.mu.RLock()
	for _, name := range names {
		if r, open := h.rooms[name]; open {
			recs.put(roomRecord{name: name, known: true, info: store.RoomInfo{Name: name, InviteOnly: r.inviteOnly}})
		}
	}
	h.mu.RUnlock()
	for i, rec := range recs.list {
		if rec.info.InviteOnly && key != "" {
			invited, err := h.opts.Store.Invited(ctxBG, rec.name, key)
			if err != nil {
				return roomRecords{}, fmt.Errorf("open room %s: %w", rec.name, err)
			}
			recs.list[i].invited = invited
		}
	}
	for _, name := range names {
		if _, done := recs.get(name); done {
			continue
		}
		rec, err := h.readRoom(name, key, true)
		if err != nil {
			return roomRecords{}, err
		}
		recs.put(rec)
	}
	return recs, nil
}

// readRoom reads name's record, its log bounds if withBounds, and whether
// key was invited if the room is invite-only.
func (h *Hub) readRoom(name, key string, withBounds bool) (rec roomRecord, err error) {
	rec.name = name
	if _, _, dm := dmParties(name); dm {
		rec.known = true
	} else {
		if rec.info, rec.known, err = h.opts.Store.RoomInfo(ctxBG, name); err != nil {
			return rec, fmt.Errorf("open room %s: %w", name, err)
		}
		if rec.info.InviteOnly && key != "" {
			if rec.invited, err = h.opts.Store.Invited(ctxBG, name, key); err != nil {
				return rec, fmt.Errorf("open room %s: %w", name, err)
			}
		}
	}
	if !withBounds {
		return rec, nil
	}
	rec.bounds = true
	if rec.last, err = h.opts.History.LastSeq(ctxBG, name); err != nil {
		return rec, fmt.Errorf("open room %s: %w", name, err)
	}
	rec.first = rec.last + 1
	if rec.last > 0 {
		oldest, err := h.opts.History.After(ctxBG, name, 0, 1)
		if err != nil {
			return rec, fmt.Errorf("open room %s: %w", name, err)
		}
		if len(oldest) > 0 {
			rec.first = oldest[0].Seq
		}
	}
	return rec, nil
}

// recordLocked returns the record of name read in recs if it is still
// true, and otherwise reads it again, under the lock (rare: see above).
// The caller holds h.mu.
func (h *Hub) recordLocked(recs roomRecords, name, key string, withBounds bool) (roomRecord, error) {
	if rec, ok := recs.get(name); ok && recs.epoch == h.roomEpoch.Load() && (rec.bounds || !withBounds) {
		return rec, nil
	}
	return h.readRoom(name, key, withBounds)
}

// roomsChanged says that a room's stored record changed in a way a record
// read before it would miss; call it once the store write is done.
func (h *Hub) roomsChanged() { h.roomEpoch.Add(1) }

// roomLocked returns the room called name, opening it from recs (read by
// readRooms) if it is not open. The caller holds h.mu for writing.
func (h *Hub) roomLocked(name string, recs roomRecords) (*Room, error) {
	if r, ok := h.rooms[name]; ok {
		return r, nil
	}
	if why, ok := h.expiring[name]; ok {
		return nil, fmt.Errorf("#%s is being removed, %s; try again in a moment", name, why)
	}
	rec, err := h.recordLocked(recs, name, "", true)
	if err != nil {
		return nil, err
	}
	r := newRoom(h, name, rec.first, rec.last)
	if !r.dm {
		r.topic, r.inviteOnly, r.kept = rec.info.Topic, rec.info.InviteOnly, rec.info.Kept
	}
	h.rooms[name] = r
	return r, nil
}

// mayEnterLocked reports whether m may be in r: an invite-only room lets in
// operators and invited keys. The caller holds h.mu.
func (h *Hub) mayEnterLocked(m *Member, r *Room, recs roomRecords) (bool, error) {
	if r.dm {
		return r.parties[0] == m.author || r.parties[1] == m.author, nil
	}
	if !r.inviteOnly || m.isOpLocked() {
		return true, nil
	}
	if m.key == "" {
		return false, nil
	}
	rec, err := h.recordLocked(recs, r.name, m.key, false)
	if err != nil {
		return false, err
	}
	if !rec.info.InviteOnly {
		// The room was made private since the record was read.
		return h.opts.Store.Invited(ctxBG, r.name, m.key)
	}
	return rec.invited, nil
}

// rejoinableLocked returns the room a member coming back was in, or nil if
// it may not be rejoined: deleted, or invite-only without an invitation.
// The caller holds h.mu for writing.
func (h *Hub) rejoinableLocked(m *Member, name string, recs roomRecords) (*Room, error) {
	rec, err := h.recordLocked(recs, name, m.key, false)
	if err != nil || !rec.known {
		return nil, err
	}
	r, err := h.roomLocked(name, recs)
	if err != nil {
		return nil, err
	}
	if r.dm && r.parties[0] != m.author && r.parties[1] != m.author {
		return nil, nil
	}
	if ok, err := h.mayEnterLocked(m, r, recs); err != nil || !ok {
		return nil, err
	}
	return r, nil
}
