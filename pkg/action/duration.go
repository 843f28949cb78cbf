package action

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// ParseDuration is time.ParseDuration plus the units d (24h) and w (7d),
// which retention windows and DORA periods are usually given in: "90d",
// "2w", "1w2d12h", "-1.5d".
func ParseDuration(s string) (time.Duration, error) {
	var b strings.Builder
	rest := s
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		b.WriteByte(rest[0])
		rest = rest[1:]
	}
	if rest == "" {
		return 0, errors.New("invalid duration " + strconv.Quote(s))
	}
	for rest != "" {
		n := strings.IndexFunc(rest, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
		if n < 0 {
			n = len(rest)
		}
		num := rest[:n]
		rest = rest[n:]
		u := strings.IndexAny(rest, "0123456789.")
		if u < 0 {
			u = len(rest)
		}
		unit := rest[:u]
		rest = rest[u:]
		switch unit {
		case "d", "w":
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return 0, errors.New("invalid duration " + strconv.Quote(s))
			}
			hours := f * 24
			if unit == "w" {
				hours *= 7
			}
			b.WriteString(strconv.FormatFloat(hours, 'f', -1, 64) + "h")
		default:
			b.WriteString(num + unit)
		}
	}
	d, err := time.ParseDuration(b.String())
	if err != nil {
		return 0, errors.New("invalid duration " + strconv.Quote(s))
	}
	return d, nil
}

// formatDuration shows whole days and weeks the way users type them.
func formatDuration(d time.Duration) string {
	switch {
	case d != 0 && d%week == 0:
		return strconv.FormatInt(int64(d/week), 10) + "w"
	case d != 0 && d%day == 0:
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}
