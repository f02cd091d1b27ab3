package schema

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hindsight-dev/hindsight/internal/config"
)

// The schema the examples point editors at is the one this code makes.
func TestExampleSchemaIsCurrent(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "..", config.FileName))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join("..", "..", "postmortems", FileName))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want)+"\n" {
		t.Errorf("postmortems/%s is stale: run go run ./cmd/hindsight schema > postmortems/%s", FileName, FileName)
	}
	var v map[string]any
	if err := json.Unmarshal(want, &v); err != nil {
		t.Fatal(err)
	}
	if v["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", v["$schema"])
	}
}
