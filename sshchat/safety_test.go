package sshchat

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
	"io"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/chat/message"
	"github.com/chatroom/chatroom/keyfile"
	"github.com/chatroom/chatroom/sshd"
)

// refusedLogin dials and expects the login to be refused; it returns what
// the server told the client (its banners).
func (ts *testServer) refusedLogin(user string, opts ...clientOption) string {
	ts.t.Helper()
	o := clientOptions{}
	for _, f := range opts {
		f(&o)
	}
	if o.key == nil && !o.keyless {
		o.key = newKey(ts.t)
	}
	var banner string
	o.banner = &banner
	tcp, conn, err := ts.dialSSH(user, o)
	if err == nil {
		conn.Close()
		tcp.Close()
		ts.t.Fatalf("%s logged in; want a refusal", user)
	}
	return banner
}

// keyFile writes an authorized_keys file holding keys.
func keyFile(t *testing.T, keys ...gossh.Signer) string {
	t.Helper()
	var b strings.Builder
	for _, k := range keys {
		b.Write(gossh.MarshalAuthorizedKey(k.PublicKey()))
	}
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func loadKeys(t *testing.T, path string) *keyfile.Set {
	t.Helper()
	set, _, err := keyfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func withOps(t *testing.T, keys ...gossh.Signer) serverOption {
	set := loadKeys(t, keyFile(t, keys...))
	return func(c *setup) { c.Hub.Operators = set }
}

// The first key to use a nick owns it; another key asking is refused and
// given a free variant, at join and with /nick.
func TestNickOwnershipOverSSH(t *testing.T) {
	ts := startServer(t)
	aliceKey := newKey(t)
	alice := ts.dial("alice", withKey(aliceKey))
	alice.waitText("Welcome to chatroom!")
	alice.say("/quit")
	alice.waitExit()

	impostor := ts.dial("alice")
	impostor.waitText("The nick alice is registered to another key, so you are alice-2")
	impostor.say("/nick alice")
	impostor.waitText("! the nick alice is registered to another key")
	anon := ts.dial("alice", keyless())
	anon.waitText("registered to another key", "unverified")

	back := ts.dial("alice", withKey(aliceKey))
	back.waitText("You are alice in #lobby")
}

// The same key coming back while its old session still hangs gets its nick
// at once, beside the hanging session; that one goes when it stops
// answering keepalives, and as the person is still here, nobody sees a
// leave. (A session that stops answering is replaced at once when the key
// has as many as it may: TestSixthSessionIsRefusedWhileFiveAnswer.)
func TestReconnectBesideAHangingSession(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock), func(c *setup) { c.WriteTimeout, c.KeepaliveInterval = time.Second, 300*time.Millisecond })
	bob := ts.dial("bob")
	key := newKey(t)
	px := startProxy(t, ts.addr)
	ghost := ts.dial("alice", withKey(key), via(px.addr()))
	ghost.waitText("Welcome to chatroom!")
	bob.waitText("→ alice joined")
	px.freeze() // the laptop lid closes

	alice := ts.dial("alice", withKey(key))
	alice.waitText("You are alice in #lobby", "2 online · alice")
	bob.say("welcome back")
	alice.waitText("<bob> welcome back")
	ts.waitLog("timed out: no answer to keepalive")
	ts.waitSessions(2)       // the ghost's session is gone
	clock.Advance(time.Hour) // past the minute a leave line waits
	bob.say("still here?")
	alice.waitText("<bob> still here?")
	if strings.Contains(bob.screen(), "alice left") || strings.Contains(bob.screen(), "alice reconnected") {
		t.Fatalf("a hanging session was news:\n%s", bob.screen())
	}
}

// Operators kick, ban and unban; a banned key and a banned address are
// refused at login with the reason and its end, and let in again after
// /unban.
func TestBansOverSSH(t *testing.T) {
	opKey := newKey(t)
	ts := startServer(t, withOps(t, opKey))
	op := ts.dial("boss", withKey(opKey))
	op.waitText("Welcome to chatroom!")
	bobKey := newKey(t)
	bob := ts.dial("bob", withKey(bobKey))
	troll := ts.dial("troll", keyless(), via(ts.addr6))
	op.waitText("3 online")

	// A non-operator is told no: by the command table, before the
	// command reads its arguments, so even a command typed alone says so.
	bob.say("/kick troll")
	bob.waitText("! operators only: /kick is for operators")
	bob.send(keyCtrlU())
	bob.say("/delete")
	bob.waitText("! operators only: /delete is for operators")
	bob.send(keyCtrlU())

	// A kick ends the session, with the reason, for everyone to see.
	op.say("/kick troll stop it")
	op.waitText("← ~troll left (kicked by boss: stop it)")
	if err := troll.waitExit(); exitStatus(err) != 0 {
		t.Fatalf("troll's session: %v", err)
	}
	troll.waitText("chatroom: you were kicked by boss: stop it")
	ts.waitLog("kick by=boss")

	// A banned key is kicked and refused at login.
	op.say("/ban bob 2h posting links")
	op.waitText("■ boss banned bob for 2h: posting links", "← bob left (banned)")
	bob.waitText("chatroom: you were banned until")
	refusal := ts.refusedLogin("bob", withKey(bobKey))
	if !strings.Contains(refusal, "you cannot join: this key is banned until") || !strings.Contains(refusal, "by boss: posting links") {
		t.Fatalf("banned key was told %q", refusal)
	}

	// A banned address, whatever the key.
	ts.dial("troll", keyless(), via(ts.addr6))
	// The second time: the first join line may still be on screen.
	op.waitFor("troll joined again", func(s string) bool { return strings.Count(s, "→ ~troll joined") == 2 })
	op.say("/ban troll")
	op.waitText("← ~troll left (banned)")
	for _, opt := range []clientOption{keyless(), withKey(newKey(t))} {
		refusal := ts.refusedLogin("troll", opt, via(ts.addr6))
		if !strings.Contains(refusal, "your address is banned permanently by boss") {
			t.Fatalf("banned address was told %q", refusal)
		}
	}
	op.say("/bans")
	op.waitText("Bans (2):", "bob (SHA256:", "troll (address ::1) permanently by boss")

	op.say("/unban bob")
	op.waitText("■ boss lifted the ban on bob")
	ts.dial("bob", withKey(bobKey)).waitText("Welcome to chatroom!")
	op.say("/unban ::1")
	op.waitText("■ boss lifted the ban on troll")
	ts.dial("troll", keyless(), via(ts.addr6)).waitText("Welcome to chatroom!")
	ts.waitLog("unban by=boss")
}

// An allowlist makes a private room: other keys and keyless clients are
// refused at login, told why; the file is re-read while the server runs.
func TestAllowlist(t *testing.T) {
	aliceKey, bobKey := newKey(t), newKey(t)
	path := keyFile(t, aliceKey)
	allow := loadKeys(t, path)
	ts := startServer(t, func(c *setup) { c.Allowlist = allow })
	ts.dial("alice", withKey(aliceKey)).waitText("Welcome to chatroom!")
	if got := ts.refusedLogin("bob", withKey(bobKey)); !strings.Contains(got, "this chat is private and your key SHA256:") ||
		!strings.Contains(got, "is not on its allowlist") {
		t.Fatalf("another key was told %q", got)
	}
	if got := ts.refusedLogin("anon", keyless()); !strings.Contains(got, "only keys on its allowlist may join") {
		t.Fatalf("a keyless client was told %q", got)
	}
	if err := os.WriteFile(path, append(gossh.MarshalAuthorizedKey(aliceKey.PublicKey()), gossh.MarshalAuthorizedKey(bobKey.PublicKey())...), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := allow.Reload(); err != nil {
		t.Fatal(err)
	}
	ts.dial("bob", withKey(bobKey)).waitText("Welcome to chatroom!")
}

// A shared passphrase is asked of everyone; a key stays the identity.
func TestPassphrase(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.Passphrase = "correct horse" })
	if got := ts.refusedLogin("guess", keyless(), withPassphrase("battery staple")); got != "" {
		t.Logf("told %q", got)
	}
	ts.refusedLogin("nothing", keyless())
	anon := ts.dial("anon", keyless(), withPassphrase("correct horse"))
	anon.waitText("Welcome to chatroom!", "unverified")
	keyed := ts.dial("keyed", withPassphrase("correct horse"))
	keyed.waitText("Welcome to chatroom!")
	keyed.say("/whois keyed")
	keyed.waitText("keyed: verified key SHA256:")
	ts.refusedLogin("keyed2", withPassphrase("wrong"))
	ts.waitLog("gave a wrong passphrase")
}

// --require-key turns away clients without a key, saying how to make one.
func TestRequireKey(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.RequireKey = true })
	if got := ts.refusedLogin("anon", keyless()); !strings.Contains(got, "ssh-keygen -t ed25519") {
		t.Fatalf("told %q", got)
	}
	ts.dial("keyed").waitText("Welcome to chatroom!")
}

// One client floods as fast as it can; two others keep talking. Everything
// the two say arrives, in order; the flooder is throttled, then kicked.
func TestFloodWhileOthersChat(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.Hub.MessageRate, c.Hub.MessageBurst = 2, 10 })
	alice := ts.dial("alice", withSize(100, 60))
	bob := ts.dial("bob", withSize(100, 60))
	flooder := ts.dial("flooder")
	alice.waitText("3 online")

	// Lines typed one by one as fast as a machine types, each a burst of
	// its own (lines written back to back would be one burst, which the
	// server takes for a paste): paced, then refused, then kicked.
	start := time.Now()
	done, stop := make(chan struct{}), make(chan struct{})
	lines := 0
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			flooder.say(fmt.Sprintf("flood %d", lines))
			lines++
		}
	}()

	// Alice and bob take turns, as people do, while the flood runs.
	const turns = 8
	for i := 0; i < turns; i++ {
		alice.say(fmt.Sprintf("alice %d", i))
		bob.waitText(fmt.Sprintf("<alice> alice %d", i))
		bob.say(fmt.Sprintf("bob %d", i))
		alice.waitText(fmt.Sprintf("<bob> bob %d", i))
	}
	alice.waitText("← flooder left (kicked for flooding)")
	close(stop)
	<-done
	ts.waitLog("kicked for flooding")
	// The flooder may have posted its burst and then what the rate let
	// through while the flood lasted, however slow the machine is.
	allowed := 10 + int(2*time.Since(start).Seconds()) + 1
	flooder.waitText("chatroom: you were disconnected for flooding the room")

	// Every line alice and bob sent is in the log, in order.
	lobby, _ := ts.hub.Room(chat.Lobby)
	reader, err := ts.hub.Join(chat.Identity{Key: "SHA256:reader", Nick: "reader", Addr: "127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Leave("done")
	_ = lobby
	var got []string
	accepted := 0
	for _, m := range drainMember(reader) {
		if m.Kind != message.Chat {
			continue
		}
		if m.Nick == "flooder" {
			accepted++
			continue
		}
		got = append(got, m.Text)
	}
	var want []string
	for i := 0; i < turns; i++ {
		want = append(want, fmt.Sprintf("alice %d", i), fmt.Sprintf("bob %d", i))
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("others' messages: %q", got)
	}
	t.Logf("flood: %d lines sent, %d accepted; alice and bob: %d of %d delivered in order", lines, accepted, len(got), len(want))
	if accepted > allowed {
		t.Fatalf("the flooder got %d lines through; the rate allows %d", accepted, allowed)
	}
}

// drainMember reads everything a member has, as its view would.
func drainMember(m *chat.Member) []message.Message {
	var all []message.Message
	for {
		select {
		case <-m.Wake():
			all = append(all, m.Next()...)
		default:
			return all
		}
	}
}

// 50 people from one address at once: no more than the limit get a chat
// session; the rest are refused with the reason (at login, or when they ask
// for a session), or dropped before the handshake when far over. Someone
// from another address still joins and chats.
func TestConnectionLimitsPerAddress(t *testing.T) {
	ts := startServer(t)
	var mu sync.Mutex
	var open []*gossh.Client
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range open {
			c.Close()
		}
	}()
	var chatting, refusedAtLogin, refusedSession, dropped atomic.Int32
	var reasons sync.Map
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var banner string
			_, conn, err := ts.dialSSH(fmt.Sprint("many", i), clientOptions{key: newKey(t), banner: &banner})
			switch {
			case err != nil && banner != "":
				refusedAtLogin.Add(1)
				reasons.Store(strings.TrimSpace(banner), true)
				return
			case err != nil:
				dropped.Add(1)
				return
			}
			mu.Lock()
			open = append(open, conn)
			mu.Unlock()
			sess, err := conn.NewSession()
			if err != nil {
				refusedSession.Add(1)
				reasons.Store(err.Error(), true)
				return
			}
			_ = sess.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
			out, _ := sess.StdoutPipe()
			go func() { _, _ = io.Copy(io.Discard, out) }()
			if sess.Shell() == nil {
				chatting.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := chatting.Load(); n == 0 || n > 10 {
		t.Fatalf("%d of 50 sessions from one address got in; the limit is 10", n)
	}
	var said []string
	reasons.Range(func(k, _ any) bool { said = append(said, k.(string)); return true })
	if len(said) == 0 || !strings.Contains(strings.Join(said, "\n"), "too many") {
		t.Fatalf("refusals said %q", said)
	}
	t.Logf("50 connections from 127.0.0.1: %d chatting, %d refused at login, %d refused a session, %d dropped before the handshake",
		chatting.Load(), refusedAtLogin.Load(), refusedSession.Load(), dropped.Load())

	other := ts.dial("other", via(ts.addr6))
	other.waitText("Welcome to chatroom!")
	other.say("anyone there?")
	other.waitText("<you> anyone there?")
}

// One address may have MaxConnsPerAddr connections in use; more are
// refused at login, saying why.
func TestConcurrentConnectionsPerAddress(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.MaxConnsPerAddr = 3 })
	for i := 0; i < 3; i++ {
		ts.dial(fmt.Sprint("user", i)).waitText("Welcome to chatroom!")
	}
	if got := ts.refusedLogin("fourth"); !strings.Contains(got, "too many connections from your address (3 in use; the limit is 3)") {
		t.Fatalf("the fourth was told %q", got)
	}
	ts.dial("elsewhere", via(ts.addr6)).waitText("Welcome to chatroom!")
}

// A connection may carry a few sessions (OpenSSH's ControlMaster), windows
// of one person; more are refused, and closing them all leaves nobody
// behind.
func TestSeveralSessionsOnOneConnection(t *testing.T) {
	clock := newClock()
	ts := startServer(t, withClock(clock))
	watcher := ts.dial("watcher")
	// In first, so that its welcome cannot list multi.
	watcher.waitText("You are watcher in #lobby")
	tcp, conn, err := ts.dialSSH("multi", clientOptions{key: newKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	var windows []*client
	for i := 0; i < sshd.MaxSessionsPerConn; i++ {
		sess, err := conn.NewSession()
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		w := ts.attach("multi", sess)
		w.waitText("You are multi in #lobby") // one person in three windows
		windows = append(windows, w)
	}
	windows[2].say("from the third window")
	windows[0].waitText("<you> from the third window")
	watcher.waitText("2 online", "<multi> from the third window")
	if n := strings.Count(watcher.screen(), "multi"); n != 2 {
		t.Fatalf("the watcher saw multi %d times, want a join and a line:\n%s", n, watcher.screen())
	}
	if _, err := conn.NewSession(); err == nil {
		t.Fatal("a fourth session on one connection was accepted")
	}
	for _, w := range windows {
		w.close()
	}
	watcher.waitText("1 online")
	watcher.waitLeave(clock, "← multi left (quit)")
	if n := strings.Count(watcher.screen(), "multi left"); n != 1 {
		t.Fatalf("the watcher saw multi leave %d times:\n%s", n, watcher.screen())
	}
	ts.waitSessions(1)
	if online, _ := ts.hub.Room(chat.Lobby); len(online.Online()) != 1 {
		t.Fatalf("members left behind: %+v", online.Online())
	}
}

// Operators are let into a private room even if the allowlist forgets
// them; a key taken off the allowlist is shown out at once.
func TestAllowlistKeepsOperatorsAndFollowsRemovals(t *testing.T) {
	opKey, aliceKey := newKey(t), newKey(t)
	path := keyFile(t, aliceKey)
	allow := loadKeys(t, path)
	ops := loadKeys(t, keyFile(t, opKey))
	ts := startServer(t, func(c *setup) { c.Allowlist, c.Operators, c.Hub.Operators = allow, ops, ops })
	op := ts.dial("boss", withKey(opKey))
	alice := ts.dial("alice", withKey(aliceKey))
	op.waitText("2 online")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := allow.Reload(); err != nil {
		t.Fatal(err)
	}
	ts.handler.AccessChanged(ts.srv.Allowed)
	alice.waitExit()
	alice.waitText("chatroom: your key was taken off this chat's allowlist")
	op.waitText("← alice left (removed from the allowlist)")
}

// The server takes at most MaxSessions sessions.
func TestServerFull(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.MaxSessions = 2 })
	ts.dial("a").waitText("Welcome")
	ts.dial("b").waitText("Welcome")
	full := ts.dial("c")
	if err := full.waitExit(); exitStatus(err) != 1 {
		t.Fatalf("third session: %v", err)
	}
	full.waitText("chatroom is full (2 people); try again later.")
}

// --idle-timeout disconnects a session without keystrokes, with a notice.
func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, func(c *setup) { c.Chat.IdleTimeout = 500 * time.Millisecond })
	watcher := ts.dial("watcher")
	sleepy := ts.dial("sleepy")
	sleepy.waitText("Welcome")
	sleepy.waitExit()
	sleepy.waitText("chatroom: disconnected after 500ms without a keystroke")
	ts.waitLog(`nick=sleepy reason="timed out: idle"`)
	_ = watcher
}

// A key ban keeps out that key, and keyless logins from the address it was
// used at; people there with keys of their own, and the listed operators,
// still get in, before and after a restart. (On a classroom NAT, one ban
// must not shut out the whole room.)
func TestKeyBanSparesOthersAtItsAddress(t *testing.T) {
	dir := t.TempDir()
	opKey, malloryKey, bobKey, carolKey := newKey(t), newKey(t), newKey(t), newKey(t)
	ops := withOps(t, opKey)
	db, closeDB := withSQLite(t, dir)
	first := startServerIn(t, dir, ops, db)
	op := first.dial("boss", withKey(opKey))
	mallory := first.dial("mallory", withKey(malloryKey))
	op.waitText("→ mallory joined")
	op.say("/ban mallory spam")
	op.waitText("← mallory left (banned)")
	mallory.waitExit()

	check := func(ts *testServer) {
		t.Helper()
		if refusal := ts.refusedLogin("mallory", withKey(malloryKey)); !strings.Contains(refusal, "this key is banned permanently by boss: spam") {
			t.Fatalf("the banned key was told %q", refusal)
		}
		if refusal := ts.refusedLogin("anon", keyless()); !strings.Contains(refusal, "banned") {
			t.Fatalf("a keyless login from the banned key's address was told %q", refusal)
		}
		ts.dial("bob", withKey(bobKey)).waitText("You are bob in #lobby")
		ts.dial("carol", withKey(carolKey)).waitText("You are carol in #lobby")
		ts.dial("boss", withKey(opKey)).waitText("You are boss in #lobby")
		ts.dial("guest", keyless(), via(ts.addr6)).waitText("You are guest in #lobby")
	}
	check(first)

	first.stop()
	closeDB()
	db, _ = withSQLite(t, dir)
	check(startServerIn(t, dir, ops, db))
}
