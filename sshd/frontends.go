package sshd

import (
	"fmt"

	"charm.land/ssh"

	"github.com/chatroom/chatroom/execcmd"
	"github.com/chatroom/chatroom/lineui"
)

// lineMode reports whether a session gets plain lines instead of the
// full-screen view: it has no terminal (ssh -T, a pipe), or one that
// cannot show the view (TERM=dumb).
func lineMode(sess ssh.Session) bool {
	pty, _, hasPty := sess.Pty()
	return !hasPty || pty.Term == "dumb"
}

// runLines runs a line-mode session (package lineui) for the joined
// member until its input ends, it quits or the room closes it.
func (s *Server) runLines(sess ssh.Session) {
	st := s.stateOf(sess)
	loc, _ := clientLocation(sess.Environ())
	_, _, hasPty := sess.Pty()
	out := newWatchdogWriter(sess, s.cfg.WriteTimeout, func() { s.closeConn(sess) })
	err := lineui.Run(st.member, inputOf(sess), out, lineui.Options{Location: loc, Echo: hasPty, Since: st.joined})
	if err != nil {
		s.log.Debug("line-mode session ended", "session", st.id, "err", err)
	}
	if n := inputOf(sess).takeDropped(); n > 0 {
		_, _ = fmt.Fprintf(sess.Stderr(), "chatroom: %d bytes of input came faster than they could be sent and were dropped\n", n)
	}
}

// runCommand runs a script's command (package execcmd) as the joined
// member, and sends its exit status: 0, or 1 with the reason on stderr.
func (s *Server) runCommand(sess ssh.Session, cmd execcmd.Command) {
	st := s.stateOf(sess)
	loc, _ := clientLocation(sess.Environ())
	in := inputOf(sess)
	err := cmd.Run(st.member, execcmd.IO{
		Stdin:    in,
		Stdout:   newWatchdogWriter(sess, s.cfg.WriteTimeout, func() { s.closeConn(sess) }),
		Stderr:   sess.Stderr(),
		Location: loc,
		Done:     sess.Context().Done(),
	})
	if err == nil {
		if n := in.takeDropped(); n > 0 {
			// Never a silent loss: the script is told, and can send
			// the rest again.
			err = fmt.Errorf("%d bytes of input came faster than they could be sent and were dropped; send fewer lines at a time", n)
		}
	}
	status := execcmd.ExitOK
	if err != nil {
		status = execcmd.ExitRefused
		st.setReason("refused: " + err.Error())
		_, _ = fmt.Fprintf(sess.Stderr(), "chatroom: %v\n", err)
	} else {
		st.setReason("command " + cmd.Name + " done")
	}
	_ = sess.Exit(status)
}
