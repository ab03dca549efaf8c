package sshd

import (
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// Bounds on what a session's client may have sent that the session has
// not read yet.
const (
	// maxPaste is the most bytes of one bracketed paste kept: eight of
	// the longest message a chat takes (2,000 characters of up to 4
	// bytes), as a view's input holds one message and cuts a paste longer
	// than that anyway. sshd knows no chat; sshchat's tests hold the two
	// together (TestPasteLimitCoversAMessage).
	maxPaste = 8 * 2000 * 4
	// maxPendingInput bounds unread input: a cut paste and a screenful of
	// keys besides, far less than the 2 MiB an ssh channel's window lets
	// a client send unread.
	maxPendingInput = maxPaste + 64<<10
)

var (
	pasteStart = []byte(ansi.BracketedPasteStart)
	pasteEnd   = []byte(ansi.BracketedPasteEnd)
)

// Input is a session channel's incoming data, taken off the channel
// as it arrives and kept as plain bytes, a bounded number of them.
//
// x/crypto/ssh keeps each data packet it receives in a list element of its
// own until the channel is read, and grants the client 2 MiB of window
// before it must wait; sent in one-byte packets, that is over 100 MiB of
// heap for one unread channel, and nothing reads a channel before its
// shell starts, or while its view is busy. Read at once and kept compact,
// unread input costs at most maxPendingInput. Two things are dropped:
// what a bracketed paste holds beyond maxPaste (the decoder would buffer a
// paste whole until its end, so one endless paste would otherwise grow
// without limit), and what arrives while maxPendingInput bytes wait
// unread, which is counted for the view to tell the person (nobody types
// that fast, but a terminal without bracketed paste sends a pasted file
// as keys). The end of a paste whose start was kept is always kept, so the
// decoder never waits for one that was dropped. The client's own stderr
// stream, which a chat never reads, is drained.
type Input struct {
	pasteLimit, capacity int // maxPaste and maxPendingInput, but in tests

	// ready holds a token when pending may have grown or err been set:
	// a channel, not a sync.Cond, so that the reader can wait with a
	// deadline (see Next).
	ready chan struct{}

	// now is the clock that times arrivals; nil means time.Now.
	now func() time.Time

	mu      sync.Mutex
	pending []byte
	// Where pending pauses: bytes that arrived at least BurstGap after the
	// bytes before them start a new burst at these offsets, and headCont
	// says whether pending's first byte came without a pause after what
	// was read before it. A person's keys come in bursts of one; a
	// terminal without bracketed paste sends a pasted text as one burst,
	// which is how a handler tells a paste from typing (sshchat's pasteBurst).
	// The offsets are kept here, as the data arrives, not where it is read:
	// a reader that falls behind must not take two bursts for one.
	gaps     []int
	headCont bool
	lastPush time.Time
	err      error // the channel's data ended; returned once pending is read
	dropped  atomic.Int64

	// How far into a bracketed paste the stream is; guarded by mu.
	inPaste   bool   // inside a paste whose start marker was kept
	match     int    // bytes of the start marker seen so far, outside a paste
	startLost bool   // one of them was dropped
	held      []byte // a possible end marker begun inside a paste
	kept      int    // bytes of the current paste kept
}

// NewInput returns an empty Input whose arrivals are timed by now (nil:
// time.Now). The server makes one for each session channel and feeds it
// the channel's data; a SessionHandler's tests feed one by hand (Push,
// End), with a clock of their own.
func NewInput(now func() time.Time) *Input {
	in := newInputOf(maxPaste, maxPendingInput)
	in.now = now
	return in
}

func newInputOf(pasteLimit, capacity int) *Input {
	return &Input{pasteLimit: pasteLimit, capacity: capacity, ready: make(chan struct{}, 1)}
}

// start reads ch's data and its extended data until they end.
func (in *Input) start(ch gossh.Channel) {
	go func() {
		// Small: the data of a session is keys, and a buffer is held for
		// the session's life; a paste takes a few more reads.
		buf := make([]byte, 1<<10)
		for {
			n, err := ch.Read(buf)
			in.Push(buf[:n])
			if err != nil {
				in.End(err)
				return
			}
		}
	}()
	go func() {
		// Not io.Copy to io.Discard, which holds an 8 KiB buffer from its
		// pool while it waits: a client has no reason to send this.
		var buf [256]byte
		for {
			if _, err := ch.Stderr().Read(buf[:]); err != nil {
				return
			}
		}
	}()
}

// BurstGap is the pause that ends a burst of input. Nobody types a key
// within 10 ms of pressing Enter, while a terminal writes a paste at once:
// irssi's paste_detect_time is 5 ms. Twice that allows for an ssh client
// that splits a paste into packets.
const BurstGap = 10 * time.Millisecond

// maxGaps bounds the pauses remembered in unread input: a client sending a
// byte every BurstGap while the session does not read would otherwise grow
// the list with every byte. Past it, later bursts read as one, which can
// only make typed lines look pasted, never lose them.
const maxGaps = 64

// Push takes bytes the client sent.
func (in *Input) Push(p []byte) {
	if len(p) == 0 {
		return
	}
	now := time.Now
	if in.now != nil {
		now = in.now
	}
	at := now()
	in.mu.Lock()
	paused := in.lastPush.IsZero() || at.Sub(in.lastPush) >= BurstGap
	in.lastPush = at
	switch {
	case len(in.pending) == 0:
		in.headCont = !paused
	case paused && len(in.gaps) < maxGaps && (len(in.gaps) == 0 || in.gaps[len(in.gaps)-1] != len(in.pending)):
		in.gaps = append(in.gaps, len(in.pending))
	}
	dropped := 0
	for _, c := range p {
		if !in.take(c) {
			dropped++
		}
	}
	in.mu.Unlock()
	if dropped > 0 {
		in.dropped.Add(int64(dropped))
	}
	in.signal()
}

func (in *Input) signal() {
	select {
	case in.ready <- struct{}{}:
	default: // a token is waiting already
	}
}

// take keeps or drops one byte, following bracketed pastes; it reports
// false for a byte dropped for want of room. The caller holds mu.
func (in *Input) take(c byte) bool {
	if !in.inPaste {
		kept := in.keep(c, 0)
		switch {
		case c == pasteStart[in.match]:
			in.match++
			in.startLost = in.startLost || !kept
		case c == pasteStart[0]:
			in.match, in.startLost = 1, !kept
		default:
			in.match, in.startLost = 0, false
		}
		if in.match == len(pasteStart) {
			// A start the decoder did not see starts no paste for it.
			in.inPaste, in.kept = !in.startLost, 0
			in.match, in.startLost = 0, false
		}
		return kept
	}
	if c == pasteEnd[len(in.held)] {
		in.held = append(in.held, c)
		if len(in.held) == len(pasteEnd) {
			// Into the room kept for it since the paste began.
			in.pending = append(in.pending, in.held...)
			in.held, in.inPaste = in.held[:0], false
		}
		return true
	}
	// What was held was paste content after all.
	ok := true
	for _, h := range in.held {
		ok = in.keepPasted(h) && ok
	}
	in.held = in.held[:0]
	if c == pasteEnd[0] {
		in.held = append(in.held, c)
		return ok
	}
	return in.keepPasted(c) && ok
}

// keepPasted keeps one byte of paste content, unless the paste is past its
// limit (cut quietly: the view says a paste was cut) or there is no room.
func (in *Input) keepPasted(c byte) bool {
	if in.kept >= in.pasteLimit {
		return true
	}
	if !in.keep(c, len(pasteEnd)) {
		return false
	}
	in.kept++
	return true
}

// keep appends c if there is room for it with reserve bytes to spare.
func (in *Input) keep(c byte, reserve int) bool {
	if len(in.pending)+reserve >= in.capacity {
		return false
	}
	in.pending = append(in.pending, c)
	return true
}

// End ends the input: Read and Next return err once what is pending is
// read.
func (in *Input) End(err error) {
	in.mu.Lock()
	in.err = err
	in.mu.Unlock()
	in.signal()
}

// Read reads what the client sent, waiting until it sends something or
// its data ends.
func (in *Input) Read(p []byte) (int, error) {
	for {
		in.mu.Lock()
		if len(in.pending) > 0 {
			n := copy(p, in.pending)
			in.consumeLocked(n)
			in.mu.Unlock()
			return n, nil
		}
		err := in.err
		in.mu.Unlock()
		if err != nil {
			return 0, err
		}
		<-in.ready
	}
}

// consumeLocked drops the first n bytes of pending, and the pauses in
// them. The caller holds mu.
func (in *Input) consumeLocked(n int) {
	in.pending = in.pending[n:]
	if len(in.pending) == 0 {
		in.pending = nil // a burst's buffer is not kept for the session's life
	}
	kept := in.gaps[:0]
	for _, g := range in.gaps {
		switch {
		case g > n:
			kept = append(kept, g-n)
		case g == n:
			in.headCont = false // what is left starts after a pause
		default:
			in.headCont = true // what is left goes on from what was taken
		}
	}
	if len(kept) == 0 {
		kept = nil
	}
	in.gaps = kept
}

// Next takes what the client sent that has not been read, up to the first
// pause in it, waiting until there is some, its data ends (err), or timeout
// fires (nil data, nil err); a nil timeout never does. cont says the data
// came without a pause after the data Next returned before. The caller
// owns data: an idle session holds no read buffer.
func (in *Input) Next(timeout <-chan time.Time) (data []byte, cont bool, err error) {
	for {
		in.mu.Lock()
		data, cont, err = in.pending, in.headCont, in.err
		if len(in.gaps) > 0 {
			// Capacity clipped, so that appending to data cannot write
			// over the bytes kept after it.
			data = data[:in.gaps[0]:in.gaps[0]]
			in.consumeLocked(len(data))
			err = nil // the data after the pause comes first
		} else {
			in.pending, in.gaps = nil, nil
		}
		in.mu.Unlock()
		if len(data) > 0 || err != nil {
			return data, cont, err
		}
		select {
		case <-in.ready:
		case <-timeout:
			return nil, false, nil
		}
	}
}

// TakeDropped returns how many bytes were dropped since it was last called.
func (in *Input) TakeDropped() int64 {
	if in.dropped.Load() == 0 {
		return 0
	}
	return in.dropped.Swap(0)
}

// inputChannel is a session channel whose data is read through an
// Input.
type inputChannel struct {
	gossh.Channel
	in *Input
}

func (c inputChannel) Read(p []byte) (int, error) { return c.in.Read(p) }

// inputKey finds a session's Input in its context.
const inputKey contextKey = "chatroom.input"

// sessionContext is the connection's context as one session sees it,
// which also knows the session's input. (Sessions share their connection's
// context; this is the one place that tells them apart.)
type sessionContext struct {
	ssh.Context
	input *Input
}

func (c sessionContext) Value(key any) any {
	if key == inputKey {
		return c.input
	}
	return c.Context.Value(key)
}

// inputOf returns the session's input, or nil.
func inputOf(sess ssh.Session) *Input {
	in, _ := sess.Context().Value(inputKey).(*Input)
	return in
}
