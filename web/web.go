// Package web holds the browser side of wsgate, embedded in the binary:
// the bundled reconnecting client (wsgate.js and its types), the demo page
// and the admin page.
//
// Start from FS, which the server mounts at /static/ and uses for / and
// /admin. The package has no state; FS is safe for concurrent use.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// FS returns the embedded files, rooted so that "wsgate.js" is the client
// served at /static/wsgate.js and "index.html" is the demo page.
func FS() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		// fs.Sub fails only on an invalid path, which "static" is not.
		panic(err)
	}
	return sub
}
