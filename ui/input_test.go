package ui

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/rivo/uniseg"

	"github.com/chatroom/chatroom/chat"
)

// keyCost is what one keystroke and the frame after it allocate, averaged
// over a few hundred: a stand-in for the work it does that does not depend
// on the machine's speed.
func keyCost(s *session, keys ...tea.KeyPressMsg) (allocs, bytes float64) {
	const rounds = 100
	run := func() {
		for _, k := range keys {
			s.m.Update(k)
			_ = s.m.View()
		}
	}
	run() // settle caches and slice capacities
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < rounds; i++ {
		run()
	}
	runtime.ReadMemStats(&after)
	n := float64(rounds * len(keys))
	return float64(after.Mallocs-before.Mallocs) / n, float64(after.TotalAlloc-before.TotalAlloc) / n
}

func letter(r rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: r, Text: string(r)} }

// A keystroke costs the same whether the input holds a few words or a
// message's worth: typing must not re-wrap or redraw the whole input on
// every key (the bubbles textarea did, making 10,000 typed keys cost a
// minute of the server's CPU). Measured where typing happens: at the end,
// in the middle and at the start of a long line.
func TestKeystrokeCostDoesNotGrowWithTheInput(t *testing.T) {
	s := newSession(t, newHub(), "alice", 120, 40)
	back := tea.KeyPressMsg{Code: tea.KeyBackspace}
	measure := func(where string) (allocs, bytes [3]float64) {
		pos := []struct {
			name string
			move func()
		}{
			{"end", func() { s.press('e', tea.ModCtrl) }},
			{"middle", func() {
				s.press('a', tea.ModCtrl)
				for i := 0; i < utf8.RuneCountInString(s.input())/2; i++ {
					s.press(tea.KeyRight)
				}
			}},
			{"start", func() { s.press('a', tea.ModCtrl) }},
		}
		for i, p := range pos {
			p.move()
			allocs[i], bytes[i] = keyCost(s, letter('x'), back)
			t.Logf("%s, %s: %.1f allocations, %.0f bytes per key", where, p.name, allocs[i], bytes[i])
		}
		return allocs, bytes
	}
	s.typeText(strings.Repeat("word ", 10))
	shortAllocs, shortBytes := measure("50 characters")
	s.press('e', tea.ModCtrl)
	// Short of where the status line starts counting what is left.
	s.typeText(strings.Repeat("word ", 340))
	longAllocs, longBytes := measure("1,750 characters")
	// The longer input shows more rows of itself, up to the input's
	// greatest height, in the input's view and in the frame that holds
	// it: that much more a key may cost, no more.
	shown := float64(2 * s.m.input.height() * s.m.width)
	for i, where := range []string{"end", "middle", "start"} {
		if longAllocs[i] > shortAllocs[i]+5 || longBytes[i] > 1.2*shortBytes[i]+shown+512 {
			t.Errorf("at the %s, a key in a 1,750-character input allocates %.1f times (%.0f bytes), in a 50-character one %.1f (%.0f bytes)",
				where, longAllocs[i], longBytes[i], shortAllocs[i], shortBytes[i])
		}
	}
}

// The input holds no more than one message may: keys beyond the limit are
// refused, and the person is told, so nothing they type vanishes unseen.
func TestTypingStopsAtTheMessageLimit(t *testing.T) {
	h := newHub()
	alice := newSession(t, h, "alice", 80, 24)
	bob := newSession(t, h, "bob", 80, 24)
	alice.typeText(strings.Repeat("a", chat.MaxMessageLen-250))
	alice.mustNotShow("characters left")
	alice.typeText(strings.Repeat("b", 230))
	alice.mustShow("20 characters left")
	alice.typeText(strings.Repeat("c", 30))
	if n := utf8.RuneCountInString(alice.input()); n != chat.MaxMessageLen {
		t.Fatalf("the input holds %d characters, the limit is %d", n, chat.MaxMessageLen)
	}
	if !strings.HasSuffix(alice.input(), strings.Repeat("c", 20)) {
		t.Fatalf("the input does not end with the keys that fit: …%q", alice.input()[len(alice.input())-30:])
	}
	alice.mustShow("message full", "2000 characters")
	alice.press(tea.KeyEnter)
	bob.sync()
	bob.mustShow("bbbbcccc") // its end
	alice.mustNotShow("not sent")
	if alice.input() != "" {
		t.Fatalf("a full message was not sent: %d characters left in the input", len(alice.input()))
	}
	alice.mustNotShow("message full")
}

// New lines stop at the most lines a message may have, the same way.
func TestNewLinesStopAtTheLineLimit(t *testing.T) {
	alice := newSession(t, newHub(), "alice", 80, 24)
	for i := 0; i < chat.MaxMessageLines+20; i++ {
		alice.typeText(fmt.Sprint(i))
		alice.press('j', tea.ModCtrl)
	}
	if n := strings.Count(alice.input(), "\n") + 1; n != chat.MaxMessageLines {
		t.Fatalf("the input holds %d lines, the limit is %d", n, chat.MaxMessageLines)
	}
	alice.mustShow("message full", "100 lines")
}

// A paste longer than a message is cut to what fits, and a notice says so.
func TestPasteBeyondTheLimitIsCutWithANotice(t *testing.T) {
	alice := newSession(t, newHub(), "alice", 80, 24)
	alice.typeText("before: ")
	alice.m.Update(tea.PasteMsg{Content: strings.Repeat("y", 3*chat.MaxMessageLen)})
	if n := utf8.RuneCountInString(alice.input()); n != chat.MaxMessageLen {
		t.Fatalf("after the paste the input holds %d characters, the limit is %d", n, chat.MaxMessageLen)
	}
	alice.mustShow("paste cut", "1992 of its 6000 characters")

	alice.press('u', tea.ModCtrl)
	var lines []string
	for i := 0; i < 3*chat.MaxMessageLines; i++ {
		lines = append(lines, fmt.Sprint("line ", i))
	}
	alice.m.Update(tea.PasteMsg{Content: strings.Join(lines, "\n")})
	if n := strings.Count(alice.input(), "\n") + 1; n != chat.MaxMessageLines {
		t.Fatalf("after the paste the input holds %d lines, the limit is %d", n, chat.MaxMessageLines)
	}
	if !strings.HasSuffix(alice.input(), "\nline 99") {
		t.Fatalf("the input does not end with the lines that fit: …%q", alice.input()[len(alice.input())-20:])
	}
	alice.mustShow("paste cut", "100 of its 300 lines")
}

// newTestInput is an input on its own, w cells wide and h rows high.
func newTestInput(w, h int) *input {
	st := newStyles()
	in := newInput(&st, "placeholder", chat.MaxMessageLen, chat.MaxMessageLines)
	in.setSize(w, h)
	return &in
}

// freshRows lays out the whole text from nothing: what the rows kept
// across edits must always equal.
func freshRows(in *input) []pos {
	f := *in
	f.rows, f.known, f.done = []pos{{}}, 1, false
	f.layoutTo(1 << 30)
	return f.rows[:f.known]
}

// Rows kept across edits are those a fresh layout gives, whatever the
// edits: wide and zero-width characters, spaces, line breaks, words longer
// than a row, at the start, middle and end, and resizes.
func TestInputRowsKeptAcrossEditsAreRight(t *testing.T) {
	pieces := []string{"a", "b", " ", "  ", "word ", "漢", "字字", "👍", "e\u0301", "\u0301", "\u200d", "👨\u200d👩", "\n",
		strings.Repeat("x", 25), strings.Repeat("漢", 13), "🇫", "🇷"}
	keys := []string{"left", "right", "home", "end", "up", "down", "backspace", "delete", "ctrl+w", "alt+d",
		"ctrl+u", "ctrl+k", "alt+left", "alt+right", "ctrl+home", "ctrl+end"}
	rng := uint64(1)
	next := func(n int) int { // a fixed sequence, so a failure repeats
		rng = rng*6364136223846793005 + 1442695040888963407
		return int((rng >> 33) % uint64(n))
	}
	for _, w := range []int{4, 5, 12, 40} {
		in := newTestInput(w, 4)
		for step := 0; step < 3000; step++ {
			var did string
			switch op := next(10); {
			case op < 5:
				piece := pieces[next(len(pieces))]
				did = fmt.Sprintf("insert %q", piece)
				in.insert(piece)
			case op < 9:
				did = keys[next(len(keys))]
				in.edit(did)
			default:
				did = "resize"
				in.setSize(3+next(30), 1+next(6))
			}
			// Look at a few rows, as drawing does, then at all of them.
			_, _ = in.view()
			got := slices.Clone(in.rows[:in.known])
			want := freshRows(in)
			if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
				t.Fatalf("width %d, step %d (%s): rows %v, laid out afresh %v", in.width, step, did, got, want)
			}
			in.layoutTo(1 << 30)
			if got := in.rows[:in.known]; !slices.Equal(got, want) {
				t.Fatalf("width %d, step %d (%s): all rows %v, laid out afresh %v", in.width, step, did, got, want)
			}
			checkInput(t, in)
			if in.runes > 300 {
				in.restore(snapshot{})
			}
		}
	}
}

// checkInput checks what the input shows against what it holds: each row
// fits, the rows hold the text in order, and the cursor is on its cell.
func checkInput(t *testing.T, in *input) {
	t.Helper()
	if in.runes != utf8.RuneCountInString(in.value()) || in.lines != strings.Count(in.value(), "\n")+1 {
		t.Fatalf("counts %d runes, %d lines for %q", in.runes, in.lines, in.value())
	}
	if in.curB != in.bytes(0, in.cur) {
		t.Fatalf("cursor at cell %d, byte %d; its byte is %d", in.cur, in.curB, in.bytes(0, in.cur))
	}
	// The cells are the text's grapheme clusters, as a terminal sees them
	// (but for runs of joined clusters longer than the input joins).
	var want, got []string
	long := false
	for s, state := in.value(), -1; s != ""; {
		var c string
		c, s, _, state = uniseg.FirstGraphemeClusterInString(s, state)
		want = append(want, c)
		long = long || len(c) > maxJoin/2
	}
	for i, c := range in.cells {
		b := in.bytes(0, i)
		got = append(got, string(in.text[b:b+int(c.n)]))
	}
	if !long && !slices.Equal(got, want) {
		t.Fatalf("cells %q, clusters %q", got, want)
	}
	view, cur := in.view()
	rows := strings.Split(view, "\n")
	if len(rows) != in.height() {
		t.Fatalf("%d rows drawn, height %d", len(rows), in.height())
	}
	for i, r := range rows {
		if w := ansi.StringWidth(r); w > max(in.width, promptWidth+2) {
			t.Fatalf("row %d is %d wide on a %d-wide screen: %q", i, w, in.width, r)
		}
	}
	if cur.Y < 0 || cur.Y >= len(rows) {
		t.Fatalf("cursor on row %d of %d", cur.Y, len(rows))
	}
	// The text before the cursor on its row is as wide as the cursor's column.
	row := in.rowOf(in.cur)
	before := string(in.text[in.rows[row].b:in.curB])
	if w := ansi.StringWidth(ansi.Strip(rows[cur.Y])[:promptWidth] + before); w != cur.X && !in.empty() && !long {
		t.Fatalf("cursor at column %d, the text before it is %d wide (%q)", cur.X, w, before)
	}
}

// What a keystroke lays out does not grow with the input: a few rows
// around the cursor, wherever it types.
func TestKeystrokeLaysOutAFewRows(t *testing.T) {
	in := newTestInput(80, 6)
	in.insert(strings.Repeat("some words ", 180))
	in.view()
	bound := 10 * (in.textWidth() + 1)
	for _, where := range []string{"end", "middle", "start"} {
		switch where {
		case "middle":
			for in.moveTo(len(in.cells) / 2); in.cur > len(in.cells)/2; {
				in.edit("left")
			}
		case "start":
			in.edit("ctrl+home")
		}
		in.view()
		most := 0
		for i := 0; i < 50; i++ {
			for _, k := range []string{"x", "backspace", "y", "left", "right", "delete", "left"} {
				before := in.laidOut
				if !in.edit(k) {
					in.insert(k)
				}
				in.view()
				most = max(most, in.laidOut-before)
			}
		}
		t.Logf("%s: at most %d cells laid out for a key", where, most)
		if most > bound {
			t.Errorf("typing at the %s of a %d-character input laid out %d cells for one key, more than %d", where, in.runes, most, bound)
		}
	}
}

// Up and Down move between the lines of a multi-line input, keeping to
// the column; on its first and last line they recall what was sent.
func TestUpDownMoveBetweenLinesOfTheInput(t *testing.T) {
	s := newSession(t, newHub(), "alice", 80, 24)
	s.say("sent before")
	s.typeText("one")
	s.press('j', tea.ModCtrl)
	s.typeText("two")
	s.press(tea.KeyEnter, tea.ModAlt)
	s.typeText("three")
	s.press(tea.KeyUp)
	s.typeText("!")
	s.press(tea.KeyUp)
	s.typeText("?")
	if want := "one?\ntwo!\nthree"; s.input() != want {
		t.Fatalf("after moving up and typing: %q, want %q", s.input(), want)
	}
	s.press(tea.KeyDown)
	s.press(tea.KeyDown)
	s.press(tea.KeyHome)
	s.typeText(">")
	if want := "one?\ntwo!\n>three"; s.input() != want {
		t.Fatalf("after moving down and typing: %q, want %q", s.input(), want)
	}
	s.press(tea.KeyUp)
	s.press(tea.KeyUp)
	s.press(tea.KeyUp) // on the first line: recalls
	if s.input() != "sent before" {
		t.Fatalf("up on the first line: %q", s.input())
	}
	s.press(tea.KeyDown) // back to what was being typed
	if want := "one?\ntwo!\n>three"; s.input() != want {
		t.Fatalf("down after recalling: %q, want %q", s.input(), want)
	}
}

// The terminal's cursor stands where the next character goes, wide
// characters counted as two columns, on the input's row.
func TestTheTerminalCursorIsTheInputCursor(t *testing.T) {
	s := newSession(t, newHub(), "alice", 60, 20)
	at := func(x, y int) {
		t.Helper()
		c := s.m.View().Cursor
		if c == nil || c.X != x || c.Y != y {
			t.Fatalf("cursor at %v, want (%d, %d)", c, x, y)
		}
	}
	at(2, 19) // after the prompt, on the placeholder
	s.typeText("漢字 ok 👍")
	at(2+4+1+2+1+2, 19)
	s.press(tea.KeyLeft)
	s.press(tea.KeyLeft)
	at(2+4+1+2, 19)
	// A long line wraps; the input grows and the cursor follows.
	s.press(tea.KeyEnd)
	s.typeText(" " + strings.Repeat("long ", 20))
	rows := s.rows()
	if !strings.HasPrefix(rows[len(rows)-2], "> 漢字 ok 👍 long") || !strings.HasPrefix(rows[len(rows)-1], "  long") {
		t.Fatalf("the input's rows:\n%s", strings.Join(rows[len(rows)-3:], "\n"))
	}
	at(2+ansi.StringWidth(strings.TrimRight(rows[len(rows)-1], " "))-2+1, 19)
	// Home goes to the start of the line, on the first row.
	s.press(tea.KeyHome)
	at(2, 18)
}

// A character that joins the one before it (an accent typed after its
// letter, the second half of a flag, a skin tone after its emoji) makes one
// character with it, which the cursor passes and Backspace deletes whole.
func TestJoinedCharactersAreOne(t *testing.T) {
	s := newSession(t, newHub(), "alice", 60, 20)
	s.typeText("ab")
	s.press(tea.KeyLeft)
	for _, part := range []string{"🇫", "🇷", "👍", "🏽", "e", "\u0301"} {
		s.key(tea.KeyPressMsg{Text: part})
	}
	if want := "a🇫🇷👍🏽e\u0301b"; s.input() != want {
		t.Fatalf("input %q, want %q", s.input(), want)
	}
	if c := s.m.View().Cursor; c.X != 2+1+2+2+1 {
		t.Fatalf("cursor at column %d, want %d", c.X, 2+1+2+2+1)
	}
	s.press(tea.KeyLeft)
	s.press(tea.KeyBackspace)
	s.press(tea.KeyLeft)
	s.press(tea.KeyDelete)
	if want := "ae\u0301b"; s.input() != want {
		t.Fatalf("after backspace and delete: %q, want %q", s.input(), want)
	}
}

// Word keys move and delete by words; Ctrl+K deletes to the end of the line.
func TestWordKeys(t *testing.T) {
	s := newSession(t, newHub(), "alice", 60, 20)
	s.typeText("one two  three")
	s.press(tea.KeyLeft, tea.ModAlt)
	s.press(tea.KeyLeft, tea.ModAlt)
	s.typeText("(")
	s.press(tea.KeyRight, tea.ModAlt)
	s.typeText(")")
	if want := "one (two)  three"; s.input() != want {
		t.Fatalf("after word moves: %q, want %q", s.input(), want)
	}
	s.press('d', tea.ModAlt)
	if want := "one (two)"; s.input() != want {
		t.Fatalf("after alt+d: %q, want %q", s.input(), want)
	}
	s.press(tea.KeyHome)
	s.press(tea.KeyRight)
	s.press('k', tea.ModCtrl)
	if want := "o"; s.input() != want {
		t.Fatalf("after ctrl+k: %q, want %q", s.input(), want)
	}
}
