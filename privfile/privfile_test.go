package privfile

import (
	"slices"
	"testing"
)

// The access-list rules run on every OS; perm_windows_test.go checks them
// against real ACLs.
func TestReaders(t *testing.T) {
	const (
		me            = "S-1-5-21-1-2-3-1001"
		bob           = "S-1-5-21-1-2-3-1002"
		everyone      = "S-1-1-0"
		users         = "S-1-5-32-545"
		authenticated = "S-1-5-11"
		fullControl   = 0x1F01FF
		readExecute   = 0x1200A9
		readControl   = 0x20000 // read the ACL, not the data
	)
	trusted := map[string]bool{me: true, sidSystem: true, sidAdministrators: true}
	for _, c := range []struct {
		name               string
		aces               []ace
		wantSIDs, explicit []string
	}{
		{"private", []ace{{sid: me, mask: fullControl}, {sid: sidSystem, mask: fullControl}, {sid: sidAdministrators, mask: fullControl}}, nil, nil},
		{"inherited from C:\\", []ace{
			{sid: sidSystem, mask: fullControl, inherited: true},
			{sid: sidAdministrators, mask: fullControl, inherited: true},
			{sid: users, mask: readExecute, inherited: true},
			{sid: authenticated, mask: 0x1301BF, inherited: true},
		}, []string{users, authenticated}, nil},
		{"explicit grants", []ace{{sid: me, mask: fullControl}, {sid: everyone, mask: genericRead}, {sid: bob, mask: genericAll}},
			[]string{everyone, bob}, []string{everyone, bob}},
		{"explicit and inherited for one SID", []ace{{sid: users, mask: fileReadData}, {sid: users, mask: readExecute, inherited: true}},
			[]string{users}, []string{users}},
		{"may rewrite the ACL", []ace{{sid: bob, mask: writeDAC}}, []string{bob}, []string{bob}},
		{"may take ownership", []ace{{sid: bob, mask: writeOwner}}, []string{bob}, []string{bob}},
		{"reads only the ACL", []ace{{sid: bob, mask: readControl}}, nil, nil},
		{"denied first", []ace{{sid: users, mask: fileReadData, deny: true}, {sid: users, mask: readExecute, inherited: true}}, nil, nil},
		{"denied after the grant", []ace{{sid: users, mask: readExecute}, {sid: users, mask: fileReadData, deny: true}}, []string{users}, []string{users}},
		{"deny for someone else", []ace{{sid: bob, mask: fileReadData, deny: true}, {sid: users, mask: readExecute}}, []string{users}, []string{users}},
		{"inherit-only entries apply to children", []ace{{sid: users, mask: readExecute, inheritOnly: true}}, nil, nil},
		{"each SID once", []ace{{sid: users, mask: fileReadData}, {sid: users, mask: genericRead}}, []string{users}, []string{users}},
	} {
		sids, explicit := readers(c.aces, trusted)
		if !slices.Equal(sids, c.wantSIDs) || !slices.Equal(explicit, c.explicit) {
			t.Errorf("%s: readers %q, explicit %q; want %q, %q", c.name, sids, explicit, c.wantSIDs, c.explicit)
		}
	}
}

func TestIcaclsFix(t *testing.T) {
	got := icaclsFix(`C:\chat data\ssh_host_ed25519_key`, false, []string{"S-1-5-21-1-2-3-1001", sidSystem, sidAdministrators}, nil)
	want := `icacls "C:\chat data\ssh_host_ed25519_key" /inheritance:r /grant:r *S-1-5-21-1-2-3-1001:F *S-1-5-18:F *S-1-5-32-544:F`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	got = icaclsFix(`C:\k`, false, []string{sidSystem, sidAdministrators}, []string{"S-1-1-0", "S-1-5-32-545"})
	want = `icacls "C:\k" /inheritance:r /grant:r *S-1-5-18:F *S-1-5-32-544:F /remove:g *S-1-1-0 *S-1-5-32-545`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A folder's grants pass down to what it holds, now and later.
	got = icaclsFix(`C:\chat`, true, []string{sidSystem}, []string{"S-1-5-32-545"})
	want = `icacls "C:\chat" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F /remove:g *S-1-5-32-545 /T`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
