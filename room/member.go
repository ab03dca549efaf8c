package room

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/chatroom/chatroom/room/sanitize"
)

// ErrLeft is returned when a member that has left tries to act.
var ErrLeft = errors.New("you have left the room")

// maxNotices bounds the private lines queued for a member that is not
// reading, so it cannot grow without limit.
const maxNotices = 256

// Member is one session in a room: a cursor into the room's log plus a
// queue of private lines. One goroutine reads it (Next); any goroutine may
// post through it.
type Member struct {
	room   *Room
	id     uint64
	key    string
	author string
	addr   string // IP address, without port
	conn   uint64
	joined time.Time

	// Guarded by room.mu.
	nick         string
	op           bool // operator for this session, by /op
	deop         bool // operator rights set aside for this session, by /deop
	lastActive   time.Time
	ignored      map[string]string // author -> nick
	quitMessage  string
	left         bool   // the member has left or was closed; doneC is closed
	closedReason string // what the member was told when the room ended the session
	endReason    string // the same, short, for logs

	// Rate limits; rate.Limiter is safe for concurrent use.
	msgLimit  *rate.Limiter
	nickLimit *rate.Limiter
	strikes   *rate.Limiter // refusals for posting too fast; running out means a flood

	wakeC chan struct{}
	doneC chan struct{}

	cursor         uint64 // last Seq handed out by Next; owned by the reader
	historyFailing bool   // the last History read failed; owned by the reader

	noticeMu sync.Mutex
	notices  []Message
}

func newMember(r *Room, id Identity) *Member {
	h := r.hub
	m := &Member{
		room:      r,
		id:        h.nextID.Add(1),
		key:       id.Key,
		addr:      hostOnly(id.Addr),
		conn:      id.Conn,
		joined:    h.now(),
		wakeC:     make(chan struct{}, 1),
		doneC:     make(chan struct{}),
		ignored:   map[string]string{},
		msgLimit:  rate.NewLimiter(rate.Limit(h.opts.MessageRate), h.opts.MessageBurst),
		nickLimit: rate.NewLimiter(rate.Every(nickChangeEvery), nickChangeBurst),
		strikes:   rate.NewLimiter(rate.Every(floodStrikeEvery), floodStrikes),
	}
	m.lastActive = m.joined
	m.author = id.Key
	if m.author == "" {
		m.author = fmt.Sprintf("session-%d", m.id)
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
	m.room.mu.RLock()
	defer m.room.mu.RUnlock()
	return m.nick
}

// Key returns the member's public key fingerprint, "" when it has none.
func (m *Member) Key() string { return m.key }

// Author is the id the member's messages carry in Message.Author.
func (m *Member) Author() string { return m.author }

// Room returns the room the member is in.
func (m *Member) Room() *Room { return m.room }

// Hub returns the hub the member's room belongs to.
func (m *Member) Hub() *Hub { return m.room.hub }

// Wake returns a channel that receives when Next has something new. Wakes
// coalesce: many posts may produce one wake.
func (m *Member) Wake() <-chan struct{} { return m.wakeC }

// Done is closed when the member has left or the room has closed its
// session.
func (m *Member) Done() <-chan struct{} { return m.doneC }

// ClosedReason says why the room ended the member's session (a kick, a
// ban, the server stopping), or "" if it did not.
func (m *Member) ClosedReason() string {
	m.room.mu.RLock()
	defer m.room.mu.RUnlock()
	return m.closedReason
}

// EndReason is ClosedReason in the short form logs use: "kicked by op:
// spam", "replaced by a new session", "server shutdown".
func (m *Member) EndReason() string {
	m.room.mu.RLock()
	defer m.room.mu.RUnlock()
	return m.endReason
}

func (m *Member) wake() {
	select {
	case m.wakeC <- struct{}{}:
	default:
	}
}

// Next returns what the member has not seen yet, oldest first: log messages
// after its cursor (at most Options.Batch of them; Wake fires again when
// more remain) and private lines, each in the place it happened. Lines by
// authors the member ignores are left out. It must not be called from two
// goroutines at once.
func (m *Member) Next() []Message {
	r := m.room
	batch := uint64(r.hub.opts.Batch)

	r.mu.RLock()
	last := r.seq
	oldestInTail := last - r.tailLen + 1
	from := m.cursor + 1
	var msgs []Message
	if from <= last && from >= oldestInTail {
		to := min(last, from+batch-1)
		msgs = make([]Message, 0, to-from+1)
		for s := from; s <= to; s++ {
			msgs = append(msgs, r.tail[(s-1)%uint64(len(r.tail))])
		}
	}
	r.mu.RUnlock()

	var extra []Message
	failed := false
	if from <= last && from < oldestInTail {
		msgs, extra, failed = m.fromHistory(from, oldestInTail)
	}
	if len(msgs) > 0 {
		m.cursor = msgs[len(msgs)-1].Seq
	}
	// Come back for the rest; after a failed read, the next post retries.
	if m.cursor < last && !failed {
		m.wake()
	}
	return mergeNotices(m.withoutIgnored(msgs), append(extra, m.takeNotices()...))
}

// withoutIgnored drops lines by authors the member ignores.
func (m *Member) withoutIgnored(msgs []Message) []Message {
	m.room.mu.RLock()
	defer m.room.mu.RUnlock()
	if len(m.ignored) == 0 {
		return msgs
	}
	return slices.DeleteFunc(msgs, func(msg Message) bool {
		_, ignored := m.ignored[msg.Author]
		return ignored && (msg.Kind == Chat || msg.Kind == Action)
	})
}

// fromHistory reads messages older than the in-memory tail. Messages the
// history no longer holds are reported, never skipped silently; a failed
// read is reported once and retried, the cursor staying where it was.
func (m *Member) fromHistory(from, oldestInTail uint64) (msgs, notes []Message, failed bool) {
	r := m.room
	got, err := r.hub.opts.History.After(ctxBG, r.name, m.cursor, r.hub.opts.Batch)
	if err != nil {
		if m.historyFailing {
			return nil, nil, true
		}
		m.historyFailing = true
		return nil, []Message{{Seq: m.cursor, Kind: Error, Time: r.hub.now(), Private: true,
			Text: fmt.Sprintf("could not load %d earlier messages (will retry): %v", oldestInTail-from, err)}}, true
	}
	m.historyFailing = false
	first := oldestInTail
	if len(got) > 0 {
		first = got[0].Seq
	}
	if first > from {
		notes = []Message{{Seq: m.cursor, Kind: Notice, Time: r.hub.now(), Private: true,
			Text: fmt.Sprintf("%d earlier messages are no longer kept.", first-from)}}
		if len(got) == 0 {
			m.cursor = oldestInTail - 1
		}
	}
	return got, notes, false
}

// mergeNotices puts each private line after the log message it followed.
// Both slices are in Seq order.
func mergeNotices(msgs, notices []Message) []Message {
	if len(notices) == 0 {
		return msgs
	}
	if len(msgs) == 0 {
		return notices
	}
	out := make([]Message, 0, len(msgs)+len(notices))
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

// takeNotices returns the private lines the member may see now: those that
// follow a log position it has reached.
func (m *Member) takeNotices() []Message {
	m.noticeMu.Lock()
	defer m.noticeMu.Unlock()
	n := 0
	for n < len(m.notices) && m.notices[n].Seq <= m.cursor {
		n++
	}
	if n == 0 {
		return nil
	}
	out := slices.Clone(m.notices[:n])
	m.notices = slices.Delete(m.notices, 0, n)
	return out
}

// notice queues a private line for this member. The room's read lock is
// held while queueing so that no post can come between reading the log
// position and queueing: notices stay in Seq order.
func (m *Member) notice(kind Kind, text string) {
	m.room.mu.RLock()
	defer m.room.mu.RUnlock()
	m.queueNotice(Message{Seq: m.room.seq, Kind: kind, Text: text})
}

// noticeLocked is notice for callers that hold room.mu.
func (m *Member) noticeLocked(msg Message) {
	msg.Seq = m.room.seq
	m.queueNotice(msg)
}

func (m *Member) queueNotice(msg Message) {
	msg.Private = true
	msg.Time = m.room.hub.now()
	m.noticeMu.Lock()
	if len(m.notices) >= maxNotices {
		m.notices = slices.Delete(m.notices, 0, len(m.notices)-maxNotices+1)
	}
	m.notices = append(m.notices, msg)
	m.noticeMu.Unlock()
	m.wake()
}

// Effect is what a view should do after a line was submitted.
type Effect uint8

const (
	// Stay means carry on.
	Stay Effect = iota
	// ClearView means clear this member's view (and nobody else's).
	ClearView
	// Quit means close this member's session.
	Quit
	// MouseOn means let the mouse wheel scroll this member's view.
	MouseOn
	// MouseOff means leave the mouse to the terminal, for selecting text.
	MouseOff
)

// Submit handles one line typed by the member: a command, or a message to
// the room. An error means nothing was sent; its text is for the member.
func (m *Member) Submit(line string) (Effect, error) {
	m.room.mu.Lock()
	m.lastActive = m.room.hub.now()
	m.room.mu.Unlock()
	p := Parse(line)
	if p.IsCommand {
		return m.run(p.Name, p.Args)
	}
	return Stay, m.Say(p.Text)
}

// Say posts a chat message. Blank text is ignored.
func (m *Member) Say(text string) error {
	return m.post(Chat, text)
}

func (m *Member) post(kind Kind, text string) error {
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

	r := m.room
	h := r.hub
	now := h.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.members[m]; !ok {
		return ErrLeft
	}
	if why := m.mutedLocked(now); why != "" {
		return fmt.Errorf("message not sent: %s", why)
	}
	if err := m.allowLocked(m.msgLimit, "send", now); err != nil {
		return err
	}
	return r.appendLocked(Message{Kind: kind, Nick: m.nick, Author: m.author, Text: text})
}

// allowLocked takes a token from lim or explains when the next one comes.
// Refusals count as strikes; a member who runs out of strikes is flooding
// and is kicked. The caller holds room.mu for writing.
func (m *Member) allowLocked(lim *rate.Limiter, what string, now time.Time) error {
	if lim.AllowN(now, 1) {
		return nil
	}
	res := lim.ReserveN(now, 1)
	wait := res.DelayFrom(now)
	res.CancelAt(now)
	if !m.strikes.AllowN(now, 1) {
		r := m.room
		r.hub.audit("kicked for flooding", "nick", m.nick, "key", m.key, "addr", m.addr)
		r.closeLocked(m, "you were disconnected for flooding the room", "kicked for flooding", true)
		return ErrLeft
	}
	secs := int(wait.Seconds() + 0.999)
	return fmt.Errorf("slow down: you can %s again in %d s", what, max(1, secs))
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

// Leave removes the member from its room and announces why it left, with
// what it said in /quit if it did. It is safe to call more than once, and
// after the room closed the session; only the first ending counts.
func (m *Member) Leave(reason string) {
	r := m.room
	r.mu.Lock()
	defer r.mu.Unlock()
	if m.left {
		return
	}
	m.left = true
	if m.quitMessage != "" {
		reason += ": " + m.quitMessage
	}
	r.removeLocked(m)
	// A store failure here must not keep the member in the room; the
	// announcement is the only thing lost.
	_ = r.appendLocked(Message{Kind: Leave, Nick: m.nick, Author: m.author, Text: reason})
	close(m.doneC)
}

// setNick renames the member if the nick is valid and free for its key.
func (m *Member) setNick(nick string) error {
	if problem := nickProblem(nick); problem != "" {
		return errors.New(problem)
	}
	r := m.room
	h := r.hub
	now := h.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.members[m]; !ok {
		return ErrLeft
	}
	old := m.nick
	if old == nick {
		return fmt.Errorf("you are already %s", nick)
	}
	if why := m.mutedLocked(now); why != "" {
		return fmt.Errorf("nick not changed: %s", why)
	}
	refusal, err := r.nickUseLocked(nick, m.key, m)
	if err != nil {
		return err
	}
	if refusal != "" {
		return errors.New(refusal)
	}
	if err := m.allowLocked(m.nickLimit, "change your nick", now); err != nil {
		return err
	}
	if err := r.appendLocked(Message{Kind: NickChange, Nick: old, Author: m.author, Text: nick}); err != nil {
		return err
	}
	r.unindexNickLocked(m)
	m.nick = nick
	r.indexNickLocked(m)
	r.version.Add(1)
	if m.key != "" {
		if err := h.claimNick(nick, m.key); err != nil {
			m.noticeLocked(Message{Kind: Error, Text: fmt.Sprintf("could not register %s to your key: %v", nick, err)})
		}
	}
	return nil
}

// isOpLocked reports whether the member may use operator commands.
func (m *Member) isOpLocked() bool {
	if m.op {
		return true
	}
	ops := m.room.hub.opts.Operators
	return !m.deop && m.key != "" && ops != nil && ops.IsOperator(m.key)
}

// loadIgnores brings back whom a keyed member ignored in earlier sessions.
// The caller holds room.mu.
func (m *Member) loadIgnores() {
	if m.key == "" {
		return
	}
	igs, err := m.room.hub.opts.Store.Ignores(ctxBG, m.key)
	if err != nil {
		m.noticeLocked(Message{Kind: Error, Text: fmt.Sprintf("could not load your ignore list: %v", err)})
		return
	}
	for _, ig := range igs {
		m.ignored[ig.Author] = ig.Nick
	}
}
