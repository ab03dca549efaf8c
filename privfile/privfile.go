// Package privfile keeps the daemon's secrets (the host key, the passphrase
// file, the data folder) readable by the account that runs it and nobody
// else, on every OS, and says so when a file is not.
//
// On Unix that is the mode bits: folders 0700, files 0600. On Windows the
// mode bits mean nothing; access is an ACL, and a folder made under C:\
// inherits one that lets every local user read what is in it. There a
// private folder or file gets a protected ACL (nothing inherited from the
// folder above) that grants only the account running the daemon, SYSTEM and
// the Administrators group, the same accounts that can read a 0600 file on
// Unix (its owner and root).
package privfile

import (
	"fmt"
	"slices"
	"strings"
)

// Exposure says who other than the owner can read a file, and how to stop
// them.
type Exposure struct {
	// Who can read it: "other users (mode 0644)" on Unix, the accounts and
	// groups on Windows ("Everyone, BUILTIN\Users").
	Who string
	// Fix is a command that makes the file private.
	Fix string
}

// Access rights that let an account read a file's data (Windows ACCESS_MASK
// bits): reading itself, generic read or all, and rewriting the ACL or the
// owner, which lets the account grant itself read.
const (
	fileReadData = 0x00000001
	writeDAC     = 0x00040000
	writeOwner   = 0x00080000
	genericAll   = 0x10000000
	genericRead  = 0x80000000

	readRights = fileReadData | writeDAC | writeOwner | genericAll | genericRead
)

// Well-known SIDs that may always read the daemon's files, besides the
// account running it.
const (
	sidSystem         = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
)

// ace is one entry of a Windows ACL, in the terms readers needs.
type ace struct {
	sid         string
	mask        uint32
	deny        bool
	inheritOnly bool // applies only to what is created inside, not to the object
	inherited   bool // came from the folder above
}

// readers returns the SIDs outside trusted that the ACL lets read, in ACL
// order, and those of them granted by an entry of the file's own (not
// inherited), which only an explicit removal takes away. Windows checks
// entries in order and the first to decide a right wins, so a deny before an
// allow for the same SID takes the right away. (Group membership is not
// resolved: a deny for a group does not hide an allow for a member.)
func readers(aces []ace, trusted map[string]bool) (sids, explicit []string) {
	denied := map[string]uint32{}
	seen := map[string]bool{}
	for _, e := range aces {
		if e.inheritOnly || trusted[e.sid] {
			continue
		}
		if e.deny {
			denied[e.sid] |= e.mask
			continue
		}
		if e.mask&^denied[e.sid]&readRights == 0 {
			continue
		}
		if !seen[e.sid] {
			seen[e.sid] = true
			sids = append(sids, e.sid)
		}
		if !e.inherited && !slices.Contains(explicit, e.sid) {
			explicit = append(explicit, e.sid)
		}
	}
	return sids, explicit
}

// icaclsFix is the icacls command that leaves path readable by the trusted
// SIDs only: inherited entries dropped, full control granted to each
// trusted SID, and the file's own entries for the others removed. SIDs are
// given as *S-1-…, which icacls takes in every language (account names are
// translated: "Administrators" is "Administratoren" in German).
// For a folder, the grants pass down to what is in it, and what is in it
// already is made to follow (/T).
func icaclsFix(path string, dir bool, trusted, remove []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `icacls "%s" /inheritance:r /grant:r`, path)
	grant := ":F"
	if dir {
		grant = ":(OI)(CI)F"
	}
	for _, sid := range trusted {
		fmt.Fprintf(&b, " *%s%s", sid, grant)
	}
	if len(remove) > 0 {
		b.WriteString(" /remove:g")
		for _, sid := range remove {
			fmt.Fprintf(&b, " *%s", sid)
		}
	}
	if dir {
		b.WriteString(" /T")
	}
	return b.String()
}
