package sshd

import (
	"strconv"

	"github.com/chatroom/chatroom/sanitize"
)

// maxLoggedText is how many characters of a text a client chose (its user
// name, terminal name, version string) go into one log record.
const maxLoggedText = 64

// logText makes text a client chose fit for the log: control characters,
// newlines, invalid UTF-8 and invisible characters escaped as Go escapes
// them (so no client can begin a record of its own, colour an operator's
// terminal, or pass for another user name), and cut to maxLoggedText
// characters.
func logText(s string) string {
	cut, n := "", 0
	for i := range s {
		if n == maxLoggedText {
			cut = "…(" + strconv.Itoa(len(s)) + " bytes)"
			s = s[:i]
			break
		}
		n++
	}
	q := sanitize.Quote(s)
	return q[1:len(q)-1] + cut
}
