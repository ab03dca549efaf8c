package roomlog_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/chat/roomlog"
	"github.com/chatroom/chatroom/store"
	"github.com/chatroom/chatroom/store/memory"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const room = "lobby"

func fixedClock() time.Time { return time.Date(2026, 11, 25, 12, 34, 0, 0, time.UTC) }

// newLog returns a log of room on h, empty, with tail messages in memory.
func newLog(h store.History, tail int) *roomlog.Log {
	return roomlog.New(roomlog.Config{Name: room, History: h, Tail: tail, Now: fixedClock})
}

// reader is one reader of a log, reading batch messages at a time.
type reader struct {
	log    *roomlog.Log
	r      roomlog.Reader
	c      *roomlog.Cursor
	batch  int
	mu     sync.Mutex
	live   []message.Message // lines shown live only
	notes  []message.Message
	behind uint64 // the most it was behind
}

func newReader(l *roomlog.Log, batch int) *reader {
	rd := &reader{log: l, batch: batch}
	rd.r = roomlog.NewReader(func(m message.Message) {
		rd.mu.Lock()
		rd.live = append(rd.live, m)
		rd.mu.Unlock()
		rd.r.Wake()
	})
	rd.c = roomlog.NewCursor(&rd.r, l.Last())
	l.Add(rd.c)
	return rd
}

// next reads once, as a reader does on a wake.
func (rd *reader) next() []message.Message {
	msgs, notes, behind := rd.log.Next(rd.c, rd.batch)
	rd.notes = append(rd.notes, notes...)
	rd.behind = max(rd.behind, behind)
	return msgs
}

// drain reads everything the reader has, as it would over many wakes.
func (rd *reader) drain() []message.Message {
	var all []message.Message
	for {
		select {
		case <-rd.r.C():
			all = append(all, rd.next()...)
		default:
			return all
		}
	}
}

func post(t *testing.T, l *roomlog.Log, kind message.Kind, text string) uint64 {
	t.Helper()
	seq, err := l.Post(message.Message{Kind: kind, Nick: "alice", Author: "alice", Text: text})
	if err != nil {
		t.Fatalf("post %q: %v", text, err)
	}
	return seq
}

func texts(msgs []message.Message, kind message.Kind) []string {
	var out []string
	for _, m := range msgs {
		if m.Kind == kind {
			out = append(out, m.Text)
		}
	}
	return out
}

func assertOrdered(t *testing.T, msgs []message.Message) {
	t.Helper()
	var prev uint64
	for _, m := range msgs {
		if prev != 0 && m.Seq != prev+1 {
			t.Fatalf("gap or disorder: seq %d after %d", m.Seq, prev)
		}
		prev = m.Seq
	}
}

func seqs(msgs []message.Message) []uint64 {
	var out []uint64
	for _, m := range msgs {
		out = append(out, m.Seq)
	}
	return out
}

// orderedHistory is a memory.History that checks what the rules of posting
// promise the store: the lines arrive with Seqs one after another (storage
// order is Seq order, and no Seq is given twice). It also answers whether
// a line is stored yet, and can hold the writes until released, or fail
// them.
type orderedHistory struct {
	memory.History
	mu      sync.Mutex
	last    uint64
	stored  map[uint64]bool
	errs    []string
	fail    bool          // writes fail
	gated   bool          // writes wait for release
	entered chan struct{} // receives when a write waits
	release chan struct{}
}

func newOrderedHistory() *orderedHistory {
	return &orderedHistory{stored: map[uint64]bool{}}
}

func (o *orderedHistory) Append(ctx context.Context, room string, m message.Message) error {
	o.mu.Lock()
	gated := o.gated
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
	if m.Seq != o.last+1 {
		o.errs = append(o.errs, fmt.Sprintf("stored seq %d after %d", m.Seq, o.last))
	}
	o.last = m.Seq
	o.stored[m.Seq] = true
	return nil
}

func (o *orderedHistory) has(seq uint64) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.stored[seq]
}

func (o *orderedHistory) check(t *testing.T) {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.errs {
		t.Error(e)
	}
}

// Lines posted at once by several posters, each storing outside any lock
// of theirs: each is stored before any reader sees it, in Seq order, and
// every reader gets every line, in one order, each poster's lines in the
// order sent.
func TestConcurrentPostsAreStoredBeforeSeenInOrderAndNoneLost(t *testing.T) {
	const posters, lines, readers = 4, 50, 3
	st := newOrderedHistory()
	l := newLog(st, 32) // a small tail: some reads come from History
	var rs []*reader
	for range readers {
		rs = append(rs, newReader(l, 512))
	}
	var wg sync.WaitGroup
	got := make([][]message.Message, readers)
	errs := make(chan string, readers*posters*lines)
	for i, rd := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			timeout := time.After(30 * time.Second)
			for len(got[i]) < posters*lines {
				select {
				case <-rd.r.C():
				case <-timeout:
					errs <- fmt.Sprintf("reader%d got %d of %d lines", i, len(got[i]), posters*lines)
					return
				}
				for _, m := range rd.next() {
					if !st.has(m.Seq) {
						errs <- fmt.Sprintf("reader%d saw seq %d before it was stored", i, m.Seq)
					}
					got[i] = append(got[i], m)
				}
			}
		}()
	}
	for p := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range lines {
				m := message.Message{Kind: message.Chat, Nick: fmt.Sprintf("poster%d", p), Text: fmt.Sprintf("poster%d %d", p, j)}
				if _, err := l.Post(m); err != nil {
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
		if !slices.Equal(seqs(got[i]), seqs(got[0])) {
			t.Fatalf("reader%d saw the lines in another order than reader0", i)
		}
		for p := range posters {
			nick := fmt.Sprintf("poster%d", p)
			var mine []string
			for _, m := range got[i] {
				if m.Nick == nick {
					mine = append(mine, m.Text)
				}
			}
			for j := range lines {
				if j >= len(mine) || mine[j] != fmt.Sprintf("%s %d", nick, j) {
					t.Fatalf("reader%d got %s's lines as %q", i, nick, mine)
				}
			}
		}
	}
}

// Many posters at once: every reader sees every message exactly once, in
// the same order as everyone else.
func TestConcurrentPostersAgreeOnOrder(t *testing.T) {
	l := newLog(&memory.History{}, 1024)
	const posters, each = 8, 200
	rs := make([]*reader, posters)
	for i := range rs {
		rs[i] = newReader(l, 512)
	}
	var wg sync.WaitGroup
	for i := range posters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < each; j++ {
				if _, err := l.Post(message.Message{Kind: message.Chat, Text: fmt.Sprintf("%d/%d", i, j)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	want := seqs(rs[0].drain())
	if len(want) != posters*each {
		t.Fatalf("reader 0 saw %d chat lines, want %d", len(want), posters*each)
	}
	for i := 1; i < posters; i++ {
		if got := seqs(rs[i].drain()); !slices.Equal(got, want) {
			t.Fatalf("reader %d saw a different order", i)
		}
	}
}

// A line that cannot be stored is refused to its poster also when another
// poster's turn stored it (see Await): lines queued behind a slow write
// are stored together by the next in line. Nobody is shown them.
func TestRefusedLineIsReportedWhoeverStoresIt(t *testing.T) {
	st := newOrderedHistory()
	l := newLog(st, 16)
	rd := newReader(l, 512)
	st.mu.Lock()
	st.gated, st.entered, st.release = true, make(chan struct{}), make(chan struct{})
	st.mu.Unlock()
	errs := make([]chan error, 3)
	say := func(i int) {
		errs[i] = make(chan error, 1)
		go func() {
			_, err := l.Post(message.Message{Kind: message.Chat, Text: "lost?"})
			errs[i] <- err
		}()
	}
	say(0)
	<-st.entered
	st.mu.Lock()
	st.gated, st.fail = false, true
	st.mu.Unlock()
	say(1)
	say(2)
	for l.Queued() != 2 {
		runtime.Gosched()
	}
	close(st.release)
	for i, ch := range errs {
		var ns *roomlog.NotStoredError
		if err := <-ch; !errors.As(err, &ns) {
			t.Errorf("poster %d: %v, want a NotStoredError", i, err)
		}
	}
	if got := texts(rd.drain(), message.Chat); len(got) > 0 {
		t.Errorf("lines not stored were shown: %q", got)
	}
	if l.Last() != 0 || len(rd.live) > 0 {
		t.Errorf("refused lines took a Seq (last %d) or were shown live: %+v", l.Last(), rd.live)
	}
}

// A server line History refuses does not stop the act it tells of: it is
// shown live to every reader, after the last stored line, and takes no
// Seq; the next line stored takes the next Seq.
func TestServerLineNotStoredIsShownLiveWithoutASeq(t *testing.T) {
	st := newOrderedHistory()
	l := newLog(st, 16)
	a, b := newReader(l, 512), newReader(l, 512)
	post(t, l, message.Chat, "before")
	st.mu.Lock()
	st.fail = true
	st.mu.Unlock()
	seq, err := l.Post(message.Message{Kind: message.Join, Nick: "bob", Text: "joined"})
	if err != nil || seq != 0 {
		t.Fatalf("server line not stored: seq %d, %v; want 0, nil", seq, err)
	}
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()
	if got := post(t, l, message.Chat, "after"); got != 2 {
		t.Fatalf("the line after took Seq %d, want 2", got)
	}
	for _, rd := range []*reader{a, b} {
		if got := texts(rd.drain(), message.Chat); !slices.Equal(got, []string{"before", "after"}) {
			t.Fatalf("log read as %q", got)
		}
		if len(rd.live) != 1 || rd.live[0].Kind != message.Join || rd.live[0].Seq != 1 || rd.live[0].Room != room {
			t.Fatalf("shown live: %+v, want the join after Seq 1", rd.live)
		}
	}
	st.check(t)
}

// A reader that never reads must not slow posting, and must later get every
// message, in order, even those that left the in-memory tail long ago.
func TestStalledReaderCatchesUpWithoutBlockingPosters(t *testing.T) {
	l := newLog(&memory.History{}, 1024)
	stalled := newReader(l, 512)
	const n = 10_000
	done := make(chan error, 1)
	go func() {
		for i := 1; i <= n; i++ {
			if _, err := l.Post(message.Message{Kind: message.Chat, Text: fmt.Sprintf("line %d", i)}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("posting blocked on a reader that does not read")
	}
	got := texts(stalled.drain(), message.Chat)
	if len(got) != n {
		t.Fatalf("stalled reader received %d of %d", len(got), n)
	}
	for i, text := range got {
		if want := fmt.Sprintf("line %d", i+1); text != want {
			t.Fatalf("message %d = %q, want %q", i, text, want)
		}
	}
	if stalled.behind != n {
		t.Fatalf("the reader was %d behind at most, want %d", stalled.behind, n)
	}
}

// A reader behind the tail reads from History, in batches, across the
// boundary between History and the tail, missing nothing.
func TestCatchUpFromHistoryBeyondTail(t *testing.T) {
	l := newLog(&memory.History{}, 16)
	rd := newReader(l, 7)
	for i := 0; i < 100; i++ {
		post(t, l, message.Chat, fmt.Sprint(i))
	}
	var got []message.Message
	for {
		select {
		case <-rd.r.C():
		default:
			assertOrdered(t, got)
			if chat := texts(got, message.Chat); len(chat) != 100 || chat[0] != "0" || chat[99] != "99" {
				t.Fatalf("got %d messages", len(chat))
			}
			return
		}
		msgs := rd.next()
		if len(msgs) > 7 {
			t.Fatalf("one read returned %d, more than the batch of 7", len(msgs))
		}
		got = append(got, msgs...)
	}
}

// Messages History no longer holds are reported, not skipped silently.
func TestMissedMessagesAreReportedNotSkippedSilently(t *testing.T) {
	l := newLog(&memory.History{Limit: 40}, 16)
	rd := newReader(l, 512)
	for i := 0; i < 200; i++ {
		post(t, l, message.Chat, fmt.Sprint(i))
	}
	chat := texts(rd.drain(), message.Chat)
	notes := texts(rd.notes, message.Notice)
	if len(notes) != 1 || !strings.Contains(notes[0], "earlier messages are no longer kept") {
		t.Fatalf("notices = %q", notes)
	}
	if rd.notes[0].Seq != 0 || !rd.notes[0].Private {
		t.Fatalf("the notice is not a private line where the gap starts: %+v", rd.notes[0])
	}
	if chat[len(chat)-1] != "199" {
		t.Fatalf("last message %q", chat[len(chat)-1])
	}
	if len(chat) < 40 {
		t.Fatalf("only %d messages, want at least the 40 kept", len(chat))
	}
}

// flakyHistory fails reads while failing is set.
type flakyHistory struct {
	memory.History
	mu      sync.Mutex
	failing bool
}

func (f *flakyHistory) After(ctx context.Context, room string, seq uint64, limit int) ([]message.Message, error) {
	f.mu.Lock()
	failing := f.failing
	f.mu.Unlock()
	if failing {
		return nil, errors.New("disk on fire")
	}
	return f.History.After(ctx, room, seq, limit)
}

func (f *flakyHistory) setFailing(failing bool) {
	f.mu.Lock()
	f.failing = failing
	f.mu.Unlock()
}

// A failed History read is reported once and retried at the next post,
// the cursor staying where it was: nothing past the gap is delivered.
func TestHistoryReadFailureIsRetriedNotSkipped(t *testing.T) {
	st := &flakyHistory{}
	l := newLog(st, 16)
	rd := newReader(l, 512)
	for i := 0; i < 50; i++ {
		post(t, l, message.Chat, fmt.Sprint(i))
	}
	st.setFailing(true)
	got := rd.drain()
	if errs := texts(rd.notes, message.Error); len(errs) != 1 || !strings.Contains(errs[0], "disk on fire") {
		t.Fatalf("errors while the store fails: %q", errs)
	}
	if n := len(texts(got, message.Chat)); n != 0 {
		t.Fatalf("%d messages delivered past a gap", n)
	}
	st.setFailing(false)
	post(t, l, message.Chat, "50")
	got = rd.drain()
	if chat := texts(got, message.Chat); len(chat) != 51 || chat[0] != "0" || chat[50] != "50" {
		t.Fatalf("after the store recovered: %d messages", len(chat))
	}
	assertOrdered(t, got)
}

// Many posts make one wake: a reader reads them all at once, and no wake
// is left pending once it has.
func TestWakesCoalesce(t *testing.T) {
	l := newLog(&memory.History{}, 1024)
	rd := newReader(l, 512)
	for i := 0; i < 50; i++ {
		post(t, l, message.Chat, "x")
	}
	select {
	case <-rd.r.C():
	default:
		t.Fatal("no wake after a burst of posts")
	}
	if got := len(texts(rd.next(), message.Chat)); got != 50 {
		t.Fatalf("one Next after a burst returned %d, want 50", got)
	}
	select {
	case <-rd.r.C():
		t.Fatal("a second wake was pending after everything was read")
	default:
	}
}

// A reader with more to read than a batch is woken again to come back for
// the rest; a removed cursor's reader is no longer woken.
func TestBatchesWakeForTheRestAndRemovedCursorsAreNotWoken(t *testing.T) {
	l := newLog(&memory.History{}, 64)
	rd := newReader(l, 10)
	for i := 0; i < 25; i++ {
		post(t, l, message.Chat, fmt.Sprint(i))
	}
	<-rd.r.C()
	for _, want := range []int{10, 10, 5} {
		if got := len(rd.next()); got != want {
			t.Fatalf("read %d, want %d", got, want)
		}
		select {
		case <-rd.r.C():
			if want == 5 {
				t.Fatal("woken with nothing left to read")
			}
		default:
			if want != 5 {
				t.Fatal("not woken for the rest")
			}
		}
	}
	l.Remove(rd.c)
	post(t, l, message.Chat, "gone")
	select {
	case <-rd.r.C():
		t.Fatal("a removed cursor's reader was woken")
	default:
	}
}

// The tail grows as messages come, up to its most, keeping what it held;
// beyond that the oldest leave memory (but not History); ForgetBefore
// drops what pruning deleted.
func TestTailGrowsThenEvictsTheOldest(t *testing.T) {
	h := &memory.History{}
	l := newLog(h, 40)
	for i := 1; i <= 100; i++ {
		post(t, l, message.Chat, fmt.Sprint(i))
		inMemory := min(i, 40)
		var scanned []string
		oldest := l.Scan(1, uint64(i), func(m *message.Message) { scanned = append(scanned, m.Text) })
		if len(scanned) != inMemory || scanned[0] != fmt.Sprint(i-inMemory+1) || scanned[len(scanned)-1] != fmt.Sprint(i) {
			t.Fatalf("after %d posts the tail holds %q", i, scanned)
		}
		if oldest != uint64(i-inMemory+1) {
			t.Fatalf("after %d posts the oldest in memory is %d, want %d", i, oldest, i-inMemory+1)
		}
	}
	if !l.InTail(60) || l.InTail(59) || !l.InTail(100) {
		t.Fatal("InTail does not match a tail of Seqs 61 to 100")
	}
	if first, last := l.Bounds(); first != 1 || last != 100 {
		t.Fatalf("bounds %d-%d, want 1-100", first, last)
	}
	l.ForgetBefore(90)
	var scanned []uint64
	if oldest := l.Scan(1, 100, func(m *message.Message) { scanned = append(scanned, m.Seq) }); oldest != 90 || len(scanned) != 11 {
		t.Fatalf("after forgetting before 90: oldest %d, holds %v", oldest, scanned)
	}
	if first, _ := l.Bounds(); first != 90 {
		t.Fatalf("first is %d after forgetting before 90", first)
	}
}

// A log opened on a History that holds messages numbers on after them,
// and a reader placed at its start reads them from History.
func TestReopenedLogNumbersOnAndReadsHistory(t *testing.T) {
	h := &memory.History{}
	first := newLog(h, 16)
	for i := 1; i <= 5; i++ {
		post(t, first, message.Chat, fmt.Sprint(i))
	}
	first.Settle()
	l := roomlog.New(roomlog.Config{Name: room, History: h, Tail: 16, Last: 5, First: 1})
	if got := post(t, l, message.Chat, "6"); got != 6 {
		t.Fatalf("reopened log gave Seq %d, want 6", got)
	}
	rd := newReader(l, 512)
	rd.c = roomlog.NewCursor(&rd.r, 0)
	rd.r.Wake()
	if got := texts(rd.drain(), message.Chat); !slices.Equal(got, []string{"1", "2", "3", "4", "5", "6"}) {
		t.Fatalf("read %q", got)
	}
}

// Settle returns once every line queued before it is stored.
func TestSettleWaitsForLinesQueuedBefore(t *testing.T) {
	st := newOrderedHistory()
	l := newLog(st, 16)
	st.mu.Lock()
	st.gated, st.entered, st.release = true, make(chan struct{}), make(chan struct{})
	st.mu.Unlock()
	posted := make(chan error, 1)
	go func() {
		_, err := l.Post(message.Message{Kind: message.Chat, Text: "in flight"})
		posted <- err
	}()
	<-st.entered
	settled := make(chan struct{})
	go func() {
		l.Settle()
		close(settled)
	}()
	for l.Queued() == 0 { // the barrier waits behind the line
		runtime.Gosched()
	}
	select {
	case <-settled:
		t.Fatal("settled while a line was being stored")
	default:
	}
	close(st.release)
	<-settled
	if !st.has(1) {
		t.Fatal("settled before the line was stored")
	}
	if err := <-posted; err != nil {
		t.Fatal(err)
	}
}
