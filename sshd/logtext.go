package sshd

import (
	"strconv"
)

// maxLoggedText is how many characters of a text a client chose (its user
// name, terminal name, version string) go into one log record.
const maxLoggedText = 64

// logText makes text a client chose fit for the log: control characters,
// newlines and invalid UTF-8 escaped as Go escapes them (so no client can
// begin a record of its own or colour an operator's terminal), and cut to
// maxLoggedText characters.
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
	q := strconv.Quote(s)
	return q[1:len(q)-1] + cut
}
