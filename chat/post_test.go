package chat_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store/memory"
)

// orderedHistory is a memory.History that checks what the rules of posting
// promise the store: each room's lines arrive with Seqs one after another
// (storage order is Seq order, and no Seq is given twice). It also
// can hold the writes to one room until released. (Package roomlog's
// tests check the rules of posting themselves; this is for the hub's.)
type orderedHistory struct {
	memory.History
	mu      sync.Mutex
	last    map[string]uint64
	errs    []string
	gate    string        // the room whose writes wait for release
	entered chan struct{} // receives when a write to gate waits
	release chan struct{}
}

func newOrderedHistory() *orderedHistory {
	return &orderedHistory{last: map[string]uint64{}}
}

func (o *orderedHistory) Append(ctx context.Context, room string, m message.Message) error {
	o.mu.Lock()
	gated := o.gate == room
	o.mu.Unlock()
	if gated {
		o.entered <- struct{}{}
		<-o.release
	}
	runtime.Gosched() // give racing posters their chance
	if err := o.History.Append(ctx, room, m); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if m.Seq != o.last[room]+1 {
		o.errs = append(o.errs, fmt.Sprintf("%s: stored seq %d after %d", room, m.Seq, o.last[room]))
	}
	o.last[room] = m.Seq
	return nil
}

func (o *orderedHistory) check(t *testing.T) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.errs {
		t.Error(e)
	}
}

// A line checked before its author leaves (or is kicked) comes before the
// leave line in the log, never after it, though it is stored after the
// hub's lock is let go.
func TestLineRacingItsAuthorsLeaveIsLoggedBeforeTheLeave(t *testing.T) {
	for round := range 30 {
		clock := newFakeClock()
		h := newHub(t, Options{History: newOrderedHistory(), Now: clock.Now, AfterFunc: clock.AfterFunc})
		reader := join(t, h, "reader")
		poster := join(t, h, "poster")
		op := join(t, h, "op")
		posted, posting := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(posted)
			for i := 0; ; i++ {
				if err := poster.Say(fmt.Sprintf("line %d", i)); err != nil {
					return
				}
				if i == 10 {
					close(posting)
				}
			}
		}()
		<-posting // leave while lines are being posted
		if round%2 == 0 {
			poster.Leave("bye")
		} else {
			h.CloseSession(poster, "kicked", "kicked by op")
		}
		<-posted
		clock.Advance(ReconnectGrace) // the leave line of a session that ended
		op.Leave("done")
		left := false
		for _, m := range drain(reader) {
			switch {
			case m.Kind == message.Leave && m.Nick == "poster":
				left = true
			case m.Kind == message.Chat && m.Nick == "poster" && left:
				t.Fatalf("round %d: %q logged after its author left", round, m.Text)
			}
		}
		if !left {
			t.Fatalf("round %d: no leave line", round)
		}
		reader.Leave("done")
	}
}

// A room dropped from memory when its last member leaves waits for the
// lines still on their way to the store: loaded again, it numbers on
// after them, never giving a Seq twice.
func TestRoomLeftWithALineInFlightIsNotReloadedUnderIt(t *testing.T) {
	st := newOrderedHistory()
	h := newHub(t, Options{History: st})
	alice := join(t, h, "alice")
	bob := join(t, h, "bob")
	submit(t, alice, "/msg bob hello")
	dm := DMName(alice.Author(), bob.Author())
	bob.Leave("bye")
	drain(alice)

	st.mu.Lock()
	st.gate, st.entered, st.release = dm, make(chan struct{}), make(chan struct{})
	st.mu.Unlock()
	posted := make(chan error, 1)
	go func() { posted <- alice.SayIn(dm, "in flight") }()
	<-st.entered // the line is being stored
	st.mu.Lock()
	st.gate = ""
	st.mu.Unlock()

	r := h.LoadedRoom(dm)
	left := make(chan struct{})
	go func() {
		alice.Leave("bye")
		close(left)
	}()
	// Leaving empties the room: it must wait for the line, not drop the
	// room under it.
	for !r.BarrierQueued() {
		select {
		case <-left:
			t.Fatal("the room was dropped while a line was on its way to the store")
		default:
			runtime.Gosched()
		}
	}
	// It waits without the hub's lock: others come and go meanwhile.
	carolIn := make(chan error, 1)
	go func() {
		_, err := h.Join(Identity{Key: key("carol"), Nick: "carol", Addr: "127.0.0.1:1"})
		carolIn <- err
	}()
	select {
	case err := <-carolIn:
		if err != nil {
			close(st.release)
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		close(st.release)
		t.Fatal("carol could not join while an emptied room waited for a line on its way to the store")
	}
	close(st.release)
	<-left
	if err := <-posted; err != nil {
		t.Fatal(err)
	}
	bob = join(t, h, "bob")
	if err := bob.SayIn(dm, "after"); err != nil {
		t.Fatal(err)
	}
	st.check(t)
	msgs, err := st.History.After(context.Background(), dm, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := texts(msgs, message.Chat); !slices.Equal(got, []string{"hello", "in flight", "after"}) {
		t.Fatalf("conversation stored as %q", got)
	}
}
