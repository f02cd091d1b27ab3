package timeline

import (
	"archive/zip"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
	"github.com/hindsight-dev/hindsight/internal/yamlnode"
)

// SlackOptions say what to take from a Slack export.
type SlackOptions struct {
	// Channel is the channel's name (with or without #) or id; it may be
	// empty when the export has one channel.
	Channel string
	// Reactions mark key messages (default pushpin); pinned messages are
	// key messages too.
	Reactions []string
	// All takes every message, not only key ones.
	All    bool
	Window Window
}

// DefaultReactions mark the key messages of a channel when none are given.
var DefaultReactions = []string{"pushpin"}

// slackChannel is an entry of channels.json (or groups.json).
type slackChannel struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// slackUser is an entry of users.json.
type slackUser struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	RealName string `json:"real_name"`
	Profile  struct {
		DisplayName string `json:"display_name"`
		RealName    string `json:"real_name"`
	} `json:"profile"`
}

// slackMessage is one message of a channel's day file.
type slackMessage struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype"`
	TS          string `json:"ts"`
	User        string `json:"user"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	UserProfile *struct {
		DisplayName string `json:"display_name"`
		RealName    string `json:"real_name"`
	} `json:"user_profile"`
	Reactions []struct {
		Name string `json:"name"`
	} `json:"reactions"`
	PinnedTo []string `json:"pinned_to"`
	Files    []struct {
		Name  string `json:"name"`
		Title string `json:"title"`
	} `json:"files"`
}

// Subtypes of messages that say nothing about the incident.
var (
	joinSubtypes = map[string]bool{"channel_join": true, "channel_leave": true, "group_join": true, "group_leave": true,
		"channel_topic": true, "channel_purpose": true, "channel_name": true, "channel_archive": true, "channel_unarchive": true,
		"group_topic": true, "group_purpose": true, "group_name": true, "pinned_item": true, "unpinned_item": true,
		"reminder_add": true, "bot_add": true, "bot_remove": true, "channel_convert_to_private": true, "huddle_thread": true}
	editSubtypes = map[string]bool{"message_changed": true, "message_deleted": true, "message_replied": true, "tombstone": true}
)

// openExport opens a Slack export, a folder or a .zip, as a file system
// rooted at the folder that holds channels.json.
func openExport(p string) (fs.FS, func() error, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", p, unwrapPath(err))
	}
	var fsys fs.FS
	closer := func() error { return nil }
	if st.IsDir() {
		fsys = os.DirFS(p)
	} else {
		zr, err := zip.OpenReader(p)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: not a Slack export: %v (a workspace export is a .zip or its unpacked folder)", p, err)
		}
		for _, f := range zr.File {
			if !safeZipName(f.Name) {
				zr.Close()
				return nil, nil, fmt.Errorf("%s: the zip holds %q, a path leading out of it; Slack never makes such a zip, so it is not read", p, f.Name)
			}
		}
		fsys, closer = zr, zr.Close
	}
	// The export may sit in one folder inside the zip.
	root := "."
	if _, err := fs.Stat(fsys, "channels.json"); err != nil {
		if _, err2 := fs.Stat(fsys, "groups.json"); err2 != nil {
			entries, _ := fs.ReadDir(fsys, ".")
			if len(entries) == 1 && entries[0].IsDir() {
				if _, err := fs.Stat(fsys, path.Join(entries[0].Name(), "channels.json")); err == nil {
					root = entries[0].Name()
				}
			}
			if root == "." {
				closer()
				return nil, nil, fmt.Errorf("%s: not a Slack export: it has no channels.json (a workspace export holds channels.json, users.json and a folder of day files per channel)", p)
			}
		}
	}
	if root != "." {
		sub, err := fs.Sub(fsys, root)
		if err != nil {
			closer()
			return nil, nil, err
		}
		fsys = sub
	}
	return fsys, closer, nil
}

// safeZipName reports whether a zip entry's name stays inside the zip.
func safeZipName(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "\\") || strings.Contains(name, "\x00") {
		return false
	}
	if len(name) > 1 && name[1] == ':' {
		return false // a Windows drive
	}
	for part := range strings.SplitSeq(name, "/") {
		if part == ".." {
			return false
		}
	}
	return true
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ReadSlack reads the messages of one channel of a Slack export.
func ReadSlack(p string, opts SlackOptions, sk Skips) ([]Event, error) {
	fsys, closer, err := openExport(p)
	if err != nil {
		return nil, err
	}
	defer closer()
	var channels []slackChannel
	for _, name := range []string{"channels.json", "groups.json"} {
		var list []slackChannel
		if err := readJSON(fsys, p, name, &list); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		channels = append(channels, list...)
	}
	var users []slackUser
	if err := readJSON(fsys, p, "users.json", &users); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ch, err := pickChannel(channels, opts.Channel, p)
	if err != nil {
		return nil, err
	}
	names := &slackNames{users: map[string]string{}, channels: map[string]string{}}
	for _, u := range users {
		names.users[u.ID] = cmp.Or(u.Profile.DisplayName, cmp.Or(u.Profile.RealName, cmp.Or(u.RealName, u.Name)))
	}
	for _, c := range channels {
		names.channels[c.ID] = c.Name
	}
	reactions := opts.Reactions
	if len(reactions) == 0 {
		reactions = DefaultReactions
	}
	days, err := fs.ReadDir(fsys, ch.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: the export lists channel #%s but has no folder %s/ of its messages", p, ch.Name, ch.Name)
	}
	var out []Event
	for _, d := range days {
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".json") {
			continue
		}
		if day, err := time.Parse("2006-01-02", strings.TrimSuffix(d.Name(), ".json")); err == nil && outsideDays(day, opts.Window) {
			sk[SkipDays]++
			continue
		}
		file := path.Join(ch.Name, d.Name())
		err := streamJSON(fsys, p, file, func(dec *json.Decoder) error {
			var m slackMessage
			if err := dec.Decode(&m); err != nil {
				return err
			}
			if e, ok := slackEvent(m, ch.ID, reactions, opts, names, sk); ok {
				out = append(out, e)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// outsideDays reports whether a whole day file lies outside the window,
// with a day's margin for the zones.
func outsideDays(day time.Time, w Window) bool {
	return !w.Since.IsZero() && day.Add(48*time.Hour).Before(w.Since) || !w.Until.IsZero() && day.Add(-24*time.Hour).After(w.Until)
}

// pickChannel finds the channel asked for, or the only one.
func pickChannel(channels []slackChannel, want, p string) (slackChannel, error) {
	want = strings.TrimPrefix(strings.TrimSpace(want), "#")
	var names []string
	for _, c := range channels {
		if want != "" && (c.Name == want || c.ID == want) {
			return c, nil
		}
		names = append(names, c.Name)
	}
	slices.Sort(names)
	switch {
	case len(channels) == 0:
		return slackChannel{}, fmt.Errorf("%s: the export has no channels", p)
	case want == "" && len(channels) == 1:
		return channels[0], nil
	case want == "":
		return slackChannel{}, fmt.Errorf("%s: the export has %d channels; name the incident's with --channel (%s)", p, len(channels), strings.Join(first(names, 8), ", "))
	}
	return slackChannel{}, fmt.Errorf("%s: no channel #%s in the export%s", p, want, yamlnode.Hint(want, names))
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "…")
	}
	return s
}

// readJSON decodes a whole small file of the export (channels, users).
func readJSON(fsys fs.FS, p, name string, v any) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	if err := dec.Decode(v); err != nil {
		return jsonError(p, name, dec, err)
	}
	return nil
}

// streamJSON reads a file holding a JSON array one element at a time, so
// that a large file is never held whole.
func streamJSON(fsys fs.FS, p, name string, each func(*json.Decoder) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", p, name, unwrapPath(err))
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	tok, err := dec.Token()
	if err != nil {
		return jsonError(p, name, dec, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("%s: %s: byte %d: expected a list of messages ([...]), found %v", p, name, dec.InputOffset(), tok)
	}
	for dec.More() {
		if err := each(dec); err != nil {
			return jsonError(p, name, dec, err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonError(p, name, dec, err)
	}
	return nil
}

// jsonError names the file and the byte a JSON problem is at.
func jsonError(p, name string, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		err = errors.New("the file ends in the middle of a value")
	}
	where := p
	if name != "" {
		where += ": " + name
	}
	return fmt.Errorf("%s: byte %d: malformed JSON: %v", where, off, err)
}

// slackEvent turns a message into an event, or counts why it is left out.
func slackEvent(m slackMessage, channel string, reactions []string, opts SlackOptions, names *slackNames, sk Skips) (Event, bool) {
	switch {
	case m.Type != "" && m.Type != "message":
		sk[SkipJoin]++
		return Event{}, false
	case joinSubtypes[m.Subtype]:
		sk[SkipJoin]++
		return Event{}, false
	case editSubtypes[m.Subtype]:
		sk[SkipEdit]++
		return Event{}, false
	case m.BotID != "" || m.Subtype == "bot_message":
		sk[SkipBot]++
		return Event{}, false
	}
	if !opts.All && !keyMessage(m, channel, reactions) {
		sk[SkipNotKey]++
		return Event{}, false
	}
	t, ok := slackTime(m.TS)
	if !ok {
		sk[SkipEmpty]++
		return Event{}, false
	}
	if !opts.Window.keep(t, sk) {
		return Event{}, false
	}
	text, blocks := stripCodeBlocks(m.Text)
	sk[SkipCode] += blocks
	if postmortem.LooksLikeLog(strings.Split(text, "\n")) {
		sk[SkipLog]++
		return Event{}, false
	}
	text = clean(SlackText(text, names.lookup))
	if text == "" {
		for _, f := range m.Files {
			text = "shared " + clean(cmp.Or(f.Title, f.Name))
			break
		}
	}
	if text == "" {
		sk[SkipEmpty]++
		return Event{}, false
	}
	who := names.users[m.User]
	if who == "" && m.UserProfile != nil {
		who = cmp.Or(m.UserProfile.DisplayName, m.UserProfile.RealName)
	}
	if who == "" {
		who = m.User
	}
	if who != "" {
		text = who + ": " + text
	}
	return Event{Time: t, Text: text, Source: "slack", Kind: "message"}, true
}

// keyMessage reports whether a message is pinned or has a chosen reaction.
func keyMessage(m slackMessage, channel string, reactions []string) bool {
	if len(m.PinnedTo) > 0 && (channel == "" || slices.Contains(m.PinnedTo, channel)) {
		return true
	}
	for _, r := range m.Reactions {
		// A skin tone is part of the name: "thumbsup::skin-tone-2".
		name, _, _ := strings.Cut(r.Name, "::")
		if slices.Contains(reactions, name) {
			return true
		}
	}
	return false
}

// slackTime reads a message's ts, seconds since 1970 with microseconds.
func slackTime(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s <= 0 {
		return time.Time{}, false
	}
	var ns int64
	if frac != "" {
		f := (frac + "000000000")[:9]
		if ns, err = strconv.ParseInt(f, 10, 64); err != nil {
			return time.Time{}, false
		}
	}
	return time.Unix(s, ns).UTC(), true
}

var codeBlock = regexp.MustCompile("(?s)```.*?(```|$)")

// stripCodeBlocks removes the ``` blocks of a message, and counts them.
func stripCodeBlocks(text string) (string, int) {
	n := 0
	text = codeBlock.ReplaceAllStringFunc(text, func(string) string { n++; return " " })
	return text, n
}

// slackNames resolves the ids of a message's mentions.
type slackNames struct {
	users, channels map[string]string
}

func (n *slackNames) lookup(kind byte, id string) string {
	if kind == '@' {
		return n.users[id]
	}
	return n.channels[id]
}

// SlackText turns Slack's message markup into plain text: mentions of
// users (<@U123>) and channels (<#C123|name>) by name, links as their
// label and address, <!here> and the like as @here, dates as their
// fallback text, and the three entities Slack escapes (&amp; &lt; &gt;)
// as the characters. name resolves an id of kind '@' or '#'; it may
// return "".
func SlackText(text string, name func(kind byte, id string) string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '<')
		if i < 0 {
			b.WriteString(entities.Replace(text))
			break
		}
		j := strings.IndexByte(text[i:], '>')
		if j < 0 {
			b.WriteString(entities.Replace(text))
			break
		}
		b.WriteString(entities.Replace(text[:i]))
		b.WriteString(markup(text[i+1:i+j], name))
		text = text[i+j+1:]
	}
	return b.String()
}

var entities = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// markup is one <...> of a message, without the brackets.
func markup(m string, name func(kind byte, id string) string) string {
	target, label, hasLabel := strings.Cut(m, "|")
	label = entities.Replace(label)
	switch {
	case target == "":
		return entities.Replace(m)
	case target[0] == '@' || target[0] == '#':
		kind, id := target[0], target[1:]
		if n := name(kind, id); n != "" {
			return string(kind) + n
		}
		if hasLabel && label != "" {
			return string(kind) + strings.TrimPrefix(label, string(kind))
		}
		return target
	case target[0] == '!':
		switch cmd, _, _ := strings.Cut(target[1:], "^"); cmd {
		case "here", "channel", "everyone":
			return "@" + cmd
		}
		if hasLabel {
			return label
		}
		return ""
	}
	url := entities.Replace(target)
	if strings.HasPrefix(url, "mailto:") {
		url = strings.TrimPrefix(url, "mailto:")
	}
	if !hasLabel || label == "" || label == url || label == target {
		return url
	}
	return label + " (" + url + ")"
}
