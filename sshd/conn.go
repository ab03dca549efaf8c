package sshd

import (
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

const watchKey contextKey = "chatroom.conn"

// connWatch looks after one connection: it closes a connection that has no
// session for too long (ssh -N, scanners that authenticate and idle) and
// one whose peer stops answering keepalives (a dropped network, a closed
// laptop), so neither lingers as a ghost holding a nick.
type connWatch struct {
	s     *Server
	id    uint64
	conn  net.Conn
	addr  string
	count *connCount
	// refusal is why this connection may not log in (opened too soon
	// after too many others from its address), or "".
	refusal string

	mu       sync.Mutex
	sessions int
	idle     *time.Timer
	pinging  bool
	why      string // why the watch closed the connection
}

func watchOf(ctx ssh.Context) *connWatch {
	w, _ := ctx.Value(watchKey).(*connWatch)
	return w
}

// watchConnection is the server's ConnCallback: it counts the connection
// against its address's limits and starts the watch as soon as the TCP
// connection is accepted. A connection far over the limits is dropped
// before the handshake; one just over them is refused at login, with the
// reason (auth.go).
func (s *Server) watchConnection(ctx ssh.Context, conn net.Conn) net.Conn {
	addr := hostOf(conn.RemoteAddr())
	count, refusal, hopeless := s.limits.open(addr, time.Now())
	if hopeless {
		count.release()
		s.obs.Refused(RefusedConnsPerAddr)
		s.log.Debug(addr + " dropped: far too many connections")
		return nil
	}
	conn = &releasingConn{Conn: conn, release: count.release}
	w := &connWatch{s: s, id: s.nextConn.Add(1), conn: conn, addr: addr, count: count, refusal: refusal}
	w.idle = time.AfterFunc(s.cfg.SessionlessTimeout, func() { w.close("no session opened") })
	ctx.SetValue(watchKey, w)
	return conn
}

// releasingConn gives the connection's place in its address's count back
// when it closes.
type releasingConn struct {
	net.Conn
	release func()
}

func (c *releasingConn) Close() error {
	c.release()
	return c.Conn.Close()
}

func (w *connWatch) close(why string) {
	w.mu.Lock()
	if w.why == "" {
		w.why = why
	}
	w.mu.Unlock()
	w.s.log.Debug(hostOf(w.conn.RemoteAddr())+" connection closed", "why", why)
	_ = w.conn.Close()
}

func (w *connWatch) reason() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.why
}

// sessionOpened counts a new session channel, unless the connection or its
// address has as many as it may (then it says why, and the reason for
// Observer.Refused), stops the idle timer and, once per connection, starts
// the keepalive.
func (w *connWatch) sessionOpened(ctx ssh.Context) (why, reason string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sessions >= MaxSessionsPerConn {
		return fmt.Sprintf("chatroom takes at most %d sessions on one connection", MaxSessionsPerConn), RefusedSessionsPerConn
	}
	if why := w.count.activate(); why != "" {
		return why, RefusedConnsPerAddr
	}
	w.sessions++
	w.idle.Stop()
	if !w.pinging {
		if conn, ok := ctx.Value(ssh.ContextKeyConn).(gossh.Conn); ok {
			w.pinging = true
			w.keepAlive(ctx, conn)
		}
	}
	return "", ""
}

func (w *connWatch) sessionClosed() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sessions--
	if w.sessions == 0 {
		w.idle.Reset(w.s.cfg.SessionlessTimeout)
	}
}

// keepAlive asks the client for a reply every interval, as OpenSSH's
// ClientAliveInterval does; a client that does not answer within the next
// interval is gone, whatever TCP believes.
//
// It is a timer, not a goroutine: between keepalives a connection holds no
// goroutine (and its stack) for them, and the timer is dropped as soon as
// the connection ends.
func (w *connWatch) keepAlive(ctx ssh.Context, conn gossh.Conn) {
	interval := w.s.cfg.KeepaliveInterval
	var next *time.Timer
	next = time.AfterFunc(interval, func() {
		if ctx.Err() != nil {
			return
		}
		// No answer within the interval: gone. The deadline, not this
		// goroutine, decides, as SendRequest waits as long as the
		// connection stays open.
		deadline := time.AfterFunc(interval, func() { w.close("timed out: no answer to keepalive") })
		// Any reply counts, failure included: OpenSSH answers this
		// request with a failure.
		_, _, err := conn.SendRequest("keepalive@openssh.com", true, nil)
		if !deadline.Stop() || err != nil {
			return // timed out, or the connection is already closed
		}
		next.Reset(interval)
	})
	context.AfterFunc(ctx, func() { next.Stop() })
}

// MaxSessionsPerConn is how many session channels one connection may have
// open: a person needs one, an OpenSSH ControlMaster a few.
const MaxSessionsPerConn = 3

// sessionChannel is the "session" channel handler: the default one, with a
// cap on channels per connection, the connection watch told when sessions
// open and close, every request filtered (requests.go) and the data read
// into a bounded buffer (sessiondata.go).
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, newChan gossh.NewChannel, ctx ssh.Context) {
	if w := watchOf(ctx); w != nil {
		if why, reason := w.sessionOpened(ctx); why != "" {
			s.obs.Refused(reason)
			_ = newChan.Reject(gossh.ResourceShortage, why)
			return
		}
		defer w.sessionClosed()
	}
	in := NewInput(nil)
	ssh.DefaultSessionHandler(srv, conn, filteredSession{newChan, s.cfg.ShellTimeout, in}, sessionContext{ctx, in})
}

// filteredSession is a session channel whose requests pass through a
// requestFilter before the session's handler sees them, and whose data is
// read through in.
type filteredSession struct {
	gossh.NewChannel
	shellWait time.Duration
	in        *Input
}

func (c filteredSession) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return nil, nil, err
	}
	c.in.start(ch)
	return inputChannel{ch, c.in}, filterRequests(ch, reqs, c.shellWait), nil
}

// watchdogWriter cuts off a session whose writes stay blocked for too long.
// A client that stops reading (a frozen terminal, a dead network) stops
// granting ssh window, and the session's screen writer blocks in Write.
// Nothing else waits on it (the view hands frames over and goes on), but
// the session is as good as gone: closing the connection fails the write
// and lets every goroutine of the session end.
//
// The writer has one timer, started for each write and stopped after it;
// a session writes from one goroutine at a time (its screen's writer, and
// at the end the goodbye line after the screen has closed), so a write
// never finds the timer in use.
type watchdogWriter struct {
	w       io.Writer
	timeout time.Duration
	timer   *time.Timer
}

func newWatchdogWriter(w io.Writer, timeout time.Duration, onStuck func()) *watchdogWriter {
	t := time.AfterFunc(timeout, onStuck)
	t.Stop()
	return &watchdogWriter{w: w, timeout: timeout, timer: t}
}

func (d *watchdogWriter) Write(p []byte) (int, error) {
	d.timer.Reset(d.timeout)
	defer d.timer.Stop()
	return d.w.Write(p)
}
