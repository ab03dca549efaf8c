package ui

import (
	"fmt"
	"testing"

	"github.com/chatroom/chatroom/chat"
)

// BenchmarkMessageToViews is one line reaching the views of 200 sessions
// at 80x24, each pulling it and drawing a frame, as every session does for
// every line anyone posts: with each session laying the line out itself,
// and with the sessions sharing one Layouts. ns/op is per line, for all
// 200; ns/view per session.
func BenchmarkMessageToViews(b *testing.B) {
	for _, shared := range []bool{false, true} {
		b.Run(fmt.Sprintf("shared=%v", shared), func(b *testing.B) {
			const n = 200
			h := newHub()
			var ls *Layouts
			if shared {
				ls = NewLayouts()
			}
			views := make([]*Model, n)
			for i := range views {
				mem, err := h.Join(chat.Identity{Key: fmt.Sprintf("SHA256:v%d", i), Nick: fmt.Sprintf("v%d", i)})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { mem.Leave("done") })
				views[i] = New(Options{Member: mem, Width: 80, Height: 24, Layouts: ls})
			}
			poster, err := h.Join(chat.Identity{Nick: "poster"})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { poster.Leave("done") })
			pull := func() {
				for _, v := range views {
					for drained := false; !drained; {
						select {
						case <-v.member.Wake():
							v.Update(wakeMsg{})
						default:
							drained = true
						}
					}
					_ = v.View()
				}
			}
			pull()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if err := poster.Say(fmt.Sprintf("MK-0001-%05d-1234567890123456789", i)); err != nil {
					b.Fatal(err)
				}
				pull()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/view")
		})
	}
}
