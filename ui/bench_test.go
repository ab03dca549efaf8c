package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/chatroom/chatroom/chat"
)

// BenchmarkView is the cost of one frame of a 120x40 session with a full
// scrollback: what every session pays for every message anyone sends.
func BenchmarkView(b *testing.B) {
	h := newHub()
	m := benchSession(b, h, "viewer")
	poster, _ := h.Join(chat.Identity{Nick: "poster"})
	defer poster.Leave("done")
	for i := 0; i < 500; i++ {
		_ = poster.Say(fmt.Sprintf("message %d with some ordinary text in it, like people write", i))
	}
	m.Update(wakeMsg{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.cache.body = "" // as when a message arrives: the message area is drawn again
		_ = m.View()
	}
}

// BenchmarkMessageArrives is one new message reaching a session: the pull,
// the layout of the new line and the frame.
func BenchmarkMessageArrives(b *testing.B) {
	h := newHub()
	m := benchSession(b, h, "viewer")
	poster, _ := h.Join(chat.Identity{Nick: "poster"})
	defer poster.Leave("done")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = poster.Say("a new message that everyone sees")
		<-m.member.Wake()
		m.Update(wakeMsg{})
		_ = m.View()
	}
}

func benchSession(b *testing.B, h *chat.Hub, nick string) *Model {
	mem, err := h.Join(chat.Identity{Nick: nick})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mem.Leave("done") })
	m := New(Options{Member: mem, Width: 120, Height: 40})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	<-mem.Wake()
	m.Update(wakeMsg{})
	return m
}

// BenchmarkTyping10000 is 10,000 printable keystrokes typed into an empty
// input of an 80x24 session, each followed by a frame, as a terminal
// without bracketed paste sends a long text: one op is all 10,000.
func BenchmarkTyping10000(b *testing.B) {
	h := newHub()
	text := "the quick brown fox jumps over the lazy dog and then some more words follow here "
	keys := make([]tea.KeyPressMsg, 10000)
	for i := range keys {
		r := rune(text[i%len(text)])
		keys[i] = tea.KeyPressMsg{Code: r, Text: string(r)}
	}
	b.ReportAllocs()
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		m := benchSessionSized(b, h, fmt.Sprint("typist", i), 80, 24)
		b.StartTimer()
		start := processCPU()
		for _, k := range keys {
			m.Update(k)
			_ = m.View()
		}
		cpu += processCPU() - start
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkKeystroke is one key and the frame after it, in a 1,750
// character input at its end, middle and start: a letter and Backspace in
// turn, so the input keeps its length; and Up and Down in turn, recalling
// two long lines sent before (one of them Chinese).
func BenchmarkKeystroke(b *testing.B) {
	for _, where := range []string{"end", "middle", "start", "recall"} {
		b.Run(where, func(b *testing.B) {
			m := benchSessionSized(b, newHub(), "typist", 80, 24)
			keys := []tea.KeyPressMsg{{Code: 'x', Text: "x"}, {Code: tea.KeyBackspace}}
			m.Update(tea.PasteMsg{Content: strings.Repeat("some words ", 159)})
			switch where {
			case "middle":
				for i := 0; i < 875; i++ {
					m.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
				}
			case "start":
				m.Update(tea.KeyPressMsg{Code: tea.KeyHome})
			case "recall":
				m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
				m.Update(tea.PasteMsg{Content: strings.Repeat("漢字", 875)})
				m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
				m.Update(tea.KeyPressMsg{Code: tea.KeyUp})
				keys = []tea.KeyPressMsg{{Code: tea.KeyUp}, {Code: tea.KeyDown}}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				m.Update(keys[i%2])
				_ = m.View()
			}
		})
	}
}

func benchSessionSized(b *testing.B, h *chat.Hub, nick string, w, hgt int) *Model {
	mem, err := h.Join(chat.Identity{Key: "SHA256:" + nick, Nick: nick})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { mem.Leave("done") })
	m := New(Options{Member: mem, Width: w, Height: hgt})
	<-mem.Wake()
	m.Update(wakeMsg{})
	return m
}
