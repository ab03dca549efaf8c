package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"charm.land/log/v2"

	"github.com/chatroom/chatroom/chat"
	"github.com/chatroom/chatroom/hostkeys"
	"github.com/chatroom/chatroom/humantime"
	"github.com/chatroom/chatroom/keyfile"
	"github.com/chatroom/chatroom/metrics"
	"github.com/chatroom/chatroom/privfile"
	"github.com/chatroom/chatroom/sshchat"
	"github.com/chatroom/chatroom/sshd"
	"github.com/chatroom/chatroom/store/sqlite"
	"github.com/chatroom/chatroom/textfile"
)

// shutdownGrace is how long sessions get to close after SIGINT/SIGTERM
// before they are cut off; the process exits well within 5 s.
const shutdownGrace = 3 * time.Second

func serve(o options, logger *log.Logger, stdout io.Writer) error {
	key, err := hostkeys.Load(o.data)
	if err != nil {
		return err
	}
	for _, w := range key.Warnings {
		logger.Warn(w)
	}
	if err := checkWritable(o.data); err != nil {
		return err
	}
	// hostkeys makes the folder private if it makes it; one that was there
	// is used as it is, so it may let others read the database.
	if e, err := privfile.CheckDir(o.data); e != nil {
		logger.Warn(fmt.Sprintf("data folder %s can be opened by %s: they can read %s, private messages included; fix with: %s",
			o.data, e.Who, sqlite.FileName, e.Fix))
	} else if err != nil {
		logger.Warn("could not check who may open the data folder", "folder", o.data, "err", err)
	}
	dbPath := filepath.Join(o.data, sqlite.FileName)
	db, err := sqlite.Open(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if o.pprof != "" {
		profiled, err := servePprof(ctx, o.pprof, logger)
		if err != nil {
			return err
		}
		defer func() { stop(); <-profiled }()
	}

	if !o.skipDBCheck {
		start := time.Now()
		if err := db.Check(ctx); err != nil {
			return err
		}
		logger.Info("database checked", "took", time.Since(start).Round(time.Millisecond))
	}

	ops, err := loadKeyFile(o.ops, "operators", logger)
	if err != nil {
		return err
	}
	allow, err := loadKeyFile(o.allowlist, "allowlist", logger)
	if err != nil {
		return err
	}
	passphrase, err := readPassphrase(o.passphraseFile, logger)
	if err != nil {
		return err
	}

	// Counted only when asked for: without --metrics nothing is counted,
	// and the hub and the ssh server are given no Observer at all.
	var mets *metrics.Metrics
	if o.metrics != "" {
		mets = metrics.New()
	}
	hubOpts := chat.Options{
		Store:          db,
		History:        db,
		Retain:         o.retain,
		RetainMessages: o.retainMessages,
		MessageRate:    o.msgRate,
		MessageBurst:   o.msgBurst,
		Audit:          func(msg string, kv ...any) { logger.Info(msg, kv...) },
		Logger:         logger,
	}
	if ops != nil {
		hubOpts.Operators = ops
	}
	if mets != nil {
		hubOpts.Observer = mets
	}
	hub, err := chat.NewHub(hubOpts)
	if err != nil {
		return err
	}
	if mets != nil {
		measured, err := serveMetrics(ctx, o.metrics, mets, hub, logger)
		if err != nil {
			return err
		}
		defer func() { stop(); <-measured }()
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	join := joinCommand(ln.Addr())
	// sshd is the door (who gets in, what a connection may cost); the
	// handler behind it is the chat.
	handler, err := sshchat.New(sshchat.Config{
		Hub:         hub,
		Logger:      logger,
		JoinCommand: join,
		Mouse:       o.mouse,
		IdleTimeout: o.idleTimeout,
	})
	if err != nil {
		_ = ln.Close()
		return err
	}
	cfg := sshd.Config{
		Handler:           handler,
		Bans:              handler,
		HostKey:           key,
		Logger:            logger,
		RequireKey:        o.requireKey,
		Passphrase:        passphrase,
		MaxConnsPerAddr:   o.maxConnsPerAddr,
		NewConnsPerMinute: o.newConnsPerMinute,
		MaxSessions:       o.maxSessions,
	}
	if allow != nil {
		cfg.Allowlist = allow
	}
	if ops != nil {
		cfg.Operators = ops
	}
	if mets != nil {
		cfg.Observer = mets
	}
	srv, err := sshd.New(cfg)
	if err != nil {
		_ = ln.Close()
		return err
	}
	// The key files are followed as they change and re-read on SIGHUP;
	// each re-read applies at once to who is connected.
	accessChanged := func() { handler.AccessChanged(srv.Allowed) }
	for _, f := range []struct {
		set  *keyfile.Set
		what string
	}{{ops, "operators"}, {allow, "allowlist"}} {
		watchKeyFile(ctx, f.set, f.what, logger, accessChanged)
	}
	reloadOnHUP(ctx, logger, accessChanged, ops, allow)
	maintained := maintain(ctx, hub, logger)
	go releaseMemory(ctx, srv)

	keyNote := "existing"
	if key.Created {
		keyNote = "new"
	}
	fmt.Fprintf(stdout, "chatroom is listening on %s (data in %s)\n", ln.Addr(), o.data)
	fmt.Fprintf(stdout, "history: %s\n", dbPath)
	fmt.Fprintf(stdout, "host key fingerprint (%s): %s\n", keyNote, hostkeys.Fingerprint(key))
	fmt.Fprintf(stdout, "join with: %s\n", join)
	logAccess(logger, o, ops, allow)

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
	<-maintained
	logger.Info("stopped")
	return nil
}

// checkWritable makes sure the daemon can write in its data folder by
// creating, writing and removing a file there. Without it, a folder it may
// only read lets it start (the host key and the database read fine) and
// fails at the first message, or with a puzzling SQLite error.
func checkWritable(dir string) error {
	fail := func(err error) error {
		return fmt.Errorf("data folder %s is not writable (%w); refusing to start: chatroom keeps its database there, "+
			"so give the user running it write access to the folder, free some space, or choose another folder with --data", dir, err)
	}
	f, err := os.CreateTemp(dir, ".chatroom-probe-*")
	if err != nil {
		return fail(err)
	}
	_, werr := f.WriteString("chatroom checks it can write here; delete me\n")
	cerr := f.Close()
	if err := errors.Join(werr, cerr, os.Remove(f.Name())); err != nil {
		return fail(err)
	}
	return nil
}

// maintainEvery is how often read positions are saved and old messages
// pruned.
const maintainEvery = time.Minute

// maintain saves where everyone has read to, so that a crash costs them
// little, and applies the retention flags, now and every minute, beside
// the chat rather than in its way. The returned channel closes once it has
// stopped, after ctx ends.
func maintain(ctx context.Context, hub *chat.Hub, logger *log.Logger) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(maintainEvery)
		defer tick.Stop()
		for {
			if n, err := hub.Prune(ctx); err != nil && ctx.Err() == nil && !loggedByHub(err) {
				logger.Warn("could not prune old messages", "err", err)
			} else if n > 0 {
				logger.Info("pruned old messages", "messages", n)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := hub.Checkpoint(ctx); err != nil && ctx.Err() == nil && !loggedByHub(err) {
				logger.Warn("could not save read positions", "err", err)
			}
		}
	}()
	return done
}

// loggedByHub reports whether err is a failed write the hub has logged
// already (once per outage, then once a minute), so that a full disk does
// not add two more lines a minute here.
func loggedByHub(err error) bool {
	var we *chat.WriteError
	return errors.As(err, &we)
}

// logAccess says at startup who may get in, so an operator can check the
// flags did what they meant.
func logAccess(logger *log.Logger, o options, ops, allow *keyfile.Set) {
	who := "anyone; clients without a key join unverified"
	switch {
	case allow != nil:
		who = fmt.Sprintf("only the %d keys in %s", allow.Len(), allow.Path())
	case o.requireKey:
		who = "anyone with an ssh key"
	}
	if o.passphraseFile != "" {
		who += ", after the passphrase"
	}
	nOps := 0
	if ops != nil {
		nOps = ops.Len()
	}
	logger.Info("access", "who", who, "operators", nOps, "msg_rate", o.msgRate, "msg_burst", o.msgBurst,
		"max_conns_per_addr", o.maxConnsPerAddr, "new_conns_per_minute", o.newConnsPerMinute,
		"max_sessions", o.maxSessions, "idle_timeout", o.idleTimeout)
	keep := "everything"
	switch {
	case o.retain > 0 && o.retainMessages > 0:
		keep = fmt.Sprintf("%s, at most %d messages a room", humantime.Format(o.retain), o.retainMessages)
	case o.retain > 0:
		keep = humantime.Format(o.retain)
	case o.retainMessages > 0:
		keep = fmt.Sprintf("the newest %d messages of each room", o.retainMessages)
	}
	logger.Info("history", "keeps", keep)
}

// loadKeyFile reads an authorized_keys file named by a flag. No flag, no
// set.
func loadKeyFile(path, what string, logger *log.Logger) (*keyfile.Set, error) {
	if path == "" {
		return nil, nil
	}
	set, skipped, err := keyfile.Load(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	for _, s := range skipped {
		logger.Warn(s)
	}
	return set, nil
}

// watchKeyFile re-reads a key file whenever it changes, then calls changed.
func watchKeyFile(ctx context.Context, set *keyfile.Set, what string, logger *log.Logger, changed func()) {
	if set == nil {
		return
	}
	_, err := set.Watch(ctx, func(skipped []string, err error) {
		if err != nil {
			logger.Warn("could not re-read the "+what+" file; keeping the keys read before", "err", err)
			return
		}
		for _, s := range skipped {
			logger.Warn(s)
		}
		logger.Info("re-read the "+what+" file", "keys", set.Len())
		changed()
	})
	if err != nil {
		// Still usable; re-read by hand.
		logger.Warn("changes to the "+what+" file will not be noticed: "+reloadByHand(runtime.GOOS), "err", err)
	}
}

// readPassphrase reads the shared passphrase: the file's first line, as
// textfile reads it (a byte order mark and CRLF are not part of it).
func readPassphrase(path string, logger *log.Logger) (string, error) {
	if path == "" {
		return "", nil
	}
	if e, err := privfile.Check(path); e != nil {
		logger.Warn(fmt.Sprintf("passphrase file %s is readable by %s; fix with: %s", path, e.Who, e.Fix))
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		logger.Warn("could not check who may read the passphrase file", "file", path, "err", err)
	}
	text, err := textfile.Read(path)
	if err != nil {
		return "", fmt.Errorf("passphrase: %w", err)
	}
	line, _, _ := strings.Cut(text, "\n")
	if !utf8.ValidString(line) {
		// ssh clients send UTF-8: a passphrase in a legacy code page could
		// never be typed.
		return "", fmt.Errorf("passphrase: %w", &textfile.EncodingError{Path: path, Encoding: "ANSI (a legacy code page), not UTF-8"})
	}
	if line == "" {
		return "", errors.New("passphrase: " + path + " holds no passphrase on its first line")
	}
	return line, nil
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
