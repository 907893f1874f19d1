package main

import "errors"

// config is a placeholder until the server issue builds the TOML loader.
type config struct {
	Database string
}

// loadConfigFile is a placeholder until the server issue builds it.
func loadConfigFile(path string) (*config, error) {
	return nil, errors.New("load config " + path + ": not built yet")
}
