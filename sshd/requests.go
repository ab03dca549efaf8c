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
)

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
	queue  []*gossh.Request // in order; a handful at most (see decide)
	resize *gossh.Request   // the latest window change not yet passed on
	ready  chan struct{}    // 1-slot: queue or resize changed
	ended  chan struct{}    // closed when the channel's requests end
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
	// for sftp and then nothing is still closed.
	_ = req.Reply(false, nil)
}

func (f *requestFilter) enqueue(req *gossh.Request) {
	f.mu.Lock()
	f.queue = append(f.queue, req)
	f.mu.Unlock()
	f.signal()
}

func (f *requestFilter) signal() {
	select {
	case f.ready <- struct{}{}:
	default:
	}
}

// forward passes queued requests, then the latest window change, to the
// session's handler, which may take its time. Once the channel's requests
// end, what is left is not worth passing on: it closes the handler's
// channel, which ends the handler.
func (f *requestFilter) forward() {
	defer close(f.out)
	for {
		select {
		case <-f.ended:
			return
		case <-f.ready:
		}
		for req := f.next(); req != nil; req = f.next() {
			select {
			case f.out <- req:
			case <-f.ended:
				return
			}
		}
	}
}

// next takes the next request to pass on, or nil.
func (f *requestFilter) next() *gossh.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.queue) > 0 {
		req := f.queue[0]
		f.queue = f.queue[1:]
		return req
	}
	req := f.resize
	f.resize = nil
	return req
}
