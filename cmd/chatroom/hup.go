package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"charm.land/log/v2"

	"github.com/chatroom/chatroom/keyfile"
)

// reloadHelp is the end of --help: how the files the daemon reads are
// picked up again on goos. Windows has no SIGHUP; there the watch on the
// files is the only way short of a restart.
func reloadHelp(goos string) string {
	if goos == "windows" {
		return "The --ops and --allowlist files are re-read whenever they change on disk: edit and save them.\n" +
			"Windows has no SIGHUP: if a change is not picked up, restart the daemon.\n" +
			"The passphrase file is read at startup only.\n"
	}
	return "The --ops and --allowlist files are re-read whenever they change on disk, and on SIGHUP (kill -HUP PID).\n" +
		"The passphrase file is read at startup only.\n"
}

// reloadByHand says how to have a key file re-read when its changes cannot
// be watched.
func reloadByHand(goos string) string {
	if goos == "windows" {
		return "restart the daemon after editing it (Windows has no SIGHUP)"
	}
	return "send SIGHUP (kill -HUP PID) after editing it"
}

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
