package main

import (
	"strings"
	"testing"

	"github.com/fgharness/fgharness/internal/emulator"
)

// TestCheckListenRefusesPublicCredentials: --allow-remote refuses every
// public dev credential, whatever user name the dev password hides under.
func TestCheckListenRefusesPublicCredentials(t *testing.T) {
	own := func() emulator.Config {
		c := emulator.DefaultConfig()
		c.Token, c.SK, c.AdminToken = "own-token", "own-secret", "own-admin"
		c.Users = map[string]string{"alice": "own-password"}
		return c
	}
	if err := checkListen("0.0.0.0", true, own()); err != nil {
		t.Fatalf("own credentials refused: %v", err)
	}
	cases := []struct {
		name, flag string
		mutate     func(*emulator.Config)
	}{
		{"dev password under another user", "--password", func(c *emulator.Config) { c.Users = map[string]string{"alice": emulator.DefaultPassword} }},
		{"dev password for a second user", "--password", func(c *emulator.Config) { c.Users["bob"] = emulator.DefaultPassword }},
		{"dev admin token", "--admin-token", func(c *emulator.Config) { c.AdminToken = emulator.DefaultAdmin }},
		{"dev token", "--token", func(c *emulator.Config) { c.Token = emulator.DefaultToken }},
	}
	for _, tc := range cases {
		cfg := own()
		tc.mutate(&cfg)
		err := checkListen("0.0.0.0", true, cfg)
		if err == nil || !strings.Contains(err.Error(), tc.flag) {
			t.Errorf("%s: %v, want a refusal naming %s", tc.name, err, tc.flag)
		}
	}
}
