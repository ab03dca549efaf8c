package ui

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
)

func newSharedSession(t *testing.T, h *chat.Hub, nick string, w, hgt int, loc *time.Location, ls *Layouts) *session {
	t.Helper()
	mem, err := h.Join(chat.Identity{Key: "SHA256:" + nick, Nick: nick})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mem.Leave("test over") })
	s := &session{t: t, m: New(Options{Member: mem, Width: w, Height: hgt, Mouse: true, Location: loc, Layouts: ls})}
	s.sync()
	return s
}

// Sessions sharing a Layouts show exactly what they would laying out
// every message themselves: their own lines, lines that mention them,
// private lines, other zones and widths included.
func TestSharedLayoutsShowWhatEachSessionWould(t *testing.T) {
	h := newHub()
	ls := NewLayouts()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	var viewers []*session
	for i, c := range []struct {
		w, h int
		loc  *time.Location
	}{{80, 24, time.UTC}, {80, 24, paris}, {120, 30, time.UTC}, {50, 20, time.UTC}, {80, 24, time.UTC}} {
		viewers = append(viewers, newSharedSession(t, h, fmt.Sprintf("ann%d", i), c.w, c.h, c.loc, ls))
	}
	poster := newSession(t, h, "poster", 80, 24)
	poster.say("hello everyone, this line is long enough that it has to wrap on the narrower of the terminals here")
	poster.say("ann0: this one names you")
	viewers[0].say("my own line")
	poster.say("/me waves")
	poster.say("/nick poster2")
	poster.say("/msg ann1 a direct message")
	shared := 0
	for i, v := range viewers {
		v.sync()
		v.screen()
		for _, e := range v.m.cur.entries {
			if e.lines == nil {
				continue
			}
			if shareable(e) {
				shared++
			}
			want := e.layout(e.width, v.m.st, v.m.loc)
			if fmt.Sprint(e.lines) != fmt.Sprint(want) {
				t.Errorf("viewer %d shows %v where its own layout is %v", i, e.lines, want)
			}
		}
	}
	if shared == 0 {
		t.Fatal("no line was shared")
	}
}

// A message is laid out once for all the sessions that show it alike, and
// not shared where it looks different to one reader (their own line, one
// that mentions them).
func TestSharedLayoutsLayOutOnce(t *testing.T) {
	h := newHub()
	ls := NewLayouts()
	a := newSharedSession(t, h, "ann", 80, 24, time.UTC, ls)
	b := newSharedSession(t, h, "bob", 80, 24, time.UTC, ls)
	c := newSharedSession(t, h, "cat", 80, 24, time.UTC, ls)
	c.say("plain line")
	c.say("hello @bob")
	for _, s := range []*session{a, b, c} {
		s.sync()
		s.screen()
	}
	last := func(s *session, n int) *entry { es := s.m.cur.entries; return es[len(es)-n] }
	if pa, pb := last(a, 2), last(b, 2); &pa.lines[0] != &pb.lines[0] {
		t.Error("a line ann and bob see alike was laid out twice")
	}
	if pa, pc := last(a, 2), last(c, 2); &pa.lines[0] == &pc.lines[0] {
		t.Error("cat's own line was shared with others")
	}
	if pa, pb := last(a, 1), last(b, 1); &pa.lines[0] == &pb.lines[0] {
		t.Error("a line that mentions bob was shared with ann")
	}
}

// A Seq met again with another message (a room deleted and begun anew)
// is laid out anew, and what is kept stays bounded.
func TestSharedLayoutsTellReusedSeqsApartAndStayBounded(t *testing.T) {
	ls := NewLayouts()
	at := time.Date(2026, 11, 25, 9, 5, 0, 0, time.UTC)
	e1 := &entry{msg: message.Message{Room: "go", Seq: 1, Kind: message.Chat, Nick: "x", Text: "first", Time: at}, shared: ls}
	e2 := &entry{msg: message.Message{Room: "go", Seq: 1, Kind: message.Chat, Nick: "x", Text: "second", Time: at}, shared: ls}
	st := newStyles()
	if l1, l2 := e1.render(80, &st, time.UTC), e2.render(80, &st, time.UTC); l1[0].text == l2[0].text {
		t.Fatalf("two messages under one Seq share a layout: %q", l1[0].text)
	}
	for i := range 2 * layoutsKept {
		e := &entry{msg: message.Message{Room: "go", Seq: uint64(i + 2), Kind: message.Chat, Nick: "x", Text: "t", Time: at}, shared: ls}
		e.render(80, &st, time.UTC)
	}
	if n := len(ls.byKey); n > layoutsKept {
		t.Fatalf("%d layouts kept, want at most %d", n, layoutsKept)
	}
}

// Sessions asking for one layout at once all get the one layout.
func TestSharedLayoutsAtOnce(t *testing.T) {
	ls := NewLayouts()
	msg := message.Message{Room: "go", Seq: 7, Kind: message.Chat, Nick: "x", Text: "at once", Time: time.Now()}
	var wg sync.WaitGroup
	got := make([]*line, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := newStyles()
			e := &entry{msg: msg, shared: ls}
			got[i] = &e.render(80, &st, time.UTC)[0]
		}()
	}
	wg.Wait()
	for _, l := range got {
		if l != got[0] {
			t.Fatal("one message laid out more than once")
		}
	}
}
