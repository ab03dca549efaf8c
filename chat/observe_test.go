package chat_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store/memory"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu        sync.Mutex
	posted    map[message.Kind]int
	delivered int
	lags      []uint64
	refused   map[string]int
	writes    int
}

func newRecorder() *recorder {
	return &recorder{posted: map[message.Kind]int{}, refused: map[string]int{}}
}

func (r *recorder) Posted(k message.Kind) { r.mu.Lock(); r.posted[k]++; r.mu.Unlock() }
func (r *recorder) Delivered(n int) {
	r.mu.Lock()
	r.delivered += n
	r.mu.Unlock()
}
func (r *recorder) Lag(n uint64)             { r.mu.Lock(); r.lags = append(r.lags, n); r.mu.Unlock() }
func (r *recorder) Refused(why string)       { r.mu.Lock(); r.refused[why]++; r.mu.Unlock() }
func (r *recorder) StoreWrite(time.Duration) { r.mu.Lock(); r.writes++; r.mu.Unlock() }

func (r *recorder) snapshot() (posted map[message.Kind]int, delivered int, lags []uint64, refused map[string]int, writes int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	posted, refused = map[message.Kind]int{}, map[string]int{}
	for k, v := range r.posted {
		posted[k] = v
	}
	for k, v := range r.refused {
		refused[k] = v
	}
	return posted, r.delivered, append([]uint64(nil), r.lags...), refused, r.writes
}

// The observer hears every line stored, by kind; every line handed to a
// view; how far behind each read was; and every write to the store.
func TestObserverCountsPostsDeliveriesLagAndWrites(t *testing.T) {
	obs := newRecorder()
	h := newHub(t, Options{Observer: obs})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	got := len(drain(alice)) + len(drain(bob))

	submit(t, alice, "hi")
	submit(t, alice, "/me waves")
	submit(t, alice, "still here")
	read := drain(bob) // one wake: bob reads the three lines at once
	got += len(read) + len(drain(alice))

	posted, delivered, lags, _, writes := obs.snapshot()
	if posted[message.Join] != 2 || posted[message.Chat] != 2 || posted[message.Action] != 1 {
		t.Errorf("posted %v, want 2 joins, 2 chat lines, 1 action", posted)
	}
	if delivered != got {
		t.Errorf("delivered %d lines, Next returned %d", delivered, got)
	}
	if len(lags) == 0 || lags[len(lags)-1] != 3 {
		t.Errorf("lags %v: the last read, bob's, was 3 lines behind", lags)
	}
	if writes < 5 { // at least the five lines appended
		t.Errorf("%d store writes observed, want at least 5", writes)
	}
	if len(read) != 3 {
		t.Fatalf("bob read %d lines, want 3", len(read))
	}
}

// failingHistory is a MemoryHistory whose appends can be made to fail.
type failingHistory struct {
	memory.History
	fail atomic.Bool
}

func (f *failingHistory) Append(ctx context.Context, room string, m message.Message) error {
	if f.fail.Load() {
		return errors.New("disk full")
	}
	return f.History.Append(ctx, room, m)
}

// Each refusal is counted once, under its reason.
func TestObserverCountsRefusalsByReason(t *testing.T) {
	obs := newRecorder()
	hist := &failingHistory{}
	h := newHub(t, Options{Observer: obs, History: hist, Operators: opSet{key("op"): true},
		MessageRate: 0.001, MessageBurst: 2})
	op := joinAs(t, h, "boss", key("op"), "10.0.0.1")
	loud := joinAs(t, h, "loud", key("loud"), "10.0.0.2")

	submit(t, loud, "one")
	submit(t, loud, "two")
	mustFail(t, loud, "three", "slow down")

	submit(t, op, "/mute loud")
	mustFail(t, loud, "four", "muted")

	submit(t, op, "/ban 10.6.6.6 1d")
	if _, err := h.Join(Identity{Nick: "troll", Addr: "10.6.6.6:1"}); err == nil {
		t.Fatal("a banned address joined")
	}

	hist.fail.Store(true)
	mustFail(t, op, "lost", "cannot store")

	_, _, _, refused, _ := obs.snapshot()
	want := map[string]int{RefusedRateLimit: 1, RefusedMuted: 1, RefusedBanned: 1, RefusedNotStored: 1}
	for why, n := range want {
		if refused[why] != n {
			t.Errorf("refused[%s] = %d, want %d (all: %v)", why, refused[why], n, refused)
		}
	}
	if len(refused) != len(want) {
		t.Errorf("refusals %v, want only %v", refused, want)
	}
}

// Health is nil while the hub serves and its writes succeed, and says why
// not otherwise.
func TestHealth(t *testing.T) {
	hist := &failingHistory{}
	h := newHub(t, Options{History: hist})
	alice := join(t, h, "alice")
	if err := h.Health(context.Background()); err != nil {
		t.Fatalf("healthy hub: %v", err)
	}
	hist.fail.Store(true)
	mustFail(t, alice, "lost", "cannot store")
	if err := h.Health(context.Background()); err == nil || !strings.Contains(err.Error(), "store writes failing") {
		t.Fatalf("failing writes: Health says %v", err)
	}
	hist.fail.Store(false)
	submit(t, alice, "back")
	if err := h.Health(context.Background()); err != nil {
		t.Fatalf("writes succeed again: %v", err)
	}
	h.Shutdown()
	if err := h.Health(context.Background()); !errors.Is(err, ErrClosing) {
		t.Fatalf("after Shutdown: %v", err)
	}
}
