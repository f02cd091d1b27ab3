package postmortem

import "regexp"

// Our users' rule: no raw logs or stack traces in a postmortem; summarise
// what they show and link to the full output. The check's no-logs rule
// and the timeline import both hold to it.

var logLine = []*regexp.Regexp{
	regexp.MustCompile(`^\s+at [\w$./<>]+\(.*\)\s*$`),                                  // Java, JavaScript frames
	regexp.MustCompile(`^(?:Exception in thread|Caused by:|\S+(?:Exception|Error): )`), // Java
	regexp.MustCompile(`^Traceback \(most recent call last\)`),                         // Python
	regexp.MustCompile(`^\s+File ".*", line \d+`),                                      // Python
	regexp.MustCompile(`^goroutine \d+ \[`),                                            // Go
	regexp.MustCompile(`^panic: `),                                                     // Go
	regexp.MustCompile(`^\s*\S+\.go:\d+ \+0x[0-9a-f]+`),                                // Go
	regexp.MustCompile(`^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}`),                   // timestamped log lines
	regexp.MustCompile(`^\[?\w{3} \d{1,2} \d{2}:\d{2}:\d{2}`),                          // syslog
	regexp.MustCompile(`\b(?:ERROR|WARN|WARNING|INFO|DEBUG|FATAL|TRACE)\b`),            // log levels
}

// LooksLikeLog reports whether at least three lines, and half of them,
// look like log lines or stack frames.
func LooksLikeLog(lines []string) bool {
	hits := 0
	for _, l := range lines {
		for _, re := range logLine {
			if re.MatchString(l) {
				hits++
				break
			}
		}
	}
	return hits >= 3 && hits*2 >= len(lines)
}
