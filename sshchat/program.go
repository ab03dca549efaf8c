package sshchat

import (
	"fmt"
	"runtime/debug"
	"sync"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
)

// program runs one session's model: it takes messages one at a time, hands
// each to the model's Update, runs the commands that come back, and has the
// model draw itself after each.
//
// It does for a session what tea.Program did, minus what a session has no
// use for. The session's screen draws the frames (package screen), keys
// come from pumpInput and window sizes from the ssh channel, and the daemon
// handles signals; with all of that off, a tea.Program still runs a
// renderer ticker for every session (at least once a second, each a wakeup
// of the whole server's scheduler: 2,000 idle sessions, 2,000 wakeups a
// second) and a goroutine that hands commands on. A program here wakes
// only for a message, and is a few channels.
type program struct {
	model  tea.Model
	filter func(tea.Msg) tea.Msg

	msgs chan tea.Msg
	// wake, if set, is waited on by the loop itself, which hands the
	// model wakeMsg (see ui.Options.DriverWakes): one channel, as the
	// member's closing wakes it too (chat.Member.Update).
	wake    <-chan struct{}
	wakeMsg tea.Msg
	quit    chan struct{} // closed by Quit
	done    chan struct{} // closed when Run returns

	quitOnce sync.Once
	mu       sync.Mutex
	failed   error // a command's panic, which ends the program
}

// wakeOn has the program's loop wait on wake itself, handing the model
// wakeMsg when it is ready; call before Run.
func (p *program) wakeOn(wake <-chan struct{}, wakeMsg tea.Msg) {
	p.wake, p.wakeMsg = wake, wakeMsg
}

func newProgram(model tea.Model, filter func(tea.Msg) tea.Msg) *program {
	return &program{
		model:  model,
		filter: filter,
		msgs:   make(chan tea.Msg),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
	}
}

// Send hands msg to the model, waiting until the program takes it; once
// the program has ended it drops msg and returns at once.
func (p *program) Send(msg tea.Msg) {
	select {
	case p.msgs <- msg:
	case <-p.done:
	}
}

// Quit ends the program. It never waits, and may be called any number of
// times, before, during or after Run.
func (p *program) Quit() {
	p.quitOnce.Do(func() { close(p.quit) })
}

// Run runs the program until Quit, a tea.Quit command, or a panic in the
// model or one of its commands, which it returns as an error rather than
// take the whole server down with one session.
func (p *program) Run() (err error) {
	defer close(p.done)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("session view panicked: %v\n%s", r, debug.Stack())
		}
	}()
	model := p.model
	p.exec(model.Init())
	model.View()
	for {
		var msg tea.Msg
		select {
		case <-p.quit:
			return p.commandFailure()
		case msg = <-p.msgs:
		case <-p.wake:
			msg = p.wakeMsg
		}
		if p.filter != nil {
			if msg = p.filter(msg); msg == nil {
				continue
			}
		}
		switch msg := msg.(type) {
		case tea.QuitMsg:
			return p.commandFailure()
		case tea.BatchMsg:
			for _, cmd := range msg {
				p.exec(cmd)
			}
			continue
		}
		var cmd tea.Cmd
		model, cmd = model.Update(msg)
		p.exec(cmd)
		model.View()
	}
}

// exec runs cmd on a goroutine of its own, as Bubble Tea does: a command
// may wait (for the room's next message, say) and the model must not.
func (p *program) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		defer func() {
			if r := recover(); r != nil {
				p.mu.Lock()
				p.failed = fmt.Errorf("session command panicked: %v\n%s", r, debug.Stack())
				p.mu.Unlock()
				p.Quit()
			}
		}()
		if msg := cmd(); msg != nil {
			p.Send(msg)
		}
	}()
}

func (p *program) commandFailure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.failed
}

// teaMsg is the message an input event makes, as tea.Program's own input
// reader would make it; nil for events the view has no use for (replies to
// queries the session never makes, sequences nobody decodes).
func teaMsg(ev uv.Event) tea.Msg {
	switch ev := ev.(type) {
	case uv.KeyPressEvent:
		return tea.KeyPressMsg(ev)
	case uv.KeyReleaseEvent:
		return tea.KeyReleaseMsg(ev)
	case uv.PasteEvent:
		return tea.PasteMsg(ev)
	case uv.PasteStartEvent:
		return tea.PasteStartMsg(ev)
	case uv.PasteEndEvent:
		return tea.PasteEndMsg(ev)
	case uv.MouseClickEvent:
		return tea.MouseClickMsg(ev)
	case uv.MouseReleaseEvent:
		return tea.MouseReleaseMsg(ev)
	case uv.MouseWheelEvent:
		return tea.MouseWheelMsg(ev)
	case uv.MouseMotionEvent:
		return tea.MouseMotionMsg(ev)
	case uv.FocusEvent:
		return tea.FocusMsg(ev)
	case uv.BlurEvent:
		return tea.BlurMsg(ev)
	}
	return nil
}
