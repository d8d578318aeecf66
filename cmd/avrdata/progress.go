package main

import (
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/avrdata/avrdata/backup"
)

// backupLogEvery is how often a backup or restore logs its progress when
// stderr is not a terminal.
const backupLogEvery = 10 * time.Second

// The progress bar is between minBarCells and maxBarCells wide, as the
// terminal allows; narrower than that, the line has no bar.
const (
	minBarCells = 10
	maxBarCells = 30
)

// defaultWidth is the width assumed of a terminal that does not tell its own.
const defaultWidth = 80

// transferMeter returns the progress callback of a backup or restore and
// a function to call when the operation returns. When stderr is a
// terminal, the callback redraws a progress bar in place; else it logs a
// line every backupLogEvery and at the end. end finishes a bar that the
// final report did not, so that an error starts on a line of its own.
func (a *app) transferMeter() (report func(backup.Progress), end func()) {
	if f, ok := a.stderr.(*os.File); ok && isTerminal(f) {
		return progressBar(f)
	}

	last := time.Now()
	report = func(p backup.Progress) {
		if !p.Final && time.Since(last) < backupLogEvery {
			return
		}
		last = time.Now()
		a.logger().Info(p.Op+" progress", "backup", p.Backup, "object", p.Object,
			"bytes", p.Done, "total", p.Total, "mb_per_s", fmt.Sprintf("%.1f", p.Rate()/1e6),
			"left", p.Left().Round(time.Second).String())
	}
	return report, func() {}
}

// progressBar returns the callbacks of transferMeter for terminal f.
func progressBar(f *os.File) (report func(backup.Progress), end func()) {
	open := false // a line is drawn that no newline ended
	report = func(p backup.Progress) {
		width := terminalWidth(f)
		fmt.Fprintf(f, "\r%-*s", width-1, progressLine(p, width))
		open = !p.Final
		if p.Final {
			fmt.Fprintln(f)
		}
	}
	end = func() {
		if open {
			fmt.Fprintln(f)
			open = false
		}
	}
	return report, end
}

// isTerminal reports whether f is a terminal; /dev/null, a character
// device too, is not.
func isTerminal(f *os.File) bool {
	return term.IsTerminal(int(f.Fd()))
}

// terminalWidth returns the width of terminal f in columns, or
// defaultWidth when it does not tell.
func terminalWidth(f *os.File) int {
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil || width <= 0 {
		return defaultWidth
	}
	return width
}

// progressLine renders p as one line of at most width-1 runes, so that it
// never wraps on a terminal width columns wide: the object being worked
// on, a bar when the total is known, the percentage, the bytes, the rate
// and the time left. A backup's total is an estimate, so before the
// final report the percentage stops at 99% and the bar at full if the
// estimate is exceeded. The final line, without a bar, names the
// operation and the backup, and gives the bytes, the time taken and the
// average rate.
//
// The bar is as wide as the width allows with room kept for the longest
// usual figures (statsRoom), so that it does not jump as they change;
// the object's name is shortened, down to minHead runes, to keep a bar
// of minBarCells, and the bar is dropped where even that does not fit.
func progressLine(p backup.Progress, width int) string {
	stats := progressStats(p)
	if p.Final || p.Object == "" {
		return truncate(p.Op+" "+p.Backup+" "+stats, width-1)
	}
	if p.Total <= 0 {
		return truncate(p.Object+" "+stats, width-1)
	}

	room := width - 1 - len(" [] ") - max(runes(stats), statsRoom)
	head := p.Object
	if room-runes(head) < minBarCells {
		head = shorten(head, room-minBarCells)
	}
	cells := min(room-runes(head), maxBarCells)
	if cells < minBarCells {
		return truncate(p.Object+" "+stats, width-1)
	}
	return head + " [" + progressBarCells(p, cells) + "] " + stats
}

// statsRoom is the room kept for progressStats beside a bar: enough for
// " 63% 189.0 MiB/~297.4 MiB 177.1 MiB/s 2m5s left".
const statsRoom = 46

// progressStats is the part of progressLine after the bar: the
// percentage (when the total is known), the bytes, the rate, and the time
// left, separated by spaces.
func progressStats(p backup.Progress) string {
	var parts []string
	if p.Total > 0 {
		parts = append(parts, fmt.Sprintf("%3d%%", percent(p)))
	}

	rate := byteSize(int64(p.Rate())) + "/s"
	if p.Final {
		done := byteSize(p.Done) + " in " + elapsed(p.Elapsed)
		return strings.Join(append(parts, done, rate), " ")
	}

	done := byteSize(p.Done)
	if p.Total > 0 {
		done += "/" + estimated(p) + byteSize(p.Total)
	}
	parts = append(parts, done, rate)
	if left := p.Left(); left > 0 {
		parts = append(parts, max(left.Round(time.Second), time.Second).String()+" left")
	}
	return strings.Join(parts, " ")
}

// shorten cuts s to at most n runes, ending it with "…" when cut; it
// keeps at least minHead runes, so the result may be longer than n.
func shorten(s string, n int) string {
	n = max(n, minHead)
	if runes(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// minHead is the fewest runes of an object's name that progressLine
// keeps to make room for the bar.
const minHead = 8

// estimated is "~" when p's total is an estimate: that of a backup.
func estimated(p backup.Progress) string {
	if p.Op == "backup" {
		return "~"
	}
	return ""
}

// percent is how much of p's total is done, 100 only once p is final.
func percent(p backup.Progress) int {
	if p.Final {
		return 100
	}
	return min(int(fraction(p)*100), 99)
}

// fraction is the share of p's total that is done, at most 1.
func fraction(p backup.Progress) float64 {
	if p.Final {
		return 1
	}
	return min(float64(p.Done)/float64(p.Total), 1)
}

// progressBarCells draws fraction(p) as cells cells: "=====>    ".
func progressBarCells(p backup.Progress, cells int) string {
	filled := int(fraction(p) * float64(cells))
	if filled >= cells {
		return strings.Repeat("=", cells)
	}
	return strings.Repeat("=", filled) + ">" + strings.Repeat(" ", cells-filled-1)
}

// elapsed formats d to a precision that suits its length: "730ms",
// "2.7s", "4m12s".
func elapsed(d time.Duration) string {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if runes(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	return string([]rune(s)[:n])
}

func runes(s string) int {
	return utf8.RuneCountInString(s)
}
