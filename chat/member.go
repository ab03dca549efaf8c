package chat

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/time/rate"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/nickname"
	"github.com/chatroom/chatroom/chat/roomlog"
	"github.com/chatroom/chatroom/sanitize"
	"github.com/chatroom/chatroom/store"
)

// ErrLeft is returned when a member that has left tries to act.
var ErrLeft = errors.New("you have left the chat")

// errFlooding says a member was just closed for flooding.
var errFlooding = errors.New("you were disconnected for flooding the room")

// maxNotices bounds the lines queued for a member that is not reading
// (private lines, and older messages it asked for), so the queue cannot
// grow without limit.
const maxNotices = 256 + maxHistory

// Member is one session: a person, under one nick, in one or more rooms.
// In each room it has a cursor into the log; it also has a queue of
// private lines. One goroutine reads it (Next); any goroutine may post
// through it.
type Member struct {
	hub    *Hub
	id     uint64
	key    string
	author string
	addr   string // IP address, without port
	loc    *time.Location
	// alive asks the transport whether the session's client still
	// answers (Identity.Alive); nil when it cannot tell.
	alive  func(context.Context) error
	joined time.Time
	// unannounced is Identity.Unannounced; set once, at join.
	unannounced bool

	// Guarded by hub.mu.
	person       *person // the key's sessions, this one among them; nil without a key
	nick         string
	subs         map[string]*sub
	order        []*sub            // the rooms in the order joined
	current      string            // the room the member is looking at
	op           bool              // operator until the person leaves, by /op (setOpLocked)
	deop         bool              // operator rights set aside until the person leaves, by /deop
	ignored      map[string]string // author -> nick
	quitMessage  string
	left         bool   // the member has left or was closed; doneC is closed
	closedReason string // what the member was told when the room ended the session
	endReason    string // the same, short, for logs
	// missed is what joining read from the history of the rooms it
	// rejoins, for counting what the member missed (see readMissed); nil
	// once it has joined.
	missed map[string]missedNews
	// pres is the person's /away (see presence); its fields say what
	// guards them.
	pres *presence

	// shownNick is nick, for Nick: the view asks for it on every wake,
	// and must not take the hub's lock for it. Set with nick.
	shownNick atomic.Pointer[string]

	// lastDM is the conversation of the last direct message the member
	// was shown, for /reply. Next sets it, outside the hub's lock.
	lastDM atomic.Pointer[string]

	// quiet hides others' joins and leaves (/quiet); highlights are the
	// words that make a line for the member as its nick does
	// (/highlight). Both are the key's, kept in the store (see prefs.go);
	// atomic, as every line anyone posts reads them.
	quiet      atomic.Bool
	highlights atomic.Pointer[[]string]

	// roomsVersion changes when the member joins or leaves a room.
	roomsVersion atomic.Uint64

	// reported is what the last Update told the view; owned by the
	// goroutine that reads the member.
	reported reported

	// readsVersion changes when another session of the key reads further
	// in one of the member's rooms (see shareReadLocked).
	readsVersion atomic.Uint64

	// lastActive is when the member last submitted a line, in Unix
	// nanoseconds. Atomic, not under the hub's lock: every line stamps it,
	// and taking the hub's write lock for that made every session's reads
	// wait behind every line.
	lastActive atomic.Int64

	// Rate limits; rate.Limiter is safe for concurrent use.
	msgLimit   *rate.Limiter
	nickLimit  *rate.Limiter
	olderLimit *rate.Limiter // loading older messages
	strikes    *rate.Limiter // refusals for posting too fast; running out means a flood

	// reader is woken when any of the member's rooms has something new,
	// or it has a private line.
	reader roomlog.Reader
	doneC  chan struct{}

	// search is where the member's last /search got to; searchMu keeps
	// two /search lines from paging at once.
	searchMu sync.Mutex
	search   searchPage

	noticeMu sync.Mutex
	notices  []message.Message
	pending  atomic.Int32 // len(notices), to skip the lock when there are none
}

// sub is a member's place in one room.
type sub struct {
	room  *Room
	label string // "#go", or "@bob" for a direct conversation

	cursor *roomlog.Cursor // last Seq handed out by Next
	read   atomic.Uint64   // last Seq the member's view showed it
	saved  atomic.Uint64   // last read position written to the store
	// unanswered is set for a conversation the other person opened that
	// the member has not written in (Membership.From); writing clears it.
	unanswered atomic.Bool
	wrote      atomic.Bool // the member has written here in this session

	// Guarded by hub.mu.
	mark   uint64 // messages up to here are backlog, not news
	oldest uint64 // the oldest Seq the member has been given
	// unreadAtJoin is how many lines others said since the member was
	// last here, in Seq unreadFrom (0: none) to unreadTo.
	unreadAtJoin         int
	unreadFrom, unreadTo uint64
}

func newMember(h *Hub, id Identity) *Member {
	m := &Member{
		hub:    h,
		id:     h.nextID.Add(1),
		key:    id.Key,
		addr:   hostOnly(id.Addr),
		alive:  id.Alive,
		loc:    id.Location,
		joined: h.now(),

		unannounced: id.Unannounced,
		subs:        map[string]*sub{},
		doneC:       make(chan struct{}),
		ignored:     map[string]string{},
		pres:        &presence{},
		msgLimit:    rate.NewLimiter(rate.Limit(h.opts.MessageRate), h.opts.MessageBurst),
		nickLimit:   rate.NewLimiter(rate.Every(nickChangeEvery), nickChangeBurst),
		olderLimit:  rate.NewLimiter(rate.Every(olderEvery), olderBurst),
		strikes:     rate.NewLimiter(rate.Every(floodStrikeEvery), floodStrikes),
	}
	m.reader = roomlog.NewReader(m.queueNotice)
	m.lastActive.Store(m.joined.UnixNano())
	if m.loc == nil {
		m.loc = time.Local
	}
	m.author = id.Key
	if m.author == "" {
		// Random, not a counter: a counter starts again after a restart,
		// and the next keyless session would inherit the direct
		// conversations of an earlier one.
		m.author = "session-" + rand.Text()
	}
	return m
}

// hostOnly drops the port from addr.
func hostOnly(addr string) string {
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// Nick returns the member's current nick.
func (m *Member) Nick() string {
	if p := m.shownNick.Load(); p != nil {
		return *p
	}
	return ""
}

// renameLocked gives the member a nick. The caller holds hub.mu for
// writing.
func (m *Member) renameLocked(nick string) {
	m.nick = nick
	m.shownNick.Store(&nick)
}

// Key returns the member's public key fingerprint, "" when it has none.
func (m *Member) Key() string { return m.key }

// Author is the id the member's messages carry in Message.Author.
func (m *Member) Author() string { return m.author }

// Room returns the room the member is looking at.
func (m *Member) Room() *Room {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	if s, ok := m.subs[m.current]; ok {
		return s.room
	}
	return m.hub.rooms[Lobby]
}

// RoomTab describes one of a member's rooms, for its view.
type RoomTab struct {
	Name  string
	Label string
	Topic string
	DM    bool
	// Unread is how many lines others said in the room while the member
	// was away, from Seq UnreadFrom on; what it is given up to Seq
	// UnreadTo is counted in it. A view marks where they start.
	Unread               int
	UnreadFrom, UnreadTo uint64
}

// Rooms returns the member's rooms in the order joined, and which one it is
// looking at.
func (m *Member) Rooms() (rooms []RoomTab, current string) {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	for _, s := range m.order {
		label := s.label
		if s.room.dm {
			if o := m.hub.byAuthorLocked(s.room.otherAuthor(m.author)); o != nil {
				label = "@" + o.nick // the nick they have now
			}
		}
		t := RoomTab{Name: s.room.name, Label: label, Topic: s.room.topic, DM: s.room.dm}
		if s.unreadAtJoin > 0 {
			t.Unread, t.UnreadFrom, t.UnreadTo = s.unreadAtJoin, s.unreadFrom, s.unreadTo
		}
		rooms = append(rooms, t)
	}
	return rooms, m.current
}

// Switch makes the member look at another of its rooms: by name, or, with
// name "", the one step places on in the list (step -1 is the one before).
func (m *Member) Switch(name string, step int) {
	m.hub.mu.Lock()
	defer m.hub.unlock()
	if name != "" {
		if _, ok := m.subs[name]; ok {
			m.current = name
		}
		return
	}
	if len(m.order) == 0 {
		return
	}
	i := slices.IndexFunc(m.order, func(s *sub) bool { return s.room.name == m.current })
	i = ((i+step)%len(m.order) + len(m.order)) % len(m.order)
	m.current = m.order[i].room.name
}

// Read records that the member's view has shown room up to seq: where it
// comes back to next time, on this device and the key's others.
func (m *Member) Read(room string, seq uint64) {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	if s, ok := m.subs[room]; ok && s.readTo(seq) && m.person != nil && len(m.person.sessions) > 1 {
		m.shareReadLocked(room, seq)
	}
}

// readTo moves the read position forward to seq; never back. It reports
// whether it moved.
func (s *sub) readTo(seq uint64) bool {
	for {
		old := s.read.Load()
		if seq <= old {
			return false
		}
		if s.read.CompareAndSwap(old, seq) {
			return true
		}
	}
}

// Wake returns a channel that receives when Next has something new. Wakes
// coalesce: many posts may produce one wake.
func (m *Member) Wake() <-chan struct{} { return m.reader.C() }

// Done is closed when the member has left or the room has closed its
// session.
func (m *Member) Done() <-chan struct{} { return m.doneC }

// ClosedReason says why the server ended the member's session (a kick, a
// ban, the server stopping), or "" if it did not.
func (m *Member) ClosedReason() string {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	return m.closedReason
}

// EndReason is ClosedReason in the short form logs use: "kicked by op:
// spam", "replaced by a new session", "server shutdown".
func (m *Member) EndReason() string {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	return m.endReason
}

func (m *Member) wake() { m.reader.Wake() }

// Next returns what the member has not seen yet, oldest first within each
// room: log messages after its cursor in each of its rooms (at most
// Options.Batch a room; Wake fires again when more remain) and private
// lines, each in the place it happened. Lines by authors the member
// ignores are left out. It must not be called from two goroutines at once.
func (m *Member) Next() []message.Message {
	msgs, _ := m.take()
	return msgs
}

// take is Next, and also returns the room the member is looking at, read
// under the same lock (see Update).
func (m *Member) take() (out []message.Message, current *Room) {
	h := m.hub
	// Copied out so the rooms are read without the hub's lock; most
	// members are in a few rooms, which fit on the stack.
	// The hub's lock is taken once a call, not once a room: every
	// session calls this for every line anyone posts.
	var subsBuf [8]*sub
	var marksBuf [8]uint64
	hd := hiding{quiet: m.quiet.Load(), me: m.author}
	h.mu.RLock()
	if s, ok := m.subs[m.current]; ok {
		current = s.room
	} else {
		current = h.rooms[Lobby]
	}
	subs := append(subsBuf[:0], m.order...)
	marks := marksBuf[:0]
	for _, s := range subs {
		marks = append(marks, s.mark)
	}
	if len(m.ignored) > 0 {
		hd.ignored = make(map[string]struct{}, len(m.ignored))
		for author := range m.ignored {
			hd.ignored[author] = struct{}{}
		}
	}
	h.mu.RUnlock()

	var behind uint64 // the most behind the member was in any room, for Observer.Lag
	for i, s := range subs {
		msgs, notes, b := s.next(marks[i])
		behind = max(behind, b)
		msgs = hd.filter(msgs)
		if s.room.dm {
			for _, msg := range msgs {
				if msg.Author != m.author && msg.Kind == message.Chat && !msg.Backlog {
					name := s.room.name
					m.lastDM.Store(&name)
					break
				}
			}
		}
		if m.pending.Load() > 0 {
			notes = append(notes, m.takeNotices(func(n message.Message) bool {
				return n.Room == s.room.name && n.Seq <= s.cursor.Pos()
			})...)
		}
		if msgs = mergeNotices(msgs, notes); out == nil {
			out = msgs
		} else {
			out = append(out, msgs...)
		}
	}
	if m.pending.Load() > 0 {
		// Lines of no room, or of a room the member has since left.
		out = append(out, m.takeNotices(func(n message.Message) bool {
			return !slices.ContainsFunc(subs, func(s *sub) bool { return s.room.name == n.Room })
		})...)
	}
	// Counted once a read, not once a room or a line: two calls through
	// an interface at most, whatever the member is in.
	if behind > 0 {
		h.obs.Lag(behind)
	}
	if len(out) > 0 {
		h.obs.Delivered(len(out))
	}
	return out, current
}

// next reads what is new in one room (see roomlog.Log.Next), marking as
// backlog what is up to mark. behind is how many lines the member was
// behind the room's last one, if there was anything new to read.
func (s *sub) next(mark uint64) (msgs, notes []message.Message, behind uint64) {
	msgs, notes, behind = s.room.log.Next(s.cursor, s.room.hub.opts.Batch)
	for i := range msgs {
		msgs[i].Backlog = msgs[i].Seq <= mark
	}
	return msgs, notes, behind
}

// hiding says which lines a member is not shown: chat by authors it
// ignores, and, with /quiet on, others' joins and leaves. Next and
// LoadOlder both filter with it, so live lines, backlog and history agree.
type hiding struct {
	ignored map[string]struct{}
	quiet   bool
	me      string // the member's author: its own joins and leaves are shown
}

func (hd hiding) hides(msg message.Message) bool {
	switch msg.Kind {
	case message.Chat, message.Action:
		_, ig := hd.ignored[msg.Author]
		return ig
	case message.Join, message.Leave:
		// Nick changes stay: without them, lines would come from
		// nicks nobody saw arrive.
		return hd.quiet && msg.Author != hd.me
	}
	return false
}

// filter drops what hd hides from msgs, in place.
func (hd hiding) filter(msgs []message.Message) []message.Message {
	if len(hd.ignored) == 0 && !hd.quiet {
		return msgs
	}
	return slices.DeleteFunc(msgs, hd.hides)
}

// mergeNotices puts each private line after the log message it followed.
// Both slices are in Seq order.
func mergeNotices(msgs, notices []message.Message) []message.Message {
	if len(notices) == 0 {
		return msgs
	}
	if len(msgs) == 0 {
		return notices
	}
	out := make([]message.Message, 0, len(msgs)+len(notices))
	i := 0
	for _, msg := range msgs {
		for i < len(notices) && notices[i].Seq < msg.Seq {
			out = append(out, notices[i])
			i++
		}
		out = append(out, msg)
	}
	return append(out, notices[i:]...)
}

// takeNotices returns, in order, the queued private lines ready says may be
// shown now.
func (m *Member) takeNotices(ready func(message.Message) bool) []message.Message {
	m.noticeMu.Lock()
	defer m.noticeMu.Unlock()
	var out []message.Message
	keep := m.notices[:0]
	for _, n := range m.notices {
		if ready(n) {
			out = append(out, n)
		} else {
			keep = append(keep, n)
		}
	}
	m.notices = keep
	m.pending.Store(int32(len(keep)))
	return out
}

// notice queues a private line for this member, in the room it is looking
// at. The hub's read lock is held so that no post comes between reading the
// log position and queueing: notices stay in Seq order.
func (m *Member) notice(kind message.Kind, text string) {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	m.noticeLocked(m.currentRoomLocked(), kind, text)
}

// noticeLocked queues a private line in room r (nil: whichever room the
// member is looking at). The caller holds hub.mu.
func (m *Member) noticeLocked(r *Room, kind message.Kind, text string) {
	if r == nil {
		m.queueNotice(message.Message{Kind: kind, Text: text})
		return
	}
	m.noticeInLocked(r, message.Message{Kind: kind, Text: text})
}

// hintLocked queues a private notice in room r that a view may add to
// (see Message.Hint). The caller holds hub.mu.
func (m *Member) hintLocked(r *Room, hint message.Hint, text string) {
	m.noticeInLocked(r, message.Message{Kind: message.Notice, Text: text, Hint: hint})
}

// noticeInLocked queues a private line in room r, after the last line
// there. When the change the caller is making has queued server lines
// (serverLineLocked), which are not stored yet, the notice waits for
// them (see unlock): what it says follows them, as the welcome follows a
// join line. The caller holds hub.mu; only a holder for writing queues
// server lines, so a reader finds none.
func (m *Member) noticeInLocked(r *Room, msg message.Message) {
	msg.Room = r.name
	if h := m.hub; len(h.lines) > 0 {
		h.afterLine = append(h.afterLine, func() {
			msg.Seq = r.lastSeq()
			m.queueNotice(msg)
		})
		return
	}
	msg.Seq = r.lastSeq()
	m.queueNotice(msg)
}

func (m *Member) currentRoomLocked() *Room {
	if s, ok := m.subs[m.current]; ok {
		return s.room
	}
	return nil
}

func (m *Member) queueNotice(msg message.Message) {
	msg.Private = true
	msg.Time = m.hub.now()
	m.queue(msg)
}

// queue hands msgs to the member's next Next, beside its rooms' logs.
func (m *Member) queue(msgs ...message.Message) {
	m.noticeMu.Lock()
	m.notices = append(m.notices, msgs...)
	if over := len(m.notices) - maxNotices; over > 0 {
		m.notices = slices.Delete(m.notices, 0, over)
	}
	m.pending.Store(int32(len(m.notices)))
	m.noticeMu.Unlock()
	m.wake()
}

// MarkActive records that the member did something (a line or a command),
// for /whois.
func (m *Member) MarkActive() {
	m.lastActive.Store(m.hub.now().UnixNano())
}

// Notify shows the member a line of its own in the room it is looking at:
// a command's answer.
func (m *Member) Notify(text string) {
	m.notice(message.Notice, text)
}

// Act posts an action ("* alice waves") in the room the member is looking
// at. Blank text is ignored.
func (m *Member) Act(text string) error {
	return m.post("", message.Action, text)
}

// Now is the hub's clock, for a front end to say how long ago something was.
func (m *Member) Now() time.Time {
	return m.hub.now()
}

// Location is the time zone the member's times are shown in.
func (m *Member) Location() *time.Location {
	return m.loc
}

// Rights says whether the member is an operator now (op), and whether its
// key is in the operators file (listed), whether or not it set its rights
// aside with /deop.
func (m *Member) Rights() (op, listed bool) {
	m.hub.mu.RLock()
	defer m.hub.mu.RUnlock()
	return m.isOpLocked(), m.hub.listedOp(m.key)
}

// maxQuitMessage bounds the message /quit leaves in everyone's view.
const maxQuitMessage = 100

// SetQuitMessage keeps why the member is leaving, for the line its Leave
// posts. A muted member's is dropped: parting words would be a way round
// the mute.
func (m *Member) SetQuitMessage(msg string) {
	msg = strings.Join(strings.Fields(msg), " ")
	if msg == "" {
		return
	}
	h := m.hub
	h.mu.Lock()
	if m.mutedLocked(h.now()) == "" {
		m.quitMessage = sanitize.Text(sanitize.TruncateRunes(msg, maxQuitMessage))
	}
	h.unlock()
}

// Say posts a chat message in the room the member is looking at. Blank text
// is ignored.
func (m *Member) Say(text string) error {
	return m.post("", message.Chat, text)
}

// SayIn posts a chat message in room, which need not be the one on
// screen: a line typed in a room and held back by the rate limit goes
// there, even if the person has looked elsewhere since.
func (m *Member) SayIn(room, text string) error {
	return m.post(room, message.Chat, text)
}

// post posts in room ("": the one the member is looking at).
func (m *Member) post(room string, kind message.Kind, text string) error {
	text = trimBlank(text)
	if text == "" {
		return nil
	}
	if n := utf8.RuneCountInString(text); n > MaxMessageLen {
		return fmt.Errorf("message not sent: it is %d characters long and the limit is %d", n, MaxMessageLen)
	}
	if n := strings.Count(text, "\n") + 1; n > MaxMessageLines {
		return fmt.Errorf("message not sent: it has %d lines and the limit is %d", n, MaxMessageLines)
	}
	text = sanitize.Text(text)

	h := m.hub
	now := h.now()
	// First the checks that may refuse, so that a refused line has no
	// effect; then the other party of a direct conversation is brought in,
	// which takes the hub's write lock; then the line is appended.
	away := false
	s, err := func() (*sub, error) {
		h.mu.RLock()
		defer h.mu.RUnlock()
		if m.left {
			return nil, ErrLeft
		}
		away = m.pres.awayLocked()
		if room == "" {
			room = m.current
		}
		s, ok := m.subs[room]
		if !ok {
			return nil, refuse(ErrNotInRoom, "you are not in %s", room)
		}
		if err := m.refuseMutedLocked("message not sent", now); err != nil {
			h.obs.Refused(RefusedMuted)
			return nil, err
		}
		return s, m.allow(m.msgLimit, "send", now)
	}()
	if err == nil && s.room.dm {
		err = m.reachOtherParty(s)
	}
	if err == nil {
		// Queued under the hub's lock, so that no leave, kick or mute
		// comes between the checks and the line's place in the log;
		// stored after letting go of it (see roomlog's post.go).
		var p *roomlog.Posting
		h.mu.RLock()
		if _, still := m.subs[s.room.name]; m.left {
			err = ErrLeft
		} else if !still {
			err = errors.New("message not sent: you are no longer in that room")
		} else {
			p = s.room.log.Queue(message.Message{Kind: kind, Nick: m.nick, Author: m.author, Text: text})
		}
		h.mu.RUnlock()
		if p != nil {
			var seq uint64
			if seq, err = s.room.log.Await(p); err == nil {
				s.readTo(seq) // whoever writes has read what came before
			} else {
				h.obs.Refused(RefusedNotStored)
				err = notStored{cause: err}
			}
		}
	}
	if err == nil && s.room.dm && !s.wrote.Swap(true) {
		// Writing in a conversation someone else opened makes it the
		// member's own. Recorded on the first line of each session: the
		// record may say someone else's even where this session was told
		// otherwise (a conversation not reopened, then written to).
		s.unanswered.Store(false)
		if m.key != "" {
			_ = h.opts.Store.Answered(ctxBG, m.key, s.room.name)
		}
	}
	if err == nil && away {
		m.back() // someone writing is here
	}
	if errors.Is(err, errFlooding) {
		h.kickForFlooding(m)
	}
	return err
}

// errNotReached says a line in a direct conversation was refused because
// it could not be brought to the other person (see admitConversation); a
// conversation opened only to send it is closed again.
type errNotReached struct{ why string }

func (e *errNotReached) Error() string { return "message not sent: " + e.why }

// reachOtherParty makes sure a line about to be posted in the direct
// conversation s reaches the other person, even if they have closed it
// since: it is back among their rooms, now or when they next come.
func (m *Member) reachOtherParty(s *sub) error {
	h := m.hub
	r := s.room
	other := r.otherAuthor(m.author)
	h.mu.RLock()
	settled := r.hasAuthorLocked(other)
	online := h.byAuthorLocked(other) != nil
	label := s.label
	h.mu.RUnlock()
	if settled {
		return nil
	}
	h.openMu.Lock()
	defer h.openMu.Unlock()
	from, err := h.admitConversation(m, r, other, strings.TrimPrefix(label, "@"), online)
	if err != nil {
		return err
	}
	h.mu.Lock()
	if m.left || r.hasAuthorLocked(other) {
		h.unlock()
		return nil
	}
	ms := store.Membership{Room: r.name, Label: "@" + m.nick, From: from}
	reached := false
	for o := range h.members {
		if o.author == other {
			h.subscribeLocked(o, r, ms, false, "")
			reached = true
		}
	}
	h.unlock()
	switch {
	case reached:
		return nil
	case message.IsKey(other):
		// Without it they would never see the line: refused, as a line
		// that cannot be stored is. Written outside the hub's lock
		// (openMu keeps conversations opening one at a time): a join of
		// theirs that read their rooms just before misses it this once,
		// as it could when this was written under the lock, since joins
		// read their rooms before taking it.
		if err := h.opts.Store.PutMembership(ctxBG, other, ms); err != nil {
			return notStored{cause: err}
		}
		return nil
	default:
		return errors.New("message not sent: they have left, and without an ssh key they cannot come back to this conversation")
	}
}

// admitConversation decides whether m may bring the direct conversation r
// to other (called nick), who is not in it, and returns whose doing it is
// for them (Membership.From). A conversation they have no record of is
// m's doing, unanswered until they write in it; such conversations are
// bounded: maxUnanswered waiting for one person, and, for people away,
// maxUnansweredBy opened by one author. The caller holds openMu, not mu:
// this reads the store.
func (h *Hub) admitConversation(m *Member, r *Room, other, nick string, online bool) (from string, err error) {
	waiting := 0
	if message.IsKey(other) {
		list, err := h.opts.Store.Memberships(ctxBG, other)
		if err != nil {
			return "", fmt.Errorf("message not sent: %w", err)
		}
		for _, ms := range list {
			if ms.Room == r.name {
				return ms.From, nil // theirs already, closed or not reopened
			}
			if ms.From != "" {
				waiting++
			}
		}
	} else {
		// Without a key they have no record: count in their session.
		h.mu.RLock()
		if o := h.byAuthorLocked(other); o != nil {
			waiting = o.unansweredLocked()
		}
		h.mu.RUnlock()
	}
	if waiting >= maxUnanswered {
		return "", &errNotReached{fmt.Sprintf("%s has %d conversations from people they have not written to, the most that may wait for them; try again later",
			nick, waiting)}
	}
	if !online && message.IsKey(other) {
		n, err := h.opts.Store.Unanswered(ctxBG, m.author)
		if err != nil {
			return "", fmt.Errorf("message not sent: %w", err)
		}
		if n >= maxUnansweredBy {
			return "", &errNotReached{fmt.Sprintf("%s is away, and %d people you wrote to have not answered yet; a message can wait for someone else once some of them answer",
				nick, n)}
		}
	}
	return m.author, nil
}

// unansweredLocked counts the member's conversations that others opened
// and it has not written in. The caller holds hub.mu.
func (m *Member) unansweredLocked() int {
	n := 0
	for _, s := range m.order {
		if s.unanswered.Load() {
			n++
		}
	}
	return n
}

// ownRoomsLocked counts the member's rooms and conversations that are its
// own doing: all but those others opened and it has not answered. The
// caller holds hub.mu.
func (m *Member) ownRoomsLocked() int {
	return len(m.order) - m.unansweredLocked()
}

// hasKeyLocked reports whether a session of key is in r. The caller holds
// hub.mu.
func (r *Room) hasKeyLocked(key string) bool {
	for o := range r.members {
		if o.key == key {
			return true
		}
	}
	return false
}

// hasAuthorLocked reports whether a session of author is in r. The caller
// holds hub.mu.
func (r *Room) hasAuthorLocked(author string) bool {
	for o := range r.members {
		if o.author == author {
			return true
		}
	}
	return false
}

// allow takes a token from lim or explains when the next one comes.
// Refusals count as strikes; a member who runs out of strikes is flooding:
// allow says so with errFlooding, and the caller closes the session once it
// has let go of its locks.
func (m *Member) allow(lim *rate.Limiter, what string, now time.Time) error {
	if lim.AllowN(now, 1) {
		return nil
	}
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	res.CancelAt(now)
	return m.refused(what, wait, now)
}

// refused explains when the member may do what again, counting a strike;
// out of strikes, it returns errFlooding (see allow).
func (m *Member) refused(what string, wait time.Duration, now time.Time) error {
	if !m.strikes.AllowN(now, 1) {
		m.hub.obs.Refused(RefusedFlooding)
		return errFlooding
	}
	m.hub.obs.Refused(RefusedRateLimit)
	return &LimitError{What: what, Wait: wait}
}

// LimitError says a rate limit refused something, and when it may be done
// again: a view can wait that long and try again instead of losing it.
type LimitError struct {
	What string        // what was refused: "send", "change the topic"
	Wait time.Duration // how long until it is allowed
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("slow down: you can %s again in %d s", e.What, seconds(e.Wait))
}

func (h *Hub) kickForFlooding(m *Member) {
	h.mu.Lock()
	defer h.unlock()
	if m.left {
		return
	}
	h.audit("kicked for flooding", "nick", m.nick, "key", m.key, "addr", m.addr)
	h.closeLocked(m, errFlooding.Error(), "kicked for flooding", true)
}

// trimBlank drops blank lines and trailing spaces around text but keeps the
// indentation of its first line, which matters in pasted code.
func trimBlank(text string) string {
	text = strings.TrimRight(text, " \t\r\n")
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 || strings.TrimSpace(text[:i]) != "" {
			break
		}
		text = text[i+1:]
	}
	if strings.TrimSpace(text) == "" {
		return ""
	}
	return text
}

// Leave ends the member's session: it leaves every room, each announcing
// why (with what it said in /quit, if it did) unless it comes back within
// reconnectGrace (see holdLeaveLocked), and its read positions are
// kept for when it comes back. It is safe to call more than once, and after
// the server closed the session; only the first ending counts.
func (m *Member) Leave(reason string) {
	h := m.hub
	h.mu.Lock()
	defer h.unlock()
	if m.left {
		return
	}
	if m.quitMessage != "" {
		reason += ": " + m.quitMessage
	}
	// The leave lines wait: someone back within reconnectGrace was never
	// gone, as far as the rooms are told.
	rooms := m.publicRoomsLocked()
	if m.unannounced {
		rooms = nil // it never arrived, as far as the rooms were told
	}
	h.closeLocked(m, "", reason, false)
	// Where another session of the person is still in, nobody left.
	rooms = slices.DeleteFunc(rooms, func(name string) bool {
		r := h.rooms[name]
		return r != nil && r.hasPersonLocked(m)
	})
	h.holdLeaveLocked(m, rooms, reason)
	m.closedReason, m.endReason = "", ""
}

// SetNick renames the member if the nick is valid and free for its key,
// announcing it in every room the member is in. The nick is composed (NFC)
// first, as sanitize.Nick does at join: an accent typed as a combining mark
// is the same nick as the accented letter.
func (m *Member) SetNick(nick string) error {
	nick = norm.NFC.String(nick)
	if problem := nickname.Problem(nick); problem != "" {
		return errors.New(problem)
	}
	h := m.hub
	now := h.now()
	// Who owns the nick is read before taking the lock; registering it
	// is written after (claimNickLocked).
	owner, err := h.nickOwner(nick)
	if err != nil {
		return err
	}
	func() {
		h.mu.Lock()
		defer h.unlock()
		err = m.setNickLocked(nick, owner, now)
	}()
	if errors.Is(err, errFlooding) {
		h.kickForFlooding(m)
	}
	return err
}

func (m *Member) setNickLocked(nick, owner string, now time.Time) error {
	h := m.hub
	if m.left {
		return ErrLeft
	}
	old := m.nick
	if old == nick {
		return fmt.Errorf("you are already %s", nick)
	}
	if err := m.refuseMutedLocked("nick not changed", now); err != nil {
		return err
	}
	if refusal := h.nickUseLocked(nick, m.key, m, owner); refusal != "" {
		return errors.New(refusal)
	}
	if err := m.allow(m.nickLimit, "change your nick", now); err != nil {
		return err
	}
	// The person's every session is renamed; each room they are in
	// gets one line, whichever sessions are in it.
	sessions := m.sessionsLocked()
	for _, o := range sessions {
		h.unindexNickLocked(o)
		o.renameLocked(nick)
	}
	h.indexNickLocked(m)
	told := map[*Room]bool{}
	for _, o := range sessions {
		o.roomsVersion.Add(1) // conversations' labels name the nick
		for _, s := range o.order {
			if told[s.room] {
				continue
			}
			told[s.room] = true
			s.room.version.Add(1)
			if !s.room.dm {
				s.room.serverLineLocked(message.Message{Kind: message.NickChange, Nick: old, Author: m.author, Text: nick})
			}
		}
	}
	if m.key != "" {
		h.claimNickLocked(m, nick)
	}
	return nil
}

// isOpLocked reports whether the member may use operator commands.
func (m *Member) isOpLocked() bool {
	return m.op || (!m.deop && m.hub.listedOp(m.key))
}

// readIgnores reads whom a keyed member ignored in earlier sessions, for
// applyIgnoresLocked: before the hub's lock is taken, as every read a join
// needs is.
func (m *Member) readIgnores() ([]store.Ignore, error) {
	if m.key == "" {
		return nil, nil
	}
	return m.hub.opts.Store.Ignores(ctxBG, m.key)
}

// applyIgnoresLocked brings back whom a keyed member ignored in earlier
// sessions, as readIgnores read it. The caller holds hub.mu.
func (m *Member) applyIgnoresLocked(igs []store.Ignore, err error) {
	if err != nil {
		m.noticeLocked(nil, message.Error, fmt.Sprintf("could not load your ignore list: %v", err))
		return
	}
	for _, ig := range igs {
		m.ignored[ig.Author] = ig.Nick
	}
}
