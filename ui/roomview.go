package ui

import (
	"cmp"
	"slices"

	"github.com/chatroom/chatroom/chat/message"
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

	// firstUnread is the Seq where what is unread starts, while the
	// reader is elsewhere (0: nothing is); countedTo is how far unread
	// already counts what the room said was missed (RoomTab.UnreadTo),
	// so that those lines, as they arrive, are not counted twice.
	firstUnread, countedTo uint64
	// marker is the line above the first message that was unread when
	// the reader came in ("── 28 new ──"), held among the entries while
	// they stay: it sits before the first log message with Seq markSeq or
	// later (see placeMarker). nil when there is none.
	marker  *entry
	markSeq uint64
	// pin keeps the marker in view as the room is entered: at the top of
	// the message area when what follows it is taller, so the reader reads
	// from the first unread down. Scrolling or sending ends it.
	pin bool
}

// isLog reports whether e is a message of the room's log, in Seq order
// with the others, rather than a line of this session only.
func (e *entry) isLog() bool {
	return (!e.msg.Private || e.msg.Older) && e.msg.Seq > 0 && !e.marker
}

// setMarker puts the unread marker for n messages from Seq seq among the
// entries, replacing any earlier one.
func (v *roomView) setMarker(seq uint64, n int) {
	v.dropMarker()
	v.marker = &entry{msg: message.Message{Kind: message.Notice, Private: true}, marker: true, count: n}
	v.markSeq = seq
	v.entries = append(v.entries, v.marker)
	v.placeMarker()
}

// dropMarker takes the marker away: the reader left the room.
func (v *roomView) dropMarker() {
	if v.marker != nil {
		v.entries = slices.DeleteFunc(v.entries, func(e *entry) bool { return e == v.marker })
	}
	v.marker, v.markSeq, v.pin = nil, 0, false
}

// placeMarker moves the marker to its place: above the first log message
// it marks. When that message is not held (it is in older pages yet to be
// loaded), the marker sits at the top and says so; it moves down to the
// real place as the older pages come.
func (v *roomView) placeMarker() {
	if v.marker == nil {
		return
	}
	i := slices.Index(v.entries, v.marker)
	v.entries = slices.Delete(v.entries, i, i+1)
	at := slices.IndexFunc(v.entries, func(e *entry) bool { return e.isLog() && e.msg.Seq >= v.markSeq })
	if at < 0 {
		// What it marks is yet to arrive: after everything, and before
		// what comes next (see add).
		at = len(v.entries)
	}
	v.entries = slices.Insert(v.entries, at, v.marker)
	known := at == len(v.entries)-1 || v.begun || v.entries[at+1].msg.Seq == v.markSeq ||
		slices.ContainsFunc(v.entries[:at], (*entry).isLog)
	if v.marker.above != !known {
		v.marker.above = !known
		v.marker.lines = nil // laid out again
	}
}

// add appends one message, keeping a scrolled-up view where it is, and
// drops the oldest entries beyond the scrollback's bounds.
func (v *roomView) add(e *entry, lines int) {
	n := len(v.entries)
	if v.marker != nil && n > 0 && v.entries[n-1] == v.marker && e.msg.Seq < v.markSeq && (e.msg.Seq > 0 || !e.msg.Private) {
		// Read before the marker's place: the marker stays last.
		v.entries = append(v.entries[:n-1], e, v.marker)
	} else {
		v.entries = append(v.entries, e)
		if v.marker != nil && e.isLog() && (e.msg.Seq < v.markSeq || v.entries[n-1] == v.marker) {
			v.placeMarker()
		}
	}
	v.bytes += len(e.msg.Text)
	drop := 0
	for len(v.entries)-drop > maxEntries || (v.bytes > maxScrollbackBytes && len(v.entries)-drop > 1) {
		v.bytes -= len(v.entries[drop].msg.Text)
		if v.entries[drop] == v.marker {
			v.marker, v.markSeq, v.pin = nil, 0, false
		}
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
		if e.msg.Kind == message.Chat || e.msg.Kind == message.Action {
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
	v.placeMarker()
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
	v.marker, v.markSeq, v.pin = nil, 0, false
	v.atTop, v.begun, v.full = false, false, false
}

// readUpTo takes out of the unread counts the messages up to seq, which
// the reader has read on another device, and moves where the unread part
// starts past them. It reports whether the counts changed. What is unread
// is each message that is news from firstUnread on: those the room counted
// as missed (up to countedTo) and those that came since, all held unless
// the missed ones go back further than the oldest held; then, if seq is
// not past them, what of them was read is not known here, and the counts
// stay as they are.
func (v *roomView) readUpTo(seq uint64) bool {
	if v.unread == 0 || v.firstUnread == 0 || seq < v.firstUnread {
		return false
	}
	if oldest := v.oldestSeq(); seq < v.countedTo && (oldest == 0 || oldest > seq+1) {
		return false
	}
	unread, mentions, first := 0, 0, uint64(0)
	for i := len(v.entries) - 1; i >= 0; i-- {
		e := v.entries[i]
		if !e.isLog() {
			continue
		}
		if e.msg.Seq <= seq {
			break
		}
		if e.news() {
			unread++
			first = e.msg.Seq
			if e.mention {
				mentions++
			}
		}
	}
	changed := unread != v.unread || mentions != v.mentions
	v.unread, v.mentions, v.firstUnread = unread, mentions, first
	return changed
}
