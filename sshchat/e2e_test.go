package sshchat

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"

	"github.com/chatroom/chatroom/chat"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// Three people chat; every line reaches the others at once, without them
// pressing a key, and a half-typed line survives incoming messages.
func TestLiveChatBetweenThreePeople(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	alice.waitText("Welcome to chatroom!")
	alice.openPanel()
	alice.waitText("alice (you)")
	bob := ts.dial("bob")
	carol := ts.dial("carol")
	for _, c := range []*client{alice, bob, carol} {
		c.waitText("3 online")
	}
	alice.waitText("→ bob joined", "→ carol joined")

	alice.say("hello from alice")
	bob.waitText("<alice> hello from alice")
	carol.waitText("<alice> hello from alice")
	alice.waitText("<you> hello from alice")

	bob.send("half-typed by bob")
	alice.say("are you there?")
	carol.say("yes, carol here")
	bob.waitText("<alice> are you there?", "<carol> yes, carol here")
	bob.waitText("> half-typed by bob")

	bob.send(" and finished\r")
	alice.waitText("<bob> half-typed by bob and finished")
	carol.waitText("<bob> half-typed by bob and finished")
	bob.waitText("<you> half-typed by bob and finished")
	bob.waitFor("an empty input", func(string) bool { return !strings.Contains(bob.inputRow(), "half-typed") })
}

// A person who leaves and comes back with the same key sees what was said
// meanwhile; everyone sees joins and leaves with their reasons.
func TestLeaveReasonsAndHistoryOnReconnect(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock))
	alice := ts.dial("alice")
	bobKey := newKey(t)
	bob := ts.dial("bob", withKey(bobKey))
	alice.waitText("→ bob joined")
	bob.say("brb")

	bob.quitAndWait("/quit")
	alice.waitLeave(clock, "← bob left (quit)")
	alice.say("said while bob was away")
	alice.say("and another thing")

	bob = ts.dial("bob", withKey(bobKey))
	bob.waitText("<you> brb", "<alice> said while bob was away", "<alice> and another thing", "Welcome to chatroom!")
	alice.waitText("→ bob joined")

	carol := ts.dial("carol")
	alice.waitText("→ carol joined")
	carol.quitAndWait(keyCtrlC)
	alice.waitLeave(clock, "← carol left (quit)")
	ts.waitLog("nick=carol reason=quit")
	if !strings.Contains(ts.logs.String(), "127.0.0.1 disconnected session=") {
		t.Errorf("disconnect log line missing:\n%s", ts.logs.String())
	}
	if !strings.Contains(ts.logs.String(), "127.0.0.1 connected session=") || !strings.Contains(ts.logs.String(), "key=SHA256:") {
		t.Errorf("connect log line missing:\n%s", ts.logs.String())
	}
}

// A client that vanishes (TCP reset) mid-message hurts nobody: the others
// keep chatting, and nothing of the vanished session keeps running.
func TestAbruptDisconnect(t *testing.T) {
	before := goleak.IgnoreCurrent()
	clock := newClock()
	ts := startServer(t, withClock(clock))
	alice := ts.dial("alice")
	bob := ts.dial("bob")
	carol := ts.dial("carol")
	alice.waitText("3 online")
	carol.send("half a mess")
	carol.drop()

	alice.waitLeave(clock, "← carol left (connection lost)")
	bob.waitText("← carol left (connection lost)")
	ts.waitSessions(2)
	alice.say("still here?")
	bob.waitText("<alice> still here?")
	bob.say("yes")
	alice.waitText("<bob> yes", "2 online")
	ts.waitLog("nick=carol reason=\"connection lost\"")

	alice.close()
	bob.close()
	ts.waitSessions(0)
	ts.stop()
	goleak.VerifyNone(t, before)
}

// Text that would drive other people's terminals arrives as visible,
// harmless characters.
func TestEscapeSequencesAreInert(t *testing.T) {
	ts := startServer(t)
	bob := ts.dial("bob")
	evil := ts.dial("\x1b[31mevil\x1b]0;x\x07")
	bob.waitText("→ 31mevil0x joined")
	bob.say("a line that must stay on screen")
	bob.waitText("<you> a line that must stay on screen")

	// Escape sequences inside a paste are dropped by the terminal decoder;
	// the control characters that do get through are shown in caret
	// notation, first to the sender, then to everyone.
	evil.paste("\x1b[2J\x1b]0;pwned\x07\x1b[31mRED bell\x07 soh\x01 del\x7f rlo\u202e done")
	evil.waitText("> RED bell^G soh^A del^? rlo<U+202E> done")
	evil.send("\r")
	bob.waitText("<31mevil0x> RED bell^G soh^A del^? rlo<U+202E> done")
	bob.waitText("<you> a line that must stay on screen") // not cleared
	if strings.Contains(bob.rawOutput(), "pwned\x07") || strings.Contains(bob.rawOutput(), "\x1b]0;pwned") {
		t.Fatal("a title sequence reached bob's terminal")
	}
}

// Resizing re-lays out the view; tiny and absurd sizes neither break the
// daemon nor anyone else.
func TestResize(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice", withSize(100, 30))
	bob := ts.dial("bob")
	alice.waitText("2 online", "→ bob joined")
	alice.openPanel()
	alice.waitText("Online (2)")
	bob.say("first message")
	alice.waitText("<bob> first message")

	alice.resize(60, 20)
	alice.waitFor("the narrow layout", func(s string) bool {
		return !strings.Contains(s, "Online (2)") && strings.Contains(s, "chatroom · #lobby") && strings.Contains(s, "<bob> first message")
	})
	if rows := alice.lines(); !strings.Contains(rows[0], "2 online · alice") {
		t.Fatalf("header after resize: %q", rows[0])
	}

	alice.resize(30, 8)
	alice.waitText("Terminal too small", "need 40×10")
	alice.claimSize(0, 0)
	alice.claimSize(10000, 10000)
	alice.claimSize(4000, 250)
	alice.resize(40, 10)
	alice.waitText("chatroom · #lobby", "<bob> first message")
	alice.waitGone("Terminal too small")

	bob.say("after the resizes")
	alice.waitText("<bob> after the resizes")
	alice.resize(120, 40)
	alice.waitText("Online (2)", "<bob> after the resizes")
	alice.say("all good")
	bob.waitText("<alice> all good")
}

// A chat session or one of chatroom's commands; everything else ssh
// offers is refused.
func TestRefusesWhatAChatDoesNotNeed(t *testing.T) {
	ts := startServer(t)

	cmd := ts.dial("cmd", withCommand("ls -la"))
	if err := cmd.waitExit(); exitStatus(err) != 2 {
		t.Fatalf("command session exit: %v", err)
	}
	cmd.waitText(`unknown command "ls"`, "ssh -p 1998 cmd@127.0.0.1")

	tcp, conn, err := ts.dialSSH("prober", clientOptions{key: newKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	defer conn.Close()
	if _, err := conn.Dial("tcp", ts.addr); err == nil {
		t.Error("local port forwarding (direct-tcpip) was accepted")
	}
	if ln, err := conn.Listen("tcp", "127.0.0.1:0"); err == nil {
		ln.Close()
		t.Error("remote port forwarding (tcpip-forward) was accepted")
	}
	sess, err := conn.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := agent.RequestAgentForwarding(sess); err == nil {
		t.Error("agent forwarding was accepted")
	}
	if ok, _ := sess.SendRequest("x11-req", true, gossh.Marshal(struct {
		Single           bool
		Protocol, Cookie string
		Screen           uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0})); ok {
		t.Error("X11 forwarding was accepted")
	}
	if err := sess.RequestSubsystem("sftp"); err == nil {
		t.Error("the sftp subsystem was accepted")
	}
	sess.Close()
	if ts.srv.Sessions() != 0 {
		// Refused sessions end at once; nothing joined the room.
		ts.waitSessions(0)
	}
	if online, _ := ts.hub.Room("lobby"); len(online.Online()) != 0 {
		t.Fatalf("refused sessions joined the room: %+v", online.Online())
	}
}

// The daemon presents the same host key after a restart on the same data
// folder, so clients' known_hosts stay valid.
func TestHostKeyStableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	first := startServerIn(t, dir)
	seen := func(ts *testServer) string {
		var got gossh.PublicKey
		cfg := &gossh.ClientConfig{User: "k", Auth: []gossh.AuthMethod{gossh.PublicKeys(newKey(t))},
			HostKeyCallback: func(_ string, _ net.Addr, key gossh.PublicKey) error { got = key; return nil }}
		c, err := gossh.Dial("tcp", ts.addr, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return gossh.FingerprintSHA256(got)
	}
	fp := seen(first)
	first.stop()
	second := startServerIn(t, dir)
	if again := seen(second); again != fp {
		t.Fatalf("host key changed across restart: %s then %s", fp, again)
	}
}

// A member whose terminal stops reading for a while (a scrolled-back tmux
// pane, a laptop lid closed briefly) catches up when it reads again; the
// others chat on meanwhile. TestStuckClientIsCutOff covers a reader that
// stops for good, with its writes really blocked.
func TestFrozenClientCatchesUp(t *testing.T) {
	ts := startServer(t)
	frozen := ts.dial("frozen")
	frozen.waitText("Welcome to chatroom!")
	frozen.freeze()
	alice := ts.dial("alice")
	bob := ts.dial("bob")
	bob.waitText("3 online")

	const n = 200
	for i := 0; i < n; i++ {
		alice.say(fmt.Sprintf("msg %03d", i))
	}
	bob.waitText(fmt.Sprintf("<alice> msg %03d", n-1))
	bob.say("bob answers")
	alice.waitText("<bob> bob answers")

	frozen.thaw()
	frozen.waitText(fmt.Sprintf("<alice> msg %03d", n-1), "<bob> bob answers")
}

// A client that stops reading for good is cut off once its output has been
// blocked for the write timeout; the others never notice.
func TestStuckClientIsCutOff(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.WriteTimeout = 300 * time.Millisecond })
	stuck := ts.dial("stuck", withSize(200, 60))
	stuck.waitText("Welcome to chatroom!")
	stuck.freeze()
	bob := ts.dial("bob")
	bob.waitText("2 online")

	posted := postUntilGone(t, ts, bob, "stuck")
	t.Logf("cut off after %d messages", posted)
	ts.waitLog("nick=stuck reason=\"timed out: client stopped reading\"")
	bob.waitText("1 online")
}

// postUntilGone posts screenfuls of text until the member called nick, a
// client that stopped reading, has left the lobby, and returns how many
// messages that took. Bursts are paced by live, a reader who keeps getting
// every message while the stuck client's writes are blocked.
func postUntilGone(t *testing.T, ts *testServer, live *client, nick string) int {
	t.Helper()
	poster, err := ts.hub.Join(chat.Identity{Key: "SHA256:poster", Nick: "poster", Addr: "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	defer poster.Leave("done")
	noise := func(n int) string { // every line differs, so none can be reused
		var b strings.Builder
		for b.Len() < 1900 {
			fmt.Fprintf(&b, "%x ", uint32(n*2654435761+b.Len()*40503))
		}
		return b.String()
	}
	lobby, _ := ts.hub.Room(chat.Lobby)
	online := func() bool {
		for _, o := range lobby.Online() {
			if o.Nick == nick {
				return true
			}
		}
		return false
	}
	posted := 0
	deadline := time.Now().Add(waitTimeout)
	for online() {
		if time.Now().After(deadline) {
			t.Fatalf("%s was never cut off after %d messages; log:\n%s", nick, posted, ts.logs.String())
		}
		for i := 0; i < 6; i++ { // six messages fill a 200x60 screen
			if err := poster.Say(noise(posted)); err != nil {
				t.Fatal(err)
			}
			posted++
		}
		if err := poster.Say(fmt.Sprintf("burst of %d done", posted)); err != nil {
			t.Fatal(err)
		}
		live.waitText(fmt.Sprintf("<poster> burst of %d done", posted))
	}
	if err := poster.Say("the end"); err != nil {
		t.Fatal(err)
	}
	live.waitText("<poster> the end")
	return posted
}

// The screen never relies on a newline: every move is an absolute cursor
// position, so the bytes a session gets do not depend on whether the
// host's pty layer maps "\n" to "\r\n" (charm.land/ssh does on every OS,
// Bubble Tea assumed it only off Windows) nor on how the client's terminal
// treats a bare newline.
func TestScreenNeedsNoNewlineMapping(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice", withSize(90, 20))
	bob := ts.dial("bob", withSize(60, 15))
	alice.waitText("2 online")
	for i := 0; i < 30; i++ {
		bob.say(fmt.Sprintf("line %d from bob", i))
	}
	alice.waitText("<bob> line 29 from bob")
	alice.send(keyPgUp)
	alice.waitText("scrolled up")
	alice.resize(120, 30)
	alice.send("\x0c") // Ctrl+L
	alice.send(keyEnd)
	alice.say("/join #go")
	alice.waitText(" chatroom · #go")
	alice.send(keyCtrlC)
	alice.waitExit()
	raw := alice.rawOutput()
	view, _, _ := strings.Cut(raw, "\x1b[?1049l")
	if i := strings.IndexByte(view, '\n'); i >= 0 {
		t.Fatalf("the view relied on a newline at byte %d: %q", i, view[max(0, i-80):min(len(view), i+40)])
	}
}

// A line said in the room a person looks at costs their terminal the line
// and a scroll, not the rows that did not change: at most three times the
// line's length and 64 bytes (issue 9), at the common 80x24 and on a large
// terminal, with the screen full of earlier lines.
func TestOneLineCostsOneLine(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {200, 60}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			ts := startServer(t)
			alice := ts.dial("alice", withSize(size[0], size[1]))
			bob := ts.dial("bob")
			alice.waitText("2 online")
			for i := 0; i < size[1]; i++ {
				bob.say(fmt.Sprintf("filler %d", i))
			}
			alice.waitText(fmt.Sprintf("<bob> filler %d", size[1]-1))
			before := len(alice.rawOutput())
			const lines = 5
			line := func(i int) string { return fmt.Sprintf("MK-%04d-the-line-of-33-characters", i) }
			for i := 0; i <= lines; i++ {
				bob.say(line(i))
				alice.waitText("<bob> " + line(i))
			}
			// Each line's frame ends where the next one's begins, with
			// the cursor hidden while rows change; the last line is
			// there only to end the one before it.
			sent := alice.rawOutput()[before:]
			frames := strings.Split(sent, "\x1b[?25l")[1:]
			if len(frames) < lines+1 {
				t.Fatalf("%d frames for %d lines: %q", len(frames), lines+1, sent)
			}
			for i, f := range frames[:lines] {
				if !strings.Contains(f, line(i)) {
					t.Fatalf("frame %d lacks line %d: %q", i, i, f)
				}
				if limit := 3*len(line(i)) + 64; len(f) > limit {
					t.Fatalf("a %d-character line cost %d bytes (limit %d): %q", len(line(i)), len(f), limit, f)
				}
				if i == 0 {
					t.Logf("a %d-character line cost %d bytes: %q", len(line(i)), len(f), "\x1b[?25l"+f)
				}
			}
		})
	}
}
