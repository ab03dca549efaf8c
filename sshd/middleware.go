package sshd

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/execcmd"
	"github.com/chatroom/chatroom/ui"
	"github.com/chatroom/chatroom/ui/screen"
)

type contextKey string

// connDropGrace is how long a closed channel waits to learn whether its
// whole connection went with it.
const connDropGrace = 100 * time.Millisecond

// stuckViewGrace is how long a view the room closed may take to quit
// before its connection is cut.
const stuckViewGrace = 5 * time.Second

func (s *Server) closeConn(sess ssh.Session) {
	if conn, ok := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
		_ = conn.Close()
	}
}

// idleWatch quits a session that has had no keystroke for the idle timeout.
type idleWatch struct {
	last  atomic.Int64 // unix nanoseconds of the last keystroke
	timer *time.Timer
}

func (w *idleWatch) touch() {
	if w != nil {
		w.last.Store(time.Now().UnixNano())
	}
}

func (w *idleWatch) stop() {
	if w != nil {
		w.timer.Stop()
	}
}

func (s *Server) watchIdle(st *session, p *program) *idleWatch {
	limit := s.cfg.IdleTimeout
	if limit <= 0 {
		return nil
	}
	w := &idleWatch{}
	w.touch()
	var check func()
	check = func() {
		idle := time.Since(time.Unix(0, w.last.Load()))
		if idle < limit {
			w.timer.Reset(limit - idle)
			return
		}
		st.setReason("timed out: idle")
		st.setGoodbye(fmt.Sprintf("disconnected after %s without a keystroke", limit))
		p.Quit()
	}
	w.timer = time.AfterFunc(limit, check)
	return w
}

// session is what the middlewares share about one ssh session.
type session struct {
	id     uint64
	member *chat.Member
	model  *ui.Model
	exec   *execcmd.Command // the command a script asked for; nil for a chat session
	screen *screen.Screen
	out    *watchdogWriter
	joined time.Time // when the session asked to join
	mu     sync.Mutex
	reason string // why the session ended; the first cause recorded wins
	// goodbye is a last line for the user's terminal, when the session
	// ends for a reason the room does not know (idle timeout).
	goodbye string
}

func (st *session) setGoodbye(s string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.goodbye = s
}

func (st *session) getGoodbye() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.goodbye
}

// setReason records why the session is ending, unless a reason is already
// recorded.
func (st *session) setReason(reason string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.reason == "" {
		st.reason = reason
	}
}

// finish settles the reason: the one recorded, or fallback. Later causes
// (the channel closing after the user quit, say) no longer change it.
func (st *session) finish(fallback string) string {
	st.setReason(fallback)
	return st.getReason()
}

func (st *session) getReason() string {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.reason
}

// stateOf is the session's shared state. It is kept by session, not in the
// ssh context, which belongs to the whole connection: one connection may
// carry several sessions.
func (s *Server) stateOf(sess ssh.Session) *session {
	st, _ := s.states.Load(sess)
	return st.(*session)
}

// logSession logs each session as the original chat did ("10.0.0.5
// connected"), with the key and user name, and one line when it ends with
// the nick it had and why it ended. Both lines carry the session number.
func (s *Server) logSession(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := &session{id: s.nextSession.Add(1)}
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
		// would cut it off. After an Exit of the handlers' own this one
		// does nothing.
		_ = sess.Exit(0)

		nick := logText(sess.User())
		if st.member != nil {
			nick = st.member.Nick()
		}
		s.log.Info(host+" disconnected", "session", st.id, "nick", nick,
			"reason", st.finish(s.endReason(sess)), "after", time.Since(start).Round(time.Second))
	}
}

// endReason says why a session ended when nothing recorded a reason.
func (s *Server) endReason(sess ssh.Session) string {
	st := s.stateOf(sess)
	switch {
	case s.closing.Load():
		return "server shutdown"
	case st.member != nil && st.member.EndReason() != "":
		return st.member.EndReason()
	case sess.Context().Err() != nil:
		if w := watchOf(sess.Context()); w != nil && w.reason() != "" {
			return w.reason()
		}
		return "connection lost"
	}
	return "quit"
}

// admit turns away sessions beyond the server's capacity, and keys taken
// off the allowlist; they get one line saying why and a non-zero exit
// status. A command (ssh host say ...) is read here, before it costs a
// room slot: a wrong one gets its usage and exit status 2, and help is
// answered at once.
func (s *Server) admit(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := s.stateOf(sess)
		var why, reason, counted string
		status := execcmd.ExitRefused
		switch {
		case !s.allowed(keyOf(sess)):
			// A key taken off the allowlist while its connection stayed up.
			why = "this chat is private and your key is not on its allowlist."
			reason, counted = "refused: not on the allowlist", RefusedNotAllowlisted
		case s.Sessions() > s.cfg.MaxSessions:
			why = fmt.Sprintf("chatroom is full (%d people); try again later.", s.cfg.MaxSessions)
			reason, counted = "refused: server full", RefusedServerFull
		case sess.RawCommand() != "":
			cmd, err := execcmd.Parse(sess.Command())
			if err != nil {
				why = fmt.Sprintf("chatroom: %v\n%s\nTo chat, join with: %s", err, execcmd.Usage, s.joinCommandFor(sess.User()))
				reason, counted, status = "refused: bad command", RefusedBadCommand, execcmd.ExitUsage
				break
			}
			st.exec = &cmd
			if !cmd.NeedsMember() {
				_ = cmd.Run(nil, execcmd.IO{Stdout: sess})
				_ = sess.Exit(execcmd.ExitOK)
				return
			}
			next(sess)
			return
		default:
			next(sess)
			return
		}
		s.obs.Refused(counted)
		st.setReason(reason)
		_, _ = fmt.Fprintln(sess.Stderr(), why)
		_ = sess.Exit(status)
	}
}

// joinCommandFor is the join line with the user's own name in it, so it can
// be copied as is: "ssh -p 1998 alice@host".
func (s *Server) joinCommandFor(user string) string {
	fields := strings.Fields(s.cfg.JoinCommand)
	if len(fields) == 0 || user == "" || strings.Contains(fields[len(fields)-1], "@") ||
		strings.ContainsFunc(user, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '@' }) {
		return s.cfg.JoinCommand
	}
	fields[len(fields)-1] = user + "@" + fields[len(fields)-1]
	return strings.Join(fields, " ")
}

// joinRoom makes the session a member of the lobby for as long as the view
// runs, then leaves with the reason the session ended.
func (s *Server) joinRoom(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := s.stateOf(sess)
		loc, _ := clientLocation(sess.Environ())
		// A command is a script, not someone arriving: it posts no join
		// or leave line (chat.Identity.Unannounced).
		id := chat.Identity{Key: keyOf(sess), Nick: sess.User(), Addr: sess.RemoteAddr().String(), Location: loc,
			Unannounced: st.exec != nil}
		if conn, ok := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
			id.Alive = alive(conn)
		}
		st.joined = time.Now() // what the log held before this is history to line mode
		member, err := s.cfg.Hub.Join(id)
		if err != nil {
			st.setReason("refused: " + err.Error())
			_, _ = fmt.Fprintf(sess.Stderr(), "chatroom: cannot join: %v\n", err)
			_ = sess.Exit(1)
			return
		}
		st.member = member
		// Deferred, so that even a panic further in cannot leave a member
		// behind.
		defer func() {
			bye := member.ClosedReason()
			if bye == "" {
				bye = st.getGoodbye()
			}
			if bye != "" && st.out != nil {
				// The view has left the alternate screen, so this line
				// stays in the user's terminal after ssh exits.
				_, _ = fmt.Fprintf(st.out, "chatroom: %s\r\n", bye)
			}
			member.Leave(st.finish(s.endReason(sess)))
		}()

		next(sess)
	}
}

// runView runs the session's full-screen view until the user quits, the
// client closes the session or the connection ends. It replaces wish's
// Bubble Tea middleware, which keeps a program running, resizing it to 0x0
// in a busy loop, after the client closes the channel but not the
// connection.
func (s *Server) runView(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := s.stateOf(sess)
		switch {
		case st.exec != nil:
			s.obs.Sessions(SessionExec, 1)
			defer s.obs.Sessions(SessionExec, -1)
			s.runCommand(sess, *st.exec)
			return
		case lineMode(sess):
			s.obs.Sessions(SessionLine, 1)
			defer s.obs.Sessions(SessionLine, -1)
			s.runLines(sess)
			return
		}
		s.obs.Sessions(SessionFullScreen, 1)
		defer s.obs.Sessions(SessionFullScreen, -1)
		p := s.sessionProgram(sess)
		_, winch, _ := sess.Pty()
		viewDone := make(chan struct{})

		// The session is over when its channel closes, which the window
		// changes and the input both see end. Whether the client closed it
		// (quit) or the connection dropped (lost) shows in the connection's
		// context, which ends moments after a dropped connection closes its
		// channels; endReason reads it.
		channelClosed := func() {
			select {
			case <-sess.Context().Done():
			case <-time.After(connDropGrace):
			}
			p.Quit()
		}
		go func() {
			// The session's request handler waits on winch until it is
			// read; whatever ends this loop, keep reading until the channel
			// closes, so that the handler, and the connection, never wait
			// on a view that has ended.
			defer func() {
				for range winch {
				}
			}()
			for {
				select {
				case w, ok := <-winch:
					if !ok {
						channelClosed()
						return
					}
					p.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
				case <-sess.Context().Done():
					p.Quit()
					return
				case <-st.member.Done():
					// The room closed the session (kick, ban, a newer
					// session of the same key, shutdown). The view quits
					// by itself; one too stuck to is cut off.
					p.Quit()
					select {
					case <-viewDone:
					case <-time.After(stuckViewGrace):
						s.closeConn(sess)
					}
					return
				case <-viewDone:
					return
				}
			}
		}()
		idle := s.watchIdle(st, p)
		go func() {
			pumpInput(inputOf(sess), p.Send, idle.touch)
			channelClosed()
		}()

		if err := p.Run(); err != nil {
			s.log.Warn("session view failed", "session", st.id, "err", err)
		}
		// The last frame, then the terminal as it was (main screen,
		// cursor, modes): bounded by the write watchdog.
		st.screen.Close()
		idle.stop()
		close(viewDone)
		next(sess)
	}
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
