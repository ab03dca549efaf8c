package room

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkPost measures one member posting to a room of n members. With
// reading members, every other member is a live session pulling what is new
// as the views do, so the figure includes their reads; with idle members it
// is the poster's own cost: the append and n non-blocking wakes.
func BenchmarkPost(b *testing.B) {
	for _, mode := range []string{"idle", "reading"} {
		for _, n := range []int{10, 100, 1000} {
			b.Run(fmt.Sprintf("%s/members=%d", mode, n), func(b *testing.B) {
				benchPost(b, n, mode == "reading")
			})
		}
	}
}

func benchPost(b *testing.B, n int, reading bool) {
	h := newHub(b, Options{MessageRate: 1e9, MessageBurst: 1 << 30})
	poster, err := h.Join(Identity{Nick: "poster"})
	if err != nil {
		b.Fatal(err)
	}
	var wg sync.WaitGroup
	others := make([]*Member, n-1)
	for i := range others {
		nick := fmt.Sprintf("m%d", i)
		m, err := h.Join(Identity{Key: key(nick), Nick: nick})
		if err != nil {
			b.Fatal(err)
		}
		others[i] = m
		if !reading {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-m.Wake():
					m.Next()
				case <-m.Done():
					return
				}
			}
		}()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := poster.Say("hello, everyone in the room"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	for _, m := range others {
		m.Leave("done")
	}
	wg.Wait()
}
