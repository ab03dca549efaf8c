package ui

import (
	"sync"
	"time"

	"github.com/chatroom/chatroom/chat/message"
)

// Layouts lays out each room message once for all the sessions that show
// it at the same width and time zone, instead of once per session: a line
// posted to a room of 2,000 people was wrapped and styled 2,000 times, the
// most CPU a session spent per message besides drawing. The sessions'
// scrollbacks then share the laid-out strings too. One Layouts serves a
// server's sessions; the zero value is not usable, use NewLayouts.
//
// Only lines that look the same to every reader are shared: the reader's
// own lines ("<you>"), lines that mention the reader and private lines are
// laid out by each session as before.
type Layouts struct {
	st styles // every session's styles are these (newStyles)

	mu    sync.Mutex
	byKey map[layoutKey]*sharedLayout
	ring  []layoutKey // keys in the order added; the oldest goes first
	next  int
}

// layoutKey names one message laid out one way.
type layoutKey struct {
	room  string
	seq   uint64
	width int
	zone  string // the time zone the time is shown in
}

type sharedLayout struct {
	msg   message.Message // what was laid out, to tell a reused Seq apart
	once  sync.Once
	lines []line
}

// layoutsKept is how many laid-out messages a Layouts keeps for sessions
// yet to show them. Sessions take a message's layout when it arrives (or
// when they first draw it), so only the newest are asked for again.
const layoutsKept = 2048

// NewLayouts returns an empty Layouts.
func NewLayouts() *Layouts {
	return &Layouts{
		st:    newStyles(),
		byKey: make(map[layoutKey]*sharedLayout, layoutsKept),
		ring:  make([]layoutKey, layoutsKept),
	}
}

// shareable reports whether e looks the same to every reader.
func shareable(e *entry) bool {
	return !e.mine && !e.mention && !e.msg.Private && e.msg.Seq > 0
}

// lines returns e laid out at width w in loc, laying it out if no session
// has yet. Sessions asking at once wait for one layout.
func (ls *Layouts) lines(e *entry, w int, loc *time.Location) []line {
	k := layoutKey{room: e.msg.Room, seq: e.msg.Seq, width: w, zone: loc.String()}
	ls.mu.Lock()
	s := ls.byKey[k]
	if s == nil || !sameMessage(s.msg, e.msg) {
		// A Seq seen before with another message is a room deleted and
		// begun again: the newer one replaces it.
		if s == nil {
			if old := ls.ring[ls.next]; old != (layoutKey{}) {
				delete(ls.byKey, old)
			}
			ls.ring[ls.next] = k
			ls.next = (ls.next + 1) % len(ls.ring)
		}
		s = &sharedLayout{msg: e.msg}
		ls.byKey[k] = s
	}
	ls.mu.Unlock()
	s.once.Do(func() { s.lines = e.layout(w, &ls.st, loc) })
	return s.lines
}

// sameMessage reports whether a and b are the same message, as far as its
// layout shows.
func sameMessage(a, b message.Message) bool {
	return a.Kind == b.Kind && a.Nick == b.Nick && a.Author == b.Author && a.Time.Equal(b.Time) && a.Text == b.Text
}
