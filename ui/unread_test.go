package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/chatroom/chatroom/chat"
)

// rowOf is the screen row that holds text, -1 if none does.
func (s *session) rowOf(text string) int {
	for i, r := range s.rows() {
		if strings.Contains(r, text) {
			return i
		}
	}
	return -1
}

// Switching to a room with unread messages puts a marker above the first
// of them, and opens the view on it: at the top when they do not fit.
func TestSwitchingShowsTheMarkerAtTheFirstUnread(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 24)
	bob := newSession(t, h, "bob", 80, 24)
	alice.say("/join #go")
	bob.say("/join #go")
	bob.say("read by alice")
	alice.sync()
	alice.press('p', tea.ModCtrl)
	for i := 1; i <= 28; i++ {
		bob.say(fmt.Sprintf("unread %02d", i))
	}
	alice.sync()
	alice.press('n', tea.ModCtrl)
	alice.mustShow(" chatroom · #go", "── 28 new ──", "unread 01")
	if m, first := alice.rowOf("── 28 new ──"), alice.rowOf("unread 01"); m != 1 || first != 2 {
		t.Fatalf("marker on row %d, first unread on %d; want 1 and 2:\n%s", m, first, alice.screen())
	}
	alice.mustNotShow("unread 28")
	alice.mustShow("scrolled up")

	// Read to the bottom: the marker stays while alice is here.
	alice.press(tea.KeyEnd)
	alice.mustShow("unread 28")
	alice.press(tea.KeyPgUp)
	alice.press(tea.KeyPgUp)
	alice.mustShow("── 28 new ──")
	// Alt+U goes back to it.
	alice.press(tea.KeyEnd)
	alice.press('u', tea.ModAlt)
	if m := alice.rowOf("── 28 new ──"); m != 1 {
		t.Fatalf("Alt+U: marker on row %d:\n%s", m, alice.screen())
	}

	// Leaving and coming back with nothing new: no marker.
	alice.press('p', tea.ModCtrl)
	alice.press('n', tea.ModCtrl)
	alice.press(tea.KeyPgUp)
	alice.press(tea.KeyPgUp)
	alice.mustNotShow("new ──")

	// A few unread fit: the marker shows with them, at the bottom.
	alice.press('p', tea.ModCtrl)
	bob.say("one more")
	bob.say("and another")
	alice.sync()
	alice.press('n', tea.ModCtrl)
	alice.mustShow("── 2 new ──", "one more", "and another")
	alice.mustNotShow("scrolled up")
	if m, first := alice.rowOf("── 2 new ──"), alice.rowOf("one more"); first != m+1 {
		t.Fatalf("marker on row %d, first unread on %d:\n%s", m, first, alice.screen())
	}
}

// /join of a room already joined enters it as Ctrl+N does: at the marker.
func TestJoiningAJoinedRoomOpensAtTheMarker(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 24)
	bob := newSession(t, h, "bob", 80, 24)
	alice.say("/join #go")
	bob.say("/join #go")
	alice.sync()
	alice.press('p', tea.ModCtrl)
	for i := 1; i <= 30; i++ {
		bob.say(fmt.Sprintf("unread %02d", i))
	}
	alice.sync()
	alice.say("/join #go")
	alice.sync()
	if m, first := alice.rowOf("── 30 new ──"), alice.rowOf("unread 01"); m != 1 || first != 2 {
		t.Fatalf("marker on row %d, first unread on %d; want 1 and 2:\n%s", m, first, alice.screen())
	}
}

// Coming back after 282 lines were said: the count says 282, not the
// backlog's 100, and the marker moves to the real first unread as older
// pages load.
func TestComingBackCountsAllAndTheMarkerFindsItsPlace(t *testing.T) {
	h := newHubWith(chat.Options{Backlog: 100})
	alice := newSession(t, h, "alice", 80, 24)
	bob := newSession(t, h, "bob", 80, 24)
	alice.say("/join #go")
	bob.say("/join #go")
	bob.say("read by alice")
	alice.sync()
	alice.m.member.Leave("")
	for i := 1; i <= 282; i++ {
		bob.say(fmt.Sprintf("missed %03d", i))
	}
	again, err := h.Join(chat.Identity{Key: "SHA256:alice", Nick: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Leave("")
	s := &session{t: t, m: New(Options{Member: again, Width: 80, Height: 24, Location: time.UTC})}
	s.sync()
	if b, _ := s.badge("#go"); b != "282" {
		t.Fatalf("badge %q, want 282:\n%s", b, s.panel())
	}
	s.press(tea.KeyF2) // the panel away again
	s.press('n', tea.ModCtrl)
	s.mustShow(" chatroom · #go", "── 282 new; the first are above: PgUp loads them")
	if m := s.rowOf("282 new"); m != 1 {
		t.Fatalf("marker on row %d:\n%s", m, s.screen())
	}
	for i := 0; i < 40 && !strings.Contains(s.screen(), "── 282 new ──"); i++ {
		s.press(tea.KeyPgUp)
		s.sync()
	}
	s.mustShow("── 282 new ──")
	if m, first := s.rowOf("── 282 new ──"), s.rowOf("missed 001"); m < 0 || first != m+1 {
		t.Fatalf("marker on row %d, first missed on %d:\n%s", m, first, s.screen())
	}
}

// The answer to a command taller than the message area opens at its
// first line.
func TestTallAnswerShowsItsFirstLine(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 12)
	alice.say("/help")
	alice.sync()
	alice.mustShow("Commands", "scrolled up")
	if r := alice.rowOf("Commands"); r != 1 {
		t.Fatalf("the answer's first line is on row %d:\n%s", r, alice.screen())
	}
	alice.press(tea.KeyEnd)
	alice.mustShow("Ctrl+C")
}
