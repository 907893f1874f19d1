package main

import (
	"strings"
	"testing"
)

// FuzzConfigFile feeds arbitrary documents to the configuration decoder
// and validator, the way loadConfigFile does: they must never panic, an
// error must name the file, and a document they accept must turn into
// server options without panicking.
func FuzzConfigFile(f *testing.F) {
	f.Add([]byte(defaultsTOML))
	f.Add([]byte("listen = \"127.0.0.1:0\"\nheader_timeout = \"1s\"\n"))
	f.Add([]byte("trusted_proxies = [\"10.0.0.0/8\", \"::1/128\"]\nipv6_prefix = 48\n"))
	f.Add([]byte("[[endpoint]]\npath = \"/ws/a\"\nhandler = \"echo\"\n" +
		"[[endpoint]]\npath = \"/ws/a\"\nhandler = \"channels\"\n"))
	f.Add([]byte("[[endpoint]]\npath = \"/ws/x\"\nchannel_pattern = \"(\"\nidle_timeout = 10\n"))
	f.Add([]byte("allowed_origins = [\"https://*.example.com\", \"http://[::1]:8080\"]\n"))
	f.Add([]byte("[token]\nttl = \"-1s\"\n[login]\nwindow = \"0\"\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c := defaultConfig()
		c.Endpoint = nil
		err := c.decode("fuzz.toml", doc)
		if err == nil {
			err = c.validate()
		}
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.toml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		c.serverOptions()
	})
}
