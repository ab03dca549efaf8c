package sshchat

import (
	"time"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"

	"github.com/chatroom/chatroom/sshd"
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
// Input the session's buffer had to drop (see sshd.Input) is reported to
// the view, after the keys that got through. send must give up once the
// program has ended (program.Send does), so that a client typing as its
// session ends cannot leave this goroutine, and the session, waiting.
func pumpInput(in *sshd.Input, send func(tea.Msg), onKey func()) {
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

func pumpInputWith(in *sshd.Input, send func(tea.Msg), onKey func(), clock escClock) {
	var (
		kd      keyDecoder
		waiting bool // clock is running
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
	defer func() {
		if waiting {
			clock.stop()
		}
	}()
	for {
		var timeout <-chan time.Time
		if kd.waits() {
			timeout, waiting = clock.start(), true
		}
		data, cont, err := in.Next(timeout)
		kd.feed(data, cont, data == nil || err != nil, emit)
		if !kd.waits() && waiting {
			clock.stop()
			waiting = false
		}
		if n := in.TakeDropped(); n > 0 {
			send(ui.InputDroppedMsg{Bytes: n})
		}
		if err != nil {
			return
		}
	}
}

// keyDecoder turns a session's input, read by read, into events: keys, and
// pastes, bracketed or told from typing by their burst (pasteBurst).
type keyDecoder struct {
	sc      keyScanner
	burst   pasteBurst
	pending []byte // bytes that wait for more: an unfinished sequence, or two lines
	events  []uv.Event
	// holding: the bytes in pending scanned to two lines of text and wait
	// for more (see pasteBurst.undecided); holdCont is whether they came
	// on from what was read before them.
	holding, holdCont bool
}

// waits reports whether bytes wait for more input, or for the time
// allowed for it to pass (feed with final set).
func (d *keyDecoder) waits() bool { return len(d.pending) > 0 }

// feed decodes data, which came on from the data before it without a
// pause if cont is set, and emits what it makes. final says no more is
// coming soon: what waits is taken as it stands.
func (d *keyDecoder) feed(data []byte, cont, final bool, emit func(uv.Event)) {
	if d.pending == nil {
		d.pending = data // no copy: the caller gave it away
	} else {
		d.pending = append(d.pending, data...)
	}
	collect := func(ev uv.Event) { d.events = append(d.events, ev) }
	n := d.sc.scan(d.pending, final, collect)
	defer func() {
		clear(d.events)
		if d.events = d.events[:0]; cap(d.events) > 64 {
			d.events = nil // a long burst's list is not kept for the session's life
		}
	}()
	if !final && d.burst.undecided(d.events, cont || d.holding) {
		// Two lines in one burst so far: a paste the session read the
		// start of, or two typed lines delivered together. The rest of a
		// paste follows at once; wait for it, as for the rest of a
		// sequence, and decide on the whole.
		if !d.holding {
			d.holding, d.holdCont = true, cont
		}
		return
	}
	if d.holding {
		cont, d.holding = d.holdCont, false
	}
	if d.pending = d.pending[n:]; len(d.pending) == 0 {
		d.pending = nil
	}
	if paste, ok := d.burst.take(d.events, cont); ok {
		emit(uv.PasteEvent{Content: paste})
		return
	}
	for _, ev := range d.events {
		emit(ev)
	}
}
