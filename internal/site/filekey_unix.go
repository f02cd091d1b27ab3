//go:build unix

package site

import (
	"fmt"
	"io/fs"
	"syscall"
)

// manifestKey identifies one version of a file: its device and inode
// (a build replaces the manifest by renaming a new file over it), size,
// and modification and change times.
func manifestKey(file string, st fs.FileInfo) string {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return ""
	}
	return fmt.Sprint(file, "\x00", sys.Dev, sys.Ino, st.Size(), st.ModTime().UnixNano(), sys.Ctim.Sec, sys.Ctim.Nsec)
}
