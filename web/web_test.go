package web

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

func TestFSHoldsTheClientAndTheDemo(t *testing.T) {
	for _, name := range []string{"wsgate.js", "wsgate.d.ts", "index.html", "demo.js", "demo.css", "base.css"} {
		b, err := fs.ReadFile(FS(), name)
		if err != nil {
			t.Errorf("read %s: %v", name, err)
			continue
		}
		if len(b) == 0 {
			t.Errorf("%s is empty", name)
		}
	}
}

func TestClientExportsReconnectingWebSocket(t *testing.T) {
	js := read(t, "wsgate.js")
	if !strings.Contains(js, "export class ReconnectingWebSocket extends EventTarget") {
		t.Error("wsgate.js does not export class ReconnectingWebSocket extends EventTarget")
	}
	if regexp.MustCompile(`(?m)^import `).MatchString(js) {
		t.Error("wsgate.js imports something; it must stay dependency-free")
	}
	dts := read(t, "wsgate.d.ts")
	if !strings.Contains(dts, "export declare class ReconnectingWebSocket") {
		t.Error("wsgate.d.ts does not declare ReconnectingWebSocket")
	}
}

// TestDemoUsesOnlyEmbeddedAssets checks that every local asset the demo
// page and its script name is embedded, and that nothing is loaded from
// another host.
func TestDemoUsesOnlyEmbeddedAssets(t *testing.T) {
	ref := regexp.MustCompile(`(?:src|href)="([^"]+)"|from '(\./[^']+)'`)
	for _, page := range []string{"index.html", "demo.js"} {
		for _, m := range ref.FindAllStringSubmatch(read(t, page), -1) {
			target := m[1] + m[2]
			switch {
			case strings.HasPrefix(target, "http:"), strings.HasPrefix(target, "https:"), strings.HasPrefix(target, "//"):
				t.Errorf("%s loads %s from another host", page, target)
			case strings.HasPrefix(target, "/static/"), strings.HasPrefix(target, "./"):
				name := strings.TrimPrefix(strings.TrimPrefix(target, "/static/"), "./")
				if _, err := fs.Stat(FS(), name); err != nil {
					t.Errorf("%s references %s, which is not embedded", page, target)
				}
			}
		}
	}
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(FS(), name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}
