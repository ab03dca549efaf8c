package sshd

import (
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// What one session's requests may make the server hold. A person's ssh
// client sends a pty request, a shell request, a window change now and then
// and a few environment variables (OpenSSH sends LANG and LC_* by default);
// anything beyond that is refused, so however many requests a client sends,
// a session holds a few KiB for them.
const (
	// maxPtyRequest bounds a pty request (terminal name and modes); a
	// real one is a few hundred bytes.
	maxPtyRequest = 4 << 10
	// maxEnvValue bounds one environment variable's value.
	maxEnvValue = 256
	// maxQueued bounds the requests waiting for the session's handler.
	maxQueued = 32
	// resizeEvery paces window changes: each one lays the view out again
	// and redraws the whole screen, so a client sending them without end
	// would keep a core busy. A person dragging a window corner sends
	// dozens a second and sees no difference.
	resizeEvery = 50 * time.Millisecond
)

// refused is the request type a refused request is passed on as: the
// session's handler refuses what it does not know, in the order requests
// came, which is the order a client matches replies in.
const refused = "chatroom-refused"

// keptEnv is the environment the chat reads: the time zone, the locale,
// and what the colour profile is made from (TERM comes with the pty). Other
// variables are refused, as OpenSSH's AcceptEnv refuses what it does not
// list; each of these is kept once, the first time it is sent.
var keptEnv = map[string]bool{
	"TZ": true, "LANG": true, "LC_ALL": true, "LC_CTYPE": true, "LC_TIME": true, "LC_MESSAGES": true,
	"NO_COLOR": true, "COLORTERM": true, "CLICOLOR": true, "CLICOLOR_FORCE": true,
}

// requestFilter stands between the ssh connection and a session's request
// handler. It decides every request of the session channel at once, on the
// goroutine that receives them, and never waits on the session: the
// connection's single reader (gossh's mux loop) waits whenever this goroutine
// does, and a reader that waits on a session whose view waits on the client
// can never read the client's window adjustments or its close again. So
// requests the chat does not use are refused here, the few it uses are
// queued, and of window changes only the latest waits, however many arrive.
type requestFilter struct {
	out chan *gossh.Request // to the session's handler, which may block
	// noShell closes the channel if it asks for no shell or command in time.
	noShell *time.Timer

	// Owned by the goroutine that reads requests.
	pty, started bool
	env          map[string]bool

	mu     sync.Mutex
	queue  []*gossh.Request // in order, at most maxQueued
	resize *gossh.Request   // the latest window change not yet passed on
	ready  chan struct{}    // 1-slot: queue or resize changed
	ended  chan struct{}    // closed when the channel's requests end

	// Owned by the goroutine that forwards.
	lastResize time.Time
}

// filterRequests starts filtering reqs, the requests of session channel ch,
// and returns what the session's handler should read instead.
func filterRequests(ch gossh.Channel, reqs <-chan *gossh.Request, shellWait time.Duration) <-chan *gossh.Request {
	f := &requestFilter{
		out:     make(chan *gossh.Request),
		noShell: time.AfterFunc(shellWait, func() { _ = ch.Close() }),
		env:     map[string]bool{},
		ready:   make(chan struct{}, 1),
		ended:   make(chan struct{}),
	}
	go f.read(reqs)
	go f.forward()
	return f.out
}

func (f *requestFilter) read(reqs <-chan *gossh.Request) {
	for req := range reqs {
		f.decide(req)
	}
	f.noShell.Stop()
	close(f.ended)
}

// decide refuses, queues or coalesces one request.
func (f *requestFilter) decide(req *gossh.Request) {
	switch req.Type {
	case "window-change":
		f.mu.Lock()
		old := f.resize
		f.resize = req
		f.mu.Unlock()
		if old != nil {
			_ = old.Reply(true, nil) // superseded: the size it gave is past
		}
		f.signal()
		return
	case "pty-req":
		if f.pty || f.started || len(req.Payload) > maxPtyRequest {
			break
		}
		f.pty = true
		f.enqueue(req)
		return
	case "shell", "exec":
		if f.started {
			break
		}
		f.started = true
		f.noShell.Stop()
		f.enqueue(req)
		return
	case "env":
		var kv struct{ Name, Value string }
		if f.started || gossh.Unmarshal(req.Payload, &kv) != nil ||
			!keptEnv[kv.Name] || f.env[kv.Name] || len(kv.Value) > maxEnvValue {
			break
		}
		f.env[kv.Name] = true
		f.enqueue(req)
		return
	}
	// Everything else a chat has no use for: subsystems such as sftp,
	// agent and X11 forwarding (a forwarded agent is the user's keys within
	// the server's reach), signals, breaks, and anything unknown. Refusing
	// a subsystem leaves the shell timer running, so a channel that asks
	// for sftp and then nothing is still closed. A refusal nobody waits for
	// is dropped; one a client waits for is answered after the requests
	// before it.
	if !req.WantReply {
		return
	}
	req.Type, req.Payload = refused, nil
	f.enqueue(req)
}

// enqueue passes req on after those before it. A client that keeps asking
// while its session does not read has its requests refused at once
// instead: no queue grows without bound.
func (f *requestFilter) enqueue(req *gossh.Request) {
	f.mu.Lock()
	full := len(f.queue) >= maxQueued
	if !full {
		f.queue = append(f.queue, req)
	}
	f.mu.Unlock()
	if full {
		_ = req.Reply(false, nil)
		return
	}
	f.signal()
}

func (f *requestFilter) signal() {
	select {
	case f.ready <- struct{}{}:
	default:
	}
}

// forward passes queued requests, then the latest window change (no more
// often than resizeEvery), to the session's handler, which may take its
// time. Once the channel's requests end, what is left is not worth passing
// on: it closes the handler's channel, which ends the handler.
func (f *requestFilter) forward() {
	defer close(f.out)
	var pace *time.Timer
	var paced <-chan time.Time
	defer func() {
		if pace != nil {
			pace.Stop()
		}
	}()
	for {
		select {
		case <-f.ended:
			return
		case <-f.ready:
		case <-paced:
			paced = nil
		}
		for {
			req, wait := f.next()
			if req == nil {
				if wait > 0 && paced == nil {
					if pace == nil {
						pace = time.NewTimer(wait)
					} else {
						pace.Reset(wait)
					}
					paced = pace.C
				}
				break
			}
			select {
			case f.out <- req:
			case <-f.ended:
				return
			}
		}
	}
}

// next takes the next request to pass on; or nil, and how long until the
// waiting window change is due, if one waits.
func (f *requestFilter) next() (*gossh.Request, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) > 0 {
		req := f.queue[0]
		f.queue[0] = nil
		f.queue = f.queue[1:]
		return req, 0
	}
	if f.resize == nil {
		return nil, 0
	}
	if wait := resizeEvery - time.Since(f.lastResize); wait > 0 {
		return nil, wait
	}
	req := f.resize
	f.resize, f.lastResize = nil, time.Now()
	return req, 0
}
