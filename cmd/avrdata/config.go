package main

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is the environment of DESIGN.md, parsed. Flags that override a
// variable are applied by the command before it calls Validate.
type Config struct {
	DatabaseURL          string
	RetentionDays        int
	AutoDelete           bool
	BackupURL            string
	BackupRetentionDays  int // BACKUP_RETENTION_DAYS, default RetentionDays
	LogLevel             slog.Level
	LogFormat            string
	LogSecurity          bool
	ListenAddr           string
	PurgeInterval        time.Duration
	BackupInterval       time.Duration
	RestoreDrillInterval time.Duration

	problems map[string]string // variable -> what is wrong with it
}

// Problem is one thing wrong with the configuration.
type Problem struct {
	Variable string
	Message  string
}

// ConfigError lists every problem of a configuration; the command exits 2.
type ConfigError struct {
	Problems []Problem
}

func (e *ConfigError) Error() string {
	if len(e.Problems) == 1 {
		return "configuration: " + e.Problems[0].Variable + ": " + e.Problems[0].Message
	}
	var b strings.Builder
	b.WriteString("configuration has problems:")
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s: %s", p.Variable, p.Message)
	}
	return b.String()
}

// loadConfig reads every variable, keeping defaults where unset and
// noting what is wrong; Validate reports the problems a command cares about.
func loadConfig(getenv func(string) string) *Config {
	l := envLoader{getenv: getenv, problems: map[string]string{}}
	c := &Config{
		DatabaseURL:          strings.TrimSpace(getenv("DATABASE_URL")),
		RetentionDays:        l.days("DATA_RETENTION_DAYS", 30),
		AutoDelete:           l.boolean("AUTO_DELETE", false),
		BackupURL:            strings.TrimSpace(getenv("BACKUP_URL")),
		LogLevel:             l.level("LOG_LEVEL"),
		LogFormat:            l.oneOf("LOG_FORMAT", "text", "text", "json"),
		LogSecurity:          l.boolean("LOG_SECURITY", false),
		ListenAddr:           l.addr("LISTEN_ADDR", "127.0.0.1:9470"),
		PurgeInterval:        l.duration("PURGE_INTERVAL", time.Hour),
		BackupInterval:       l.duration("BACKUP_INTERVAL", 24*time.Hour),
		RestoreDrillInterval: l.duration("RESTORE_DRILL_INTERVAL", 168*time.Hour),
	}
	c.BackupRetentionDays = l.days("BACKUP_RETENTION_DAYS", c.RetentionDays)
	c.problems = l.problems
	if c.DatabaseURL == "" {
		c.problems["DATABASE_URL"] = "not set; give the PostgreSQL connection string, " +
			"e.g. postgres://user@host:5432/avrdata"
	}
	return c
}

// Validate returns a *ConfigError naming every problem with the given
// variables, in the order given, or nil when they are all usable.
func (c *Config) Validate(variables ...string) error {
	var e ConfigError
	for _, v := range variables {
		if msg, ok := c.problems[v]; ok {
			e.Problems = append(e.Problems, Problem{Variable: v, Message: msg})
		}
	}
	if len(e.Problems) == 0 {
		return nil
	}
	return &e
}

// addProblem records a problem found outside loadConfig (a key that is
// refused, a database that does not answer).
func (c *Config) addProblem(variable, msg string) {
	c.problems[variable] = msg
}

// envLoader parses variables and collects their problems.
type envLoader struct {
	getenv   func(string) string
	problems map[string]string
}

func (l envLoader) days(name string, def int) int {
	s := strings.TrimSpace(l.getenv(name))
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 36500 {
		l.problems[name] = fmt.Sprintf("%q is not a whole number of days from 1 to 36500", s)
		return def
	}
	return n
}

func (l envLoader) boolean(name string, def bool) bool {
	s := strings.TrimSpace(l.getenv(name))
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		l.problems[name] = fmt.Sprintf("%q is not true or false", s)
		return def
	}
	return b
}

func (l envLoader) duration(name string, def time.Duration) time.Duration {
	s := strings.TrimSpace(l.getenv(name))
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		l.problems[name] = fmt.Sprintf("%q is not a positive Go duration such as 30m or 24h", s)
		return def
	}
	return d
}

func (l envLoader) level(name string) slog.Level {
	s := strings.TrimSpace(l.getenv(name))
	var lvl slog.Level
	if s == "" {
		return slog.LevelInfo
	}
	if err := lvl.UnmarshalText([]byte(s)); err != nil {
		l.problems[name] = fmt.Sprintf("%q is not one of debug, info, warn, error", s)
		return slog.LevelInfo
	}
	return lvl
}

func (l envLoader) oneOf(name, def string, allowed ...string) string {
	s := strings.ToLower(strings.TrimSpace(l.getenv(name)))
	if s == "" {
		return def
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	l.problems[name] = fmt.Sprintf("%q is not one of %s", s, strings.Join(allowed, ", "))
	return def
}

func (l envLoader) addr(name, def string) string {
	s := strings.TrimSpace(l.getenv(name))
	if s == "" {
		return def
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		l.problems[name] = fmt.Sprintf("%q is not HOST:PORT", s)
		return def
	}
	return s
}
