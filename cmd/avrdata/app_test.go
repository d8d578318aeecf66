package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs avrdata with args and environment env (NAME=value) and
// returns its exit status, stdout and stderr.
func runCLI(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()

	var stdout, stderr bytes.Buffer
	getenv := func(name string) string { return env[name] }
	code := newApp(strings.NewReader(""), &stdout, &stderr, getenv).run(context.Background(), args)
	return code, stdout.String(), stderr.String()
}

func TestExitStatus(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{[]string{"--help"}, exitOK},
		{[]string{"version"}, exitOK},
		{[]string{"no-such-command"}, exitUsage},
		{[]string{"version", "--no-such-flag"}, exitUsage},
		{[]string{"version", "extra"}, exitUsage},
	}
	for _, tt := range tests {
		code, _, stderr := runCLI(t, nil, tt.args...)
		if code != tt.want {
			t.Errorf("avrdata %s: got exit %d, want %d (stderr %q)",
				strings.Join(tt.args, " "), code, tt.want, stderr)
		}
	}
}

func TestHelpNamesEnvironment(t *testing.T) {
	_, stdout, _ := runCLI(t, nil, "--help")

	for _, want := range []string{"DATABASE_URL", "ENCRYPTION_KEY", "DATA_RETENTION_DAYS", "Exit status"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestConfigProblems(t *testing.T) {
	env := map[string]string{
		"DATA_RETENTION_DAYS": "thirty",
		"PURGE_INTERVAL":      "often",
		"AUTO_DELETE":         "yes please",
		"LOG_FORMAT":          "xml",
	}
	err := loadConfig(func(n string) string { return env[n] }).Validate(
		"DATABASE_URL", "DATA_RETENTION_DAYS", "PURGE_INTERVAL", "AUTO_DELETE", "LOG_FORMAT", "LOG_LEVEL")

	if err == nil {
		t.Fatal("got no error, want one naming each bad variable")
	}
	for _, want := range []string{"DATABASE_URL", "DATA_RETENTION_DAYS", "PURGE_INTERVAL", "AUTO_DELETE", "LOG_FORMAT"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "LOG_LEVEL") {
		t.Errorf("error names LOG_LEVEL, which is unset: %v", err)
	}
	if got := exitCode(err); got != exitUsage {
		t.Errorf("got exit %d, want %d", got, exitUsage)
	}
}

func TestConfigDefaults(t *testing.T) {
	c := loadConfig(func(n string) string {
		if n == "DATABASE_URL" {
			return "postgres://localhost/avrdata"
		}
		return ""
	})

	if err := c.Validate("DATABASE_URL", "DATA_RETENTION_DAYS", "PURGE_INTERVAL"); err != nil {
		t.Fatalf("got %v, want no problems", err)
	}
	if c.RetentionDays != 30 || c.AutoDelete || c.ListenAddr != "127.0.0.1:9470" {
		t.Errorf("got days %d, auto delete %v, listen %q; want 30, false, 127.0.0.1:9470",
			c.RetentionDays, c.AutoDelete, c.ListenAddr)
	}
}
