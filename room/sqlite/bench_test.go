package sqlite

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatroom/chatroom/room"
)

// BenchmarkPost measures posting through a hub whose history is SQLite, next
// to the in-memory history, with 10 members reading: throughput in
// messages a second and the latency of one post (median and p99), as
// posters feel it. Posters post in parallel from 1 or 4 sessions.
func BenchmarkPost(b *testing.B) {
	for _, store := range []string{"memory", "sqlite"} {
		for _, posters := range []int{1, 4} {
			b.Run(fmt.Sprintf("%s/posters=%d", store, posters), func(b *testing.B) {
				benchPost(b, store, posters)
			})
		}
	}
}

func benchPost(b *testing.B, store string, posters int) {
	opts := room.Options{MessageRate: 1e9, MessageBurst: 1 << 30}
	if store == "sqlite" {
		db, err := Open(filepath.Join(b.TempDir(), FileName))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		opts.History, opts.Store = db, db
	}
	h, err := room.NewHub(opts)
	if err != nil {
		b.Fatal(err)
	}
	join := func(nick string) *room.Member {
		m, err := h.Join(room.Identity{Nick: nick})
		if err != nil {
			b.Fatal(err)
		}
		return m
	}
	var readers sync.WaitGroup
	var members []*room.Member
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
	ps := make([]*room.Member, posters)
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
