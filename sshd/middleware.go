package sshd

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/room"
	"github.com/chatroom/chatroom/ui"
)

type contextKey string

const sessionKey contextKey = "chatroom.session"

// connDropGrace is how long a closed channel waits to learn whether its
// whole connection went with it.
const connDropGrace = 100 * time.Millisecond

// session is what the middlewares share about one ssh session.
type session struct {
	id     uint64
	member *room.Member
	model  *ui.Model
	out    *watchdogWriter

	mu     sync.Mutex
	reason string // why the session ended; the first cause recorded wins
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

func stateOf(sess ssh.Session) *session {
	return sess.Context().Value(sessionKey).(*session)
}

// logSession logs each session as the original chat did ("10.0.0.5
// connected"), with the key and user name, and one line when it ends with
// the nick it had and why it ended. Both lines carry the session number.
func (s *Server) logSession(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := &session{id: s.nextSession.Add(1)}
		sess.Context().SetValue(sessionKey, st)
		host := hostOf(sess.RemoteAddr())
		start := time.Now()
		pty, _, _ := sess.Pty()
		key := keyFingerprint(sess.PublicKey())
		if key == "" {
			key = "none"
		}
		s.log.Info(host+" connected", "session", st.id, "key", key, "user", sess.User(),
			"term", pty.Term, "size", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height),
			"client", sess.Context().ClientVersion())
		s.addSessions(1)
		defer s.addSessions(-1)

		next(sess)

		nick := sess.User()
		if st.member != nil {
			nick = st.member.Nick()
		}
		s.log.Info(host+" disconnected", "session", st.id, "nick", nick,
			"reason", st.finish(s.endReason(sess)), "after", time.Since(start).Round(time.Second))
	}
}

// endReason says why a session ended when nothing recorded a reason.
func (s *Server) endReason(sess ssh.Session) string {
	switch {
	case s.closing.Load():
		return "server shutdown"
	case sess.Context().Err() != nil:
		if w := watchOf(sess.Context()); w != nil && w.reason() != "" {
			return w.reason()
		}
		return "connection lost"
	}
	return "quit"
}

// requireTerminal turns away sessions that cannot show the chat: no PTY,
// or a command (ssh host ls). They get one line saying how to join, and a
// non-zero exit status.
func (s *Server) requireTerminal(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		_, _, hasPty := sess.Pty()
		var why string
		join := s.joinCommandFor(sess.User())
		switch {
		case sess.RawCommand() != "":
			why = fmt.Sprintf("chatroom runs no commands (you sent %q). To chat, join with: %s", truncate(sess.RawCommand(), 40), join)
		case !hasPty:
			why = fmt.Sprintf("chatroom needs an interactive terminal. Join with: %s (add -t if ssh is not run from a terminal)", join)
		default:
			next(sess)
			return
		}
		stateOf(sess).setReason("refused: not an interactive terminal")
		_, _ = fmt.Fprintln(sess.Stderr(), why)
		_ = sess.Exit(1)
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
		st := stateOf(sess)
		member, err := s.cfg.Hub.Join(room.Identity{
			Key:  keyFingerprint(sess.PublicKey()),
			Nick: sess.User(),
			Addr: sess.RemoteAddr().String(),
		})
		if err != nil {
			st.setReason("refused: " + err.Error())
			_, _ = fmt.Fprintf(sess.Stderr(), "chatroom: cannot join: %v\n", err)
			_ = sess.Exit(1)
			return
		}
		st.member = member

		next(sess)

		if st.model != nil {
			if bye := st.model.Goodbye(); bye != "" {
				// The view has left the alternate screen, so this line
				// stays in the user's terminal after ssh exits.
				_, _ = fmt.Fprintf(st.out, "chatroom: %s\r\n", bye)
			}
		}
		member.Leave(st.finish(s.endReason(sess)))
	}
}

// runView runs the session's full-screen view until the user quits, the
// client closes the session or the connection ends. It replaces wish's
// Bubble Tea middleware, which keeps a program running, resizing it to 0x0
// in a busy loop, after the client closes the channel but not the
// connection.
func (s *Server) runView(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := stateOf(sess)
		p := s.newProgram(sess)
		pty, winch, _ := sess.Pty()
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
				case <-viewDone:
					return
				}
			}
		}()
		go func() {
			pumpInput(sess, pty.Term, p)
			channelClosed()
		}()

		if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			s.log.Warn("session view failed", "session", st.id, "err", err)
		}
		// Kill restores the terminal if Run ended abnormally; after a
		// normal quit it does nothing.
		p.Kill()
		close(viewDone)
		next(sess)
	}
}

func keyFingerprint(key ssh.PublicKey) string {
	if key == nil {
		return ""
	}
	return gossh.FingerprintSHA256(key)
}

func truncate(s string, n int) string {
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
