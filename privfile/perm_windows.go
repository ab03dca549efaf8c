package privfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// MkdirAll creates dir and any missing folders above it. dir itself, if
// made here, gets a protected ACL granting only the account running the
// daemon, SYSTEM and Administrators, inherited by everything later created
// in it (the database, its journal, the lock file). The folders above are
// made as os.MkdirAll makes them. A folder that exists is left as it is.
func MkdirAll(dir string) error {
	dir = filepath.Clean(dir)
	if info, err := os.Stat(dir); err == nil {
		if info.IsDir() {
			return nil
		}
		return &os.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := os.MkdirAll(parent, 0o700); err != nil {
			return err
		}
	}
	sa, err := privateAttributes(true)
	if err != nil {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	name, err := windows.UTF16PtrFromString(dir)
	if err != nil {
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	// The ACL is given at creation, so there is no moment when the folder
	// exists with the one it would inherit.
	if err := windows.CreateDirectory(name, sa); err != nil {
		if info, serr := os.Stat(dir); serr == nil && info.IsDir() {
			return nil // made meanwhile by another process
		}
		return &os.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return nil
}

// Create creates a new file for writing, with a protected ACL granting only
// the account running the daemon, SYSTEM and Administrators; it fails if
// the file exists.
func Create(path string) (*os.File, error) {
	sa, err := privateAttributes(false)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	// Given at creation, the ACL leaves no moment in which another account
	// could open the file and keep the handle to read the key later.
	h, err := windows.CreateFile(name, windows.GENERIC_READ|windows.GENERIC_WRITE, 0, sa,
		windows.CREATE_NEW, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(h), path), nil
}

// Check reports whether accounts other than the one running the daemon,
// SYSTEM and Administrators may read the file (Everyone, Users,
// Authenticated Users, other people): nil if none may.
func Check(path string) (*Exposure, error) {
	return check(path, false)
}

// CheckDir reports which accounts and groups other than the trusted ones
// may read what is in the folder dir, as Check does for a file: nil if
// none may.
func CheckDir(dir string) (*Exposure, error) {
	return check(dir, true)
}

func check(path string, dir bool) (*Exposure, error) {
	me, err := currentUser()
	if err != nil {
		return nil, err
	}
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return nil, &os.PathError{Op: "read the access list of", Path: path, Err: err}
	}
	trusted := trustedSIDs(me)
	fix := func(remove []string) string { return icaclsFix(path, dir, trusted, remove) }
	dacl, _, err := sd.DACL()
	switch {
	case errors.Is(err, windows.ERROR_OBJECT_NOT_FOUND) || (err == nil && dacl == nil):
		// No access list at all lets everyone do anything.
		return &Exposure{Who: "everyone (the file has no access list)", Fix: fix(nil)}, nil
	case err != nil:
		return nil, &os.PathError{Op: "read the access list of", Path: path, Err: err}
	}
	aces, err := entries(dacl)
	if err != nil {
		return nil, &os.PathError{Op: "read the access list of", Path: path, Err: err}
	}
	trust := map[string]bool{}
	for _, sid := range trusted {
		trust[sid] = true
	}
	sids, explicit := readers(aces, trust)
	if len(sids) == 0 {
		return nil, nil
	}
	names := make([]string, len(sids))
	for i, sid := range sids {
		names[i] = accountName(sid)
	}
	return &Exposure{Who: strings.Join(names, ", "), Fix: fix(explicit)}, nil
}

// trustedSIDs are the accounts a private file grants, in the order the fix
// grants them.
func trustedSIDs(me string) []string {
	if me == sidSystem {
		return []string{sidSystem, sidAdministrators} // a service running as SYSTEM
	}
	return []string{me, sidSystem, sidAdministrators}
}

// privateAttributes is a protected ACL ("P": nothing inherited from the
// folder above) granting full control to the account running the daemon,
// SYSTEM and Administrators; for a folder, every entry is inherited by the
// files ("OI") and folders ("CI") created in it.
func privateAttributes(folder bool) (*windows.SecurityAttributes, error) {
	me, err := currentUser()
	if err != nil {
		return nil, err
	}
	inherit := ""
	if folder {
		inherit = "OICI"
	}
	sddl := "D:P"
	for _, sid := range trustedSIDs(me) {
		sddl += fmt.Sprintf("(A;%s;FA;;;%s)", inherit, sid)
	}
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		return nil, fmt.Errorf("make a private access list %q: %w", sddl, err)
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	return sa, nil
}

// currentUser is the SID of the account the daemon runs as.
func currentUser() (string, error) {
	user, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", fmt.Errorf("find the account running the daemon: %w", err)
	}
	return user.User.Sid.String(), nil
}

// entries reads an ACL's allow and deny entries; others (audit, object
// entries) do not grant file access.
func entries(acl *windows.ACL) ([]ace, error) {
	var out []ace
	for i := uint32(0); i < uint32(acl.AceCount); i++ {
		var e *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(acl, i, &e); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		if e.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE && e.Header.AceType != windows.ACCESS_DENIED_ACE_TYPE {
			continue
		}
		// Allow and deny entries share a layout: the SID starts at SidStart.
		sid := (*windows.SID)(unsafe.Pointer(&e.SidStart))
		out = append(out, ace{
			sid:         sid.String(),
			mask:        uint32(e.Mask),
			deny:        e.Header.AceType == windows.ACCESS_DENIED_ACE_TYPE,
			inheritOnly: e.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0,
			inherited:   e.Header.AceFlags&windows.INHERITED_ACE != 0,
		})
	}
	return out, nil
}

// accountName is how people know the account: BUILTIN\Users, Everyone,
// NT AUTHORITY\Authenticated Users, PC\bob; the SID if it has no name.
func accountName(s string) string {
	sid, err := windows.StringToSid(s)
	if err != nil {
		return s
	}
	account, domain, _, err := sid.LookupAccount("")
	switch {
	case err != nil || account == "":
		return s
	case domain == "":
		return account
	}
	return domain + `\` + account
}
