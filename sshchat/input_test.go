package sshchat

import (
	"crypto/rand"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
)

// The keys people press, as their terminals send them, do what the README
// says. Several encodings are tried where terminals differ: the Windows
// console, for one, sends Backspace as ^H and Home/End as ESC[H and ESC[F.
func TestEditingKeysOverSSH(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	bob := ts.dial("bob", withSize(70, 30)) // no member list: rows hold only chat
	alice.waitText("2 online")

	for _, enc := range []struct {
		name                  string
		home, end, back, left string
	}{
		{"xterm", keyHome, keyEnd, keyBack, keyLeft},
		{"vt220", "\x1b[1~", "\x1b[4~", "\x08", "\x1bOD"},
		{"windows console", "\x1b[H", "\x1b[F", "\x08", "\x1b[D"},
	} {
		alice.send("helo wrld")
		alice.send(enc.left + enc.left + enc.left)
		alice.send("o")
		alice.send(enc.home + "(" + enc.end + ")x" + enc.back)
		alice.send(keyHome + keyDel + "[" + keyEnd + "]")
		alice.send("\r")
		bob.waitText("<alice> [helo world)]")
		alice.send(keyCtrlW + "gone" + keyCtrlW + "\r") // nothing left to send
		alice.say("/clear")
		bob.say("/clear")
		bob.waitGone("helo world)")
		t.Logf("%s: ok", enc.name)
	}

	// Up recalls, Tab completes.
	alice.say("first line")
	alice.send(keyUp)
	alice.waitFor("the recalled line", func(string) bool { return alice.inputRow() == "> first line" })
	alice.send(keyCtrlU())
	alice.send("b" + keyTab + "tab done\r")
	bob.waitText("<alice> bob: tab done")

	// Alt+Enter and a bracketed paste both make one multi-line message.
	alice.send("one\x1b\rtwo\r")
	alice.paste("three\nfour")
	alice.send("\r")
	bob.waitText("<alice> one\n    │ two", "<alice> three\n    │ four")
}

func keyCtrlU() string { return "\x15" }

// A terminal that reports the wheel scrolls the chat; PgUp/PgDn and End work
// the same way on every terminal.
func TestScrollingOverSSH(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice", withSize(80, 20))
	bob := ts.dial("bob")
	alice.waitText("2 online")
	for i := 0; i < 40; i++ {
		bob.say(fmt.Sprintf("line %02d", i))
	}
	alice.waitText("<bob> line 39")

	alice.send(keyPgUp)
	alice.waitText("scrolled up · End to jump back")
	alice.waitGone("line 39")
	bob.say("news")
	alice.waitText("↓ 1 new message")
	alice.send(keyEnd)
	alice.waitText("<bob> news")

	alice.send("\x1b[<64;10;10M\x1b[<64;10;10M") // SGR wheel up, twice
	alice.waitText("scrolled up")
	alice.send("\x1b[<65;10;10M\x1b[<65;10;10M") // and down again
	alice.waitGone("scrolled up")
}

// What the Windows OpenSSH client sends: TERM=xterm-256color from Windows
// Terminal and recent consoles, plain xterm from older ones. Both get a
// working view; plain xterm gets only the 16 colours it can show.
func TestWindowsClients(t *testing.T) {
	ts := startServer(t)
	modern := ts.dial("wt", withTerm("xterm-256color"), withSize(120, 30))
	classic := ts.dial("conhost", withTerm("xterm"), withSize(80, 25))
	classic.waitText("2 online", "chatroom · #lobby")
	modern.say("hello from Windows Terminal")
	classic.waitText("<wt> hello from Windows Terminal")
	classic.send("typed in conhost" + "\x08" + "T\r")
	modern.waitText("<conhost> typed in conhosT")

	if raw := classic.rawOutput(); strings.Contains(raw, "38;5;") || strings.Contains(raw, "38;2;") {
		t.Error("a 16-colour terminal was sent 256-colour or true-colour sequences")
	}
	if raw := modern.rawOutput(); !strings.Contains(raw, "38;5;") {
		t.Error("a 256-colour terminal got no 256-colour sequences")
	}
	for _, c := range []*client{modern, classic} {
		c.quitAndWait(keyCtrlC)
		if c.emu.IsAltScreen() {
			t.Errorf("%s: terminal left in the alternate screen", c.name)
		}
		if raw := c.rawOutput(); !strings.Contains(raw, "\x1b[?1049l") || !strings.Contains(raw, "\x1b[?25h") {
			t.Errorf("%s: the alternate screen was not left or the cursor not shown again", c.name)
		}
	}
}

// Nick clashes and changes, as everyone sees them.
func TestNicksOverSSH(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	twin := ts.dial("Alice", withSize(100, 40))
	twin.waitText("The nick Alice is taken, so you are Alice-2", "2 online · Alice-2")
	alice.waitText("→ Alice-2 joined")

	twin.say("/nick twin")
	alice.waitText("» Alice-2 is now known as twin")
	twin.openPanel()
	twin.waitText("2 online · twin", "twin (you)")
	twin.say("/nick alice")
	twin.waitText("! the nick alice is taken")
	twin.waitText("> /nick alice") // kept, to be fixed
	twin.send(keyCtrlU())
	alice.say("/names")
	alice.waitText("Online in #lobby (2): alice, twin")
	twin.say("/me dances")
	alice.waitText("* twin dances")
	twin.say("/help")
	twin.waitText("/nick NEW", "/quit", "Keys: /help keys")
	alice.waitGone("/nick NEW")
	twin.say("/help keys")
	twin.waitText("Ctrl+N/Ctrl+P", "Alt+Enter")
}

// Nonsense on the wire hurts nobody: random bytes typed into a session, a
// client that speaks no ssh, and one that hangs up during the handshake.
func TestGarbageHurtsNobody(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	bob := ts.dial("bob")
	noisy := ts.dial("noisy")
	alice.waitText("3 online")

	junk := make([]byte, 64*1024)
	_, _ = rand.Read(junk)
	for i := 0; i < len(junk); i += 1024 {
		noisy.send(string(junk[i : i+1024]))
	}
	noisy.send("\x1b[<999;0;0M\x1b[200~unterminated paste\x1b]52;c;AAAA\x1bP+q\x9b\x1b[99999999999999999999;1H")

	raw, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = raw.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + string(junk[:4096])))
	_ = raw.Close()
	half, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = half.Write([]byte("SSH-2.0-OpenSSH_9.9\r\n"))
	_ = half.Close()

	alice.say("still standing?")
	bob.waitText("<alice> still standing?")
	bob.say("yes")
	alice.waitText("<bob> yes")
	// The noisy session may have quit (its junk may include ^C) or still be
	// there; either way a new person can join.
	carol := ts.dial("carol")
	carol.waitText("Welcome to chatroom!")
}

// Fifteen lines typed quickly all arrive, in order, each a line of its
// own: those beyond the rate limit wait and go as it allows.
func TestFastLinesAllArriveInOrder(t *testing.T) {
	// The daemon's own limit: 2 lines a second after a burst of 10.
	ts := startServer(t, func(s *setup) { s.Hub.MessageRate, s.Hub.MessageBurst = 2, 10 })
	alice := ts.dial("alice")
	bob := ts.dial("bob", withSize(100, 40))
	bob.waitText("2 online")
	for i := 1; i <= 15; i++ {
		alice.say(fmt.Sprintf("fast line %d", i))
	}
	bob.waitText("<alice> fast line 15")
	next := 1
	for _, r := range bob.lines() {
		if strings.HasSuffix(strings.TrimRight(r, " "), fmt.Sprintf("<alice> fast line %d", next)) {
			next++
		}
	}
	if next != 16 {
		t.Fatalf("bob saw fast lines 1 to %d in order, separate:\n%s", next-1, bob.screen())
	}
	alice.neverSaw("slow down")
}

// NO_COLOR (ssh -o SetEnv=NO_COLOR=1) gets a screen without colours.
func TestNoColorGetsNoColours(t *testing.T) {
	ts := startServer(t)
	plain := ts.dial("plain", withEnv("NO_COLOR", "1"))
	bob := ts.dial("bob")
	plain.waitText("2 online")
	bob.say("@plain a mention, which is orange elsewhere")
	plain.waitText("<bob> @plain a mention")
	bob.waitText("<you> @plain a mention") // drawn, in colour, on bob's screen too
	colour := regexp.MustCompile(`\x1b\[([0-9]*;)*(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9]+)*m`)
	if raw := plain.rawOutput(); colour.MatchString(raw) {
		t.Errorf("NO_COLOR was sent a colour: %q", colour.FindString(raw))
	}
	if raw := bob.rawOutput(); !colour.MatchString(raw) {
		t.Error("the check finds no colour even where there is one")
	}
}

// A terminal without bracketed paste sends a pasted block as keys, its
// newlines as Enter, in one burst: the block is one message, waiting in the
// input for Enter, not fifteen lines sent one by one.
func TestUnbracketedBurstIsOneMessage(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice", withSize(100, 40))
	bob := ts.dial("bob", withSize(100, 40))
	bob.waitText("2 online")
	var burst strings.Builder
	for i := 1; i <= 15; i++ {
		fmt.Fprintf(&burst, "pasted line %d\r", i)
	}
	alice.send(burst.String()) // one write: one burst
	alice.waitText("pasted line 15")
	bob.neverSaw("pasted line 1")
	alice.send("\r")
	bob.waitText("<alice> pasted line 1\n")
	bob.waitText("│ pasted line 15")
	if n := strings.Count(bob.screen(), "<alice>"); n != 1 {
		t.Fatalf("the burst arrived as %d messages:\n%s", n, bob.screen())
	}
	alice.neverSaw("slow down")
}

// What is yours is led by <you>, a /me as much as a line; others see the
// /me as an action of yours.
func TestYourOwnActionIsMarkedAsYours(t *testing.T) {
	ts := startServer(t)
	dave := ts.dial("dave")
	bob := ts.dial("bob")
	bob.waitText("2 online")
	dave.say("hello")
	dave.say("/me waves")
	dave.waitText("<you> hello", "<you> * waves")
	bob.waitText("<dave> hello", "* dave waves")
	dave.neverSaw("* dave waves")
}

// A refusal says how to go on: the text stays in the input, Ctrl+C clears
// it and Up brings it back.
func TestARefusalSaysHowToRecover(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice", withSize(200, 30))
	alice.waitText("1 online")
	alice.say("/frobnicate now")
	alice.waitText("(your text stays below: edit it, or Ctrl+C clears it and Up brings it back)")
	alice.waitFor("the refused text in the input", func(string) bool { return alice.inputRow() == "> /frobnicate now" })
	alice.send("\x03")
	alice.waitText("input cleared (Up brings it back)")
	alice.send(keyUp)
	alice.waitFor("the text back", func(string) bool { return alice.inputRow() == "> /frobnicate now" })
}

// The input never holds more than can be sent: near the limit it counts
// down what is left, and a paste beyond it is cut, with a notice.
func TestTheInputHoldsNoMoreThanCanBeSent(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice", withSize(120, 40))
	alice.waitText("1 online")
	const limit = 2000 // chat.MaxMessageLen
	alice.paste(strings.Repeat("a", limit-20))
	alice.waitText("20 characters left")
	alice.send("\x03") // clear
	alice.paste(strings.Repeat("b", limit+100))
	alice.waitText(fmt.Sprintf("paste cut: only %d of its %d characters fit", limit, limit+100))
	alice.waitText("message full")
}
