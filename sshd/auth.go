package sshd

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"github.com/chatroom/chatroom/sanitize"
)

// keyExtension carries the client's key fingerprint ("" without a key)
// from authentication to the session, in the connection's permissions.
const keyExtension = "chatroom-key"

// KeySet is a set of public keys by SHA256 fingerprint, such as an
// authorized_keys file.
type KeySet interface {
	Contains(fingerprint string) bool
}

var (
	errDenied          = errors.New("chatroom: access denied")
	errWrongPassphrase = errors.New("chatroom: wrong passphrase")
)

// authState is one connection's login. gossh calls its callbacks one at a
// time, on the connection's goroutine.
type authState struct {
	s     *Server
	watch *connWatch
	// keyRefusal is why a key the client offered was refused; shown if
	// it then tries to get in another way. keyReason is its reason for
	// Observer.Refused.
	keyRefusal, keyReason string
	told                  bool // a refusal banner has been sent
}

// serverConfig is the ServerConfigCallback: each connection's login
// callbacks, which can refuse with a message the user sees (an ssh banner)
// rather than a bare "Permission denied".
func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	a := &authState{s: s, watch: watchOf(ctx)}
	cfg := &gossh.ServerConfig{
		MaxAuthTries:                6,
		PublicKeyCallback:           a.publicKey,
		KeyboardInteractiveCallback: a.keyboardInteractive,
	}
	if s.cfg.Passphrase != "" {
		cfg.VerifiedPublicKeyCallback = a.passphraseAfterKey
	}
	return cfg
}

func (a *authState) addr() string {
	if a.watch == nil {
		return ""
	}
	return a.watch.addr
}

// deny refuses the login, telling the user why the first time, and
// counting it (reason, for Observer.Refused) then: once a connection.
func (a *authState) deny(reason, why string) error {
	if a.told {
		return errDenied
	}
	a.told = true
	a.s.obs.Refused(reason)
	a.s.log.Info(a.addr()+" refused", "why", why)
	return &gossh.BannerError{Err: errDenied, Message: "chatroom: " + why + "\n"}
}

// MaxUserName bounds the ssh user name, which becomes a nick of at most
// sanitize.MaxNickLen characters: a longer one is a mistake or an attack,
// and the connection would carry it for its whole life.
const MaxUserName = 256

// connectionRefusal refuses a connection over the limits for its address,
// or with an absurd user name, whatever it authenticates with. Bans are not decided here: whether one
// applies depends on the key (a key ban also covers keyless logins from its
// address, but not other keys there, and never a listed operator), so each
// way in asks Config.Bans once it knows who is asking.
func (a *authState) connectionRefusal(meta gossh.ConnMetadata) error {
	if n := len(meta.User()); n > MaxUserName {
		return a.deny(RefusedUserName, fmt.Sprintf("your ssh user name is %d bytes long; it becomes your nick, which is at most %d characters: ssh -p PORT NICK@HOST", n, sanitize.MaxNickLen))
	}
	if a.watch == nil {
		return nil
	}
	if a.watch.refusal != "" {
		return a.deny(RefusedNewConnsPerAddr, a.watch.refusal)
	}
	if why := a.watch.count.loginRefusal(); why != "" {
		return a.deny(RefusedConnsPerAddr, why)
	}
	return nil
}

func (a *authState) publicKey(meta gossh.ConnMetadata, key gossh.PublicKey) (*gossh.Permissions, error) {
	if err := a.connectionRefusal(meta); err != nil {
		return nil, err
	}
	fp := gossh.FingerprintSHA256(key)
	// A refused key is not the end: the client may offer another. The
	// reason is kept for the user in case none gets in.
	if why, banned := a.s.banned(fp, a.addr()); banned {
		a.refuseKey(RefusedBanned, why)
		return nil, errDenied
	}
	if !a.s.Allowed(fp) {
		a.refuseKey(RefusedNotAllowlisted, fmt.Sprintf("this chat is private and your key %s is not on its allowlist; ask its operator to add it.", fp))
		return nil, errDenied
	}
	return &gossh.Permissions{Extensions: map[string]string{keyExtension: fp}}, nil
}

func (a *authState) refuseKey(reason, why string) {
	if a.keyRefusal == "" {
		a.keyRefusal, a.keyReason = why, reason
	}
}

// keyboardInteractive is how clients without an accepted key get in: at
// once by default, after the passphrase if one is set, never if keys are
// required.
func (a *authState) keyboardInteractive(meta gossh.ConnMetadata, challenge gossh.KeyboardInteractiveChallenge) (*gossh.Permissions, error) {
	if err := a.connectionRefusal(meta); err != nil {
		return nil, err
	}
	if why, banned := a.s.banned("", a.addr()); banned {
		return nil, a.deny(RefusedBanned, why)
	}
	switch {
	case a.keyRefusal != "":
		return nil, a.deny(a.keyReason, a.keyRefusal)
	case a.s.cfg.Allowlist != nil:
		return nil, a.deny(RefusedNotAllowlisted, "this chat is private: only keys on its allowlist may join, and your ssh client offered none. Connect with your key: ssh -i KEYFILE ...")
	case a.s.cfg.RequireKey:
		return nil, a.deny(RefusedKeyRequired, "this chat lets people in by ssh key only, and your ssh client offered none. Make a key with: ssh-keygen -t ed25519   then connect again.")
	}
	if err := a.passphrase(challenge); err != nil {
		return nil, err
	}
	return &gossh.Permissions{Extensions: map[string]string{keyExtension: ""}}, nil
}

// passphraseAfterKey makes a client that proved its key also give the
// passphrase, keeping the key as its identity.
func (a *authState) passphraseAfterKey(_ gossh.ConnMetadata, _ gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
	return nil, &gossh.PartialSuccessError{Next: gossh.ServerAuthCallbacks{
		KeyboardInteractiveCallback: func(_ gossh.ConnMetadata, challenge gossh.KeyboardInteractiveChallenge) (*gossh.Permissions, error) {
			if err := a.passphrase(challenge); err != nil {
				return nil, err
			}
			return perms, nil
		},
	}}
}

// passphraseTries is how many times one login asks for the passphrase.
const passphraseTries = 3

// passphrase asks for the shared passphrase, if the server has one. Every
// try is taken from the address's allowance first, so parallel logins
// cannot get more guesses than it.
func (a *authState) passphrase(challenge gossh.KeyboardInteractiveChallenge) error {
	want := a.s.cfg.Passphrase
	if want == "" {
		return nil
	}
	instruction := "This chat asks for a passphrase."
	for try := 0; try < passphraseTries; try++ {
		wait, done := a.s.limits.passphraseAttempt(a.addr(), time.Now())
		if done == nil {
			return a.deny(RefusedPassphrase, fmt.Sprintf("too many wrong passphrases from your address; try again in %s.", roundUp(wait)))
		}
		answers, err := challenge("", instruction, []string{"Passphrase: "}, []bool{false})
		if err != nil {
			done(false, time.Now())
			return err
		}
		// Hashes compare in constant time whatever the lengths.
		got, exp := sha256.Sum256([]byte(firstOf(answers))), sha256.Sum256([]byte(want))
		right := len(answers) == 1 && subtle.ConstantTimeCompare(got[:], exp[:]) == 1
		done(right, time.Now())
		if right {
			return nil
		}
		a.s.log.Info(a.addr() + " gave a wrong passphrase")
		instruction = "Wrong passphrase; try again."
	}
	a.s.obs.Refused(RefusedPassphrase)
	return errWrongPassphrase
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func roundUp(d time.Duration) time.Duration {
	if d >= time.Minute {
		return d.Round(time.Minute)
	}
	return d.Round(time.Second) + time.Second
}

// banned asks Config.Bans, if set, whether key from addr is banned.
func (s *Server) banned(key, addr string) (refusal string, banned bool) {
	if s.cfg.Bans == nil {
		return "", false
	}
	return s.cfg.Bans.Banned(key, addr)
}

// keyOf is the fingerprint the session authenticated with, "" for none.
func keyOf(sess ssh.Session) string {
	return sess.Permissions().Extensions[keyExtension]
}
