package main

import (
	"context"
	"errors"

	"github.com/voidnxsec/nixops-actions/pkg/action"
	"github.com/voidnxsec/nixops-actions/pkg/nixinstall"
)

func install(ctx context.Context, a *action.Action, cfg config, rc *action.Context, r *result) (*nixinstall.Nix, error) {
	return nil, errors.New("no Nix found and install mode is not built yet")
}
