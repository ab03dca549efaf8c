package sshchat

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"reflect"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/chatroom/chatroom/sshd"
)

// keySequences is what terminals send for the keys and the mouse: every
// key the view handles, in the encodings terminals use (VT100/VT220,
// xterm with modifiers, rxvt, the Linux console, modifyOtherKeys, the kitty
// keyboard protocol), and what lies around them.
func keySequences() []string {
	var seqs []string
	for b := 0; b < 0x80; b++ {
		seqs = append(seqs, string(rune(b)), "\x1b"+string(rune(b)))
	}
	mods := []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 16}
	for _, c := range "ABCDEFHPQRS" {
		seqs = append(seqs, "\x1b["+string(c), "\x1bO"+string(c))
		for _, m := range mods {
			seqs = append(seqs, fmt.Sprintf("\x1b[1;%d%c", m, c), fmt.Sprintf("\x1bO%d%c", m, c))
		}
	}
	for _, c := range "abcdMXjklmnopqrstuvwxy" { // rxvt shifted arrows, keypad
		seqs = append(seqs, "\x1b["+string(c), "\x1bO"+string(c))
	}
	for k := 1; k <= 34; k++ {
		seqs = append(seqs, fmt.Sprintf("\x1b[%d~", k), fmt.Sprintf("\x1b[%d$", k), fmt.Sprintf("\x1b[%d^", k), fmt.Sprintf("\x1b[%d@", k))
		for _, m := range mods {
			seqs = append(seqs, fmt.Sprintf("\x1b[%d;%d~", k, m))
		}
	}
	for _, c := range "ABCDE" { // the Linux console's F1-F5
		seqs = append(seqs, "\x1b[["+string(c))
	}
	for _, code := range []int{8, 9, 13, 27, 32, 97, 127} {
		for _, m := range mods {
			seqs = append(seqs, fmt.Sprintf("\x1b[27;%d;%d~", m, code)) // modifyOtherKeys
			seqs = append(seqs, fmt.Sprintf("\x1b[%d;%du", code, m))    // kitty
		}
		seqs = append(seqs, fmt.Sprintf("\x1b[%du", code))
	}
	seqs = append(seqs,
		"\x1b[57399u", "\x1b[57441;2u", "\x1b[97;5:1u", "\x1b[97;5:3u", // kitty keypad, shift, press, release
		"\x1b[<64;10;5M", "\x1b[<65;10;5M", "\x1b[<0;1;1M", "\x1b[<0;1;1m", "\x1b[<35;3;4M", // SGR mouse
		"\x1b[M`!!", "\x1b[Ma!!", "\x1b[M !!", // X10 mouse
		"\x1b[I", "\x1b[O", // focus
		"\x1b[200~hello\nworld\x1b[201~", "\x1b[200~tab\there\x1b[A\x1b[201~", "\x1b[200~bad\xffutf8\x1b[201~", "\x1b[200~\x1b[201~",
		"é", "日本語", "👍🏽", "\xff", "\xe6\x97", "abc\x1b[Adef\r", "\x1b\x1b[A", "\x1b\x1b", "\x1bé", "\x1b[1;5", "\x1b[",
		"\x1bP1$r0m\x1b\\", "\x1b]11;rgb:0000/0000/0000\x07", "\x1b[?1;2c", // replies to queries the view never makes
	)
	return seqs
}

// ultravioletEvents is what ultraviolet's own reader makes of seq arriving
// in one read, as messages for the view.
func ultravioletEvents(t *testing.T, seq string) []tea.Msg {
	t.Helper()
	events := make(chan uv.Event, 64)
	r := uv.NewTerminalReader(io.MultiReader(bytes.NewReader([]byte(seq))), "xterm-256color")
	if err := r.StreamEvents(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	close(events)
	var msgs []tea.Msg
	for ev := range events {
		if msg := teaMsg(ev); msg != nil {
			msgs = append(msgs, msg)
		}
	}
	return msgs
}

// scannerEvents is what keyScanner makes of seq arriving in one read, and
// then the end of the input.
func scannerEvents(seq string) []tea.Msg {
	var sc keyScanner
	var msgs []tea.Msg
	emit := func(ev uv.Event) {
		if msg := teaMsg(ev); msg != nil {
			msgs = append(msgs, msg)
		}
	}
	n := sc.scan([]byte(seq), false, emit)
	sc.scan([]byte(seq[n:]), true, emit)
	return msgs
}

// keyScanner decodes what terminals send as ultraviolet's TerminalReader
// does, without the reader's key table (150 KiB a session).
func TestKeyScannerMatchesUltraviolet(t *testing.T) {
	seqs := keySequences()
	for _, seq := range seqs {
		want, got := ultravioletEvents(t, seq), scannerEvents(seq)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %#v, want %#v", seq, got, want)
		}
	}
	t.Logf("%d sequences", len(seqs))
}

// What may be the start of a longer sequence waits for the rest, unless
// nothing more comes in time: then it is taken as it stands.
func TestKeyScannerWaitsForTheRestOfASequence(t *testing.T) {
	var sc keyScanner
	var got []tea.Msg
	emit := func(ev uv.Event) { got = append(got, teaMsg(ev)) }
	for _, partial := range []string{"\x1b", "\x1b[", "\x1b[1;5"} {
		if n := sc.scan([]byte(partial), false, emit); n != 0 {
			t.Errorf("%q: %d bytes taken before the sequence is complete", partial, n)
		}
	}
	if len(got) != 0 {
		t.Fatalf("events from incomplete sequences: %v", got)
	}
	// A paste is one event, once it has ended.
	sc.scan([]byte("\x1b[200~half a paste"), false, emit)
	if len(got) != 1 || got[0] != (tea.PasteStartMsg{}) {
		t.Fatalf("half a paste: %#v", got)
	}
	sc.scan([]byte(" and the rest\x1b[201~"), false, emit)
	if len(got) != 3 || got[1] != (tea.PasteMsg{Content: "half a paste and the rest"}) {
		t.Fatalf("a whole paste: %#v", got)
	}
	got = nil
	if n := sc.scan([]byte("\x1b[1;5A"), false, emit); n != 6 || len(got) != 1 ||
		got[0] != (tea.KeyPressMsg{Code: tea.KeyUp, Mod: tea.ModCtrl}) {
		t.Fatalf("Ctrl+Up: %d bytes, %#v", n, got)
	}
	got = nil
	if n := sc.scan([]byte("\x1b"), true, emit); n != 1 || len(got) != 1 || got[0] != (tea.KeyPressMsg{Code: tea.KeyEscape}) {
		t.Fatalf("a lone ESC, expired: %d bytes, %#v", n, got)
	}
}

// fakeClock is an escClock the test fires by hand, counting its starts.
type fakeClock struct {
	c             chan time.Time
	starts, stops int
	running       bool
}

func (f *fakeClock) start() <-chan time.Time { f.starts++; f.running = true; return f.c }
func (f *fakeClock) stop()                   { f.stops++; f.running = false }

// An idle session's input runs no timer: the pump starts one only while a
// sequence waits for its end (a lone ESC), and stops it with the sequence.
func TestPumpRunsNoTimerBetweenKeys(t *testing.T) {
	in := sshd.NewInput(nil)
	clock := &fakeClock{c: make(chan time.Time)}
	msgs := make(chan tea.Msg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		pumpInputWith(in, func(m tea.Msg) { msgs <- m }, func() {}, clock)
	}()
	expect := func(want tea.Msg) {
		t.Helper()
		if m := <-msgs; !reflect.DeepEqual(m, want) {
			t.Fatalf("got %#v, want %#v", m, want)
		}
	}
	// clock is only touched by the pump's goroutine; each receive from
	// msgs orders what the pump did before it.
	in.Push([]byte("a\x1b[Bé"))
	expect(tea.KeyPressMsg{Code: 'a', Text: "a"})
	expect(tea.KeyPressMsg{Code: tea.KeyDown})
	expect(tea.KeyPressMsg{Code: 'é', Text: "é"})
	in.Push([]byte("\x1b")) // a lone ESC: Escape, or the start of a sequence?
	clock.c <- time.Time{}  // the pump waits on the clock: nothing more came
	expect(tea.KeyPressMsg{Code: tea.KeyEscape})
	in.Push([]byte("\x1b[1;5"))
	in.Push([]byte("A"))
	expect(tea.KeyPressMsg{Code: tea.KeyUp, Mod: tea.ModCtrl})
	in.Push([]byte("b"))
	expect(tea.KeyPressMsg{Code: 'b', Text: "b"})
	in.End(io.EOF)
	<-done
	if clock.running || clock.starts == 0 || clock.starts > 2 {
		t.Fatalf("clock started %d times, stopped %d times, running at the end: %v", clock.starts, clock.stops, clock.running)
	}
}
