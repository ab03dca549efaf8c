package chat

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// roomExpiry is how long a room nobody owns may stand empty before it is
// deleted: long enough that nobody loses a room they mean to come back to
// tomorrow, short enough that rooms made in a flood do not pile up.
const roomExpiry = 24 * time.Hour

// expireRooms deletes the rooms nobody owns that have stood empty for
// roomExpiry, and returns how many it deleted.
//
// Empty means nobody is in it and no chat message is left in it: join and
// leave lines do not count, and retention may empty a room whose only
// messages were old. Owned means RoomInfo.Kept: an operator made it, set
// its topic or made it invite-only; the lobby is never deleted. Those away
// who were in an empty room do not keep it (else anyone could keep rooms
// for ever by making them and going away): their memberships go with it,
// and they are not put back in it. The day counts from when the last
// person left (or, if this daemon did not see that, from when a sweep
// first found the room empty), so it starts again whenever the room is
// used.
//
// It reads the store without the hub's lock; see expireRoom for the
// deletion.
func (h *Hub) expireRooms(ctx context.Context) (int, error) {
	infos, err := h.opts.Store.RoomInfos(ctx)
	if err != nil {
		return 0, fmt.Errorf("expire rooms: %w", err)
	}
	now := h.now()
	h.mu.Lock()
	vacated := h.vacated
	h.vacated = make(map[string]time.Time)
	h.unlock()
	expired := 0
	var errs []error
	spoken := make(map[string]bool, len(h.spoken))
	defer func() { h.spoken = spoken }()
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return expired, err
		}
		if info.Kept || info.Name == Lobby {
			continue
		}
		left, wasLeft := vacated[info.Name]
		h.mu.RLock()
		_, inUse := h.rooms[info.Name]
		h.mu.RUnlock()
		if !inUse {
			// Nothing is said in a room nobody is in: what the last
			// sweep found stands unless someone was in it since or
			// pruning deleted some of it. Most rooms cost no query.
			said, known := h.spoken[info.Name]
			if !known || wasLeft {
				var err error
				if said, err = h.opts.History.Spoken(ctx, info.Name); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			spoken[info.Name] = said
			inUse = said
		}
		var err error // this room's, not an earlier one's
		switch {
		case inUse && !info.EmptySince.IsZero():
			err = h.opts.Store.MarkRoomEmpty(ctx, info.Name, time.Time{})
		case inUse:
		case wasLeft && left.After(info.EmptySince):
			err = h.opts.Store.MarkRoomEmpty(ctx, info.Name, left)
		case info.EmptySince.IsZero():
			err = h.opts.Store.MarkRoomEmpty(ctx, info.Name, now)
		case now.Sub(info.EmptySince) >= roomExpiry:
			var gone bool
			if gone, err = h.expireRoom(ctx, info.Name); gone {
				expired++
				h.audit("room expired", "room", info.Name, "empty_since", info.EmptySince.UTC().Format(time.RFC3339))
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return expired, fmt.Errorf("expire rooms: %w", err)
	}
	return expired, nil
}

// expireRoom deletes an empty room, unless someone came meanwhile. While it
// deletes, outside the hub's lock, the room cannot be entered (roomLocked
// refuses it), so nobody enters a room as it goes.
func (h *Hub) expireRoom(ctx context.Context, name string) (gone bool, err error) {
	h.mu.Lock()
	_, loaded := h.rooms[name]
	_, busy := h.expiring[name]
	if loaded || busy {
		h.unlock()
		return false, nil
	}
	h.expiring[name] = "having stood empty"
	h.unlock()
	defer func() {
		h.mu.Lock()
		delete(h.expiring, name)
		h.roomsChanged()
		if gone {
			h.unindexRoomLocked(name)
		}
		h.unlock()
	}()
	// Someone may have come, spoken or made it theirs, and left, since
	// the sweep looked.
	if spoken, err := h.opts.History.Spoken(ctx, name); err != nil || spoken {
		return false, err
	}
	if info, ok, err := h.opts.Store.RoomInfo(ctx, name); err != nil || !ok || info.Kept || info.EmptySince.IsZero() {
		return false, err
	}
	if err := h.opts.History.DeleteRoom(ctx, name); err != nil {
		return false, err
	}
	if err := h.opts.Store.DeleteRoomInfo(ctx, name); err != nil {
		return false, err
	}
	return true, nil
}
