package sshd

import (
	"sync"
	"testing"
	"time"
)

// manualNow is a clock for Input's arrival times, moved by hand.
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

// Bursts are told apart where the bytes arrive, not where they are read:
// a session that reads late still sees three typed lines as three.
func TestBurstsAreToldApartAsTheyArrive(t *testing.T) {
	clock := &manualNow{t: time.Unix(1000, 0)}
	in := NewInput(clock.now)
	for _, line := range []string{"one\r", "two\r", "three\r"} {
		in.Push([]byte(line))
		clock.add(BurstGap)
	}
	in.Push([]byte("fo"))
	in.Push([]byte("ur\r")) // no pause: the same burst
	for i, want := range []struct {
		data string
		cont bool
	}{{"one\r", false}, {"two\r", false}, {"three\r", false}, {"four\r", false}} {
		data, cont, err := in.Next(nil)
		if string(data) != want.data || cont != want.cont || err != nil {
			t.Fatalf("read %d: %q cont=%v err=%v, want %q cont=%v", i, data, cont, err, want.data, want.cont)
		}
	}
	clock.add(BurstGap)
	in.Push([]byte("five"))
	clock.add(time.Millisecond)
	if data, cont, _ := in.Next(nil); string(data) != "five" || cont {
		t.Fatalf("after a pause: %q cont=%v", data, cont)
	}
	in.Push([]byte("six"))
	if data, cont, _ := in.Next(nil); string(data) != "six" || !cont {
		t.Fatalf("without a pause: %q cont=%v", data, cont)
	}
}
