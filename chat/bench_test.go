package chat_test

import (
	"fmt"
	"sync"
	"testing"

	. "github.com/chatroom/chatroom/chat"

	"github.com/chatroom/chatroom/chat/message"
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

// BenchmarkFanout measures one line reaching everyone: an op is one post to
// a room of n members, every one of them (the poster too) reading, and ends
// when the last member has been woken and has pulled the line with Next.
// It is the room's share of delivering a line: what the view does with
// it afterwards is measured in ui and in the load benchmark (loadtest).
// Members read the way a session does:
//
//   - loop: one long-lived goroutine per member, waiting on Wake and
//     calling Next (the least a reader can cost);
//   - cmd: as ui.Model does through Bubble Tea: each wake is waited for by
//     a new goroutine (a tea.Cmd), which hands a message to the member's
//     event loop, which calls Next and starts the next wait.
//
// The members join once for both ways of reading: joining is far slower
// than posting (each join lists everyone present; 10,000 joins take about
// 25 s here).
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			h := newHub(b, Options{})
			members := make([]*Member, n)
			for i := range members {
				nick := fmt.Sprintf("m%d", i)
				m, err := h.Join(Identity{Key: key(nick), Nick: nick})
				if err != nil {
					b.Fatal(err)
				}
				members[i] = m
			}
			defer func() {
				for _, m := range members {
					m.Leave("done")
				}
			}()
			for _, mode := range []string{"loop", "cmd"} {
				b.Run(mode, func(b *testing.B) { benchFanout(b, members, mode == "cmd") })
			}
		})
	}
}

func benchFanout(b *testing.B, members []*Member, perWake bool) {
	n := len(members)
	// got counts the chat lines members pulled; each op waits for n more.
	var got sync.WaitGroup
	var readers sync.WaitGroup
	stop := make(chan struct{})
	for _, m := range members {
		readers.Add(1)
		pull := func() {
			for _, msg := range m.Next() {
				if msg.Kind == message.Chat {
					got.Done()
				}
			}
		}
		if perWake {
			go func() { defer readers.Done(); cmdReader(m, stop, pull) }()
		} else {
			go func() { defer readers.Done(); loopReader(m, stop, pull) }()
		}
	}
	poster := members[0]
	post := func() {
		got.Add(n)
		if err := poster.Say("hello, everyone in the room"); err != nil {
			b.Fatal(err)
		}
		got.Wait()
	}
	// The join lines come before this one in the log: once everyone has
	// it, the members are caught up and each op reads one line.
	post()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		post()
	}
	b.StopTimer()
	close(stop)
	readers.Wait()
}

// loopReader pulls on every wake until stop is closed.
func loopReader(m *Member, stop <-chan struct{}, pull func()) {
	for {
		select {
		case <-m.Wake():
			pull()
		case <-stop:
			return
		}
	}
}

// cmdReader is the member's event loop as Bubble Tea runs one: each wait
// is a goroutine of its own that sends what it saw to the loop.
func cmdReader(m *Member, stop <-chan struct{}, pull func()) {
	events := make(chan bool) // true: woken; false: stopped
	wait := func() {
		select {
		case <-m.Wake():
			events <- true
		case <-stop:
			events <- false
		}
	}
	go wait()
	for woken := range events {
		if !woken {
			return
		}
		pull()
		go wait()
	}
}
