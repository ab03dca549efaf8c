package sshd

import (
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/chatroom/chatroom/ui"
)

// pumpInput decodes the session's keystrokes and hands them to the
// program until the client's input ends.
//
// It reads the session's input itself, on the one goroutine, rather than
// through ultraviolet's TerminalReader, which takes a goroutine of its own
// to read, a 4 KiB buffer and its 150 KiB key table for every session (see
// keyScanner). Between keys it holds nothing: not a buffer, not a timer.
// A sequence that may not be complete yet (a lone ESC) waits escWait for
// the rest, as the TerminalReader's does.
//
// Input the session's buffer had to drop (see sessionInput) is reported to
// the view, after the keys that got through. send must give up once the
// program has ended (program.Send does), so that a client typing as its
// session ends cannot leave this goroutine, and the session, waiting.
func pumpInput(in *sessionInput, send func(tea.Msg), onKey func()) {
	pumpInputWith(in, send, onKey, &escTimer{})
}

// escClock times how long an unfinished sequence waits; tests count and
// fire it.
type escClock interface {
	// start (re)starts the wait and returns its channel.
	start() <-chan time.Time
	// stop ends the wait.
	stop()
}

// escTimer is the clock of a real session: one timer, made the first time
// a sequence waits, stopped whenever none does.
type escTimer struct{ t *time.Timer }

func (e *escTimer) start() <-chan time.Time {
	if e.t == nil {
		e.t = time.NewTimer(escWait)
	} else {
		e.t.Reset(escWait)
	}
	return e.t.C
}

func (e *escTimer) stop() {
	if e.t != nil {
		e.t.Stop()
	}
}

func pumpInputWith(in *sessionInput, send func(tea.Msg), onKey func(), clock escClock) {
	var (
		sc      keyScanner
		pending []byte // bytes of a sequence not complete yet
		waiting bool   // clock is running
		events  []uv.Event
		burst   pasteBurst
	)
	emit := func(ev uv.Event) {
		switch ev.(type) {
		case uv.KeyPressEvent, uv.PasteEvent:
			onKey()
		}
		if msg := teaMsg(ev); msg != nil {
			send(msg)
		}
	}
	collect := func(ev uv.Event) { events = append(events, ev) }
	defer func() {
		if waiting {
			clock.stop()
		}
	}()
	for {
		var timeout <-chan time.Time
		if len(pending) > 0 {
			timeout, waiting = clock.start(), true
		}
		data, cont, err := in.next(timeout)
		expired := data == nil && err == nil // nothing more came in time
		if pending == nil {
			pending = data // no copy: next gave it away
		} else {
			pending = append(pending, data...)
		}
		n := sc.scan(pending, expired || err != nil, collect)
		if pending = pending[n:]; len(pending) == 0 {
			pending = nil
			if waiting {
				clock.stop()
				waiting = false
			}
		}
		if paste, ok := burst.take(events, cont); ok {
			emit(uv.PasteEvent{Content: paste})
		} else {
			for _, ev := range events {
				emit(ev)
			}
		}
		clear(events)
		if events = events[:0]; cap(events) > 64 {
			events = nil // a long burst's list is not kept for the session's life
		}
		if n := in.takeDropped(); n > 0 {
			send(ui.InputDroppedMsg{Bytes: n})
		}
		if err != nil {
			return
		}
	}
}
