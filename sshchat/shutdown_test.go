package sshchat

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/chatroom/chatroom/chat"
)

// Shutdown shows every user why their session ends, and returns as soon as
// the sessions have closed.
func TestShutdownTellsEveryone(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	bob := ts.dial("bob")
	bob.waitText("2 online")
	alice.send("half-typed")
	alice.waitText("> half-typed")

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("shutdown took %v", time.Since(start))
	for _, c := range []*client{alice, bob} {
		if err := c.waitExit(); exitStatus(err) != 0 {
			t.Errorf("%s: exit %v", c.name, err)
		}
		c.waitText("chatroom: server is shutting down")
		if c.emu.IsAltScreen() {
			t.Errorf("%s: still in the alternate screen", c.name)
		}
	}
	if _, err := ts.hub.Join(chat.Identity{Nick: "late"}); err == nil {
		t.Error("joined after shutdown")
	}
}

// A Serve that starts after Shutdown (a signal at startup) returns at once
// instead of accepting forever.
func TestServeAfterShutdownReturns(t *testing.T) {
	ts := startServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- ts.srv.Serve(ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after Shutdown: %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Serve after Shutdown kept running")
	}
}
