package main

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/actionyml"
	"github.com/voidnxsec/nixops-actions/pkg/dora"
)

func TestActionYAMLAgrees(t *testing.T) {
	actionyml.TestStep(t, "../../dora/action.yml", run)
}

// explain names the input of a dora.ConfigError by the JSON name of its
// Config field: each of those names must be an input the step declares.
func TestConfigFieldsAreInputs(t *testing.T) {
	declared := map[string]bool{}
	for _, in := range actionyml.StepSpec(run).Inputs {
		declared[in.Name] = true
	}
	cfg := reflect.TypeFor[dora.Config]()
	for i := range cfg.NumField() {
		name, _, _ := strings.Cut(cfg.Field(i).Tag.Get("json"), ",")
		if name != "-" && !declared[name] {
			t.Errorf("Config.%s has the JSON name %q, which is no input", cfg.Field(i).Name, name)
		}
	}
	err := explain(&dora.ConfigError{Field: "TagPattern", Err: errors.New("no good")})
	if err.Error() != `input "tag-pattern": no good` {
		t.Errorf("explain: %v", err)
	}
}
