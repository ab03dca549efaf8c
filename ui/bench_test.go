package ui

import (
	"fmt"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/chatroom/chatroom/room"
)

// BenchmarkView is the cost of one frame of a 120x40 session with a full
// scrollback: what every session pays for every message anyone sends.
func BenchmarkView(b *testing.B) {
	h := newHub()
	m := benchSession(b, h, "viewer")
	poster, _ := h.Join(room.Identity{Nick: "poster"})
	defer poster.Leave("done")
	for i := 0; i < 500; i++ {
		_ = poster.Say(fmt.Sprintf("message %d with some ordinary text in it, like people write", i))
	}
	m.Update(wakeMsg{})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = m.View()
	}
}

// BenchmarkMessageArrives is one new message reaching a session: the pull,
// the layout of the new line and the frame.
func BenchmarkMessageArrives(b *testing.B) {
	h := newHub()
	m := benchSession(b, h, "viewer")
	poster, _ := h.Join(room.Identity{Nick: "poster"})
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

func benchSession(b *testing.B, h *room.Hub, nick string) *Model {
	mem, err := h.Join(room.Identity{Nick: nick})
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
