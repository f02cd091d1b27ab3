//go:build !unix

package site

import "io/fs"

// manifestKey is "" where the file's identity is not known: the manifest
// is read every time.
func manifestKey(string, fs.FileInfo) string { return "" }
