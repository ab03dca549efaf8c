package chat

// What package chat's external tests (package chat_test) may see of its
// insides. Those tests drive members through chat/command, which imports
// chat, so they cannot be in package chat; these are the few internals
// they set or check, and the limits they count up to.

const (
	ReconnectGrace   = reconnectGrace
	MaxUnanswered    = maxUnanswered
	MaxUnansweredBy  = maxUnansweredBy
	MaxRooms         = maxRooms
	RoomExpiry       = roomExpiry
	NewRoomBurst     = newRoomBurst
	NewRoomEvery     = newRoomEvery
	NewRoomAddrBurst = newRoomAddrBurst
	NewRoomAddrEvery = newRoomAddrEvery
	DMPrefix         = dmPrefix
	MaxHighlights    = maxHighlights
	MaxHighlightLen  = maxHighlightLen
	FloodStrikes     = floodStrikes
	JoinBurst        = joinBurst
	JoinEvery        = joinEvery
	NickChangeBurst  = nickChangeBurst
	NickChangeEvery  = nickChangeEvery
	SettingMOTD      = settingMOTD
)

// DMName is the name of the direct conversation between two authors.
var DMName = dmName

// Opts is the hub's options, for a test to read its store or put a
// history in front of it.
func (h *Hub) Opts() *Options { return &h.opts }

// LoadedRooms counts the rooms the hub holds in memory.
func (h *Hub) LoadedRooms() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.rooms)
}

// LastSeq is the sequence number of the last line in a loaded room.
func (h *Hub) LastSeq(room string) uint64 {
	h.mu.RLock()
	r := h.rooms[room]
	h.mu.RUnlock()
	return r.lastSeq()
}

// LoadedRoom is a room the hub holds in memory, nil if none.
func (h *Hub) LoadedRoom(room string) *Room {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.rooms[room]
}

// CloseSession ends m's session as a kick does.
func (h *Hub) CloseSession(m *Member, tell, reason string) {
	h.mu.Lock()
	h.closeLocked(m, tell, reason, true)
	h.unlock()
}

// BarrierQueued reports whether something waits behind the lines being
// stored in r: when r's last member left, the barrier of its settling.
func (r *Room) BarrierQueued() bool { return r.log.Queued() > 0 }
