// Package buildstamp tells one build of the program from another, for the
// caches and fingerprints that what the program makes of its input must
// not outlive: the parse cache, and the pages a rebuild keeps.
package buildstamp

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"sync"
)

// Stamp names this build of the program: a released version by its
// module path and version, anything else (a build from a checkout, a test
// binary) by its executable's path, size and modification time, which
// every rebuild changes. It is "" when neither can be known.
var Stamp = sync.OnceValue(func() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		dirty := strings.Contains(v, "+dirty")
		for _, s := range bi.Settings {
			if s.Key == "vcs.modified" && s.Value == "true" {
				dirty = true
			}
		}
		if v != "" && v != "(devel)" && !dirty {
			return bi.GoVersion + " " + bi.Path + "@" + v
		}
	}
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	st, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %d %d", exe, st.Size(), st.ModTime().UnixNano())
})
