package sshd

import (
	"io"
	"sync"
	"sync/atomic"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// maxPendingInput bounds what a session's client may have sent that the
// session has not read yet: far more than anyone types or than a message
// holds, far less than the 2 MiB an ssh channel's window lets a client send
// unread.
const maxPendingInput = 64 << 10

// sessionInput is a session channel's incoming data, taken off the channel
// as it arrives and kept as plain bytes, at most maxPendingInput of them.
//
// x/crypto/ssh keeps each data packet it receives in a list element of its
// own until the channel is read, and grants the client 2 MiB of window
// before it must wait; sent in one-byte packets, that is over 100 MiB of
// heap for one unread channel, and nothing reads a channel before its
// shell starts, or while its view is busy. Read at once and kept compact,
// unread input costs at most maxPendingInput. What arrives beyond that is
// dropped and counted, for the view to tell the person: no one types that
// fast, but a terminal without bracketed paste sends a pasted file as keys.
// The client's own stderr stream, which a chat never reads, is drained.
type sessionInput struct {
	mu      sync.Mutex
	more    sync.Cond // signalled when pending grows or err is set
	pending []byte
	err     error // the channel's data ended; returned once pending is read
	dropped atomic.Int64
}

func newSessionInput() *sessionInput {
	in := &sessionInput{}
	in.more.L = &in.mu
	return in
}

// start reads ch's data and its extended data until they end.
func (in *sessionInput) start(ch gossh.Channel) {
	go func() {
		buf := make([]byte, 4<<10)
		for {
			n, err := ch.Read(buf)
			in.push(buf[:n])
			if err != nil {
				in.end(err)
				return
			}
		}
	}()
	go func() { _, _ = io.Copy(io.Discard, ch.Stderr()) }()
}

func (in *sessionInput) push(p []byte) {
	if len(p) == 0 {
		return
	}
	in.mu.Lock()
	keep := min(len(p), maxPendingInput-len(in.pending))
	in.pending = append(in.pending, p[:keep]...)
	in.mu.Unlock()
	if keep < len(p) {
		in.dropped.Add(int64(len(p) - keep))
	}
	in.more.Signal()
}

func (in *sessionInput) end(err error) {
	in.mu.Lock()
	in.err = err
	in.mu.Unlock()
	in.more.Broadcast()
}

// Read reads what the client sent, waiting until it sends something or
// its data ends.
func (in *sessionInput) Read(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	for len(in.pending) == 0 && in.err == nil {
		in.more.Wait()
	}
	if len(in.pending) == 0 {
		return 0, in.err
	}
	n := copy(p, in.pending)
	in.pending = in.pending[n:]
	if len(in.pending) == 0 {
		in.pending = nil // a burst's buffer is not kept for the session's life
	}
	return n, nil
}

// takeDropped returns how many bytes were dropped since it was last called.
func (in *sessionInput) takeDropped() int64 {
	if in.dropped.Load() == 0 {
		return 0
	}
	return in.dropped.Swap(0)
}

// inputChannel is a session channel whose data is read through a
// sessionInput.
type inputChannel struct {
	gossh.Channel
	in *sessionInput
}

func (c inputChannel) Read(p []byte) (int, error) { return c.in.Read(p) }

// inputKey finds a session's sessionInput in its context.
const inputKey contextKey = "chatroom.input"

// sessionContext is the connection's context as one session sees it,
// which also knows the session's input. (Sessions share their connection's
// context; this is the one place that tells them apart.)
type sessionContext struct {
	ssh.Context
	input *sessionInput
}

func (c sessionContext) Value(key any) any {
	if key == inputKey {
		return c.input
	}
	return c.Context.Value(key)
}

// inputOf returns the session's input, or nil.
func inputOf(sess ssh.Session) *sessionInput {
	in, _ := sess.Context().Value(inputKey).(*sessionInput)
	return in
}
