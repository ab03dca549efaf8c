package sshd

import (
	"io"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// watchdogWriter cuts off a session whose writes stay blocked for too long.
// A client that stops reading (a frozen terminal, a dead network) stops
// granting ssh window; its renderer then blocks in Write while holding locks
// that its event loop needs. Closing the connection fails the write and lets
// every goroutine of the session end.
type watchdogWriter struct {
	w       io.Writer
	timeout time.Duration
	onStuck func()
}

func newWatchdogWriter(w io.Writer, timeout time.Duration, onStuck func()) *watchdogWriter {
	return &watchdogWriter{w: w, timeout: timeout, onStuck: onStuck}
}

func (d *watchdogWriter) Write(p []byte) (int, error) {
	t := time.AfterFunc(d.timeout, d.onStuck)
	defer t.Stop()
	return d.w.Write(p)
}

// sessionWithoutForwarding is the "session" channel handler with agent and
// X11 forwarding requests refused: a chat has no use for either, and an
// accepted agent request would expose the user's agent to the server.
func sessionWithoutForwarding(srv *ssh.Server, conn *gossh.ServerConn, newChan gossh.NewChannel, ctx ssh.Context) {
	ssh.DefaultSessionHandler(srv, conn, refuseForwarding{newChan}, ctx)
}

type refuseForwarding struct{ gossh.NewChannel }

func (c refuseForwarding) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := c.NewChannel.Accept()
	if err != nil {
		return nil, nil, err
	}
	filtered := make(chan *gossh.Request)
	go func() {
		defer close(filtered)
		for req := range reqs {
			switch req.Type {
			case "auth-agent-req@openssh.com", "x11-req":
				if req.WantReply {
					_ = req.Reply(false, nil)
				}
				continue
			}
			filtered <- req
		}
	}()
	return ch, filtered, nil
}
