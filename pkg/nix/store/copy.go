package store

import "context"

// CopyTo copies paths, not their closures, from this store to the store
// at uri with `nix copy --no-recursive`, in batches; paths the
// destination already holds are skipped by Nix. Callers pass whole
// closures: a binary cache needs no references present, but a cache made
// of closures is one a later job can substitute from alone.
func (s *Store) CopyTo(ctx context.Context, uri string, paths []string) error {
	return s.batched(paths, func(batch []string) error {
		args := append([]string{"copy", "--no-recursive", "--to", uri}, batch...)
		_, err := s.run(ctx, args...)
		return err
	})
}
