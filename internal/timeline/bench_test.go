package timeline

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// writeExport writes a Slack export of one channel with n messages over
// days days, one in fifty of them pinned, every tenth with a code block.
func writeExport(tb testing.TB, dir string, n, days int) {
	tb.Helper()
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "inc"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "channels.json"), []byte(`[{"id": "C1", "name": "inc"}]`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "users.json"), []byte(`[{"id": "U1", "name": "ana"}, {"id": "U2", "name": "ben"}]`), 0o644))
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	per := (n + days - 1) / days
	for d := 0; d < days; d++ {
		day := start.AddDate(0, 0, d)
		f, err := os.Create(filepath.Join(dir, "inc", day.Format("2006-01-02")+".json"))
		must(err)
		w := bufio.NewWriter(f)
		w.WriteString("[\n")
		for i := 0; i < per && d*per+i < n; i++ {
			ts := day.Add(time.Duration(i) * 86400 * time.Second / time.Duration(per))
			if i > 0 {
				w.WriteString(",\n")
			}
			extra := ""
			if i%50 == 0 {
				extra = `, "pinned_to": ["C1"]`
			}
			text := fmt.Sprintf("Message %d about the <@U2> failover of db-%d, see <https://grafana.example.com/d/%d|the graph> &amp; the runbook", i, i%7, i)
			if i%10 == 0 {
				text += "\n```\nERROR pool exhausted\n```"
			}
			fmt.Fprintf(w, `{"type": "message", "ts": "%s.%06d", "user": "U%d", "text": %s, "reactions": [{"name": "eyes", "users": ["U1"], "count": 1}]%s}`,
				strconv.FormatInt(ts.Unix(), 10), i%1000000, 1+i%2, strconv.Quote(text), extra)
		}
		w.WriteString("\n]\n")
		must(w.Flush())
		must(f.Close())
	}
}

// BenchmarkSlack reads a generated export: key messages only, and every
// message. HINDSIGHT_SLACK_MESSAGES sets the size (default 100,000; about
// 3,500,000 make 1 GB).
func BenchmarkSlack(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("HINDSIGHT_SLACK_MESSAGES")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	writeExport(b, dir, n, 30)
	for _, all := range []bool{false, true} {
		b.Run(fmt.Sprintf("all=%v", all), func(b *testing.B) {
			for b.Loop() {
				events, err := ReadSlack(dir, SlackOptions{Channel: "inc", All: all}, Skips{})
				if err != nil {
					b.Fatal(err)
				}
				if len(events) == 0 {
					b.Fatal("no events")
				}
			}
			var ru syscall.Rusage
			if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
				b.ReportMetric(float64(ru.Maxrss)/1024, "peak-MB")
			}
		})
	}
}
