package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"charm.land/log/v2"

	"github.com/chatroom/chatroom/sshd/keyfile"
)

// reloadOnHUP re-reads the key files on SIGHUP, as daemons do, then calls
// changed. Windows has no SIGHUP; there the files are followed by watching
// them only.
func reloadOnHUP(ctx context.Context, logger *log.Logger, changed func(), sets ...*keyfile.Set) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				for _, s := range sets {
					if s == nil {
						continue
					}
					skipped, err := s.Reload()
					if err != nil {
						logger.Warn("SIGHUP: could not re-read a key file; keeping the keys read before", "err", err)
						continue
					}
					for _, w := range skipped {
						logger.Warn(w)
					}
					logger.Info("SIGHUP: re-read "+s.Path(), "keys", s.Len())
				}
				changed()
			}
		}
	}()
}
