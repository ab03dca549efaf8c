package sshchat

import (
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/sshd"
)

// manualNow is a clock for sshd.Input's arrival times, moved by hand.
type manualNow struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualNow) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *manualNow) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// pumpOf runs the pump over input timed by clock, and returns what it
// sends once the input ends.
func pumpOf(t *testing.T, feed func(in *sshd.Input, clock *manualNow)) []tea.Msg {
	t.Helper()
	clock := &manualNow{t: time.Unix(1000, 0)}
	in := sshd.NewInput(clock.now)
	feed(in, clock)
	in.End(io.EOF)
	var got []tea.Msg
	pumpInputWith(in, func(m tea.Msg) { got = append(got, m) }, func() {}, &fakeClock{c: make(chan time.Time)})
	return got
}

// typed is what the pump sends for text typed as keys, Enter as "\r".
func typed(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		if r == '\r' {
			out = append(out, tea.KeyPressMsg{Code: tea.KeyEnter})
			continue
		}
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

func TestLinesInOneBurstAreOnePaste(t *testing.T) {
	got := pumpOf(t, func(in *sshd.Input, _ *manualNow) { in.Push([]byte("one\rtwo\rthree\r")) })
	if want := []tea.Msg{tea.PasteMsg{Content: "one\ntwo\nthree\n"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("three lines in one burst: %#v", got)
	}
	got = pumpOf(t, func(in *sshd.Input, _ *manualNow) { in.Push([]byte("one\r\ntwo\r\nthree\tend\r\n")) })
	if want := []tea.Msg{tea.PasteMsg{Content: "one\ntwo\nthree\tend\n"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("CR LF lines in one burst: %#v", got)
	}
}

// A paste that reaches the server in several reads without a pause stays
// one, wherever the reads split it, but for one place: right after its
// first line, which then goes as a line of its own (two lines in a burst
// are not enough to call it a paste; see minPastedLines).
func TestAPasteSplitIntoReadsStaysOne(t *testing.T) {
	text := "one\r\ntwo\r\nthree\rfour\r"
	for split := 1; split < len(text); split++ {
		var d keyDecoder
		input, sent := "", []string{}
		apply := func(ev uv.Event) {
			switch ev := ev.(type) {
			case uv.PasteEvent:
				input += ev.Content
			case uv.KeyPressEvent:
				switch {
				case ev.Code == uv.KeyEnter:
					sent, input = append(sent, input), ""
				case ev.Text != "":
					input += ev.Text
				}
			}
		}
		d.feed([]byte(text[:split]), false, false, apply)
		d.feed([]byte(text[split:]), true, false, apply)
		d.feed(nil, false, true, apply) // the time allowed for more passes
		switch {
		case split == 4 || split == 5: // "one\r" or "one\r\n": a line, then a paste
			if len(sent) != 1 || sent[0] != "one" || strings.TrimPrefix(input, "\n") != "two\nthree\nfour\n" {
				t.Errorf("split at %d: sent %q, input %q", split, sent, input)
			}
		case len(sent) != 0 || input != "one\ntwo\nthree\nfour\n":
			t.Errorf("split at %d: sent %q, input %q", split, sent, input)
		}
	}
	// Two lines and nothing more: typed lines that came together.
	var d keyDecoder
	var got []uv.Event
	d.feed([]byte("one\rtwo\r"), false, false, func(ev uv.Event) { got = append(got, ev) })
	if len(got) != 0 || !d.waits() {
		t.Fatalf("two lines were decided at once: %#v", got)
	}
	d.feed(nil, false, true, func(ev uv.Event) { got = append(got, ev) })
	if len(got) != 8 {
		t.Fatalf("two lines, once the wait is over: %#v", got)
	}
}

// Lines typed quickly are still keys: each Enter comes after a pause, and
// two lines the network delivered together are not a paste either.
func TestTypedLinesAreKeys(t *testing.T) {
	got := pumpOf(t, func(in *sshd.Input, clock *manualNow) {
		for _, line := range []string{"one\r", "two\r", "three\r", "four\r"} {
			in.Push([]byte(line))
			clock.add(2 * sshd.BurstGap)
		}
	})
	if want := typed("one\rtwo\rthree\rfour\r"); !reflect.DeepEqual(got, want) {
		t.Fatalf("four lines, a pause after each: %#v", got)
	}
	got = pumpOf(t, func(in *sshd.Input, _ *manualNow) { in.Push([]byte("one\rtwo\r")) })
	if want := typed("one\rtwo\r"); !reflect.DeepEqual(got, want) {
		t.Fatalf("two lines in one burst: %#v", got)
	}
	// Keys that are not text: not a paste, whatever the timing.
	got = pumpOf(t, func(in *sshd.Input, _ *manualNow) { in.Push([]byte("a\rb\rc\r\x1b[A")) })
	if len(got) != 7 {
		t.Fatalf("lines and an arrow key: %#v", got)
	}
}

// sshd keeps a bracketed paste up to a limit of its own, as it knows no
// chat: it must keep whole a paste of eight of the longest messages the
// chat takes, in 4-byte characters, as it did when it read the limit from
// the chat.
func TestPasteLimitCoversAMessage(t *testing.T) {
	paste := strings.Repeat("😀", 8*chat.MaxMessageLen)
	in := sshd.NewInput(nil)
	in.Push([]byte(ansi.BracketedPasteStart + paste + ansi.BracketedPasteEnd))
	in.End(io.EOF)
	got, err := io.ReadAll(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := ansi.BracketedPasteStart + paste + ansi.BracketedPasteEnd; string(got) != want {
		t.Fatalf("kept %d bytes of a %d-byte paste", len(got), len(want))
	}
}
