package chat_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/sqlite"
)

// BenchmarkPostStored measures posting through a hub whose history is SQLite, next
// to the in-memory history, with 10 members reading: throughput in
// messages a second and the latency of one post (median and p99), as
// posters feel it. Posters post in parallel from 1 or 4 sessions.
func BenchmarkPostStored(b *testing.B) {
	for _, store := range []string{"memory", "sqlite"} {
		for _, posters := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/posters=%d", store, posters), func(b *testing.B) {
				benchPostStored(b, store, posters)
			})
		}
	}
}

func benchPostStored(b *testing.B, store string, posters int) {
	opts := chat.Options{MessageRate: 1e9, MessageBurst: 1 << 30}
	if store == "sqlite" {
		db, err := sqlite.Open(filepath.Join(b.TempDir(), sqlite.FileName))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		opts.History, opts.Store = db, db
	}
	h, err := chat.NewHub(opts)
	if err != nil {
		b.Fatal(err)
	}
	join := func(nick string) *chat.Member {
		m, err := h.Join(chat.Identity{Nick: nick})
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	var readers sync.WaitGroup
	var members []*chat.Member
	for i := range 10 {
		m := join(fmt.Sprintf("reader%d", i))
		members = append(members, m)
		readers.Add(1)
		go func() {
			defer readers.Done()
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
	ps := make([]*chat.Member, posters)
	for i := range ps {
		ps[i] = join(fmt.Sprintf("poster%d", i))
		members = append(members, ps[i])
	}
	lat := make([][]time.Duration, posters)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := b.N / posters
			if p == 0 {
				n += b.N % posters
			}
			lat[p] = make([]time.Duration, 0, n)
			for range n {
				t0 := time.Now()
				if err := ps[p].Say("hello, everyone in the room"); err != nil {
					b.Error(err)
					return
				}
				lat[p] = append(lat[p], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(all[len(all)/2].Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(all[min(len(all)-1, len(all)*99/100)].Nanoseconds()), "p99-ns")
	}
	for _, m := range members {
		m.Leave("done")
	}
	readers.Wait()
}

// BenchmarkPruneRooms measures the sweep the daemon runs every minute
// (Hub.Prune) over many rooms, none of which expires yet. Half the rooms
// hold a chat message, half only a join line and stand empty. The first
// sweep after a start reads each room's history (first-ms); later ones
// read only rooms someone was in since (ns/op).
func BenchmarkPruneRooms(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprintf("rooms=%d", n), func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.Open(filepath.Join(b.TempDir(), sqlite.FileName))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			at := time.Now()
			for i := range n {
				name := fmt.Sprintf("r%d", i)
				if err := db.PutRoomInfo(ctx, store.RoomInfo{Name: name}); err != nil {
					b.Fatal(err)
				}
				kind := message.Join
				if i%2 == 0 {
					kind = message.Chat
				}
				if err := db.Append(ctx, name, message.Message{Seq: 1, Time: at, Kind: kind, Nick: "a", Text: "hello"}); err != nil {
					b.Fatal(err)
				}
			}
			h, err := chat.NewHub(chat.Options{History: db, Store: db})
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Now()
			if _, err := h.Prune(ctx); err != nil {
				b.Fatal(err)
			}
			first := time.Since(t0)
			b.ResetTimer()
			for range b.N {
				if _, err := h.Prune(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
		})
	}
}
