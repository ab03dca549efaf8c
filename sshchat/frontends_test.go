package sshchat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/execcmd"
)

// execResult is what one exec command gave back.
type execResult struct {
	stdout, stderr string
	status         int
}

// run runs command as user with key over a fresh connection, stdin given,
// and waits for its exit.
func (ts *testServer) run(user string, key gossh.Signer, command, stdin string) execResult {
	ts.t.Helper()
	tcp, conn, err := ts.dialSSH(user, clientOptions{key: key})
	if err != nil {
		ts.t.Fatalf("dial %s: %v", user, err)
	}
	defer tcp.Close()
	defer conn.Close()
	return ts.runOn(conn, command, stdin)
}

// runOn runs command in a new session of an open connection.
func (ts *testServer) runOn(conn *gossh.Client, command, stdin string) execResult {
	ts.t.Helper()
	sess, err := conn.NewSession()
	if err != nil {
		ts.t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	sess.Stdout, sess.Stderr = &out, &errOut
	sess.Stdin = strings.NewReader(stdin)
	done := make(chan error, 1)
	go func() { done <- sess.Run(command) }()
	select {
	case err = <-done:
	case <-time.After(waitTimeout):
		ts.t.Fatalf("%q did not end", command)
	}
	return execResult{out.String(), errOut.String(), exitStatus(err)}
}

func fingerprint(k gossh.Signer) string { return gossh.FingerprintSHA256(k.PublicKey()) }

// Exec commands: exit statuses, the JSON schema field by field, and a
// script that arrives and leaves unannounced.
func TestExecCommands(t *testing.T) {
	opKey := newKey(t)
	ts := startServer(t, withOps(t, opKey))
	aliceKey := newKey(t)
	alice := ts.dial("alice", withKey(aliceKey))
	alice.waitText("Welcome to chatroom!")
	for i := 1; i <= 7; i++ {
		alice.say(fmt.Sprintf("line %d", i))
	}
	alice.waitText("<you> line 7")

	botKey := newKey(t)
	got := ts.run("bot", botKey, "tail -n 5 --json", "")
	if got.status != 0 {
		t.Fatalf("tail: status %d, stderr %q", got.status, got.stderr)
	}
	lines := strings.Split(strings.TrimSpace(got.stdout), "\n")
	if len(lines) != 5 {
		t.Fatalf("tail -n 5 gave %d lines:\n%s", len(lines), got.stdout)
	}
	var prev uint64
	for i, raw := range lines {
		var l execcmd.Line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i, err, raw)
		}
		if _, err := time.Parse(time.RFC3339, l.Time); err != nil {
			t.Errorf("line %d: time %q is not RFC 3339", i, l.Time)
		}
		if l.Seq <= prev {
			t.Errorf("line %d: seq %d after %d", i, l.Seq, prev)
		}
		prev = l.Seq
		want := fmt.Sprintf("line %d", i+3)
		if l.Room != "lobby" || l.Nick != "alice" || l.Kind != "chat" || l.Text != want ||
			l.Key == nil || *l.Key != fingerprint(aliceKey) {
			t.Errorf("line %d = %+v, want alice's %q in lobby with her key", i, l, want)
		}
	}
	// The key is null, not missing, for someone without one.
	var fields map[string]any
	_ = json.Unmarshal([]byte(lines[0]), &fields)
	for _, f := range []string{"seq", "time", "room", "nick", "key", "kind", "text"} {
		if _, ok := fields[f]; !ok {
			t.Errorf("JSON line has no %q: %s", f, lines[0])
		}
	}

	got = ts.run("bot", botKey, "who --json", "")
	if got.status != 0 {
		t.Fatalf("who: status %d, stderr %q", got.status, got.stderr)
	}
	var who []execcmd.Person
	for _, raw := range strings.Split(strings.TrimSpace(got.stdout), "\n") {
		var p execcmd.Person
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatalf("who line is not JSON: %v: %s", err, raw)
		}
		who = append(who, p)
	}
	if len(who) != 1 || who[0].Nick != "alice" || who[0].Room != "lobby" || who[0].Key == nil || *who[0].Key != fingerprint(aliceKey) || who[0].Op {
		t.Fatalf("who --json = %+v, want alice alone (the script is not someone here)", who)
	}

	got = ts.run("bot", botKey, "say deploy finished", "")
	if got.status != 0 {
		t.Fatalf("say: status %d, stderr %q", got.status, got.stderr)
	}
	alice.waitText("<bot> deploy finished")
	if s := alice.screen(); strings.Contains(s, "bot joined") || strings.Contains(s, "bot left") {
		t.Fatalf("the script's arrival or leaving was announced:\n%s", s)
	}

	for _, c := range []struct{ cmd, stderr string }{
		{"frobnicate", `unknown command "frobnicate"`},
		{"tail -n lots", "-n takes a number"},
		{"who extra", `unexpected "extra"`},
		{"dm alice", "needs a nick and the text"},
	} {
		got = ts.run("bot", botKey, c.cmd, "")
		if got.status != execcmd.ExitUsage || !strings.Contains(got.stderr, c.stderr) || !strings.Contains(got.stderr, "say [#ROOM] [TEXT]") {
			t.Errorf("%q: status %d, stderr %q; want 2, %q and the usage", c.cmd, got.status, got.stderr, c.stderr)
		}
	}
	got = ts.run("bot", botKey, "say #nosuch hello", "")
	if got.status != execcmd.ExitRefused || !strings.Contains(got.stderr, "no such room") {
		t.Errorf("say #nosuch: status %d, stderr %q; want 1 and no such room", got.status, got.stderr)
	}
	got = ts.run("bot", botKey, "help", "")
	if got.status != 0 || !strings.Contains(got.stdout, "tail [-f]") {
		t.Errorf("help: status %d, stdout %q", got.status, got.stdout)
	}

	// A connection open before the ban (an OpenSSH ControlMaster) is
	// refused at the next command; new ones are refused at login.
	tcp, conn, err := ts.dialSSH("bot", clientOptions{key: botKey})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	defer conn.Close()
	op := ts.dial("op", withKey(opKey))
	op.waitText("Welcome to chatroom!")
	op.say("/ban " + fingerprint(botKey) + " spamming")
	op.waitText("banned")
	got = ts.runOn(conn, "say still here", "")
	if got.status != execcmd.ExitRefused || !strings.Contains(got.stderr, "banned") {
		t.Errorf("banned say: status %d, stderr %q; want 1 and the ban", got.status, got.stderr)
	}
}

// A bot saying 1,000 lines from stdin, faster than the rate limit allows,
// loses none and keeps their order: each waits its turn.
func TestExecSayPacesStdinLosingNone(t *testing.T) {
	// A real limit, fast enough to keep the test short: 1,000 lines at
	// 400 a second after a burst of 10 are paced for about 2.5 s.
	ts := startServer(t, func(s *setup) { s.Hub.MessageRate, s.Hub.MessageBurst = 400, 10 })
	watcher := ts.dial("watcher", withoutPty())
	watcher.waitFor("welcome", func(string) bool { return strings.Contains(watcher.rawOutput(), "Welcome to chatroom!") })
	const n = 1000
	var in strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&in, "bot line %d\n", i)
	}
	got := ts.run("bot", newKey(t), "say", in.String())
	if got.status != 0 {
		t.Fatalf("say: status %d, stderr %q", got.status, got.stderr)
	}
	got = ts.run("reader", newKey(t), fmt.Sprintf("tail -n %d --json", 500), "")
	if got.status != 0 {
		t.Fatalf("tail: status %d, stderr %q", got.status, got.stderr)
	}
	lines := strings.Split(strings.TrimSpace(got.stdout), "\n")
	if len(lines) != 500 {
		t.Fatalf("tail gave %d lines, want 500", len(lines))
	}
	for i, raw := range lines {
		var l execcmd.Line
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("bot line %d", n-500+1+i); l.Text != want || l.Nick != "bot" {
			t.Fatalf("line %d = %q by %s, want %q", i, l.Text, l.Nick, want)
		}
	}
	// And all of them, live, as someone in the room saw them.
	watcher.waitFor("the last line", func(string) bool { return strings.Contains(watcher.rawOutput(), "<bot> bot line 1000\n") })
	next := 1
	for _, l := range strings.Split(watcher.rawOutput(), "\n") {
		if _, text, ok := strings.Cut(l, "<bot> "); ok {
			if want := fmt.Sprintf("bot line %d", next); text != want {
				t.Fatalf("the watcher saw %q where %q was due", text, want)
			}
			next++
		}
	}
	if next != n+1 {
		t.Fatalf("the watcher saw %d lines, want %d", next-1, n)
	}
}

// Line mode, without a PTY and with TERM=dumb: plain lines, commands
// work, and not one escape byte in the whole output.
func TestLineModeHasNoEscapes(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	alice.waitText("Welcome to chatroom!")
	alice.say("before anyone came")
	alice.waitText("<you> before anyone came")

	for _, c := range []struct {
		name string
		opts []clientOption
	}{
		{"plain", []clientOption{withoutPty()}},
		{"dumb", []clientOption{withTerm("dumb")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			lc := ts.dial(c.name, c.opts...)
			lc.waitFor("welcome", func(string) bool { return strings.Contains(lc.rawOutput(), "Welcome to chatroom!") })
			alice.say("hello " + c.name)
			lc.waitFor("alice's line", func(string) bool {
				return strings.Contains(lc.rawOutput(), "<alice> hello "+c.name)
			})
			lc.send("hi from " + c.name + "\r")
			alice.waitText("<" + c.name + "> hi from " + c.name)
			lc.send("/me waves\r")
			lc.waitFor("the action", func(string) bool { return strings.Contains(lc.rawOutput(), "* "+c.name+" waves") })
			lc.send("/nosuchcommand\r")
			lc.waitFor("the error", func(string) bool { return strings.Contains(lc.rawOutput(), `! unknown command "/nosuchcommand"`) })
			if strings.Contains(lc.rawOutput(), "before anyone came") {
				t.Error("line mode showed history nobody asked for")
			}
			lc.send("/history\r")
			lc.waitFor("history on request", func(string) bool { return strings.Contains(lc.rawOutput(), "<alice> before anyone came") })
			lc.send("/quit\r")
			_ = lc.waitExit()
			if raw := lc.rawOutput(); strings.IndexByte(raw, 0x1b) >= 0 {
				t.Fatalf("line mode sent an escape byte:\n%q", raw)
			}
		})
	}
}

// A line-mode client that vanishes leaves no member behind.
func TestLineModeClientVanishing(t *testing.T) {
	ts := startServer(t)
	lc := ts.dial("ghost", withoutPty())
	lc.waitFor("welcome", func(string) bool { return strings.Contains(lc.rawOutput(), "Welcome to chatroom!") })
	ts.waitSessions(1)
	lc.drop()
	ts.waitSessions(0)
	lobby, err := ts.hub.Room(chat.Lobby)
	if err != nil {
		t.Fatal(err)
	}
	if online := len(lobby.Online()); online != 0 {
		t.Fatalf("%d still online", online)
	}
}

// Lines piped in at once are answered in the order they were written: a
// refusal of the second line comes after the first line, not before.
func TestLineModeAnswersInOrder(t *testing.T) {
	ts := startServer(t)
	lc := ts.dial("piped", withoutPty())
	lc.waitFor("welcome", func(string) bool { return strings.Contains(lc.rawOutput(), "Welcome to chatroom!") })
	lc.send("first line\n/nosuchcommand\nthird line\n")
	lc.waitFor("all three", func(string) bool { return strings.Contains(lc.rawOutput(), "<piped> third line") })
	raw := lc.rawOutput()
	first, refusal, third := strings.Index(raw, "<piped> first line"), strings.Index(raw, `! unknown command "/nosuchcommand"`), strings.Index(raw, "<piped> third line")
	if first < 0 || refusal < 0 || !(first < refusal && refusal < third) {
		t.Fatalf("answers out of order (%d, %d, %d):\n%s", first, refusal, third, raw)
	}
}

// The room's texts name no keys: line mode, which has none, shows them as
// they are (/help lists no view command and names no key; the welcome
// back names the rooms), and the full-screen view adds its own keys to
// the same lines and its own commands to /help.
func TestLineModeTextsNameNoKeys(t *testing.T) {
	ts := startServer(t)
	key := newKey(t)
	full := ts.dial("alice", withKey(key))
	full.waitText("Welcome to chatroom!")
	full.say("/join #go")
	full.waitText(" chatroom · #go")
	full.say("/quit")
	_ = full.waitExit()

	lc := ts.dial("alice", withKey(key), withoutPty())
	lc.waitFor("the welcome back", func(string) bool { return strings.Contains(lc.rawOutput(), "You are back in #go too.") })
	lc.send("/help\r")
	lc.waitFor("the help", func(string) bool { return strings.Contains(lc.rawOutput(), "send a line that starts with /") })
	lc.send("/quit\r")
	_ = lc.waitExit()
	raw := lc.rawOutput()
	for _, key := range []string{"Ctrl+", "Alt+", "PgUp", "F2", "/mouse", "/bell", "/clear", "help keys", "In this view"} {
		if strings.Contains(raw, key) {
			t.Errorf("line mode shows %q:\n%s", key, raw)
		}
	}

	full = ts.dial("alice", withKey(key))
	full.waitText("You are back in #go too.", "Ctrl+N and Ctrl+P switch rooms.")
	full.say("/help")
	full.waitText("· Commands:") // a long answer opens at its first line
	full.send(keyEnd)
	full.waitText("In this view:", "/mouse on|off", "Keys: /help keys lists them")
}
