package chat

import (
	"context"
	"fmt"
	"time"
)

// Health says whether the hub can serve, for a health check: nil while it
// is up, its writes succeed and its store answers a read; otherwise why
// not. It takes no hub lock, so a check never waits behind the chat, and
// reads one setting, so ctx should bound it (a store that hangs is
// unhealthy too).
func (h *Hub) Health(ctx context.Context) error {
	if h.closing.Load() {
		return ErrClosing
	}
	if since, failures, failing := h.writes.outage(); failing {
		return fmt.Errorf("store writes failing since %s (%d failed writes): typed messages are refused",
			since.UTC().Format(time.RFC3339), failures)
	}
	if _, err := h.opts.Store.Setting(ctx, settingMOTD); err != nil {
		return fmt.Errorf("the store does not answer: %w", err)
	}
	return nil
}

// outage says whether writes are failing now, since when, and how many
// have failed since.
func (w *writeWatch) outage() (since time.Time, failures int, failing bool) {
	if !w.failing.Load() {
		return time.Time{}, 0, false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.since, w.failures, w.failing.Load()
}
