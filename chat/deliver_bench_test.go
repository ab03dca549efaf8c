package chat_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store/memory"
	"github.com/chatroom/chatroom/store/sqlite"
)

// BenchmarkDeliver is the delivery path as the server runs it: posters
// submit lines as people do (Submit), and every other member is a session
// that, on each wake, does what the view does (Next, Nick, Room, Read). One
// op is one line from each poster, at once, until every reader has seen
// both: ns/op is the time to deliver them, and deliver-p50-ms and
// deliver-p99-ms how long each line took to reach its last reader. With
// two posters and a store that takes time to write, it shows whether
// readers wait on the disk. With busy, the first poster writes in another
// room, which nobody reads: it shows whether a room waits on another's
// disk writes.
func BenchmarkDeliver(b *testing.B) {
	for _, store := range []string{"memory", "slow", "sqlite"} {
		for _, n := range []int{200, 2000} {
			b.Run(fmt.Sprintf("store=%s/members=%d", store, n), func(b *testing.B) {
				benchDeliver(b, store, n, 2, false)
			})
		}
	}
	for _, store := range []string{"slow", "sqlite"} {
		b.Run(fmt.Sprintf("store=%s+busy/members=200", store), func(b *testing.B) {
			benchDeliver(b, store, 200, 2, true)
		})
	}
}

// slowHistory is a History whose writes take delay, as a busy disk's do.
type slowHistory struct {
	*memory.History
	delay time.Duration
}

func (s slowHistory) Append(ctx context.Context, rm string, m message.Message) error {
	time.Sleep(s.delay)
	return s.History.Append(ctx, rm, m)
}

func benchDeliver(b *testing.B, store string, n, posters int, busy bool) {
	opts := chat.Options{MessageRate: 1e9, MessageBurst: 1 << 30}
	switch store {
	case "slow":
		opts.History = slowHistory{&memory.History{}, 500 * time.Microsecond}
	case "sqlite":
		db, err := sqlite.Open(filepath.Join(b.TempDir(), sqlite.FileName))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = db.Close() })
		opts.History, opts.Store = db, db
	}
	h, err := chat.NewHub(opts)
	if err != nil {
		b.Fatal(err)
	}
	var sent sync.Map // line -> time submitted
	type line struct{ seen atomic.Int64 }
	var mu sync.Mutex
	lines := map[string]*line{}
	var done []time.Duration   // per line, until the last reader saw it
	var arrived sync.WaitGroup // lines of this op yet to reach every reader
	record := func(text string, at time.Time) {
		v, ok := sent.Load(text)
		if !ok {
			return
		}
		mu.Lock()
		l := lines[text]
		if l == nil {
			l = &line{}
			lines[text] = l
		}
		mu.Unlock()
		if l.seen.Add(1) == int64(n-posters) && !strings.HasPrefix(text, "busy") {
			mu.Lock()
			done = append(done, at.Sub(v.(time.Time)))
			mu.Unlock()
			arrived.Done()
		}
	}
	var wg sync.WaitGroup
	var readers []*chat.Member
	for i := range n - posters {
		nick := fmt.Sprintf("r%d", i)
		m, err := h.Join(chat.Identity{Key: "SHA256:" + nick, Nick: nick})
		if err != nil {
			b.Fatal(err)
		}
		readers = append(readers, m)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-m.Wake():
				case <-m.Done():
					return
				}
				msgs := m.Next()
				_ = m.Nick()
				r := m.Room()
				var last uint64
				now := time.Now()
				for _, msg := range msgs {
					if msg.Kind == message.Chat {
						record(msg.Text, now)
					}
					last = max(last, msg.Seq)
				}
				m.Read(r.Name(), last)
			}
		}()
	}
	var senders []*chat.Member
	for i := range posters {
		nick := fmt.Sprintf("p%d", i)
		m, err := h.Join(chat.Identity{Key: "SHA256:" + nick, Nick: nick})
		if err != nil {
			b.Fatal(err)
		}
		senders = append(senders, m)
	}
	if busy {
		if _, err := command.Submit(senders[0], "/join busy"); err != nil {
			b.Fatal(err)
		}
	}
	lobbyLines := len(senders)
	if busy {
		lobbyLines--
	}
	b.ReportAllocs()
	b.ResetTimer()
	var seq atomic.Int64
	for range b.N {
		var pw sync.WaitGroup
		arrived.Add(lobbyLines)
		for i, s := range senders {
			pw.Add(1)
			go func() {
				defer pw.Done()
				text := "line " + strconv.FormatInt(seq.Add(1), 10)
				if busy && i == 0 {
					text = "busy " + text
				}
				sent.Store(text, time.Now())
				if _, err := command.Submit(s, text); err != nil {
					b.Error(err)
				}
			}()
		}
		pw.Wait()
		arrived.Wait()
	}
	b.StopTimer()
	slices.Sort(done)
	pct := func(p float64) float64 {
		return float64(done[min(len(done)-1, int(p*float64(len(done))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.5), "deliver-p50-ms")
	b.ReportMetric(pct(0.99), "deliver-p99-ms")
	for _, m := range append(readers, senders...) {
		m.Leave("done")
	}
	wg.Wait()
}

// BenchmarkJoinBusyLobby is one person joining a lobby of n and leaving
// again: both hold the hub's write lock, during which no session reads.
func BenchmarkJoinBusyLobby(b *testing.B) {
	for _, n := range []int{200, 2000} {
		b.Run(fmt.Sprintf("members=%d", n), func(b *testing.B) {
			h, err := chat.NewHub(chat.Options{})
			if err != nil {
				b.Fatal(err)
			}
			var ms []*chat.Member
			for i := range n {
				m, err := h.Join(chat.Identity{Key: fmt.Sprintf("SHA256:m%d", i), Nick: fmt.Sprintf("Member%d", i)})
				if err != nil {
					b.Fatal(err)
				}
				ms = append(ms, m)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				m, err := h.Join(chat.Identity{Key: fmt.Sprintf("SHA256:new%d", i), Nick: "newcomer"})
				if err != nil {
					b.Fatal(err)
				}
				m.Leave("bye")
			}
			b.StopTimer()
			for _, m := range ms {
				m.Leave("done")
			}
		})
	}
}
