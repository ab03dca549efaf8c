package chat

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/roomlog"
	"github.com/chatroom/chatroom/store"
)

// ctxBG is the context of store and history calls: they are short, and a
// room operation is not cancelled halfway.
var ctxBG = context.Background()

// Room is a log of messages (package roomlog) and the members reading it:
// who is in, their roster, the topic, who may enter.
//
// A room is a public room (#name) or a direct conversation between two
// people, which only they can read.
type Room struct {
	hub  *Hub
	name string
	dm   bool
	// parties are a direct conversation's two authors.
	parties [2]string

	// log is the room's messages, stored and numbered; members read it
	// through their cursors (sub.cursor).
	log *roomlog.Log

	// Guarded by hub.mu.
	members map[*Member]struct{}
	// entered counts sessions entering the room, so that letting it go
	// once emptied (see letGoEmptied) can tell whether anyone came since.
	// Guarded by hub.mu.
	entered uint64

	// Guarded by hub.mu.
	topic      string
	inviteOnly bool
	kept       bool // an operator owns it: it stays when empty (RoomInfo.Kept)

	// version counts changes to who is online and their nicks; roster
	// caches the sorted list for one version, shared by every view.
	version atomic.Uint64
	roster  atomic.Pointer[rosterSnapshot]
}

type rosterSnapshot struct {
	version uint64
	online  []Online
}

// newRoom returns the room called name, whose History holds messages
// first to last (none if last is 0).
func newRoom(h *Hub, name string, first, last uint64) *Room {
	r := &Room{
		hub:  h,
		name: name,
		log: roomlog.New(roomlog.Config{Name: name, History: h.opts.History, Tail: h.opts.Tail,
			First: first, Last: last, Now: h.now, Stored: h.obs.Posted}),
		members: make(map[*Member]struct{}),
	}
	if a, b, ok := dmParties(name); ok {
		r.dm, r.parties = true, [2]string{a, b}
	}
	return r
}

// dmPrefix starts the names of direct conversations; it cannot start a
// public room's name.
const dmPrefix = "dm:"

// IsDirect reports whether a room name is that of a direct conversation.
func IsDirect(name string) bool { return strings.HasPrefix(name, dmPrefix) }

// dmName is the name of the direct conversation between two authors.
func dmName(a, b string) string {
	if b < a {
		a, b = b, a
	}
	return dmPrefix + a + "|" + b
}

func dmParties(name string) (a, b string, ok bool) {
	rest, ok := strings.CutPrefix(name, dmPrefix)
	if !ok {
		return "", "", false
	}
	return strings.Cut(rest, "|")
}

// Name returns the room's name, without the leading '#'.
func (r *Room) Name() string { return r.name }

// Online describes one member, for rosters.
type Online struct {
	Nick string
	// Key is the public key fingerprint, "" when the member has none.
	Key string
	// Op is set for operators.
	Op bool
	// Away is set for someone who said /away, AwayReason to why.
	Away       bool
	AwayReason string
}

// Online returns who is in the room, sorted by nick. The slice is shared:
// callers must not modify it.
func (r *Room) Online() []Online {
	h := r.hub
	h.mu.RLock()
	v := r.version.Load()
	if snap := r.roster.Load(); snap != nil && snap.version == v {
		h.mu.RUnlock()
		return snap.online
	}
	out := make([]Online, 0, len(r.members))
	var at map[*person]int // a person on several devices is listed once
	for m := range r.members {
		if m.unannounced {
			continue // a script, not someone here
		}
		if p := m.person; p != nil && len(p.sessions) > 1 {
			if i, ok := at[p]; ok {
				out[i].Op = out[i].Op || m.isOpLocked()
				continue
			}
			if at == nil {
				at = map[*person]int{}
			}
			at[p] = len(out)
		}
		out = append(out, Online{Nick: m.nick, Key: m.key, Op: m.isOpLocked(), Away: m.pres.awayLocked(), AwayReason: m.pres.awayReason})
	}
	h.mu.RUnlock()
	slices.SortFunc(out, func(a, b Online) int {
		return strings.Compare(strings.ToLower(a.Nick), strings.ToLower(b.Nick))
	})
	r.roster.Store(&rosterSnapshot{version: v, online: out})
	return out
}

// RosterVersion changes whenever someone joins, leaves, changes nick or
// gains or loses operator rights, or goes away or comes back, so a view
// knows when to fetch Online.
func (r *Room) RosterVersion() uint64 { return r.version.Load() }

// serverLineLocked adds a line the server writes about an act: a join, a
// leave, a nick change, an announcement. It cannot fail (see roomlog's
// store): the act stands whether or not the line could be stored. The line
// is queued here, under hub.mu, so that its place in the log is that of the
// act among the others made under the lock; it is stored once the caller
// lets go of the lock with h.unlock, which waits for it, as a post is
// stored (see Member.post): a disk slow to store a join line must not make
// every session's reads wait behind the hub's lock. The caller holds hub.mu
// for writing and releases it with h.unlock.
func (r *Room) serverLineLocked(m message.Message) {
	h := r.hub
	h.lines = append(h.lines, queuedLine{log: r.log, p: r.log.Queue(m)})
}

// queuedLine is a server line queued under hub.mu, to store after.
type queuedLine struct {
	log *roomlog.Log
	p   *roomlog.Posting
}

// takeLinesLocked takes the server lines queued under hub.mu, and the
// notices that go after them, for storeLines. The caller holds hub.mu for
// writing.
func (h *Hub) takeLinesLocked() (lines []queuedLine, after []func()) {
	lines, after = h.lines, h.afterLine
	h.lines, h.afterLine = nil, nil
	return lines, after
}

// storeLines stores server lines queued under hub.mu, in the order queued
// (History refuses only lines people typed: these cannot fail), then
// queues the notices that were to follow them.
func storeLines(lines []queuedLine, after []func()) {
	for _, l := range lines {
		_, _ = l.log.Await(l.p)
	}
	for _, f := range after {
		f()
	}
}

// lastSeq is the Seq of the newest message.
func (r *Room) lastSeq() uint64 { return r.log.Last() }

// unreadLocked counts what m has not read of messages from to last: lines
// others said (Chat and Action), as a view counts them, leaving out those
// of authors m ignores; first is the Seq of the first of them. What the
// in-memory tail no longer holds (all of it, after a restart) was read
// from the history before the hub's lock was taken (Member.missed, see
// readMissed); beyond what that read, each message counts. The caller
// holds hub.mu.
func (r *Room) unreadLocked(m *Member, from, last uint64) (n int, first uint64) {
	oldestInTail := r.log.Scan(from, last, func(msg *message.Message) {
		if isNews(msg, m.author, m.ignored) {
			if n == 0 {
				first = msg.Seq
			}
			n++
		}
	})
	// Posts do not wait for the hub's lock: the tail may have moved on
	// past last since the caller read it.
	end := min(oldestInTail, last+1)
	if from >= end {
		return n, first
	}
	// The part before the tail, oldest first, goes before what was counted.
	before, beforeFirst, read := 0, uint64(0), from
	if missed, ok := m.missed[r.name]; ok {
		for _, seq := range missed.news {
			if seq >= from && seq < end {
				if before == 0 {
					beforeFirst = seq
				}
				before++
			}
		}
		read = end
		if missed.upTo < end {
			read = max(from, missed.upTo+1)
		}
	}
	if rest := end - read; rest > 0 {
		if before == 0 {
			beforeFirst = read
		}
		before += int(rest) // not read: each counts
	}
	if before > 0 {
		first = beforeFirst
	}
	return n + before, first
}

// isNews reports whether msg counts as unread for author, who ignores
// ignored: a line someone else said.
func isNews(msg *message.Message, author string, ignored map[string]string) bool {
	if msg.Author == author || (msg.Kind != message.Chat && msg.Kind != message.Action) {
		return false
	}
	_, ig := ignored[msg.Author]
	return !ig
}

// unreadScan is how many messages a member coming back may have read from
// the history, in each room, to count what it missed.
const unreadScan = 5000

// missedNews is what a member coming back missed in one room before the
// room's in-memory tail: the Seqs of lines others said, ascending, of
// those the history held up to upTo.
type missedNews struct {
	news []uint64
	upTo uint64
}

// readMissed reads from the history, for a member coming back, what it
// missed in each room it rejoins that the room's in-memory tail does not
// hold (after a restart, all of it), at most unreadScan messages a room.
// It reads with no lock held, so that a crowd reconnecting after a restart
// does not read the history one by one under the hub's lock; it keeps only
// Seqs. A room it cannot read is left out (its messages each count).
func (h *Hub) readMissed(author string, igs []store.Ignore, rejoin []store.Membership) map[string]missedNews {
	var need []store.Membership
	h.mu.RLock()
	for _, ms := range rejoin {
		if r := h.rooms[ms.Room]; r != nil {
			if r.log.InTail(ms.Cursor) {
				continue
			}
		}
		need = append(need, ms)
	}
	h.mu.RUnlock()
	if len(need) == 0 {
		return nil
	}
	ignored := make(map[string]string, len(igs))
	for _, ig := range igs {
		ignored[ig.Author] = ig.Nick
	}
	out := make(map[string]missedNews, len(need))
	for _, ms := range need {
		page, err := h.opts.History.After(ctxBG, ms.Room, ms.Cursor, unreadScan)
		if err != nil {
			continue
		}
		mn := missedNews{upTo: math.MaxUint64} // the history had no more
		if len(page) == unreadScan {
			mn.upTo = page[len(page)-1].Seq
		}
		for i := range page {
			if isNews(&page[i], author, ignored) {
				mn.news = append(mn.news, page[i].Seq)
			}
		}
		out[ms.Room] = mn
	}
	return out
}

// wakeMembersLocked wakes every member of r, for a change they are shown
// that posts no line (someone leaving whose leave line waits, or going
// away): a view fetches the roster when woken. The caller holds hub.mu.
func (r *Room) wakeMembersLocked() {
	for o := range r.members {
		o.wake()
	}
}

// announceLocked posts a line from the server, such as a moderation act.
func (r *Room) announceLocked(text string) {
	r.serverLineLocked(message.Message{Kind: message.Announcement, Text: text})
}

// subscribeLocked adds m to r, with the backlog it shows. A member coming
// back (was) sees what it had read as history and what it missed as new:
// the sub records how many it missed and where they start, for its view to
// mark (RoomTab.Unread); a member new to the room sees the last Backlog
// messages as history. It cannot fail: nothing it writes is worth keeping
// someone out of a room for, not even when the store cannot write. The
// caller holds hub.mu for writing.
func (h *Hub) subscribeLocked(m *Member, r *Room, ms store.Membership, was bool, joinText string) {
	if _, in := m.subs[r.name]; in {
		return
	}
	// Another device of someone here is not news, nor is a script.
	news := !r.dm && !m.unannounced && !r.hasPersonLocked(m)
	first, last := r.log.Bounds()
	// The backlog: the last Backlog messages, of those still kept.
	start := max(last-min(last, uint64(h.opts.Backlog)), first-1)
	s := &sub{room: r, cursor: roomlog.NewCursor(&m.reader, start), label: ms.Label, oldest: start + 1, mark: last}
	if was && ms.Cursor < last {
		// What was missed is news, however much of it the backlog shows:
		// the view marks where it starts and says how much there is.
		s.mark = ms.Cursor
		s.unreadAtJoin, s.unreadFrom = r.unreadLocked(m, max(ms.Cursor+1, first), last)
		s.unreadTo = last
	}
	s.unanswered.Store(ms.From != "")
	if r.dm && s.label == "" {
		s.label = "@" + r.otherParty(m.author)
	}
	if !r.dm && s.label == "" {
		s.label = "#" + r.name
	}
	if s.unreadAtJoin == 0 && start >= first {
		m.queueNotice(message.Message{Room: r.name, Seq: start, Kind: message.Notice, Text: fmt.Sprintf(
			"Earlier messages are not shown; these are the last %d (/history shows more).", last-start)})
	}
	s.read.Store(s.mark)
	r.members[m] = struct{}{}
	r.entered++
	r.log.Add(s.cursor)
	m.subs[r.name] = s
	m.order = append(m.order, s)
	m.roomsVersion.Add(1)
	r.version.Add(1)
	m.wake() // the backlog is there to read
	switch {
	case r.dm:
	case !news:
		// Another device of someone here: not news, and nobody's
		// roster changes.
	case h.cancelHeldLeaveLocked(m, r.name):
		// Back within reconnectGrace: their leave line was never
		// posted, and no join line is either; no line wakes the others,
		// whose rosters changed.
		r.wakeMembersLocked()
	default:
		// After joining, so that the member sees its own join line even
		// when it can only be shown live.
		r.serverLineLocked(message.Message{Kind: message.Join, Nick: m.nick, Author: m.author, Text: joinText})
	}
	if m.key != "" && !was && !m.unannounced {
		// Read up to what it is shown as history, should the session end
		// before it saves a read position of its own. If it cannot be
		// stored (the hub's write watch has logged why), the room is only
		// not reopened next time: not worth refusing the join for.
		key, put := m.key, store.Membership{Room: r.name, Cursor: s.mark, Label: labelFor(r, s), From: ms.From}
		h.afterLocked(func() { _ = h.opts.Store.PutMembership(ctxBG, key, put) })
	}
}

// labelFor is what a membership records as the room's name for its key.
func labelFor(r *Room, s *sub) string {
	if r.dm {
		return s.label
	}
	return ""
}

// otherParty is the author a direct conversation is with, as a label: the
// nick if the author is online.
func (r *Room) otherParty(me string) string {
	other := r.parties[0]
	if other == me {
		other = r.parties[1]
	}
	if m := r.hub.byAuthorLocked(other); m != nil {
		return m.nick
	}
	return "someone"
}

// unsubscribeLocked takes m out of r, recording where it had read to. The
// caller holds hub.mu for writing.
func (h *Hub) unsubscribeLocked(m *Member, r *Room, leave string, announce, forget bool) {
	s, in := m.subs[r.name]
	if !in {
		return
	}
	delete(r.members, m)
	r.log.Remove(s.cursor)
	delete(m.subs, r.name)
	m.order = slices.DeleteFunc(m.order, func(o *sub) bool { return o == s })
	m.roomsVersion.Add(1)
	r.version.Add(1)
	if announce && !r.dm && !m.unannounced && !r.hasPersonLocked(m) { // only the person's last session leaving is news
		r.serverLineLocked(message.Message{Kind: message.Leave, Nick: m.nick, Author: m.author, Text: leave})
	} else {
		r.wakeMembersLocked() // no line wakes them: their rosters changed
	}
	if m.key != "" {
		// Another window of the same key may still be in the room: it
		// keeps the room theirs. Written after the lock is released
		// (afterLocked): leaving is done whatever the store says. A
		// failed write is logged by the hub's write watch, and costs at
		// most a room reopened, or read positions older than they were.
		if forget && !r.hasKeyLocked(m.key) {
			key, name := m.key, r.name
			h.afterLocked(func() { _ = h.opts.Store.DeleteMembership(ctxBG, key, name) })
		} else if read := s.read.Load(); read > 0 {
			h.saveReadLocked(m.key, r.name, read)
		}
	}
	if m.current == r.name && len(m.order) > 0 {
		m.current = m.order[0].room.name
	}
	// An empty room leaves memory; its log is in History, to be read
	// again when someone comes.
	if len(r.members) == 0 && r.name != Lobby && h.rooms[r.name] == r {
		h.emptied = append(h.emptied, emptiedRoom{r, r.entered})
	}
}

// emptiedRoom is a room its last member left under hub.mu, to let go of
// once the lock is released (letGoEmptied).
type emptiedRoom struct {
	r       *Room
	entered uint64 // r.entered when it emptied
}

// letGoEmptied drops from memory the rooms emptied under the lock just
// released, unless someone entered since. A line of a room's last member
// may still be on its way to the store (a direct conversation has no leave
// line to queue behind it), so the room first waits for its log to settle,
// without the hub's lock: nobody else waits on the disk for it. Only then
// may it be loaded anew, numbering on after that line. The caller holds no
// hub lock.
func (h *Hub) letGoEmptied(emptied []emptiedRoom) {
	for _, e := range emptied {
		e.r.log.Settle()
	}
	h.mu.Lock()
	for _, e := range emptied {
		r := e.r
		if r.entered != e.entered || len(r.members) > 0 || h.rooms[r.name] != r {
			continue // someone came (their leaving lets it go), or it was deleted
		}
		delete(h.rooms, r.name)
		h.roomsChanged()
		if !r.dm {
			h.vacated[r.name] = h.now() // an empty room's day starts now
		}
	}
	h.unlock()
}

// closeLocked ends a member's session: it leaves every room, keeping its
// read positions for when it comes back. When the room ends the session (a
// kick, a ban, a newer session of the same key, the server stopping), tell
// is what the member is told as its view closes and reason the short form
// for logs; announce puts reason in the leave lines others see. The caller
// holds hub.mu for writing.
func (h *Hub) closeLocked(m *Member, tell, reason string, announce bool) {
	if m.left {
		return
	}
	m.left = true
	m.closedReason, m.endReason = tell, reason
	for _, s := range slices.Clone(m.order) {
		h.unsubscribeLocked(m, s.room, reason, announce, false)
	}
	h.dropLocked(m)
	close(m.doneC)
	m.wake() // a view waits on Wake alone; its Update says Closed
}

// dropLocked forgets a member's nick and presence.
func (h *Hub) dropLocked(m *Member) {
	h.unindexNickLocked(m)
	delete(h.members, m)
	h.dropSessionLocked(m)
}

// welcomeNames is how many nicks the welcome lists; /names lists all.
const welcomeNames = 20

// firstNicks returns the first n nicks of members in the order /names
// lists them (case aside), without sorting them all: a join holds the hub's
// lock while it greets, and sorting a busy lobby's thousands of nicks, each
// lowered at every comparison, held it for milliseconds a join.
func firstNicks(members map[*Member]struct{}, n int) []string {
	if n <= 0 {
		return nil
	}
	type nick struct{ lower, nick string }
	first := make([]nick, 0, n+1)
	for o := range members {
		c := nick{strings.ToLower(o.nick), o.nick}
		if len(first) == n && c.lower >= first[n-1].lower {
			continue
		}
		i, _ := slices.BinarySearchFunc(first, c.lower, func(e nick, t string) int { return strings.Compare(e.lower, t) })
		if i < len(first) && first[i].nick == c.nick {
			continue // another device of someone listed
		}
		first = slices.Insert(first, i, c)
		if len(first) > n {
			first = first[:n]
		}
	}
	out := make([]string, len(first))
	for i, c := range first {
		out[i] = c.nick
	}
	return out
}

// listFirstNames joins the first names of a list of total, with a count of
// the rest.
func listFirstNames(first []string, total int) string {
	if total <= len(first) {
		return strings.Join(first, ", ")
	}
	return strings.Join(first, ", ") + fmt.Sprintf(" and %d more (/names lists all)", total-len(first))
}
