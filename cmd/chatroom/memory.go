package main

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/chatroom/chatroom/sshd"
)

// Go gives freed memory back to the OS only after a garbage collection has
// found it free and then slowly; after many people leave at once, nothing
// may allocate enough to start one for minutes, and the daemon keeps
// the size it had at its busiest. So once a good part of the sessions
// have gone, and things have settled, the daemon collects and returns what
// is free at once.
const (
	// releaseSettle is how long departures must pause before memory is
	// given back, so a crowd leaving costs one collection, not one each.
	releaseSettle = 2 * time.Second
	// releaseMin is the fewest departures worth a collection.
	releaseMin = 32
)

// departures decides when enough sessions have left since the busiest
// moment to give memory back.
type departures struct {
	peak int
}

// observe takes the number of open sessions and reports whether enough
// have left since the peak: a quarter of it, and at least releaseMin.
func (d *departures) observe(sessions int) bool {
	d.peak = max(d.peak, sessions)
	return d.peak-sessions >= max(releaseMin, d.peak/4)
}

// released starts counting again from the sessions open now.
func (d *departures) released(sessions int) { d.peak = sessions }

// releaseMemory gives memory back to the OS after crowds leave, until ctx
// ends. It wakes only when the number of sessions changes.
func releaseMemory(ctx context.Context, srv *sshd.Server) {
	var d departures
	var settle <-chan time.Time
	for {
		changed := srv.SessionsChanged()
		if d.observe(srv.Sessions()) {
			settle = time.After(releaseSettle) // from the last departure
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-settle:
			settle = nil
			debug.FreeOSMemory()
			d.released(srv.Sessions())
		}
	}
}
