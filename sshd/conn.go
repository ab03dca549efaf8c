package sshd

import (
	"context"
	"io"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	uv "github.com/charmbracelet/ultraviolet"
	gossh "golang.org/x/crypto/ssh"
)

// pumpInput decodes the session's keystrokes and hands them to the program
// until the client's input ends.
//
// Bubble Tea's own input reader (ultraviolet's TerminalReader feeding the
// program's unbuffered message channel) blocks forever when keys arrive just
// as the program stops, for example when a client types and then vanishes:
// the goroutine and everything it references, the whole session, leak. Here
// the same decoder feeds a channel this function always drains, and
// Program.Send gives up once the program has ended.
func pumpInput(in io.Reader, term string, p *tea.Program) {
	events := make(chan uv.Event)
	go func() {
		defer close(events)
		_ = uv.NewTerminalReader(in, term).StreamEvents(context.Background(), events)
	}()
	for ev := range events {
		p.Send(ev)
	}
}

// idleReader is the input Bubble Tea reads itself: it yields nothing and
// ends when done closes. The program still believes it has input, so it
// asks the terminal for features such as keyboard enhancements, whose
// answers arrive through pumpInput.
type idleReader struct{ done <-chan struct{} }

func (r idleReader) Read([]byte) (int, error) {
	<-r.done
	return 0, io.EOF
}

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
