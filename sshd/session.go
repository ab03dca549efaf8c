package sshd

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

type contextKey string

// SessionHandler runs the sessions the server lets in. sshd decides who
// may connect and how much a connection may cost; what a session is for
// (a chat, a view, a command) is the handler's (package sshchat).
type SessionHandler interface {
	// ServeSession runs sess until it ends: the client quits, its
	// connection drops, or the handler ends it. The session is over when
	// it returns.
	ServeSession(sess *Session)
	// Shutdown is called once when the server begins to shut down, after
	// it stopped accepting: the handler tells its sessions to end, and
	// Server.Shutdown waits for them.
	Shutdown()
}

// Session is one ssh session the server let in, as its SessionHandler
// gets it: the ssh session itself, who is asking (Key, and the ssh
// session's user and address), its input as it arrived (Input), an output
// that cuts off a client that stopped reading (Output), and the reason the
// session ended, for the one log line the server writes when it does.
type Session struct {
	ssh.Session
	id  uint64
	srv *Server
	in  *Input

	mu     sync.Mutex
	out    io.Writer
	reason string // why the session ended; the first cause recorded wins
	nick   string // the name it ended under, for the log; "" for the ssh user name
}

// ID is the session's number in the server's log.
func (s *Session) ID() uint64 { return s.id }

// Key is the SHA256 fingerprint of the key the client authenticated with,
// "" for none (a keyless client let in by keyboard-interactive).
func (s *Session) Key() string { return keyOf(s.Session) }

// Input is what the client sent, as it arrived (with its pauses, which
// tell a paste from typing); read it instead of the session itself.
func (s *Session) Input() *Input { return s.in }

// Output is the session's stdout behind the stuck-writer cutoff: a write
// that stays blocked for Config.WriteTimeout records "timed out: client
// stopped reading" and closes the connection, which ends the write and
// the session. Write to it rather than to the session.
func (s *Session) Output() io.Writer {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		s.out = newWatchdogWriter(s.Session, s.srv.cfg.WriteTimeout, func() {
			s.SetReason("timed out: client stopped reading")
			s.CloseConn()
		})
	}
	return s.out
}

// Observer is the server's Observer (never nil), for the handler to count
// the kinds of sessions it runs and the sessions it refuses.
func (s *Session) Observer() Observer { return s.srv.obs }

// CloseConn closes the session's whole connection: the way to end a
// session whose handler is stuck.
func (s *Session) CloseConn() {
	if conn, ok := s.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
		_ = conn.Close()
	}
}

// Alive asks the client to answer a keepalive request, as the keepalive
// timer does, and reports whether it did before ctx ended: any answer
// counts (OpenSSH answers it with a failure). A client that does not
// answer is as good as gone; the request left waiting ends with its
// connection (the keepalive, the stuck-writer cutoff).
func (s *Session) Alive(ctx context.Context) error {
	conn, ok := s.Context().Value(ssh.ContextKeyConn).(gossh.Conn)
	if !ok {
		return nil
	}
	answered := make(chan error, 1)
	go func() {
		_, _, err := conn.SendRequest("keepalive@openssh.com", true, nil)
		answered <- err
	}()
	select {
	case err := <-answered:
		if err != nil {
			return fmt.Errorf("liveness check: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("liveness check: no answer: %w", ctx.Err())
	}
}

// SetNick records the name the session goes by, for the log line of its
// end; without one the log names the ssh user.
func (s *Session) SetNick(nick string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nick = nick
}

// SetReason records why the session is ending, unless a reason is already
// recorded: the first cause is the one logged.
func (s *Session) SetReason(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reason == "" {
		s.reason = reason
	}
}

// Finish settles why the session ended and returns it: the reason
// recorded first (SetReason); else "server shutdown" while the server
// shuts down; else reason, what the handler knows (the room closed the
// session), if not ""; else what became of the connection ("connection
// lost", or why the server closed it); else "quit". Later causes (the
// channel closing after the user quit, say) no longer change it.
func (s *Session) Finish(reason string) string {
	s.SetReason(s.srv.endReason(s, reason))
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// endReason says why sess ended when nothing recorded a reason; reason
// is the handler's, if it knows one.
func (s *Server) endReason(sess *Session, reason string) string {
	switch {
	case s.closing.Load():
		return "server shutdown"
	case reason != "":
		return reason
	case sess.Context().Err() != nil:
		if w := watchOf(sess.Context()); w != nil && w.reason() != "" {
			return w.reason()
		}
		return "connection lost"
	}
	return "quit"
}

// stateOf is the session's shared state. It is kept by session, not in the
// ssh context, which belongs to the whole connection: one connection may
// carry several sessions.
func (s *Server) stateOf(sess ssh.Session) *Session {
	st, _ := s.states.Load(sess)
	return st.(*Session)
}

// logSession logs each session as the original chat did ("10.0.0.5
// connected"), with the key and user name, and one line when it ends with
// the nick it had and why it ended. Both lines carry the session number.
func (s *Server) logSession(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := &Session{Session: sess, id: s.nextSession.Add(1), srv: s, in: inputOf(sess)}
		s.states.Store(sess, st)
		defer s.states.Delete(sess)
		host := hostOf(sess.RemoteAddr())
		start := time.Now()
		pty, _, _ := sess.Pty()
		key := keyOf(sess)
		if key == "" {
			key = "none"
		}
		s.log.Info(host+" connected", "session", st.id, "key", key, "user", logText(sess.User()),
			"term", logText(pty.Term), "size", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height),
			"client", logText(sess.Context().ClientVersion()))
		s.addSessions(1)
		defer s.addSessions(-1)

		next(sess)
		// The exit status goes out while the session still counts
		// (charm.land/ssh would send it only after this returns):
		// Shutdown closes the connections once no session counts, and
		// would cut it off. After an Exit of the handler's own this one
		// does nothing.
		_ = sess.Exit(0)

		reason := st.Finish("")
		st.mu.Lock()
		nick := st.nick
		st.mu.Unlock()
		if nick == "" {
			nick = logText(sess.User())
		}
		s.log.Info(host+" disconnected", "session", st.id, "nick", nick,
			"reason", reason, "after", time.Since(start).Round(time.Second))
	}
}

// admit turns away sessions beyond the server's capacity, and keys taken
// off the allowlist while their connection stayed up; they get one line
// saying why and exit status 1 (a refusal, as for execcmd). The rest go
// to the handler.
func (s *Server) admit(sess ssh.Session) {
	st := s.stateOf(sess)
	var why, reason, counted string
	switch {
	case !s.Allowed(keyOf(sess)):
		why = "this chat is private and your key is not on its allowlist."
		reason, counted = "refused: not on the allowlist", RefusedNotAllowlisted
	case s.Sessions() > s.cfg.MaxSessions:
		why = fmt.Sprintf("chatroom is full (%d people); try again later.", s.cfg.MaxSessions)
		reason, counted = "refused: server full", RefusedServerFull
	default:
		s.cfg.Handler.ServeSession(st)
		return
	}
	s.obs.Refused(counted)
	st.SetReason(reason)
	_, _ = fmt.Fprintln(sess.Stderr(), why)
	_ = sess.Exit(1)
}
