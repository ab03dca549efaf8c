package ui

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"go.uber.org/goleak"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// session is one view driven directly, without a terminal or network.
type session struct {
	t *testing.T
	m *Model
}

func newSession(t *testing.T, h *chat.Hub, nick string, w, hgt int) *session {
	t.Helper()
	mem, err := h.Join(chat.Identity{Key: "SHA256:" + nick, Nick: nick})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Leave("test over") })
	s := &session{t: t, m: New(Options{Member: mem, Width: w, Height: hgt, Mouse: true, Location: time.UTC})}
	s.sync()
	return s
}

// newHub is a hub with a fixed clock and without rate limits, which have
// tests of their own in chat: these tests type quickly.
func newHub() *chat.Hub { return newHubWith(chat.Options{}) }

// newHubWith is newHub with some options of a test's own.
func newHubWith(opts chat.Options) *chat.Hub {
	opts.Now = func() time.Time { return time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC) }
	opts.MessageRate, opts.MessageBurst = 1e9, 1<<30
	h, err := chat.NewHub(opts)
	if err != nil {
		panic(err)
	}
	return h
}

// sync pulls everything pending, as wakes would.
func (s *session) sync() {
	for {
		select {
		case <-s.m.member.Wake():
			s.m.Update(wakeMsg{})
		default:
			return
		}
	}
}

func (s *session) key(k tea.KeyPressMsg) tea.Cmd {
	_, cmd := s.m.Update(k)
	return cmd
}

func (s *session) typeText(text string) {
	for _, r := range text {
		s.key(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func (s *session) press(code rune, mod ...tea.KeyMod) tea.Cmd {
	k := tea.KeyPressMsg{Code: code}
	for _, m := range mod {
		k.Mod |= m
	}
	return s.key(k)
}

func (s *session) say(text string) {
	s.typeText(text)
	s.press(tea.KeyEnter)
}

func (s *session) rows() []string {
	content := s.m.View().Content
	rows := strings.Split(ansi.Strip(content), "\n")
	for i, r := range rows {
		rows[i] = strings.TrimRight(r, " ")
	}
	return rows
}

func (s *session) screen() string { return strings.Join(s.rows(), "\n") }

func (s *session) mustShow(texts ...string) {
	s.t.Helper()
	scr := s.screen()
	for _, text := range texts {
		if !strings.Contains(scr, text) {
			s.t.Fatalf("screen lacks %q:\n%s", text, scr)
		}
	}
}

func (s *session) mustNotShow(text string) {
	s.t.Helper()
	if scr := s.screen(); strings.Contains(scr, text) {
		s.t.Fatalf("screen shows %q:\n%s", text, scr)
	}
}

func (s *session) input() string { return s.m.input.value() }

func TestLayoutFitsTheTerminal(t *testing.T) {
	h := newHub()
	for _, size := range [][2]int{{40, 10}, {79, 24}, {80, 24}, {120, 40}, {300, 100}} {
		s := newSession(t, h, fmt.Sprintf("w%d", size[0]), size[0], size[1])
		s.say("日本語のテキストと絵文字 👍 " + strings.Repeat("wrap me ", 40))
		s.sync()
		rows := s.rows()
		if len(rows) != size[1] {
			t.Fatalf("%v: %d rows", size, len(rows))
		}
		for i, r := range rows {
			if w := ansi.StringWidth(r); w > size[0] {
				t.Fatalf("%v: row %d is %d cells wide: %q", size, i, w, r)
			}
		}
		if !strings.HasPrefix(rows[0], " chatroom · #lobby") {
			t.Errorf("%v: header %q", size, rows[0])
		}
		if !strings.HasPrefix(rows[len(rows)-1], "> ") {
			t.Errorf("%v: input row %q", size, rows[len(rows)-1])
		}
		// The side panel shows only when asked for (F2), and only where
		// it fits; F2 again hides it.
		for i, asked := range []bool{false, true, false} {
			if i > 0 {
				s.press(tea.KeyF2)
			}
			if panel := strings.Contains(s.screen(), "│ Online ("); panel != (asked && size[0] >= 80) {
				t.Errorf("%v, panel asked for %v: member list shown = %v", size, asked, panel)
			}
		}
	}
}

func TestTooSmall(t *testing.T) {
	s := newSession(t, newHub(), "tiny", 39, 10)
	s.mustShow("Terminal too small", "39×10, need 40×10")
	s.m.Update(tea.WindowSizeMsg{Width: 20, Height: 3})
	if rows := s.rows(); len(rows) > 3 || ansi.StringWidth(rows[0]) > 20 {
		t.Fatalf("notice does not fit 20x3: %q", rows)
	}
	s.m.Update(tea.WindowSizeMsg{Width: 0, Height: 0})
	if c := s.m.View().Content; c != "" {
		t.Fatalf("0x0 view = %q", c)
	}
	s.m.Update(tea.WindowSizeMsg{Width: 60, Height: 20})
	s.mustShow("chatroom · #lobby")
}

func TestWrappedLinesAreIndentedAndWide(t *testing.T) {
	h := newHub()
	s := newSession(t, h, "alice", 40, 12)
	other := newSession(t, h, "bob", 40, 12)
	other.say(strings.Repeat("漢", 50))
	s.sync()
	rows := s.rows()
	var lines []string
	for _, r := range rows {
		if strings.Contains(r, "漢") {
			lines = append(lines, r)
		}
	}
	if len(lines) < 3 || !strings.HasPrefix(lines[0], "09:05 <bob> 漢") || !strings.HasPrefix(lines[1], "    │ 漢") {
		t.Fatalf("wrapped CJK lines:\n%s", strings.Join(lines, "\n"))
	}
	total := 0
	for _, l := range lines {
		total += strings.Count(l, "漢")
		if ansi.StringWidth(l) > 40 {
			t.Fatalf("line wider than 40: %q", l)
		}
	}
	if total != 50 {
		t.Fatalf("%d of 50 characters shown", total)
	}
}

func TestOwnLinesAreMarked(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 20)
	bob := newSession(t, h, "bob", 80, 20)
	alice.say("mine")
	bob.say("theirs")
	alice.sync()
	alice.mustShow("<you> mine", "<bob> theirs")
	bob.sync()
	bob.mustShow("<alice> mine", "<you> theirs")

	// An action of your own is marked the same way; others see it as an
	// action of yours.
	alice.say("/me waves")
	alice.sync()
	alice.mustShow("<you> * waves")
	bob.sync()
	bob.mustShow("* alice waves")
}

func TestTypingIsNotDisturbedByIncomingMessages(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 20)
	bob := newSession(t, h, "bob", 80, 20)
	alice.typeText("half a thought")
	alice.press(tea.KeyLeft)
	for i := 0; i < 30; i++ {
		bob.say(fmt.Sprintf("interruption %d", i))
	}
	alice.sync()
	alice.typeText("X")
	if got := alice.input(); got != "half a thoughXt" {
		t.Fatalf("input = %q", got)
	}
	alice.mustShow("<bob> interruption 29")
}

func TestEditingKeys(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 20)
	s.typeText("hello wrld")
	for i := 0; i < 3; i++ {
		s.press(tea.KeyLeft)
	}
	s.typeText("o")
	if s.input() != "hello world" {
		t.Fatalf("after insert: %q", s.input())
	}
	s.press(tea.KeyHome)
	s.typeText(">> ")
	s.press(tea.KeyEnd)
	s.press(tea.KeyBackspace)
	s.press('w', tea.ModCtrl) // delete word
	if s.input() != ">> hello " {
		t.Fatalf("after backspace and ctrl+w: %q", s.input())
	}
	s.press(tea.KeyHome)
	s.press(tea.KeyDelete)
	if s.input() != "> hello " {
		t.Fatalf("after delete: %q", s.input())
	}
	s.press('u', tea.ModCtrl)
	s.press(tea.KeyEnd)
	s.press('u', tea.ModCtrl)
	if s.input() != "" {
		t.Fatalf("after ctrl+u: %q", s.input())
	}
}

func TestHistoryRecall(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 20)
	s.say("first")
	s.say("second")
	s.typeText("draft")
	s.press(tea.KeyUp)
	if s.input() != "second" {
		t.Fatalf("up: %q", s.input())
	}
	s.press(tea.KeyUp)
	s.press(tea.KeyUp)
	if s.input() != "first" {
		t.Fatalf("up up up: %q", s.input())
	}
	s.press(tea.KeyDown)
	s.press(tea.KeyDown)
	if s.input() != "draft" {
		t.Fatalf("back down to the draft: %q", s.input())
	}
}

func TestTabCompletion(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 20)
	newSession(t, h, "bob", 80, 20)
	newSession(t, h, "Bobby", 80, 20)
	alice.sync()

	alice.typeText("bo")
	alice.press(tea.KeyTab)
	if alice.input() != "bob: " {
		t.Fatalf("first tab: %q", alice.input())
	}
	alice.press(tea.KeyTab)
	if alice.input() != "Bobby: " {
		t.Fatalf("second tab cycles: %q", alice.input())
	}
	alice.press('u', tea.ModCtrl)
	alice.typeText("hi @bo")
	alice.press(tea.KeyTab)
	if alice.input() != "hi @bob " {
		t.Fatalf("@ completion: %q", alice.input())
	}
	alice.press('u', tea.ModCtrl)
	alice.typeText("/ni")
	alice.press(tea.KeyTab)
	if alice.input() != "/nick " {
		t.Fatalf("command completion: %q", alice.input())
	}
	alice.press('u', tea.ModCtrl)
	alice.typeText("/q")
	alice.press(tea.KeyTab)
	alice.typeText("x")
	if alice.input() != "/quit x" {
		t.Fatalf("typing after completion: %q", alice.input())
	}
}

func TestPasteBecomesOneMessage(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 60, 30)
	bob := newSession(t, h, "bob", 60, 30)
	alice.m.Update(tea.PasteMsg{Content: "line one\nline two\r\n\tline three"})
	if alice.input() != "line one\nline two\n    line three" {
		t.Fatalf("input after paste: %q", alice.input())
	}
	alice.press(tea.KeyEnter)
	bob.sync()
	bob.mustShow("09:05 <alice> line one\n    │ line two\n    │     line three")
	if n := strings.Count(bob.screen(), "<alice>"); n != 1 {
		t.Fatalf("paste became %d messages", n)
	}
}

func TestRefusedLineStaysInTheInput(t *testing.T) {
	// The clock stands still, so the one message of the burst is not
	// given back: the next is refused. (A line too long for a message can
	// no longer be typed: the input holds no more than a message may.)
	h, err := chat.NewHub(chat.Options{
		Now:         func() time.Time { return time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC) },
		MessageRate: 1, MessageBurst: 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	alice := newSession(t, h, "alice", 80, 20)
	bob := newSession(t, h, "bob", 80, 20)
	alice.say("the one message of the burst")
	long := strings.Repeat("x", 150)
	alice.m.Update(tea.PasteMsg{Content: long})
	alice.press(tea.KeyEnter)
	// Held back by the rate limit, the line waits to go (issue 10), shown
	// to its author, and the input is free; Up brings it back.
	if alice.input() != "" || len(alice.m.pending) != 1 || alice.m.pending[0].e.msg.Text != long {
		t.Fatalf("the held line: input %d chars, %d waiting", len(alice.input()), len(alice.m.pending))
	}
	alice.mustShow("xxxxxxxxxxxxxxxx")
	alice.mustNotShow("! slow down")
	alice.press(tea.KeyUp)
	if alice.input() != long {
		t.Fatalf("Up brought back %d chars", len(alice.input()))
	}
	alice.press('u', tea.ModCtrl)
	alice.say("/nosuch")
	alice.mustShow(`! unknown command "/nosuch"`)
	if alice.input() != "/nosuch" {
		t.Fatalf("input after unknown command: %q", alice.input())
	}
	bob.sync()
	bob.mustNotShow("nosuch")
	bob.mustNotShow("xxxx")
}

func TestScrollback(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 20)
	bob := newSession(t, h, "bob", 80, 20)
	for i := 0; i < 60; i++ {
		bob.say(fmt.Sprintf("message %02d", i))
	}
	alice.sync()
	alice.mustShow("<bob> message 59")

	alice.press(tea.KeyPgUp)
	alice.mustNotShow("message 59")
	alice.mustShow("scrolled up · End to jump back")
	top := alice.rows()[1]

	bob.say("new while scrolled")
	bob.say("and another")
	alice.sync()
	if got := alice.rows()[1]; got != top {
		t.Fatalf("the view moved: top row %q, was %q", got, top)
	}
	alice.mustShow("↓ 2 new messages · End to jump back")
	alice.mustNotShow("and another")

	alice.press(tea.KeyPgDown)
	alice.press(tea.KeyPgUp)
	alice.press(tea.KeyEnd)
	alice.mustShow("<bob> and another")
	alice.mustNotShow("new messages")

	for i := 0; i < 100; i++ {
		alice.press(tea.KeyPgUp)
	}
	alice.mustShow("Welcome to chatroom!")

	alice.m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	alice.press(tea.KeyEscape)
	alice.mustShow("<bob> and another")
	alice.m.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	alice.mustShow("scrolled up")
}

func TestClearAndMouseAreLocal(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 20)
	bob := newSession(t, h, "bob", 80, 20)
	bob.say("before the clear")
	alice.sync()
	alice.say("/clear")
	alice.mustNotShow("before the clear")
	bob.sync()
	bob.mustShow("before the clear")

	if alice.m.View().MouseMode != tea.MouseModeCellMotion {
		t.Fatal("mouse not captured by default")
	}
	alice.say("/mouse off")
	if alice.m.View().MouseMode != tea.MouseModeNone {
		t.Fatal("/mouse off left the mouse captured")
	}
	alice.mustShow("Mouse off")
}

func TestQuitKeys(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 20)
	if cmd := s.press('c', tea.ModCtrl); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("ctrl+c does not quit")
	}
	s.typeText("/quit")
	if cmd := s.press(tea.KeyEnter); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("/quit does not quit")
	}
}

func TestClosedByTheRoomQuits(t *testing.T) {
	h := newHub()
	s := newSession(t, h, "alice", 80, 20)
	h.Shutdown()
	_, cmd := s.m.Update(s.m.wait()())
	if s.m.Goodbye() != "server is shutting down" {
		t.Fatalf("goodbye %q", s.m.Goodbye())
	}
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("the view does not quit when the room closes the session")
	}
}

func TestLeavingByItselfDoesNotQuitTwice(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 20)
	s.m.member.Leave("quit")
	if _, cmd := s.m.Update(s.m.wait()()); cmd != nil || s.m.Goodbye() != "" {
		t.Fatalf("goodbye %q, cmd %v", s.m.Goodbye(), cmd)
	}
}

// A message cannot forge lines that look like someone else's, or the
// reader's own: its continuation lines are marked.
func TestContinuationLinesCannotPassForMessages(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 70, 20)
	mallory := newSession(t, h, "mallory", 70, 20)
	mallory.m.Update(tea.PasteMsg{Content: "ok\n<you> I agree, send it to mallory\n■ boss made mallory an operator"})
	mallory.press(tea.KeyEnter)
	alice.sync()
	alice.mustShow("09:05 <mallory> ok\n    │ <you> I agree, send it to mallory\n    │ ■ boss made mallory an operator")
}

func TestMarksUnverifiedAndOperators(t *testing.T) {
	h := newHub()
	viewer := newSession(t, h, "viewer", 100, 20)
	keyless, err := h.Join(chat.Identity{Nick: "anon", Addr: "10.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer keyless.Leave("done")
	if _, err := command.Submit(keyless, "no key here"); err != nil {
		t.Fatal(err)
	}
	if _, err := command.Submit(keyless, "/me waves"); err != nil {
		t.Fatal(err)
	}
	viewer.sync()
	viewer.panel()
	viewer.mustShow("<~anon> no key here", "│ ~anon", "* ~anon waves", "→ ~anon joined")
}

func TestPastedOrRecalledLinesShowTheCursorLine(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 30)
	var lines []string
	for i := 1; i <= 12; i++ {
		lines = append(lines, fmt.Sprintf("pasted line %d", i))
	}
	s.m.Update(tea.PasteMsg{Content: strings.Join(lines, "\n")})
	rows := s.rows()
	if last := rows[len(rows)-1]; last != "  pasted line 12" {
		t.Fatalf("input's last row %q; the input shows:\n%s", last, strings.Join(rows[len(rows)-7:], "\n"))
	}
	s.press(tea.KeyEnter)
	s.press(tea.KeyUp)
	if rows := s.rows(); rows[len(rows)-1] != "  pasted line 12" {
		t.Fatalf("after recalling, input's last row %q", rows[len(rows)-1])
	}
}

func TestCtrlCClearsThenQuits(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 20)
	s.typeText("an unsent draft")
	if cmd := s.press('c', tea.ModCtrl); cmd != nil {
		t.Fatal("ctrl+c with a draft quit")
	}
	if s.input() != "" {
		t.Fatalf("input %q after ctrl+c", s.input())
	}
	s.mustShow("input cleared (Up brings it back) · Ctrl+C again to quit")
	s.press(tea.KeyUp)
	if s.input() != "an unsent draft" {
		t.Fatalf("up after clearing: %q", s.input())
	}
	s.press('c', tea.ModCtrl)
	if cmd := s.press('c', tea.ModCtrl); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("a second ctrl+c does not quit")
	}
}

func TestLongOwnNickStillMarked(t *testing.T) {
	s := newSession(t, newHub(), strings.Repeat("n", 24), 100, 20)
	s.panel()
	s.mustShow("(you)")
}

func TestIndentedNoticesKeepTheirIndentWhenWrapped(t *testing.T) {
	s := newSession(t, newHub(), "alice", 40, 100)
	s.say("/clear")
	s.say("/help")
	s.sync()
	rows := s.rows()
	start := 0
	for i, r := range rows {
		if strings.Contains(r, "· Commands:") {
			start = i + 1
		}
	}
	if start == 0 {
		t.Fatalf("no help on screen:\n%s", strings.Join(rows, "\n"))
	}
	for _, r := range rows[start : len(rows)-2] {
		if strings.Contains(r, "Keys: /help keys") {
			break // the last line: not a command's, not indented
		}
		if strings.TrimSpace(r) == "Keys:" || strings.TrimSpace(r) == "In this view:" || strings.TrimSpace(r) == "" {
			continue
		}
		if !strings.HasPrefix(r, "        ") {
			t.Errorf("a help line lost its indent: %q", r)
		}
	}
}

func TestScrollStaysInsideTheScrollback(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 20)
	bob := newSession(t, h, "bob", 80, 20)
	for i := 0; i < maxEntries+50; i++ {
		bob.say(fmt.Sprintf("message %d", i))
	}
	alice.sync()
	for i := 0; i < 200; i++ {
		alice.press(tea.KeyPgUp)
	}
	alice.rows()
	for i := 0; i < 5; i++ {
		bob.say("more")
	}
	alice.sync()
	if rows := alice.rows(); strings.TrimSpace(strings.Split(rows[1], "│")[0]) == "" {
		t.Fatalf("blank rows at the top of a full scrollback:\n%s", strings.Join(rows[:4], "\n"))
	}
	before := alice.rows()[1]
	alice.press(tea.KeyPgDown)
	if alice.rows()[1] == before {
		t.Fatal("PgDn did not move the view")
	}
}

func TestScrollbackMemoryIsBounded(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 20)
	bob := newSession(t, h, "bob", 80, 20)
	long := strings.Repeat("y", chat.MaxMessageLen-10)
	for i := 0; i < 400; i++ {
		bob.m.Update(tea.PasteMsg{Content: fmt.Sprint(i, long)})
		bob.press(tea.KeyEnter)
	}
	alice.sync()
	if alice.m.cur.bytes > maxScrollbackBytes || len(alice.m.cur.entries) > maxScrollbackBytes/len(long)+1 {
		t.Fatalf("%d entries holding %d bytes", len(alice.m.cur.entries), alice.m.cur.bytes)
	}
}

func TestNickColoursAreStable(t *testing.T) {
	st := newStyles()
	if st.nick("alice").GetForeground() != st.nick("ALICE").GetForeground() {
		t.Fatal("case changes the colour")
	}
	seen := map[any]bool{}
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"} {
		seen[st.nick(n).GetForeground()] = true
	}
	if len(seen) < 4 {
		t.Fatalf("only %d colours for 8 nicks", len(seen))
	}
}

// A model whose driver waits on its wakes returns no command that waits,
// and takes what arrives when handed WakeMsg.
func TestDriverWaitsOnWakes(t *testing.T) {
	h := newHub()
	mem, err := h.Join(chat.Identity{Key: "SHA256:driven", Nick: "driven"})
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Leave("test over")
	m := New(Options{Member: mem, Width: 80, Height: 24, Location: time.UTC, DriverWakes: true})
	if cmd := m.Init(); cmd != nil {
		t.Fatal("a driven model's Init returned a command")
	}
	bob := newSession(t, h, "bob", 80, 24)
	bob.say("a line that names nobody")
	wake := m.Wake()
	for !strings.Contains(ansi.Strip(m.View().Content), "<bob> a line that names nobody") {
		select {
		case <-wake:
		case <-time.After(10 * time.Second):
			t.Fatalf("the line did not arrive:\n%s", m.View().Content)
		}
		if _, cmd := m.Update(WakeMsg); cmd != nil {
			t.Fatal("a driven model's wake returned a command")
		}
	}
}

// Lines typed faster than the rate limit wait and go in order, each a
// line of its own, as the limit allows; beyond what may wait, a line is
// refused and stays in the input.
func TestFastLinesWaitAndGoInOrder(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC)
	var mu sync.Mutex
	h, err := chat.NewHub(chat.Options{
		Now:         func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		MessageRate: 2, MessageBurst: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	alice := newSession(t, h, "alice", 80, 24)
	bob := newSession(t, h, "bob", 80, 40)
	for i := 1; i <= 15; i++ {
		alice.say(fmt.Sprintf("fast line %d", i))
	}
	if alice.input() != "" || len(alice.m.pending) != 5 {
		t.Fatalf("input %q, %d lines waiting", alice.input(), len(alice.m.pending))
	}
	alice.mustShow("<you> fast line 11", "<you> fast line 12", "and 3 more lines waiting to go, in order")
	alice.mustNotShow("slow down")
	for len(alice.m.pending) > 0 {
		mu.Lock()
		now = now.Add(time.Second)
		mu.Unlock()
		alice.m.Update(sendPendingMsg{})
	}
	bob.sync()
	rows := bob.rows()
	next := 1
	for _, r := range rows {
		if strings.HasSuffix(r, fmt.Sprintf("<alice> fast line %d", next)) {
			next++
		}
	}
	if next != 16 {
		t.Fatalf("bob saw fast lines 1 to %d in order, separate:\n%s", next-1, strings.Join(rows, "\n"))
	}
	// More than may wait: refused, kept in the input.
	i := 0
	for ; len(alice.m.pending) < maxPendingLines && i < 100; i++ {
		alice.say(fmt.Sprintf("flood %d", i))
	}
	alice.say("one too many")
	if len(alice.m.pending) != maxPendingLines || alice.input() != "one too many" {
		t.Fatalf("%d waiting, input %q", len(alice.m.pending), alice.input())
	}
	alice.mustShow("20 lines are waiting")

	// Leaving with lines still waiting asks first: Ctrl+C clears the
	// input, then says what would be lost, then leaves.
	if cmd := alice.press('c', tea.ModCtrl); cmd != nil {
		t.Fatal("Ctrl+C with text in the input did more than clear it")
	}
	if cmd := alice.press('c', tea.ModCtrl); cmd != nil {
		t.Fatal("Ctrl+C left with 20 lines still waiting to go, without a word")
	}
	alice.mustShow("20 of your lines are still waiting to go")
	if cmd := alice.press('c', tea.ModCtrl); cmd == nil {
		t.Fatal("a second Ctrl+C did not leave")
	}
}

// One meaning per mark: "~" marks people without a key, so a nick change
// is marked otherwise.
func TestNickChangeIsNotMarkedUnverified(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 24)
	bob := newSession(t, h, "bob", 80, 24)
	bob.say("/nick robert")
	alice.sync()
	alice.mustShow("» bob is now known as robert")
	alice.mustNotShow("~ bob")
}

// /help is a table: a description that wraps hangs under the description
// column, not under the command.
func TestHelpDescriptionsHangUnderTheirColumn(t *testing.T) {
	s := newSession(t, newHub(), "alice", 60, 60)
	s.say("/clear")
	s.say("/help")
	s.sync()
	rows := s.rows()
	for i, r := range rows {
		j := strings.Index(r, "/msg NICK TEXT")
		if j < 0 || i+1 == len(rows) {
			continue
		}
		col := strings.Index(r, "a private message")
		next := rows[i+1]
		if col < 0 || len(next) <= col || strings.TrimSpace(next[:col]) != "" || next[col] == ' ' {
			t.Fatalf("the wrapped description does not hang under its column:\n%s\n%s", r, next)
		}
		return
	}
	t.Fatalf("/help lacks /msg:\n%s", strings.Join(rows, "\n"))
}

// Keys typed while the terminal is too small to show them are not typed,
// nor sent, blind; Ctrl+C still quits.
func TestTooSmallTakesNoKeys(t *testing.T) {
	h := newHub()
	tiny := newSession(t, h, "tiny", 30, 8)
	bob := newSession(t, h, "bob", 80, 24)
	tiny.typeText("sent blind")
	tiny.press(tea.KeyEnter)
	tiny.m.Update(tea.PasteMsg{Content: "pasted blind"})
	if tiny.input() != "" {
		t.Fatalf("the input took %q while too small", tiny.input())
	}
	bob.sync()
	bob.mustNotShow("blind")
	if cmd := tiny.press('c', tea.ModCtrl); cmd == nil || cmd() != tea.Quit() {
		t.Fatal("Ctrl+C does not quit while too small")
	}
}
