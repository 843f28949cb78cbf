package scan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spf13/viper"
	"github.com/zricethezav/gitleaks/v8/config"
)

// GitleaksConfigFile is the rules file gitleaks reads from the top of the
// scanned directory when given none; users of gitleaks keep theirs there.
const GitleaksConfigFile = ".gitleaks.toml"

// ConfigError is a .gitleaks.toml gitleaks cannot use.
type ConfigError struct {
	Path string
	Err  error
}

func (e *ConfigError) Error() string { return fmt.Sprintf("gitleaks config %s: %v", e.Path, e.Err) }
func (e *ConfigError) Unwrap() error { return e.Err }

// gitleaks' config reading goes through viper's global instance (its
// [extend] useDefault reads the default rules there too): one at a time.
var viperMu sync.Mutex

// secretConfig is what gitleaks' CLI would use on dir: its .gitleaks.toml
// (which may extend the default rules with [extend] useDefault = true),
// else the default rules.
func secretConfig(dir string) (config.Config, error) {
	path := filepath.Join(dir, GitleaksConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		cfg, err := readGitleaksConfig(config.DefaultConfig)
		if err != nil {
			return cfg, fmt.Errorf("gitleaks' default rules: %w", err)
		}
		return cfg, nil
	}
	if err != nil {
		return config.Config{}, &ConfigError{path, err}
	}
	cfg, err := readGitleaksConfig(string(data))
	if err != nil {
		return config.Config{}, &ConfigError{path, err}
	}
	return cfg, nil
}

func readGitleaksConfig(toml string) (config.Config, error) {
	viperMu.Lock()
	defer viperMu.Unlock()
	viper.Reset()
	viper.SetConfigType("toml")
	if err := viper.ReadConfig(strings.NewReader(toml)); err != nil {
		return config.Config{}, err
	}
	var vc config.ViperConfig
	if err := viper.Unmarshal(&vc); err != nil {
		return config.Config{}, err
	}
	return vc.Translate()
}
