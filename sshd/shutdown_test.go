package sshd

import (
	"context"
	"testing"
	"time"

	"github.com/chatroom/chatroom/room"
)

// Shutdown shows every user why their session ends, and returns as soon as
// the sessions have closed.
func TestShutdownTellsEveryone(t *testing.T) {
	ts := startServer(t)
	alice := ts.dial("alice")
	bob := ts.dial("bob")
	bob.waitText("Online (2)")
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
	if _, err := ts.hub.Join(room.Identity{Nick: "late"}); err == nil {
		t.Error("joined after shutdown")
	}
}
