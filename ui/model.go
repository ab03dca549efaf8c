// Package ui is the full-screen view of one chat session: a Bubble Tea
// model that reads from its chat.Member and posts through it. It never
// touches the network; whatever connects it to a terminal feeds it messages.
package ui

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/sanitize"
)

// Smallest terminal the layout supports; below it the view shows a notice.
const (
	MinWidth  = 40
	MinHeight = 10
)

const (
	// panelMinWidth is the terminal width from which the side panel (rooms
	// and who is online) can be shown; F2 shows and hides it.
	panelMinWidth = 80
	panelWidth    = 20
	// maxEntries and maxScrollbackBytes bound a session's scrollback so
	// memory per session stays flat however long it runs and however long
	// the messages are.
	maxEntries         = 1000
	maxScrollbackBytes = 256 << 10
	// maxRecall is how many sent lines Up/Down can bring back, and
	// maxRecallBytes about how much memory they may hold.
	maxRecall      = 100
	maxRecallBytes = 128 << 10
	// wheelStep is how many lines one mouse wheel notch scrolls.
	wheelStep = 3
	// olderPage is how many older messages PgUp at the top fetches.
	olderPage = 100
)

// Options configure a session's view.
type Options struct {
	Member *chat.Member
	// Width and Height are the terminal's size when the session starts.
	Width, Height int
	// Mouse captures the mouse so the wheel scrolls. Terminals then select
	// text only with Shift held (Option in iTerm2), so users can turn it off
	// with /mouse off.
	Mouse bool
	// Location is the time zone message times are shown in.
	Location *time.Location
	// Notes are lines about this session to show first, such as a setting
	// the client sent that could not be used.
	Notes []string
	// Layouts, if set, lays out room messages once for every session that
	// shares it, rather than once per session (see Layouts).
	Layouts *Layouts
	// DriverWakes says that whatever runs the model waits on Wake itself
	// and hands it WakeMsg (the member closing is a wake too), instead of
	// the model returning a command that waits: one goroutine fewer a
	// session, and none started for every message that arrives.
	DriverWakes bool
}

// Model is the Bubble Tea model of one session.
type Model struct {
	member  *chat.Member
	loc     *time.Location
	st      *styles  // shared with every session of the Layouts, if any: they never change
	layouts *Layouts // nil: this session lays out every message itself
	driven  bool     // Options.DriverWakes

	width, height int
	input         input
	// inputCut says which limit of a message refused the last key or cut
	// the last paste, for the status line to say.
	inputCut cut

	// views holds a view of each room the member is in; cur is the one on
	// screen. tabs lists the rooms in the member's order.
	views map[string]*roomView
	cur   *roomView
	tabs  []chat.RoomTab

	roster []chat.Online // of the room on screen, shared with it: read only
	nick   string        // the member's, as its last Update said
	closed bool          // the member's Update said it is closed

	sent   []snapshot // lines sent, for Up/Down recall
	recall int        // index into sent while recalling; len(sent) otherwise
	draft  snapshot   // what was being typed before recalling

	comp *completion

	// cleared is set when Ctrl+C emptied the input; a second Ctrl+C quits.
	cleared bool
	// warnedPending is set when Ctrl+C said lines are still waiting to go;
	// a second Ctrl+C quits without them.
	warnedPending bool

	mouse bool
	bell  bool // ring the terminal bell for mentions and direct messages
	// panel is whether the side panel was asked for (F2). It is off at
	// first: beside it no message row can move as a block, so each line
	// that arrives costs every message row again (BENCHMARKS.md); without
	// it a line costs one scroll and itself.
	panel   bool
	goodbye string
	// pending are the lines held back by the rate limit, oldest first, and
	// sendScheduled says a sendPendingMsg is on its way.
	pending       []pendingLine
	sendScheduled bool
	// cameFrom is the room Alt+A last left, where it goes back to once
	// nothing is waiting elsewhere.
	cameFrom string
	altTo    string // where Alt+A last went
	// answering says a command was just sent: its answer, which the next
	// pull brings, opens at its first line (see pull). answered is the
	// answer of a command the view carried out itself (see answer).
	answering bool
	answered  *entry

	// Parts of the frame that change rarely, rebuilt only when they do:
	// a session redraws for every message anyone sends.
	cache frameCache
}

type frameCache struct {
	input       string // the input's view; "" when stale
	inputCursor *tea.Cursor
	header      string // "" when stale
	panel       []string
	panelH      int
	status      string
	statusKey   statusKey
	// body is the message area and member list, joined, for what bodyKey
	// says they show: typing changes only the input, and a key must not
	// cost drawing the whole screen again.
	body    string
	bodyKey bodyKey
}

// bodyKey is what the message area shows: which scrollback (its entries
// only ever come and go at its ends, and each is laid out once for a
// width), scrolled how far, in what size, beside which member list.
type bodyKey struct {
	view         *roomView
	entries      int
	pending      int
	first, last  *entry
	scroll, w, h int     // w is the message area's: the panel narrows it
	panel        *string // the member list's first row; nil when stale or none
}

// wakeMsg says the member has something new to read.
type wakeMsg struct{}

// BellMsg and RepaintMsg are what the view asks of the terminal besides
// its frames: to ring the bell once (a mention, a direct message), and to
// draw the whole screen again (Ctrl+L). Whatever draws the view's frames
// handles them (see package screen); the Model ignores them.
type (
	BellMsg    struct{}
	RepaintMsg struct{}
)

// InputDroppedMsg says the terminal sent Bytes of input faster than the
// session could take them, and they were dropped (see sshd's session
// input): the person is told, rather than left to wonder where it went.
type InputDroppedMsg struct{ Bytes int64 }

// send is a command that delivers msg.
func send(msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return msg }
}

// New returns the view of one session.
func New(opts Options) *Model {
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	m := &Model{
		member:  opts.Member,
		layouts: opts.Layouts,
		driven:  opts.DriverWakes,
		loc:     loc,
		mouse:   opts.Mouse,
		bell:    true,
		views:   map[string]*roomView{},
	}
	if m.layouts != nil {
		m.st = &m.layouts.st
	} else {
		st := newStyles()
		m.st = &st
	}
	// The input holds no more than one message may, so that nothing typed
	// is lost at sending: what does not fit is refused as it comes, visibly.
	m.input = newInput(m.st, "Type a message, or /help", chat.MaxMessageLen, chat.MaxMessageLines)
	m.nick = m.member.Nick()
	m.syncRooms()
	m.resize(opts.Width, opts.Height)
	for _, note := range opts.Notes {
		m.addLocal(message.Notice, note)
	}
	return m
}

// Goodbye is the reason the room gave for closing this session, if it did.
func (m *Model) Goodbye() string { return m.goodbye }

// WakeMsg is what a driver that waits on Wake itself
// (Options.DriverWakes) hands the model when the wake is ready.
var WakeMsg tea.Msg = wakeMsg{}

// Wake returns what the model waits on: it receives when the member has
// something new, its closing included (see chat.Member.Update).
func (m *Model) Wake() <-chan struct{} { return m.member.Wake() }

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	return m.wait()
}

// wait pulls the next wake from the member. None is waited for once the
// member is closed (closing wakes it: see pull), so a closed session leaves
// no goroutine behind. A driven model has its driver wait instead.
func (m *Model) wait() tea.Cmd {
	if m.driven || m.closed {
		return nil
	}
	wake := m.member.Wake()
	return func() tea.Msg {
		<-wake
		return wakeMsg{}
	}
}

// Update implements tea.Model.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case wakeMsg:
		ring := m.pull()
		if m.closed {
			// The room ended this session (a kick, a ban, a newer
			// session of the same key, shutdown): show nothing more,
			// quit. A member that left by itself has a blank reason and
			// is quitting already.
			if m.goodbye != "" {
				return m, tea.Quit
			}
			return m, nil
		}
		if ring {
			return m, tea.Batch(m.wait(), send(BellMsg{}))
		}
		return m, m.wait()
	case sendPendingMsg:
		return m, m.sendPending()
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	case tea.PasteMsg:
		if m.tooSmall() {
			return m, nil
		}
		m.comp, m.cleared = nil, false
		m.insertText(msg.Content, true)
		return m, nil
	case InputDroppedMsg:
		m.addLocal(message.Error, fmt.Sprintf("%d bytes you sent were dropped: your terminal sent them faster than the chat takes keys "+
			"(a long paste from a terminal without bracketed paste?). A message holds %d characters; paste long text in parts.",
			msg.Bytes, chat.MaxMessageLen))
		return m, nil
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			m.scrollBy(wheelStep)
		case tea.MouseWheelDown:
			m.scrollBy(-wheelStep)
		}
		return m, nil
	}
	return m, nil
}

// pull takes the member's Update and applies it: what it has not seen goes
// to the views of its rooms; its rooms, roster and nick are caught up with
// if they changed; its closing is noted (closed, goodbye). It reports
// whether something new calls for the bell.
func (m *Model) pull() (ring bool) {
	u := m.member.Update()
	if u.NickChanged {
		m.nick = u.Nick
	}
	if u.RoomsChanged {
		m.applyRooms(u.Rooms, u.Current)
	}
	if u.RosterChanged {
		m.setRoster(u.Roster)
	}
	if u.Closed {
		m.closed, m.goodbye = true, u.ClosedReason
	}
	me := m.nick
	var older map[*roomView][]*entry
	for _, msg := range u.Messages {
		v := m.viewOf(msg.Room)
		if msg.Older {
			if older == nil {
				older = map[*roomView][]*entry{}
			}
			older[v] = append(older[v], m.newEntry(msg, me))
			continue
		}
		e := m.newEntry(msg, me)
		m.addTo(v, e)
		if m.answering && v == m.cur && v.scroll == 0 && msg.Private && msg.Kind == message.Notice {
			// A command's answer taller than the message area (a page
			// of /search) opens at its first line, its header, rather
			// than at its last: PgDn and End show the rest.
			if n, h := m.lineCount(e), m.bodyHeight(); n > h {
				v.scroll = n - h
			}
		}
		if !e.news() {
			continue
		}
		if v != m.cur {
			if msg.Seq > v.countedTo {
				// Lines the room counted as missed are in unread already.
				if v.unread == 0 {
					v.firstUnread = msg.Seq
				}
				v.unread++
			}
			if e.mention {
				v.mentions++
				m.noticeElsewhere(v, msg)
			}
			m.chromeChanged()
		}
		ring = ring || (e.mention && m.bell)
	}
	for v, es := range older {
		v.prepend(es, m.lineCount)
	}
	m.answering = false
	m.settlePin()
	if u.ReadsChanged {
		// Another device of the reader's key has read further.
		m.readElsewhere()
	}
	m.markRead()
	return ring
}

// readElsewhere drops from the unread counts what the reader has read on
// another device (see chat.Member.ReadTo).
func (m *Model) readElsewhere() {
	for _, v := range m.views {
		if v != m.cur && v.unread > 0 && v.readUpTo(m.member.ReadTo(v.name)) {
			m.chromeChanged()
		}
	}
}

// noticeElsewhere shows, in the room on screen, a line for the reader
// that arrived in room v: a private message or a mention would otherwise
// be one changed count, easy to miss, and nothing at all on a narrow
// terminal. Alt+A goes to it.
func (m *Model) noticeElsewhere(v *roomView, msg message.Message) {
	text := strings.Join(strings.Fields(msg.Text), " ")
	if len(text) > noticeQuote {
		text = ansi.Truncate(text, noticeQuote, "…")
	}
	var what string
	if chat.IsDirect(msg.Room) {
		what = "@" + msg.Nick + " → you: " + text
	} else {
		what = m.labelOf(v.name) + " <" + msg.Nick + "> " + text
	}
	note := message.Message{Room: m.cur.name, Seq: m.cur.lastSeq, Time: msg.Time, Kind: message.Notice, Private: true,
		Text: what + " (Alt+A goes there)"}
	m.addTo(m.cur, m.newEntry(note, ""))
}

// noticeQuote is how much of a line elsewhere its notice quotes.
const noticeQuote = 60

// labelOf is how the room list names a room: #go, @bob.
func (m *Model) labelOf(name string) string {
	for _, t := range m.tabs {
		if t.Name == name {
			return t.Label
		}
	}
	return "#" + name
}

// nextForYou goes to the next room with something for the reader in it,
// else the next with anything unread, else back to the room it came from
// (irssi's Alt+A).
func (m *Model) nextForYou() {
	pick := func(ok func(v *roomView) bool) string {
		for _, t := range m.tabs {
			if v := m.views[t.Name]; v != nil && v != m.cur && ok(v) {
				return t.Name
			}
		}
		return ""
	}
	to := pick(func(v *roomView) bool { return v.mentions > 0 })
	if to == "" {
		to = pick(func(v *roomView) bool { return v.unread > 0 })
	}
	if to == "" {
		to = m.cameFrom
	}
	if to == "" || to == m.cur.name {
		return
	}
	from := m.cur.name
	m.member.Switch(to, 0)
	m.syncRooms()
	if m.cur.name != to {
		return
	}
	if from != m.altTo {
		// A new round of Alt+A: it comes back here. Within a round
		// (each press from where the last one went) the start stays.
		m.cameFrom = from
	}
	m.altTo = to
	if to == m.cameFrom {
		m.cameFrom, m.altTo = "", ""
	}
}

// viewOf returns the view of a room; a line of no room, or of a room the
// member has left, goes to the room on screen.
func (m *Model) viewOf(name string) *roomView {
	if v, ok := m.views[name]; ok {
		return v
	}
	if name == "" || !m.inRoom(name) {
		return m.cur
	}
	v := &roomView{name: name}
	m.views[name] = v
	return v
}

func (m *Model) inRoom(name string) bool {
	for _, t := range m.tabs {
		if t.Name == name {
			return true
		}
	}
	return false
}

// syncRooms catches up with the member's rooms and who is in the one it
// looks at, at once, after something the reader did here (a command, a
// key that switches rooms): the next Update would bring them too, but
// the screen must not show the room left meanwhile.
func (m *Model) syncRooms() {
	m.applyRooms(m.member.Rooms())
	m.setRoster(m.member.Room().Online())
}

// applyRooms catches up with the member's rooms: joined, left, renamed,
// and which one it looks at.
func (m *Model) applyRooms(tabs []chat.RoomTab, current string) {
	m.tabs = tabs
	for name := range m.views {
		if name != current && !m.inRoom(name) {
			delete(m.views, name)
		}
	}
	for _, t := range tabs {
		if _, ok := m.views[t.Name]; !ok {
			// What the room says was missed while away is unread, all
			// of it, whatever part of it the backlog brings.
			m.views[t.Name] = &roomView{name: t.Name, unread: t.Unread, firstUnread: t.UnreadFrom, countedTo: t.UnreadTo}
		}
	}
	v, ok := m.views[current]
	if !ok {
		v = &roomView{name: current}
		m.views[current] = v
	}
	if v != m.cur {
		m.enter(v)
	}
	m.chromeChanged()
}

// enter puts room v on screen. The marker of the room left goes (it stays
// put while the reader is there, as in irssi and WeeChat); if v has unread
// messages, a marker goes above the first of them, and the view opens on
// it: the whole unread part if it fits, else from the marker down.
func (m *Model) enter(v *roomView) {
	if m.cur != nil {
		m.cur.dropMarker()
	}
	m.cur = v
	if v.unread > 0 && v.firstUnread > 0 {
		v.setMarker(v.firstUnread, v.unread)
		v.pin = true
	}
	v.unread, v.mentions, v.firstUnread = 0, 0, 0
	m.settlePin()
	m.markRead()
}

// settlePin scrolls the room on screen so that its pinned marker shows:
// at the top when what follows it does not fit, else with everything
// below it. It lays out only what follows the marker.
func (m *Model) settlePin() {
	v := m.cur
	if v == nil || !v.pin || v.marker == nil {
		return
	}
	rows := min(len(v.pending), pendingShown)
	for i := len(v.entries) - 1; i >= 0; i-- {
		rows += m.lineCount(v.entries[i])
		if v.entries[i] == v.marker {
			break
		}
	}
	v.scroll = max(0, rows-m.bodyHeight())
}

// toMarker shows the marker again where the unread part began (Alt+U).
func (m *Model) toMarker() {
	v := m.cur
	if v.marker == nil {
		m.addLocal(message.Notice, "Nothing here was unread when you came in: no marker to go to.")
		return
	}
	v.pin = true
	m.settlePin()
}

// switchRoom moves to the room step places on in the member's list.
func (m *Model) switchRoom(step int) {
	m.member.Switch("", step)
	m.syncRooms()
}

// markRead tells the room how far the reader has read the room on screen:
// to the newest message, unless they are scrolled up.
func (m *Model) markRead() {
	if v := m.cur; v != nil && v.scroll == 0 && v.lastSeq > 0 {
		m.member.Read(v.name, v.lastSeq)
	}
}

// setRoster shows who is in the room on screen. A room shares one list
// until it changes (chat.Room.Online), so the same list is nothing new.
func (m *Model) setRoster(r []chat.Online) {
	if m.roster != nil && len(r) == len(m.roster) && (len(r) == 0 || &r[0] == &m.roster[0]) {
		return
	}
	m.roster = r
	m.chromeChanged()
}

func (m *Model) newEntry(msg message.Message, me string) *entry {
	if msg.Hint != message.NoHint {
		msg.Text += hintText(msg.Hint)
	}
	e := &entry{msg: msg, mine: msg.Author == m.member.Author() && !msg.Private, shared: m.layouts}
	if !e.mine && !msg.Private && (msg.Kind == message.Chat || msg.Kind == message.Action) {
		e.mention = message.Mentions(msg.Text, me) || chat.IsDirect(msg.Room) || m.member.Highlighted(msg.Text)
	}
	return e
}

// addTo appends one message to a room's view.
func (m *Model) addTo(v *roomView, e *entry) {
	lines := 0
	if v.scroll > 0 {
		lines = m.lineCount(e)
	}
	v.add(e, lines)
}

// lineCount is how many screen lines an entry takes at the current width.
func (m *Model) lineCount(e *entry) int {
	return len(e.render(m.msgWidth(), m.st, m.loc))
}

// answer shows the answer to a command the view carried out itself. As
// with the room's answers (see answering in pull), one taller than the
// message area opens at its first line, once submit has gone back to the
// newest (see openAnswer).
func (m *Model) answer(kind message.Kind, text string) {
	m.addLocal(kind, text)
	m.answered = m.cur.entries[len(m.cur.entries)-1]
}

// openAnswer scrolls to the first line of the answer the view just gave,
// if it is taller than the message area.
func (m *Model) openAnswer() {
	e, v := m.answered, m.cur
	m.answered = nil
	if e == nil || v.scroll != 0 || len(v.entries) == 0 || v.entries[len(v.entries)-1] != e {
		return
	}
	if n, h := m.lineCount(e), m.bodyHeight(); n > h {
		v.scroll = n - h
	}
}

// addLocal shows a line that only this session produced, like an error.
func (m *Model) addLocal(kind message.Kind, text string) {
	m.addTo(m.cur, &entry{msg: message.Message{Kind: kind, Text: sanitize.Text(text), Time: time.Now(), Private: true}})
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := msg.String()
	if m.tooSmall() && k != "ctrl+c" {
		// Nothing typed is shown: nothing is typed, or sent, blind.
		return nil
	}
	if k != "tab" {
		m.comp = nil
	}
	cleared, warned := m.cleared, m.warnedPending
	m.cleared, m.warnedPending = false, false
	m.inputCut = cutNone
	switch k {
	case "ctrl+c":
		// With something typed, the first Ctrl+C clears it (Up brings it
		// back); on an empty input it quits.
		if !m.input.empty() && !cleared {
			m.remember(m.input.snapshot())
			m.setInput(snapshot{})
			m.cleared = true
			return nil
		}
		if len(m.pending) > 0 && !warned {
			// Lines typed but not sent yet would go with the session.
			m.addLocal(message.Notice, fmt.Sprintf("%d of your lines are still waiting to go (dimmed below); "+
				"Ctrl+C again leaves without them.", len(m.pending)))
			m.warnedPending = true
			return nil
		}
		return tea.Quit
	case "enter":
		return m.submit()
	case "pgup":
		m.pageUp()
		return nil
	case "pgdown":
		m.scrollBy(-(m.bodyHeight() - 1))
		return nil
	case "esc":
		m.toLive()
		return nil
	case "end":
		m.toLive()
	case "tab":
		m.complete()
		return nil
	case "up":
		if m.input.onFirstLine() {
			m.recallOlder()
			return nil
		}
	case "down":
		if m.input.onLastLine() {
			m.recallNewer()
			return nil
		}
	case "alt+enter", "shift+enter", "ctrl+j":
		m.insertText("\n", false)
		return nil
	case "ctrl+l":
		return send(RepaintMsg{})
	case "f2":
		m.panel = !m.panel
		m.chromeChanged()
		return nil
	case "ctrl+n":
		m.switchRoom(1)
		return nil
	case "ctrl+p":
		m.switchRoom(-1)
		return nil
	case "alt+a":
		m.nextForYou()
		return nil
	case "alt+u":
		m.toMarker()
		return nil
	}
	return m.updateInput(msg)
}

// updateInput applies a key to the input: an editing key, or one that
// types text.
func (m *Model) updateInput(msg tea.KeyPressMsg) tea.Cmd {
	// A key that carries text types it, even text that reads like the
	// name of a key (an input method can send a whole word at once).
	if msg.Text != "" {
		m.insertText(msg.Text, false)
	} else if m.input.edit(msg.String()) {
		m.layoutInput()
	}
	return nil
}

// insertText puts typed or pasted text in the input, as much as one message
// may hold. A paste, and a key's text if it holds control characters (which
// keys do not send), shows the way everyone will see it (^G for a bell)
// instead of reaching the terminal. Other typed text goes in as typed, for
// the room to judge whole when it is sent: a nick with an invisible letter
// typed into it is refused, naming the letter. What does not fit is not
// silently lost: the status line says the message is full, and a notice
// says how much of a paste was left out.
func (m *Model) insertText(text string, paste bool) {
	if paste || strings.ContainsFunc(text, unicode.IsControl) {
		text = sanitize.Text(text)
	}
	kept, why := m.input.insert(text)
	m.inputCut = why
	m.layoutInput()
	if !paste || why == cutNone {
		return
	}
	if why == cutLines {
		m.addLocal(message.Notice, fmt.Sprintf("paste cut: only %d of its %d lines fit in one message (at most %d lines and %d characters)",
			strings.Count(kept, "\n")+1, strings.Count(text, "\n")+1, chat.MaxMessageLines, chat.MaxMessageLen))
		return
	}
	m.addLocal(message.Notice, fmt.Sprintf("paste cut: only %d of its %d characters fit in one message (at most %d characters and %d lines)",
		utf8.RuneCountInString(kept), utf8.RuneCountInString(text), chat.MaxMessageLen, chat.MaxMessageLines))
}

// submit sends the input line. On failure the line stays so it can be fixed.
func (m *Model) submit() tea.Cmd {
	if m.input.empty() {
		return nil
	}
	line := m.input.value()
	plain := !command.Parse(line).IsCommand
	if plain && len(m.pending) > 0 && m.canHold(line) {
		// Lines typed while others wait go after them, in order.
		m.hold(line)
		return nil
	}
	typedIn := m.cur
	effect, err := m.run(line)
	// A command may have moved the member to another room (/join, /msg).
	m.syncRooms()
	// Sending shows the newest, except in a room just entered at its
	// unread marker, which opens there.
	moved := m.cur != typedIn && m.cur.pin
	var limited *chat.LimitError
	if plain && errors.As(err, &limited) {
		if m.canHold(line) {
			m.hold(line)
			return m.sendLater(limited.Wait)
		}
		err = fmt.Errorf("slow down: %d lines are waiting to go already; this one stays here (Ctrl+C clears it, Up brings it back)", len(m.pending))
	}
	if err != nil {
		m.addLocal(message.Error, withRecovery(err.Error()))
		if !moved {
			m.toLive()
		}
		return nil
	}
	m.remember(m.input.snapshot())
	m.setInput(snapshot{})
	if !moved {
		m.toLive()
	}
	m.answering = !plain
	m.openAnswer()
	if effect == command.Quit {
		return tea.Quit
	}
	return nil
}

// run carries out a line: one of the view's own commands here (see
// viewcmds.go), anything else in the room.
func (m *Model) run(line string) (command.Effect, error) {
	if ok, err := m.runView(line); ok {
		return command.Stay, err
	}
	return command.Submit(m.member, line)
}

// withRecovery adds to a refusal what to do next: the refused text stays
// in the input, which a person may not notice under a long error.
func withRecovery(refusal string) string {
	if strings.Contains(refusal, "Ctrl+C") {
		return refusal
	}
	return refusal + " (your text stays below: edit it, or Ctrl+C clears it and Up brings it back)"
}

// Lines typed faster than the room takes them wait in the session, in
// order, and go as the limit allows, rather than being refused and piling
// up in the input; beyond these bounds a line is refused as before (and
// counts toward being disconnected for flooding).
const (
	maxPendingLines = 20
	maxPendingChars = 8000
)

// pendingLine is a chat line held back by the rate limit.
type pendingLine struct {
	view *roomView // where it was typed, and goes
	e    *entry    // how it shows meanwhile
}

// sendPendingMsg says the rate limit may take the next held line now.
type sendPendingMsg struct{}

// canHold reports whether line fits in what may wait.
func (m *Model) canHold(line string) bool {
	n := utf8.RuneCountInString(line)
	for _, p := range m.pending {
		n += utf8.RuneCountInString(p.e.msg.Text)
	}
	return len(m.pending) < maxPendingLines && n <= maxPendingChars
}

// hold puts the line typed into the input among those waiting: the input
// is free for the next one at once, and Up brings this one back.
func (m *Model) hold(line string) {
	msg := message.Message{Room: m.cur.name, Kind: message.Chat, Nick: m.nick, Author: m.member.Author(),
		Text: sanitize.Text(line), Time: time.Now(), Private: true}
	e := &entry{msg: msg, mine: true, pending: true}
	m.pending = append(m.pending, pendingLine{view: m.cur, e: e})
	m.cur.pending = append(m.cur.pending, e)
	m.remember(m.input.snapshot())
	m.setInput(snapshot{})
	m.toLive()
}

// sendLater asks for sendPendingMsg once wait has passed.
func (m *Model) sendLater(wait time.Duration) tea.Cmd {
	if m.sendScheduled {
		return nil
	}
	m.sendScheduled = true
	return func() tea.Msg {
		time.Sleep(wait)
		return sendPendingMsg{}
	}
}

// sendPending sends the lines waiting, oldest first, while the rate limit
// lets it, and asks to be woken for the rest.
func (m *Model) sendPending() tea.Cmd {
	m.sendScheduled = false
	for len(m.pending) > 0 {
		p := m.pending[0]
		err := m.member.SayIn(p.view.name, p.e.msg.Text)
		var limited *chat.LimitError
		if errors.As(err, &limited) {
			return m.sendLater(limited.Wait)
		}
		m.pending = m.pending[1:]
		p.view.pending = slices.DeleteFunc(p.view.pending, func(e *entry) bool { return e == p.e })
		if err != nil {
			m.addLocal(message.Error, err.Error()+" (Up brings it back)")
		}
	}
	m.pending = nil
	return nil
}

func (m *Model) remember(s snapshot) {
	if n := len(m.sent); n == 0 || !bytes.Equal(m.sent[n-1].text, s.text) {
		m.sent = append(m.sent, s)
		size := 0
		for _, e := range m.sent {
			size += e.size()
		}
		drop := 0
		for ; len(m.sent)-drop > 1 && (len(m.sent)-drop > maxRecall || size > maxRecallBytes); drop++ {
			size -= m.sent[drop].size()
		}
		m.sent = append(m.sent[:0], m.sent[drop:]...)
		clear(m.sent[len(m.sent):cap(m.sent)])
	}
	m.recall = len(m.sent)
	m.draft = snapshot{}
}

func (m *Model) recallOlder() {
	if m.recall == 0 {
		return
	}
	if m.recall == len(m.sent) {
		m.draft = m.input.snapshot()
	}
	m.recall--
	m.setInput(m.sent[m.recall])
}

func (m *Model) recallNewer() {
	if m.recall >= len(m.sent) {
		return
	}
	m.recall++
	if m.recall == len(m.sent) {
		m.setInput(m.draft)
		return
	}
	m.setInput(m.sent[m.recall])
}

func (m *Model) setInput(s snapshot) {
	m.input.restore(s)
	m.layoutInput()
}

// scrollBy moves the view n lines up (down when negative). How far up it
// can go is settled when the view is drawn (visibleLines), which lays out
// only what it shows.
func (m *Model) scrollBy(n int) {
	v := m.cur
	v.pin = false
	v.scroll = max(0, v.scroll+n)
	if v.scroll == 0 {
		v.unseen = 0
		m.markRead()
	}
}

// pageUp scrolls up a page; at the top of what the view holds, it asks the
// room for the page before.
func (m *Model) pageUp() {
	v, page := m.cur, m.bodyHeight()-1
	v.pin = false
	if v.lift > 0 {
		return // a page is on its way
	}
	if !v.atTop || v.begun || v.full {
		m.scrollBy(page)
		return
	}
	n, err := m.member.LoadOlder(v.name, v.oldestSeq(), olderPage)
	switch {
	case err != nil:
		m.addLocal(message.Error, err.Error())
	case n == 0:
		v.begun = true
	default:
		v.lift = page // the messages come with the next wake
	}
}

func (m *Model) toLive() {
	m.cur.pin = false
	m.cur.scroll = 0
	m.cur.unseen = 0
	m.markRead()
}

// KeyHelp lists the key bindings, for /help.
func KeyHelp() []string {
	return []string{
		"Keys:",
		"  Enter          send",
		"  Alt+Enter      new line (also Ctrl+J, Shift+Enter)",
		"  Tab            complete a nick or command; again for the next",
		"  Up/Down        recall lines you sent",
		"  PgUp/PgDn      scroll (the mouse wheel too, see /mouse);",
		"                 PgUp at the top loads older messages",
		"  Ctrl+N/Ctrl+P  next/previous room or conversation",
		"  Alt+A          next room with something for you (then unread, then back)",
		"  Alt+U          back to the marker where the unread messages began",
		"  F2             show/hide the side panel: your rooms, who is online",
		"  End, Esc       back to the newest messages",
		"  Home/End, Ctrl+A/E, Left/Right   move in the input",
		"  Ctrl+W, Ctrl+U, Ctrl+K           delete word, to start, to end",
		"  Ctrl+L         redraw",
		"  Ctrl+C         clear the input; on an empty input, quit",
	}
}
