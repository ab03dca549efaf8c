package chat

import (
	"time"

	"github.com/chatroom/chatroom/chat/message"
)

// Observer is told what the hub does, for counting: package metrics
// exports it to Prometheus. The hub calls it on the message path (every
// line stored, every read of a member's view), so an implementation must
// be cheap and safe for concurrent use: an atomic add, no lock, no
// allocation. Options.Observer nil observes nothing.
type Observer interface {
	// Posted is called once for every line stored in a room's log, with
	// its kind (Chat, Action, Join, Leave, NickChange, Announcement).
	Posted(kind message.Kind)
	// Delivered is called when Member.Next hands n lines (n > 0) to a
	// member's view: the room's lines and the member's private ones.
	Delivered(n int)
	// Lag is called when Member.Next reads something new, with how many
	// lines the member was behind the room's last Seq in the room it was
	// furthest behind in: 1 for a member keeping up with a live room.
	Lag(behind uint64)
	// Refused is called when the hub refuses something for one of the
	// reasons named Refused... in this package.
	Refused(reason string)
	// StoreWrite is called after every write to the Store or the History
	// (a message appended, a read position saved, a nick claimed...), with
	// how long it took, whether it failed or not.
	StoreWrite(took time.Duration)
}

// Why the hub refuses: the reasons Observer.Refused is given. They are
// label values: few, fixed, and never any person's text.
const (
	// RefusedRateLimit: a member did something more often than its rate
	// limit lets it (a line, a nick change, a new room...): *LimitError.
	RefusedRateLimit = "rate_limit"
	// RefusedFlooding: a member kept on past its rate limit and was
	// disconnected for it.
	RefusedFlooding = "flooding"
	// RefusedMuted: a muted member's line.
	RefusedMuted = "muted"
	// RefusedBanned: a banned key or address trying to join.
	RefusedBanned = "banned"
	// RefusedJoinRate: a key or address joining too often.
	RefusedJoinRate = "join_rate"
	// RefusedTooManySessions: a key with MaxSessionsPerKey sessions that
	// all still answer (ErrTooManySessions).
	RefusedTooManySessions = "too_many_sessions"
	// RefusedNotStored: a person's line the store could not keep
	// (ErrNotStored).
	RefusedNotStored = "not_stored"
)

// nopObserver is the Observer of a hub given none.
type nopObserver struct{}

func (nopObserver) Posted(message.Kind)      {}
func (nopObserver) Delivered(int)            {}
func (nopObserver) Lag(uint64)               {}
func (nopObserver) Refused(string)           {}
func (nopObserver) StoreWrite(time.Duration) {}
