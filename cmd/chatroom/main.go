// Command chatroom is a chat room people join with the ssh client they
// already have: run it, then everyone types ssh -p 1998 HOST.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
	_ "time/tzdata" // client time zones (TZ) on hosts without a zone database, like Windows

	"charm.land/log/v2"

	"github.com/chatroom/chatroom/hostkeys"
	"github.com/chatroom/chatroom/room"
	"github.com/chatroom/chatroom/sshd"
	"github.com/chatroom/chatroom/ui"
)

// shutdownGrace is how long sessions get to close after SIGINT/SIGTERM
// before they are cut off; the process exits well within 5 s.
const shutdownGrace = 3 * time.Second

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

type options struct {
	listen string
	data   string
	mouse  bool
	debug  bool
}

// errUsage means the command line was wrong and the user has been told.
var errUsage = errors.New("usage")

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("chatroom", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", ":1998", "listen on `ADDR` (host:port)")
	fs.StringVar(&o.data, "data", "", "keep the host key and chat data in folder `DIR` (default "+displayDefaultData()+")")
	fs.BoolVar(&o.mouse, "mouse", true, "sessions start with the mouse wheel scrolling the chat (users toggle it with /mouse)")
	fs.BoolVar(&o.debug, "debug", false, "log debug details, such as failed handshakes")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: chatroom [--listen ADDR] [--data DIR] [--mouse=false] [--debug]\n\nA chat room people join with: ssh -p 1998 HOST\n\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			name, usage := flag.UnquoteUsage(f)
			if name != "" {
				name = " " + name
			}
			fmt.Fprintf(stderr, "  --%s%s\n    \t%s", f.Name, name, usage)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(stderr, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(stderr)
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, err
		}
		return o, errUsage // the flag package has printed what was wrong
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q (see chatroom --help)", fs.Arg(0))
	}
	if o.data == "" {
		dir, err := defaultDataDir()
		if err != nil {
			return o, fmt.Errorf("no --data given and %w", err)
		}
		o.data = dir
	}
	return o, nil
}

// defaultDataDir is a chatroom folder in the OS's per-user config dir:
// ~/.config on Linux, ~/Library/Application Support on macOS, %AppData% on
// Windows.
func defaultDataDir() (string, error) {
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("cannot find a per-user config folder: %w", err)
	}
	return filepath.Join(base, "chatroom"), nil
}

func displayDefaultData() string {
	if dir, err := defaultDataDir(); err == nil {
		return dir
	}
	return "chatroom in the per-user config folder"
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "chatroom:", err)
		return 2
	}
	logger := log.NewWithOptions(stderr, log.Options{ReportTimestamp: true, TimeFormat: time.DateTime})
	if o.debug {
		logger.SetLevel(log.DebugLevel)
	}
	// Libraries (wish) log through the default logger; keep one format.
	log.SetDefault(logger)

	if err := serve(o, logger, stdout); err != nil {
		logger.Error(err.Error())
		return 1
	}
	return 0
}

func serve(o options, logger *log.Logger, stdout io.Writer) error {
	key, err := hostkeys.Load(o.data)
	if err != nil {
		return err
	}
	for _, w := range key.Warnings {
		logger.Warn(w)
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	join := joinCommand(ln.Addr())
	hub := room.NewHub(room.Options{HelpExtra: ui.KeyHelp()})
	srv, err := sshd.New(sshd.Config{
		Hub:         hub,
		HostKey:     key,
		Logger:      logger,
		JoinCommand: join,
		Mouse:       o.mouse,
	})
	if err != nil {
		_ = ln.Close()
		return err
	}

	keyNote := "existing"
	if key.Created {
		keyNote = "new"
	}
	fmt.Fprintf(stdout, "chatroom is listening on %s (data in %s)\n", ln.Addr(), o.data)
	fmt.Fprintf(stdout, "host key fingerprint (%s): %s\n", keyNote, hostkeys.Fingerprint(key))
	fmt.Fprintf(stdout, "join with: %s\n", join)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down", "sessions", srv.Sessions())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		logger.Warn(err.Error())
	}
	<-served
	logger.Info("stopped")
	return nil
}

// joinCommand is the exact line people type to join this server.
func joinCommand(addr net.Addr) string {
	host, port := "HOST", "1998"
	if tcp, ok := addr.(*net.TCPAddr); ok {
		port = strconv.Itoa(tcp.Port)
		if !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		} else if name, err := os.Hostname(); err == nil && name != "" {
			host = name
		}
	}
	if port == "22" {
		return "ssh " + host
	}
	return "ssh -p " + port + " " + host
}
