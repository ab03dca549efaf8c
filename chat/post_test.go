package chat_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	. "github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/command"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/store/memory"
)

// orderedHistory is a MemoryHistory that checks what the rules of posting
// promise the store: each room's lines arrive with Seqs one after another
// (storage order is Seq order, and no Seq is given twice). It also answers
// whether a line is stored yet, and can hold the writes to one room until
// released.
type orderedHistory struct {
	memory.History
	mu      sync.Mutex
	last    map[string]uint64
	stored  map[string]map[uint64]bool
	errs    []string
	fail    bool          // writes fail
	gate    string        // the room whose writes wait for release
	entered chan struct{} // receives when a write to gate waits
	release chan struct{}
}

func newOrderedHistory() *orderedHistory {
	return &orderedHistory{last: map[string]uint64{}, stored: map[string]map[uint64]bool{}}
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
	o.mu.Lock()
	fail := o.fail
	o.mu.Unlock()
	if fail {
		return errors.New("disk full")
	}
	if err := o.History.Append(ctx, room, m); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if m.Seq != o.last[room]+1 {
		o.errs = append(o.errs, fmt.Sprintf("%s: stored seq %d after %d", room, m.Seq, o.last[room]))
	}
	o.last[room] = m.Seq
	if o.stored[room] == nil {
		o.stored[room] = map[uint64]bool{}
	}
	o.stored[room][m.Seq] = true
	return nil
}

func (o *orderedHistory) has(room string, seq uint64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stored[room][seq]
}

func (o *orderedHistory) check(t *testing.T) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.errs {
		t.Error(e)
	}
}

// Lines posted at once by several people, stored outside the hub's lock:
// each is stored before anyone sees it, in Seq order, and every reader gets
// every line, in one order, each author's lines in the order sent.
func TestConcurrentPostsAreStoredBeforeSeenInOrderAndNoneLost(t *testing.T) {
	const posters, lines, readers = 4, 50, 3
	st := newOrderedHistory()
	h := newHub(t, Options{History: st, Tail: 32}) // a small tail: some reads come from History
	var rs []*Member
	for i := range readers {
		rs = append(rs, join(t, h, fmt.Sprintf("reader%d", i)))
	}
	var ps []*Member
	for i := range posters {
		ps = append(ps, join(t, h, fmt.Sprintf("poster%d", i)))
	}
	var wg sync.WaitGroup
	got := make([][]message.Message, readers)
	errs := make(chan string, readers*posters*lines)
	for i, r := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timeout := time.After(30 * time.Second)
			chats := 0
			for chats < posters*lines {
				select {
				case <-r.Wake():
				case <-timeout:
					errs <- fmt.Sprintf("reader%d got %d of %d lines", i, chats, posters*lines)
					return
				}
				for _, m := range r.Next() {
					if !m.Private && !st.has(m.Room, m.Seq) {
						errs <- fmt.Sprintf("reader%d saw seq %d before it was stored", i, m.Seq)
					}
					if m.Kind == message.Chat {
						chats++
					}
					got[i] = append(got[i], m)
				}
			}
		}()
	}
	for _, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range lines {
				if _, err := command.Submit(p, fmt.Sprintf("%s %d", p.Nick(), j)); err != nil {
					errs <- err.Error()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	st.check(t)
	for i := range got {
		assertOrdered(t, got[i])
		if !slices.Equal(chatSeqs(got[i]), chatSeqs(got[0])) {
			t.Fatalf("reader%d saw the lines in another order than reader0", i)
		}
		for _, p := range ps {
			var mine []string
			for _, m := range got[i] {
				if m.Kind == message.Chat && m.Nick == p.Nick() {
					mine = append(mine, m.Text)
				}
			}
			for j := range lines {
				if j >= len(mine) || mine[j] != fmt.Sprintf("%s %d", p.Nick(), j) {
					t.Fatalf("reader%d got %s's lines as %q", i, p.Nick(), mine)
				}
			}
		}
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

// A line that cannot be stored is refused to its author also when another
// poster's turn stored it (see await): lines queued behind a slow write
// are stored together by the next in line.
func TestRefusedLineIsReportedWhoeverStoresIt(t *testing.T) {
	st := newOrderedHistory()
	h := newHub(t, Options{History: st})
	a, b, c := join(t, h, "a"), join(t, h, "b"), join(t, h, "c")
	st.mu.Lock()
	st.gate, st.entered, st.release = Lobby, make(chan struct{}), make(chan struct{})
	st.mu.Unlock()
	errs := make([]chan error, 3)
	say := func(i int, m *Member) {
		errs[i] = make(chan error, 1)
		go func() { errs[i] <- m.Say("lost?") }()
	}
	say(0, c)
	<-st.entered
	st.mu.Lock()
	st.gate, st.fail = "", true
	st.mu.Unlock()
	say(1, a)
	say(2, b)
	r := mustLobby(t, h)
	for {
		if r.PendingLines() == 2 {
			break
		}
		runtime.Gosched()
	}
	close(st.release)
	for i, ch := range errs {
		if err := <-ch; !errors.Is(err, ErrNotStored) {
			t.Errorf("poster %d: %v, want ErrNotStored", i, err)
		}
	}
	if got := texts(drain(a), message.Chat); len(got) > 0 {
		t.Errorf("lines not stored were shown: %q", got)
	}
}
