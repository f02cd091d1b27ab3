// Package schema generates the JSON Schema (draft 2020-12) of the
// postmortem front matter from the same Go types that parsing and checking
// use, so editors can offer completion and validation.
package schema

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/hindsight-dev/hindsight/internal/config"
	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// FileName is the name the schema is written under in the content folder.
const FileName = "_schema.json"

const timestampPattern = `^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)? ?(Z|[+-]\d{2}:\d{2})$`

func timestamp(desc string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Pattern: timestampPattern, Description: desc}
}

func enum(values []string) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "string"}
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return s
}

// mapper gives the schema of the types that decode themselves.
func mapper(t reflect.Type) *jsonschema.Schema {
	switch t {
	case reflect.TypeFor[postmortem.Date]():
		return &jsonschema.Schema{Type: "string", Format: "date"}
	case reflect.TypeFor[postmortem.Status]():
		return enum(postmortem.Statuses)
	case reflect.TypeFor[postmortem.Visibility]():
		return enum(postmortem.Visibilities)
	case reflect.TypeFor[postmortem.CommitRole]():
		return enum(postmortem.CommitRoles)
	case reflect.TypeFor[postmortem.Priority]():
		return enum(postmortem.Priorities)
	case reflect.TypeFor[postmortem.ItemStatus]():
		return enum(postmortem.ItemStatuses)
	case reflect.TypeFor[postmortem.RevisitOutcome]():
		return enum(postmortem.RevisitOutcomes)
	case reflect.TypeFor[postmortem.Times]():
		s := &jsonschema.Schema{
			Type:                 "object",
			Properties:           jsonschema.NewProperties(),
			Required:             []string{"started", "detected"},
			AdditionalProperties: timestamp("A named milestone, such as first_user_report."),
			PropertyNames:        &jsonschema.Schema{Pattern: `^[a-z][a-z0-9_]*$`},
		}
		s.Properties.Set("started", timestamp("When the impact began."))
		s.Properties.Set("detected", timestamp("When the team found out."))
		s.Properties.Set("mitigated", timestamp("When the impact was stopped or reduced."))
		s.Properties.Set("resolved", timestamp("When the service was fully back; required unless status is draft."))
		return s
	}
	return nil
}

// Generate returns the schema for a configuration's severities and custom
// fields, indented.
func Generate(cfg *config.Config) ([]byte, error) {
	r := &jsonschema.Reflector{Mapper: mapper, DoNotReference: true, ExpandedStruct: true, Anonymous: true}
	s := r.Reflect(&postmortem.FrontMatter{})
	s.Title = "Hindsight postmortem front matter"
	s.Description = "The YAML between the --- lines at the top of a postmortem file."
	if sev, ok := s.Properties.Get("severity"); ok {
		for _, v := range cfg.Severities {
			sev.Enum = append(sev.Enum, v)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(cfg.CustomFields)) {
		s.Properties.Set(name, &jsonschema.Schema{Description: cfg.CustomFields[name].Description})
	}
	// The editor's schema comment lives in the front matter as a YAML
	// comment, so it needs no key.
	return json.MarshalIndent(s, "", "  ")
}
