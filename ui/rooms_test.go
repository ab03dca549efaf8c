package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
)

// syncBell pulls everything pending, as wakes would, and reports whether
// the view would ring the terminal bell.
func (s *session) syncBell() bool {
	rang := false
	for {
		select {
		case <-s.m.member.Wake():
			rang = s.m.pull() || rang
		default:
			return rang
		}
	}
}

// badge returns the unread count the panel shows beside a room, "" for
// none, and whether the room is listed at all.
func (s *session) badge(label string) (string, bool) {
	for _, l := range strings.Split(s.panel(), "\n") {
		if f := strings.Fields(l); len(f) > 0 && f[0] == label {
			return strings.Join(f[1:], " "), true
		}
	}
	return "", false
}

// panel returns the side panel's rows, showing the panel (F2) first if
// it is hidden.
func (s *session) panel() string {
	if !s.m.showPanel() {
		s.press(tea.KeyF2)
	}
	var b strings.Builder
	for _, r := range s.rows() {
		if _, p, ok := strings.Cut(r, "│ "); ok {
			b.WriteString(p + "\n")
		}
	}
	return b.String()
}

func TestEachRoomHasItsOwnView(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 100, 24)
	bob := newSession(t, h, "bob", 100, 24)
	alice.say("/join #go")
	alice.say("/topic all about Go")
	alice.sync()
	alice.mustShow(" chatroom · #go · all about Go", "You made #go")
	alice.mustNotShow("Welcome to chatroom")

	bob.say("lobby line one")
	bob.say("lobby line two")
	alice.sync()
	alice.mustNotShow("lobby line")
	if b, _ := alice.badge("#lobby"); b != "2" {
		t.Fatalf("lobby badge %q; panel:\n%s", b, alice.panel())
	}
	if _, ok := alice.badge("#go"); !ok {
		t.Fatalf("#go not listed:\n%s", alice.panel())
	}

	alice.press('p', tea.ModCtrl)
	alice.mustShow(" chatroom · #lobby", "<bob> lobby line two", "Welcome to chatroom")
	if b, _ := alice.badge("#lobby"); b != "" {
		t.Fatalf("the badge %q stayed after reading", b)
	}
	alice.press('n', tea.ModCtrl)
	alice.mustShow(" chatroom · #go", "You made #go")

	// Tab completes the names of one's rooms.
	alice.typeText("/join #l")
	alice.press(tea.KeyTab)
	if alice.input() != "/join #lobby " {
		t.Fatalf("completed to %q", alice.input())
	}
	alice.press(tea.KeyEnter)
	alice.sync()
	alice.mustShow(" chatroom · #lobby")

	// A narrow terminal has no panel: the header counts what is unread.
	narrow := newSession(t, h, "carol", 60, 20)
	narrow.say("/join #go")
	narrow.press('p', tea.ModCtrl)
	alice.say("/join #go")
	alice.say("one")
	alice.say("two")
	narrow.sync()
	narrow.mustShow("2 unread (Ctrl+N)")
	alice.say("@carol look")
	narrow.sync()
	narrow.mustShow("3 unread, 1 for you (Ctrl+N)")
}

func TestMentionsAreHighlightedAndRingOnce(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 100, 24)
	bob := newSession(t, h, "bob", 100, 24)
	bob.say("hello everyone")
	if alice.syncBell() {
		t.Fatal("a plain message rang the bell")
	}
	bob.say("@alice are you there?")
	bob.say("alice: and again")
	if !alice.syncBell() {
		t.Fatal("a mention did not ring the bell")
	}
	if !alice.m.cur.entries[len(alice.m.cur.entries)-1].mention {
		t.Fatal("the mention is not marked")
	}
	if !strings.Contains(alice.m.View().Content, alice.m.st.mention.Render(" @alice are you there?")) {
		t.Fatalf("the mention is not highlighted:\n%q", alice.m.View().Content)
	}
	// Your own lines never ring for you.
	alice.say("@alice talking to myself")
	if alice.syncBell() {
		t.Fatal("my own line rang the bell")
	}

	// Elsewhere, a mention makes the room's badge stand out.
	alice.say("/join #go")
	bob.say("@alice in the lobby")
	bob.say("just chat")
	alice.syncBell()
	v := alice.m.views[chat.Lobby]
	if v.unread != 2 || v.mentions != 1 {
		t.Fatalf("lobby unread %d, mentions %d", v.unread, v.mentions)
	}
	// With the panel hidden, the header's count stands out the same way.
	if !strings.Contains(alice.m.View().Content, alice.m.st.badgeHot.Render("2 unread, 1 for you (Ctrl+N)")) {
		t.Fatalf("the header does not show the mention: %q", alice.rows()[0])
	}
	alice.panel()
	if !strings.Contains(alice.m.View().Content, alice.m.st.badgeHot.Render(" 2 ")) {
		t.Fatal("the badge does not show the mention")
	}

	alice.say("/bell off")
	alice.sync()
	alice.mustShow("Bell off")
	bob.say("@alice quiet now")
	if alice.syncBell() {
		t.Fatal("/bell off still rings")
	}
	alice.say("/bell on")
	bob.say("@alice loud again")
	<-alice.m.member.Wake()
	_, cmd := alice.m.Update(wakeMsg{})
	if batch, ok := cmd().(tea.BatchMsg); !ok || len(batch) != 2 {
		t.Fatal("/bell on does not ring")
	}
}

func TestDirectMessagesHaveTheirOwnEntry(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 100, 24)
	bob := newSession(t, h, "bob", 100, 24)
	carol := newSession(t, h, "carol", 100, 24)
	bob.say("/msg alice only for you")
	bob.sync()
	bob.mustShow(" chatroom · @alice · direct messages", "<you> only for you")
	if !alice.syncBell() {
		t.Fatal("a direct message did not ring")
	}
	// Not a line of the lobby's; a notice of it, where alice looks.
	alice.mustNotShow("<bob> only for you")
	alice.mustShow("@bob → you: only for you (Alt+A goes there)")
	if b, ok := alice.badge("@bob"); b != "1" || !ok {
		t.Fatalf("alice's panel lacks @bob 1:\n%s", alice.panel())
	}
	if v := alice.m.views[alice.m.tabs[1].Name]; v.unread != 1 || v.mentions != 1 {
		t.Fatalf("DM unread %d mentions %d", v.unread, v.mentions)
	}
	alice.press('n', tea.ModCtrl)
	alice.sync()
	alice.mustShow(" chatroom · @bob · direct messages", "<bob> only for you")
	alice.say("/reply thanks")
	bob.sync()
	bob.mustShow("<alice> thanks")
	carol.sync()
	carol.mustNotShow("only for you")
	carol.mustNotShow("thanks")
	if len(carol.m.tabs) != 1 {
		t.Fatalf("carol has %d rooms", len(carol.m.tabs))
	}
}

func TestPgUpAtTheTopLoadsOlderMessages(t *testing.T) {
	h := newHubWith(chat.Options{Backlog: 10})
	bob := newSession(t, h, "bob", 80, 20)
	for i := 1; i <= 150; i++ {
		bob.say(fmt.Sprintf("line %03d", i))
	}
	alice := newSession(t, h, "alice", 80, 20)
	alice.mustShow("line 150")
	alice.mustNotShow("line 140")

	// Page up until the first line shows: the view fetches older pages.
	for i := 0; i < 40 && !strings.Contains(alice.screen(), "line 001"); i++ {
		alice.press(tea.KeyPgUp)
		alice.sync()
	}
	alice.mustShow("line 001")
	alice.press(tea.KeyPgUp)
	alice.press(tea.KeyPgUp)
	alice.sync()
	alice.mustShow("the beginning of #lobby")
	// Every line is there once, in order.
	var seen []string
	for _, e := range alice.m.cur.entries {
		if e.msg.Kind == message.Chat {
			seen = append(seen, e.msg.Text)
		}
	}
	if len(seen) != 150 || seen[0] != "line 001" || seen[149] != "line 150" {
		t.Fatalf("%d lines, from %q to %q", len(seen), seen[0], seen[len(seen)-1])
	}
	for i, text := range seen {
		if want := fmt.Sprintf("line %03d", i+1); text != want {
			t.Fatalf("line %d is %q", i, text)
		}
	}
	alice.press(tea.KeyEnd)
	alice.mustShow("line 150")

	// /history shows the older lines at once.
	carol := newSession(t, h, "carol", 80, 20)
	carol.say("/history 20")
	carol.sync()
	carol.mustShow("line 130", "scrolled up")
	carol.mustNotShow("line 150")
}

func TestUnreadRoomsAreNotMarkedRead(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 100, 24)
	bob := newSession(t, h, "bob", 100, 24)
	alice.say("/join #go")
	bob.say("/join #go")
	bob.say("seen by alice")
	alice.sync()
	alice.press('p', tea.ModCtrl) // alice looks at the lobby
	bob.say("missed by alice")
	alice.sync()
	alice.m.member.Leave("")

	again, err := h.Join(chat.Identity{Key: "SHA256:alice", Nick: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Leave("")
	s := &session{t: t, m: New(Options{Member: again, Width: 100, Height: 24, Location: time.UTC})}
	s.sync()
	if b, _ := s.badge("#go"); b != "1" {
		t.Fatalf("the missed message is not counted:\n%s", s.panel())
	}
	s.press('n', tea.ModCtrl)
	scr := s.screen()
	seen, marker, missed := strings.Index(scr, "seen by alice"), strings.Index(scr, "── 1 new ──"), strings.Index(scr, "missed by alice")
	if seen < 0 || marker < seen || missed < marker {
		t.Fatalf("want the marker between what alice saw and missed:\n%s", scr)
	}
}

// Pages asked for in quick succession go in once each, in order.
func TestOlderPagesGoInOnceAndInOrder(t *testing.T) {
	h := newHubWith(chat.Options{Backlog: 10})
	bob := newSession(t, h, "bob", 80, 20)
	for i := 1; i <= 300; i++ {
		bob.say(fmt.Sprintf("line %03d", i))
	}
	check := func(s *session) {
		t.Helper()
		var prev uint64
		for _, e := range s.m.cur.entries {
			if e.msg.Private {
				continue
			}
			if e.msg.Seq <= prev {
				t.Fatalf("Seq %d after %d: pages duplicated or out of order", e.msg.Seq, prev)
			}
			prev = e.msg.Seq
		}
	}

	// Key repeat: several PgUps before the page arrives.
	alice := newSession(t, h, "alice", 80, 20)
	for !alice.m.cur.atTop {
		alice.press(tea.KeyPgUp)
		alice.rows()
	}
	for range 4 {
		alice.press(tea.KeyPgUp)
	}
	alice.sync()
	check(alice)

	// Two /history commands answered in one delivery.
	carol := newSession(t, h, "carol", 80, 20)
	carol.say("/history 50")
	carol.say("/history 50")
	carol.sync()
	check(carol)
	if n := len(carol.m.cur.entries); n < 100 {
		t.Fatalf("carol holds %d entries after two pages of 50", n)
	}
}

// A nick said as a plain word is a mention too, as IRC clients highlight
// it; the nick inside another word is not.
func TestBareNickIsAMention(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 24)
	bob := newSession(t, h, "bob", 80, 24)
	alice.syncBell()
	bob.say("what does Alice think?")
	if !alice.syncBell() {
		t.Fatal("the bare nick did not ring the bell")
	}
	if !alice.m.cur.entries[len(alice.m.cur.entries)-1].mention {
		t.Fatal("the bare nick is not marked as a mention")
	}
	bob.say("no malice meant")
	if alice.syncBell() {
		t.Fatal("a word holding the nick rang the bell")
	}
}

// What is for the reader in another room shows where they look, and
// Alt+A goes to the rooms with something for them, then to the rooms with
// anything unread, then back.
func TestWhatIsForYouShowsWhereYouLookAndAltAGoesThere(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 40, 10)
	bob := newSession(t, h, "bob", 80, 24)
	alice.say("/join #go")
	alice.say("/join #rust")
	alice.sync()
	bob.say("/join #go")
	bob.say("just chat in go")
	bob.say("/join #lobby")
	bob.say("alice: a question in the lobby, quite a long one that the notice cuts short")
	alice.sync()
	alice.mustShow("#lobby <bob> alice: a question", "(Alt+A goes there)")
	if strings.Contains(alice.screen(), "cuts short") {
		t.Fatalf("the notice quotes the whole line:\n%s", alice.screen())
	}
	alt := tea.KeyPressMsg{Code: 'a', Mod: tea.ModAlt}
	alice.key(alt)
	alice.sync()
	if alice.m.cur.name != chat.Lobby {
		t.Fatalf("Alt+A went to %q, not to the mention in the lobby", alice.m.cur.name)
	}
	alice.key(alt)
	alice.sync()
	if alice.m.cur.name != "go" {
		t.Fatalf("Alt+A went to %q, not to unread #go", alice.m.cur.name)
	}
	alice.key(alt)
	alice.sync()
	if alice.m.cur.name != "rust" {
		t.Fatalf("with nothing waiting, Alt+A went to %q, not back to #rust, where the round began", alice.m.cur.name)
	}
	alice.key(alt)
	alice.sync()
	if alice.m.cur.name != "rust" {
		t.Fatalf("with nothing anywhere, Alt+A went to %q", alice.m.cur.name)
	}
}

// The panel's border never touches the text beside it.
func TestPanelKeepsAGapFromTheText(t *testing.T) {
	s := newSession(t, newHub(), "alice", 100, 20)
	s.say(strings.Repeat("x", 300))
	s.sync()
	s.panel()
	for i, r := range s.rows() {
		if j := strings.LastIndex(r, "│"); j > 0 && r[j-1] != ' ' {
			t.Fatalf("row %d runs into the panel: %q", i, r)
		}
	}
}

// Someone away is marked in the member list, in words that read without
// colour; coming back takes the mark away.
func TestMemberListMarksSomeoneAway(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 100, 24)
	dave := newSession(t, h, "dave", 100, 24)
	dave.say("/away lunch")
	alice.sync()
	if p := alice.panel(); !strings.Contains(p, "dave (away)") || strings.Contains(p, "alice (you, away)") {
		t.Fatalf("alice's panel:\n%s", p)
	}
	dave.sync()
	if p := dave.panel(); !strings.Contains(p, "dave (you, away)") {
		t.Fatalf("dave's panel:\n%s", p)
	}
	dave.say("I am back")
	alice.sync()
	if p := alice.panel(); strings.Contains(p, "away") || !strings.Contains(p, "dave") {
		t.Fatalf("alice's panel after dave wrote:\n%s", p)
	}
}

// A /highlight word is for the reader as the nick is: the bell, the "for
// you" count, and a notice where they look.
func TestHighlightWordIsForYou(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 60, 20)
	bob := newSession(t, h, "bob", 80, 24)
	alice.say("/highlight deploy")
	alice.say("/join #go")
	alice.syncBell()
	bob.say("no redeploy today")
	if alice.syncBell() {
		t.Fatal("a word holding the highlight word rang the bell")
	}
	bob.say("the Deploy is done")
	if !alice.syncBell() {
		t.Fatal("the highlight word did not ring the bell")
	}
	alice.mustShow("2 unread, 1 for you", "#lobby <bob> the Deploy is done")
}
