package ui

import (
	"cmp"
	"slices"

	"github.com/chatroom/chatroom/room"
)

// roomView is a session's view of one of its rooms: its own scrollback,
// scroll position and unread count, kept while the session looks at
// another room.
type roomView struct {
	name    string
	entries []*entry
	bytes   int // text held by entries

	scroll int // lines scrolled up from the newest; 0 is live
	unseen int // messages that arrived while scrolled up

	// unread counts messages from others that arrived while the session
	// looked at another room; mentions counts those of them that name the
	// reader (every message of a direct conversation does).
	unread, mentions int
	// countedFrom is the Seq of the first message unread counts, for
	// taking out of the counts what the reader read on another device.
	countedFrom uint64

	// lastSeq is the newest log message shown: how far the reader has
	// read, once they are looking at the newest.
	lastSeq uint64

	// atTop says the last frame showed the oldest line held; a further
	// PgUp asks the room for older messages. begun says there are none;
	// full that the scrollback holds no more.
	atTop, begun, full bool
	// lift is how far to scroll up once the older messages asked for by
	// PgUp arrive, so that the PgUp shows them.
	lift int

	// pending are the reader's lines typed here that the rate limit holds
	// back, oldest first: shown dimmed below everything, until they go.
	pending []*entry
}

// add appends one message, keeping a scrolled-up view where it is, and
// drops the oldest entries beyond the scrollback's bounds.
func (v *roomView) add(e *entry, lines int) {
	v.entries = append(v.entries, e)
	v.bytes += len(e.msg.Text)
	drop := 0
	for len(v.entries)-drop > maxEntries || (v.bytes > maxScrollbackBytes && len(v.entries)-drop > 1) {
		v.bytes -= len(v.entries[drop].msg.Text)
		v.entries[drop] = nil
		drop++
	}
	v.entries = v.entries[drop:]
	if drop > 0 {
		v.begun, v.full = false, false // older ones can be fetched again
	}
	if e.msg.Seq > v.lastSeq && !e.msg.Private {
		v.lastSeq = e.msg.Seq
	}
	if v.scroll > 0 {
		v.scroll += lines
		if e.msg.Kind == room.Chat || e.msg.Kind == room.Action {
			v.unseen++
		}
	}
}

// prepend puts older messages above what the view holds, as many as the
// scrollback's bounds allow (full says some did not fit). The view stays
// where it is, unless the reader asked for them by scrolling up (lift) or
// by /history: then it moves up to show them; layout gives an entry's
// height.
func (v *roomView) prepend(es []*entry, layout func(*entry) int) {
	// Pages asked for twice, or arriving out of order, go in once, in
	// order, above what is held.
	if oldest := v.oldestSeq(); oldest > 0 {
		es = slices.DeleteFunc(es, func(e *entry) bool { return e.msg.Seq >= oldest })
	}
	slices.SortStableFunc(es, func(a, b *entry) int { return cmp.Compare(a.msg.Seq, b.msg.Seq) })
	es = slices.CompactFunc(es, func(a, b *entry) bool { return a.msg.Seq == b.msg.Seq })
	if len(es) == 0 {
		v.lift = 0
		return
	}
	below := 0 // lines under the older messages
	if v.lift == 0 {
		for _, e := range v.entries {
			below += layout(e)
		}
	}
	bytes := 0
	for _, e := range es {
		bytes += len(e.msg.Text)
	}
	// Drop the oldest of them until they fit.
	for len(es) > 0 && (len(v.entries)+len(es) > maxEntries || v.bytes+bytes > maxScrollbackBytes) {
		bytes -= len(es[0].msg.Text)
		es = es[1:]
		v.full = true
	}
	v.entries = append(es, v.entries...)
	v.bytes += bytes
	v.atTop = false
	if v.lift > 0 {
		v.scroll += v.lift
	} else if len(es) > 0 {
		v.scroll = below
	}
	v.lift = 0
}

// oldestSeq is the log position of the oldest message held, from which to
// ask for older ones; 0 when it holds none.
func (v *roomView) oldestSeq() uint64 {
	for _, e := range v.entries {
		if (!e.msg.Private || e.msg.Older) && e.msg.Seq > 0 {
			return e.msg.Seq
		}
	}
	return 0
}

func (v *roomView) clear() {
	v.entries, v.bytes, v.scroll, v.unseen = nil, 0, 0, 0
	v.atTop, v.begun, v.full = false, false, false
}

// readUpTo takes out of the unread counts the messages up to seq, which
// the reader has read on another device. It reports whether they changed.
// Every message shown since countedFrom that is news was counted: the
// view was not on screen meanwhile (looking at it resets the counts).
func (v *roomView) readUpTo(seq uint64) bool {
	if v.unread == 0 || seq < v.countedFrom {
		return false
	}
	unread, mentions := 0, 0
	for i := len(v.entries) - 1; i >= 0; i-- {
		e := v.entries[i]
		if e.msg.Private {
			continue
		}
		if e.msg.Seq <= seq || e.msg.Seq < v.countedFrom {
			break
		}
		if e.news() {
			unread++
			if e.mention {
				mentions++
			}
		}
	}
	changed := unread != v.unread || mentions != v.mentions
	v.unread, v.mentions = unread, mentions
	return changed
}
