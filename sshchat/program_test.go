package sshchat

import (
	"runtime"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// recorder is a model that records what it is given and does what the
// messages ask.
type recorder struct {
	got   chan tea.Msg
	views *int
}

type (
	batchOf   []string // answer with a batch of commands sending these
	panicNow  struct{}
	panicCmd  struct{}
	quitCmd   struct{}
	textMsg   string
	filtered  struct{}
	rewritten struct{}
)

func (r recorder) Init() tea.Cmd { return func() tea.Msg { return textMsg("init") } }

func (r recorder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	r.got <- msg
	switch msg := msg.(type) {
	case batchOf:
		var cmds []tea.Cmd
		for _, s := range msg {
			cmds = append(cmds, func() tea.Msg { return textMsg(s) })
		}
		return r, tea.Batch(cmds...)
	case panicNow:
		panic("update failed")
	case panicCmd:
		return r, func() tea.Msg { panic("command failed") }
	case quitCmd:
		return r, tea.Quit
	}
	return r, nil
}

func (r recorder) View() tea.View { *r.views++; return tea.View{} }

func runRecorder(t *testing.T) (*program, chan tea.Msg, chan error) {
	t.Helper()
	got := make(chan tea.Msg, 16)
	views := 0
	p := newProgram(recorder{got: got, views: &views}, func(msg tea.Msg) tea.Msg {
		switch msg.(type) {
		case filtered:
			return nil
		case rewritten:
			return textMsg("rewritten")
		}
		return msg
	})
	done := make(chan error, 1)
	go func() { done <- p.Run() }()
	if m := <-got; m != textMsg("init") {
		t.Fatalf("first message %#v, want Init's", m)
	}
	return p, got, done
}

// A session's program delivers messages in order through the filter, runs
// commands and batches, and quits on tea.Quit; after it ends, sending
// never blocks.
func TestProgramRunsTheModel(t *testing.T) {
	p, got, done := runRecorder(t)
	p.Send(filtered{})
	p.Send(rewritten{})
	if m := <-got; m != textMsg("rewritten") {
		t.Fatalf("got %#v after the filter", m)
	}
	p.Send(batchOf{"one", "two"})
	<-got // the batch message itself
	seen := map[tea.Msg]bool{<-got: true, <-got: true}
	if !seen[textMsg("one")] || !seen[textMsg("two")] {
		t.Fatalf("batch gave %v", seen)
	}
	p.Send(quitCmd{})
	<-got
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p.Send(textMsg("after the end")) // must not block
	p.Quit()
}

func TestProgramQuit(t *testing.T) {
	p, _, done := runRecorder(t)
	p.Quit()
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Quit before Run: Run ends at once.
	q := newProgram(recorder{got: make(chan tea.Msg, 1), views: new(int)}, nil)
	q.Quit()
	if err := q.Run(); err != nil {
		t.Fatal(err)
	}
}

// A panic in one session's view or its commands ends that session with an
// error, not the server.
func TestProgramPanicsEndOnlyTheSession(t *testing.T) {
	for _, msg := range []tea.Msg{panicNow{}, panicCmd{}} {
		p, got, done := runRecorder(t)
		p.Send(msg)
		<-got
		err := <-done
		if err == nil || !strings.Contains(err.Error(), "failed") {
			t.Fatalf("%T: Run returned %v", msg, err)
		}
	}
}

// A program that waits on the room's wakes itself hands the model a
// message for each wake (the member's end is one: see chat.Member.Update),
// with no goroutine of its own waiting for them.
func TestProgramWaitsOnWakes(t *testing.T) {
	got := make(chan tea.Msg, 16)
	views := 0
	p := newProgram(recorder{got: got, views: &views}, nil)
	wake := make(chan struct{}, 1)
	p.wakeOn(wake, textMsg("wake"))
	done := make(chan error, 1)
	before := runtime.NumGoroutine()
	go func() { done <- p.Run() }()
	if m := <-got; m != textMsg("init") {
		t.Fatalf("first message %#v, want Init's", m)
	}
	for i := 0; i < 3; i++ {
		wake <- struct{}{}
		if m := <-got; m != textMsg("wake") {
			t.Fatalf("wake %d came as %#v", i, m)
		}
	}
	if n := runtime.NumGoroutine(); n > before+1 {
		t.Errorf("%d goroutines for one program, want its own only", n-before)
	}
	p.Quit()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		t.Fatalf("after the end: %#v", m)
	default:
	}
}
