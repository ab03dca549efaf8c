package chat

import "github.com/chatroom/chatroom/chat/message"

// Update is what a member's view needs after a wake: the messages it has
// not seen yet, and whatever else about the member changed since the last
// Update. Each part but Messages is set only when it changed (its
// ...Changed flag says so), so a wake that brings only messages costs what
// Next does, and a view keeps no version counters of its own.
type Update struct {
	// Messages are what Next returns.
	Messages []message.Message

	// RoomsChanged says Rooms and Current are new: the member joined or
	// left a room, a conversation's label changed, or it looks at another
	// room. They are what Member.Rooms returns.
	RoomsChanged bool
	Rooms        []RoomTab
	Current      string

	// RosterChanged says Roster is new: who is in the room the member
	// looks at (Room.Online), after someone came, went, or changed nick,
	// or after the member looked at another room. Read only: it is shared.
	RosterChanged bool
	Roster        []Online

	// NickChanged says Nick is new: the member's nick.
	NickChanged bool
	Nick        string

	// ReadsChanged says another session of the member's key read further
	// in one of its rooms; Member.ReadTo says how far.
	ReadsChanged bool

	// Closed says the member has left, or the room ended its session; it
	// is set once. ClosedReason is what the member was told (a kick, a
	// ban, the server stopping), "" when it left by itself.
	Closed       bool
	ClosedReason string
}

// reported is what the member's last Update told its view, so the next
// one tells only what changed. Only the goroutine that calls Update
// touches it.
type reported struct {
	started bool // an Update was made: the first tells everything
	rooms   uint64
	reads   uint64
	current *Room
	roster  uint64
	nick    *string
	closed  bool
}

// Update returns what the member has not seen yet (see Next) and what else
// changed since the last call (see Update). A view calls it once per wake
// (Wake; closing the member wakes it too). It must not be called from two
// goroutines at once, nor alongside Next.
func (m *Member) Update() Update {
	msgs, cur := m.take()
	u := Update{Messages: msgs}
	r := &m.reported
	// Each part is read first and compared with what was told: atomic
	// loads, no lock, no allocation when nothing changed.
	if v := m.roomsVersion.Load(); !r.started || v != r.rooms || cur != r.current {
		r.rooms = v
		u.RoomsChanged = true
		u.Rooms, u.Current = m.Rooms()
	}
	if cur != nil {
		if v := cur.RosterVersion(); !r.started || v != r.roster || cur != r.current {
			r.roster = v
			u.RosterChanged = true
			u.Roster = cur.Online()
		}
	}
	r.current = cur
	if p := m.shownNick.Load(); !r.started || p != r.nick {
		r.nick = p
		u.NickChanged = true
		u.Nick = m.Nick()
	}
	if v := m.readsVersion.Load(); v != r.reads {
		u.ReadsChanged = true
		r.reads = v
	}
	if !r.closed {
		select {
		case <-m.doneC:
			r.closed = true
			u.Closed = true
			u.ClosedReason = m.ClosedReason()
		default:
		}
	}
	r.started = true
	return u
}
