package main

import (
	"testing"

	"github.com/voidnxsec/nixops-actions/internal/actionyml"
)

func TestActionYAMLAgrees(t *testing.T) {
	actionyml.TestStep(t, "../../deploy/action.yml", run)
}
