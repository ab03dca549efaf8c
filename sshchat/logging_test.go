package sshchat

import (
	"strings"
	"testing"
)

// What a client chooses (its user name, terminal name, version string)
// goes into the log quoted and cut short: a newline cannot forge a log
// record, and a huge name is not written out on every connect.
func TestClientTextIsQuotedAndCappedInTheLog(t *testing.T) {
	ts := startServer(t)
	forger := ts.dial("eve\nINFO 10.9.9.9 connected session=99 user=root", withTerm("xterm\r\nWARN forged"))
	forger.waitText("Welcome to chatroom!")
	ts.waitLog("user=")
	for _, line := range strings.Split(ts.logs.String(), "\n") {
		if strings.Contains(line, "10.9.9.9") && !strings.Contains(line, "127.0.0.1 connected") ||
			strings.HasPrefix(strings.TrimSpace(line), "WARN forged") {
			t.Fatalf("a user name forged a log record:\n%s", ts.logs.String())
		}
	}
	ts.waitLog(`eve\nINFO 10.9.9.9`)

	// An invisible letter cannot make one user name pass for another.
	ts.dial("bob\u3164").waitText("Welcome to chatroom!")
	ts.waitLog(`user=bob\u3164`)

	huge := strings.Repeat("a", 200<<10)
	refusal := ts.refusedLogin(huge)
	if !strings.Contains(refusal, "user name is 204800 bytes long") {
		t.Fatalf("a 200 KB user name was told %q", refusal)
	}
	ts.waitLog("refused")
	if n := len(ts.logs.String()); n > 4<<10 {
		t.Fatalf("the log holds %d bytes after a 200 KB user name", n)
	}
}
