package site

import (
	"encoding/xml"
	"strings"
	"time"

	"github.com/hindsight-dev/hindsight/internal/postmortem"
)

// feedSize is how many postmortems the Atom feed holds.
const feedSize = 50

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomEntry struct {
	Title      string      `xml:"title"`
	ID         string      `xml:"id"`
	Updated    string      `xml:"updated"`
	Published  string      `xml:"published,omitempty"`
	Link       atomLink    `xml:"link"`
	Summary    string      `xml:"summary"`
	Categories []atomCat   `xml:"category"`
	Author     *atomPerson `xml:"author,omitempty"`
}

type atomCat struct {
	Term string `xml:"term,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type sitemap struct {
	XMLName xml.Name     `xml:"http://www.sitemaps.org/schemas/sitemap/0.9 urlset"`
	URLs    []sitemapURL `xml:"url"`
}

type sitemapURL struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

// abs makes a site path absolute when the site has a base URL.
func (b *builder) abs(p string) string {
	if b.site.BaseURL == "" {
		return p
	}
	return strings.TrimSuffix(b.site.BaseURL, "/") + "/" + strings.TrimPrefix(strings.TrimPrefix(p, b.site.Base), "/")
}

// updated is when a postmortem last changed, as far as the corpus says:
// deterministic, never the build time.
func updated(pm *postmortem.Postmortem) time.Time {
	t := pm.Date.Time
	for _, c := range []time.Time{pm.Times.Resolved, pm.ReviewDate.Time} {
		if c.After(t) {
			t = c
		}
	}
	if pm.History != nil && pm.History.Changed.After(t) {
		t = pm.History.Changed
	}
	return t.UTC()
}

// feeds returns the Atom feed of published postmortems, the sitemap and
// robots.txt.
func (b *builder) feeds() map[string][]byte {
	out := map[string][]byte{}
	feed := atomFeed{Title: b.site.Title, ID: b.feedID(""), Links: []atomLink{{Href: b.abs(b.url("feed.xml")), Rel: "self", Type: "application/atom+xml"}, {Href: b.abs(b.url(""))}}}
	var newest time.Time
	for _, pm := range b.pms {
		if pm.Status != postmortem.StatusPublished || len(feed.Entries) >= feedSize {
			continue
		}
		up := updated(pm)
		if up.After(newest) {
			newest = up
		}
		e := atomEntry{Title: pm.Title, ID: b.feedID(pm.ID), Updated: up.Format(time.RFC3339), Link: atomLink{Href: b.abs(b.pageURL(pm.ID))}, Summary: pm.Summary}
		if !pm.Date.IsZero() {
			e.Published = pm.Date.UTC().Format(time.RFC3339)
		}
		e.Categories = append(e.Categories, atomCat{Term: pm.Severity})
		for _, s := range pm.Services {
			e.Categories = append(e.Categories, atomCat{Term: s})
		}
		if pm.Owner != "" {
			e.Author = &atomPerson{Name: pm.Owner}
		} else {
			e.Author = &atomPerson{Name: b.site.Title}
		}
		feed.Entries = append(feed.Entries, e)
	}
	if newest.IsZero() {
		newest = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	feed.Updated = newest.Format(time.RFC3339)
	out["feed.xml"] = marshalXML(feed)

	sm := sitemap{}
	for _, p := range []string{"", "postmortems/", "actions/", "metrics/", "tags/", "services/", "severity/"} {
		sm.URLs = append(sm.URLs, sitemapURL{Loc: b.abs(b.url(p))})
	}
	for _, pm := range b.pms {
		sm.URLs = append(sm.URLs, sitemapURL{Loc: b.abs(b.pageURL(pm.ID)), LastMod: updated(pm).Format("2006-01-02")})
	}
	out["sitemap.xml"] = marshalXML(sm)

	robots := "# Internal postmortems: not for search engines.\nUser-agent: *\nDisallow: /\n"
	if b.opts.Public {
		robots = "User-agent: *\nAllow: /\n"
		if b.site.BaseURL != "" {
			robots += "Sitemap: " + b.abs(b.url("sitemap.xml")) + "\n"
		}
	}
	out["robots.txt"] = []byte(robots)
	return out
}

// feedID is a stable id: the page's URL when the site has a base URL,
// else a tag URI.
func (b *builder) feedID(id string) string {
	if b.site.BaseURL != "" {
		if id == "" {
			return b.site.BaseURL
		}
		return b.abs(b.pageURL(id))
	}
	if id == "" {
		return "tag:hindsight,2024:" + strings.TrimSuffix(b.site.Base, "/")
	}
	return "tag:hindsight,2024:" + b.site.Base + id
}

func marshalXML(v any) []byte {
	data, err := xml.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // only our own fixed types are marshalled
	}
	return append([]byte(xml.Header), append(data, '\n')...)
}
