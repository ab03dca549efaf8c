package privfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/windows"
)

// These tests check real Windows access lists; they need Windows itself.
// Wine (8.0) keeps no access lists: it makes one up from the Unix mode bits
// (the account, SYSTEM, and Everyone when others may read), with no
// protected flag, no Administrators entry and no inheritance. Under Wine
// only TestReaders and TestIcaclsFix pass; the others fail on exactly those
// points.

// acl reads the access list of path.
func acl(t *testing.T, path string) (protected bool, aces []ace) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	control, _, err := sd.Control()
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil || dacl == nil {
		t.Fatalf("%s: no access list (%v)", path, err)
	}
	aces, err = entries(dacl)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s", path, sd)
	return control&windows.SE_DACL_PROTECTED != 0, aces
}

// flags reads the inheritance flags of each entry of path's access list.
func flags(t *testing.T, path string) []byte {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for i := uint32(0); i < uint32(dacl.AceCount); i++ {
		var e *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e.Header.AceFlags)
	}
	return out
}

func me(t *testing.T) string {
	t.Helper()
	sid, err := currentUser()
	if err != nil {
		t.Fatal(err)
	}
	return sid
}

// checkPrivate checks that path's access list is protected and grants full
// control to the trusted accounts and no one else.
func checkPrivate(t *testing.T, path string) {
	t.Helper()
	protected, aces := acl(t, path)
	if !protected {
		t.Errorf("%s: the access list is not protected: it inherits from the folder above", path)
	}
	var sids []string
	for _, e := range aces {
		if e.deny || e.inherited || e.mask != 0x1F01FF {
			t.Errorf("%s: entry %+v, want an explicit full-control grant", path, e)
		}
		sids = append(sids, e.sid)
	}
	if want := trustedSIDs(me(t)); !slices.Equal(sids, want) {
		t.Errorf("%s: granted to %q, want %q", path, sids, want)
	}
	if e, err := Check(path); e != nil || err != nil {
		t.Errorf("%s: Check = %+v, %v; want private", path, e, err)
	}
}

// setACL gives path the access list in sddl.
func setACL(t *testing.T, path, sddl string) {
	t.Helper()
	sd, err := windows.SecurityDescriptorFromString(sddl)
	if err != nil {
		t.Fatal(err)
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	info := windows.SECURITY_INFORMATION(windows.DACL_SECURITY_INFORMATION)
	if strings.HasPrefix(sddl, "D:P") {
		info |= windows.PROTECTED_DACL_SECURITY_INFORMATION
	} else {
		info |= windows.UNPROTECTED_DACL_SECURITY_INFORMATION
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, info, nil, nil, dacl, nil); err != nil {
		t.Fatal(err)
	}
}

// sharedFolder makes a folder whose access list lets every authenticated
// user read what is created in it, as C:\ does.
func sharedFolder(t *testing.T, mine string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "shared")
	sd, err := windows.SecurityDescriptorFromString("D:P(A;OICI;FA;;;" + mine + ")(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;AU)")
	if err != nil {
		t.Fatal(err)
	}
	sa := &windows.SecurityAttributes{SecurityDescriptor: sd}
	sa.Length = uint32(unsafe.Sizeof(*sa))
	name, _ := windows.UTF16PtrFromString(dir)
	if err := windows.CreateDirectory(name, sa); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMkdirAllMakesAPrivateFolder(t *testing.T) {
	dir := filepath.Join(sharedFolder(t, me(t)), "a", "data")
	if err := MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, dir)
	for i, f := range flags(t, dir) {
		if f&(windows.OBJECT_INHERIT_ACE|windows.CONTAINER_INHERIT_ACE) != windows.OBJECT_INHERIT_ACE|windows.CONTAINER_INHERIT_ACE {
			t.Errorf("entry %d: flags %#x, want inherited by files and folders", i, f)
		}
	}
	// What the daemon creates in it later (the database) is private too.
	db := filepath.Join(dir, "chatroom.db")
	if err := os.WriteFile(db, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if e, err := Check(db); e != nil || err != nil {
		t.Errorf("a file created in the folder: Check = %+v, %v; want private", e, err)
	}
	if err := MkdirAll(dir); err != nil {
		t.Errorf("again: %v", err)
	}
}

func TestCreateMakesAPrivateFile(t *testing.T) {
	path := filepath.Join(sharedFolder(t, me(t)), "key")
	f, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("secret"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	checkPrivate(t, path)
	if _, err := Create(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second Create: err = %v, want ErrExist", err)
	}
	if data, err := os.ReadFile(path); err != nil || string(data) != "secret" {
		t.Errorf("read back %q, %v", data, err)
	}
}

// A file that inherits read access from its folder is reported, with the
// command that removes the inherited entries.
func TestCheckReportsInheritedReaders(t *testing.T) {
	mine := me(t)
	path := filepath.Join(sharedFolder(t, mine), "passphrase.txt")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := Check(path)
	if err != nil || e == nil {
		t.Fatalf("Check = %+v, %v; want authenticated users named", e, err)
	}
	if !strings.Contains(e.Who, "Authenticated Users") {
		t.Errorf("Who = %q", e.Who)
	}
	want := `icacls "` + path + `" /inheritance:r /grant:r *` + mine + ":F *S-1-5-18:F *S-1-5-32-544:F"
	if e.Fix != want {
		t.Errorf("Fix = %s\nwant  %s", e.Fix, want)
	}
}

// Entries of the file's own are named for removal; a deny first hides a
// grant.
func TestCheckReportsExplicitReaders(t *testing.T) {
	mine := me(t)
	path := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	setACL(t, path, "D:P(D;;FR;;;BG)(A;;FA;;;"+mine+")(A;;FR;;;BU)(A;;FR;;;WD)(A;;FR;;;BG)")
	e, err := Check(path)
	if err != nil || e == nil {
		t.Fatalf("Check = %+v, %v", e, err)
	}
	if !strings.Contains(e.Who, `Users`) || !strings.Contains(e.Who, "Everyone") || strings.Contains(e.Who, "Guests") {
		t.Errorf("Who = %q, want Users and Everyone, not the denied Guests", e.Who)
	}
	if !strings.HasSuffix(e.Fix, " /remove:g *S-1-5-32-545 *S-1-1-0") {
		t.Errorf("Fix = %s", e.Fix)
	}
}
