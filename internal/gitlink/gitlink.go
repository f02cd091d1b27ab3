// Package gitlink is the only package that uses go-git. It reads what
// Hindsight needs from git repositories and converts it to plain values at
// its border.
package gitlink

import (
	"errors"

	"github.com/go-git/go-git/v5"
	gitconfig "github.com/go-git/go-git/v5/config"
)

// UserEmail returns user.email from the git config that applies in dir:
// the repository's own, then the global and system ones. It returns ""
// when none sets it.
func UserEmail(dir string) string {
	cfg, err := userConfig(dir)
	if err != nil || cfg == nil {
		return ""
	}
	if cfg.User.Email != "" {
		return cfg.User.Email
	}
	return cfg.Author.Email
}

func userConfig(dir string) (*gitconfig.Config, error) {
	repo, err := openRepo(dir, true)
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return gitconfig.LoadConfig(gitconfig.GlobalScope)
	}
	if err != nil {
		return nil, err
	}
	return repo.ConfigScoped(gitconfig.SystemScope)
}
