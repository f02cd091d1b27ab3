package search

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/search/query"
)

// parseQuery checks and parses a query string and rewrites it for this
// index. patterns reports whether it has wildcards or regexps, whose
// errors bleve only finds while searching.
//
// Boosting, and why there is no "_all" field: bleve boosts are applied at
// query time, and a query parsed against a composite "_all" field cannot
// tell a title match from a body match. Instead, every part of the parsed
// query that names no field (word, phrase, fuzzy term, wildcard) becomes a
// disjunction of the same part over title^3, summary^2, body and
// action_items. That keeps the whole query string syntax (phrases, +, -,
// field:value, fuzzy~, boosts^) with per-field boosts, a title match
// outranks a body-only match, and the index carries no duplicate composite
// field.
func parseQuery(text string, partial bool) (q query.Query, patterns bool, err error) {
	if !utf8.ValidString(text) {
		return nil, false, &QueryError{Msg: "the query is not valid UTF-8"}
	}
	if strings.ContainsRune(text, 0) {
		return nil, false, &QueryError{Msg: "the query contains a NUL character"}
	}
	if n := utf8.RuneCountInString(text); n > MaxQueryLength {
		return nil, false, &QueryError{Msg: fmt.Sprintf("the query is too long: %d characters, the limit is %d", n, MaxQueryLength)}
	}
	if err := checkSyntax(text); err != nil {
		return nil, false, err
	}
	parsed, err := parseQueryString(text)
	if err != nil {
		return nil, false, err
	}
	parsed = requireAll(parsed)
	if partial {
		parsed = widenLast(parsed, text)
	}
	rw := &rewriter{}
	q = rw.rewrite(parsed)
	if rw.err != nil {
		return nil, false, rw.err
	}
	return q, rw.patterns, nil
}

// requireAll makes every part of a query string that has no + or - in
// front of it required, as the published site's search does: the query
// string syntax would otherwise make them optional, so that "database
// kubernetes" found postmortems with either word. A - part stays one that
// must not match.
func requireAll(q query.Query) query.Query {
	b, ok := q.(*query.BooleanQuery)
	if !ok || b.Should == nil {
		return q
	}
	if d, ok := b.Should.(*query.DisjunctionQuery); ok {
		b.AddMust(d.Disjuncts...)
		b.Should = nil
	}
	return b
}

// widenLast lets the unfinished last word of a query also match as the
// start of a longer word: a required plain word (no field, fuzziness or
// boost) that ends the text becomes "word or word*". A query that ends in
// anything else (a phrase, a field, a space) is left as it is, and so is a
// word too short to be a pattern.
func widenLast(q query.Query, text string) query.Query {
	i := strings.LastIndexFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	word := text[i+1:]
	if i >= 0 {
		if r, _ := utf8.DecodeLastRuneInString(text[:i+1]); !unicode.IsSpace(r) {
			return q
		}
	}
	if utf8.RuneCountInString(word) < MinPatternPrefix+1 {
		return q
	}
	b, ok := q.(*query.BooleanQuery)
	if !ok {
		return q
	}
	c, ok := b.Must.(*query.ConjunctionQuery)
	if !ok {
		return q
	}
	for j := len(c.Conjuncts) - 1; j >= 0; j-- {
		m, ok := c.Conjuncts[j].(*query.MatchQuery)
		if !ok || m.Match != word || m.FieldVal != "" || m.Fuzziness != 0 || m.BoostVal != nil {
			continue
		}
		c.Conjuncts[j] = query.NewDisjunctionQuery([]query.Query{m, query.NewWildcardQuery(strings.ToLower(word) + "*")})
		break
	}
	return q
}

func parseQueryString(text string) (q query.Query, err error) {
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, &QueryError{Msg: fmt.Sprintf("invalid query: %v", r)}
		}
	}()
	q, err = query.NewQueryStringQuery(text).Parse()
	if err != nil {
		return nil, &QueryError{Msg: "invalid query: " + friendlyParseError(err.Error())}
	}
	return q, nil
}

var parseTokenNames = strings.NewReplacer(
	"$end", "end of query",
	"tSTRING", "word",
	"tPHRASE", "phrase",
	"tPLUS", "'+'",
	"tMINUS", "'-'",
	"tCOLON", "':'",
	"tBOOST", "'^'",
	"tNUMBER", "number",
	"tGREATER", "'>'",
	"tLESS", "'<'",
	"tEQUAL", "'='",
	"tTILDE", "'~'",
)

func friendlyParseError(msg string) string {
	msg = parseTokenNames.Replace(strings.TrimPrefix(msg, "parse error: "))
	switch {
	case msg == "syntax error":
		msg += ": every +, - and field: must be followed by a word or a \"phrase\""
	case strings.HasPrefix(msg, "invalid time"):
		msg += `: write dates as "2024-01-31" or "2024-01-31T10:00:00Z"`
	}
	return msg
}

// checkSyntax finds the mistakes that bleve's parser either reports
// obscurely or not at all: an unterminated phrase, and unbalanced
// brackets. (The query string syntax has no grouping, so brackets are
// ordinary characters that the analyzer drops; an unbalanced one is still
// almost certainly a mistake worth reporting.) It follows the states of
// bleve's lexer so that it agrees on where phrases start: a " opens a
// phrase only at the start of a term, and \ escapes the next character.
func checkSyntax(text string) error {
	const (
		stStart = iota
		stTerm
		stPhrase
		stSuffix // after ^ or ~, up to the next space
	)
	type open struct {
		r   rune
		pos int
	}
	var stack []open
	st, escape := stStart, false
	regexp := false // in a term that starts with '/': brackets are its own
	phraseAt := 0
	pos := 0
	for _, r := range text {
		pos++
		if escape {
			escape = false
			if st == stStart {
				st, regexp = stTerm, false
			}
			continue
		}
		if r == '\\' {
			escape = true
			continue
		}
		switch st {
		case stPhrase:
			if r == '"' {
				st = stStart
			}
			continue
		case stSuffix:
			if r == ' ' {
				st = stStart
			}
			continue
		case stStart:
			switch r {
			case '"':
				st, phraseAt = stPhrase, pos
				continue
			case '+', '-', ':', '>', '<', '=':
				continue
			case '^', '~':
				st = stSuffix
				continue
			}
			if isSpace(r) {
				continue
			}
			st, regexp = stTerm, r == '/'
		case stTerm:
			switch {
			case r == ' ':
				st = stStart
				continue
			case r == ':':
				st = stStart
				continue
			case r == '^' || r == '~':
				st = stSuffix
				continue
			}
		}
		// in a term
		if regexp {
			continue
		}
		switch r {
		case '(', '[', '{':
			stack = append(stack, open{r, pos})
		case ')', ']', '}':
			want := map[rune]rune{')': '(', ']': '[', '}': '{'}[r]
			if len(stack) == 0 || stack[len(stack)-1].r != want {
				return &QueryError{Msg: fmt.Sprintf("unbalanced brackets: %q at character %d closes nothing", r, pos)}
			}
			stack = stack[:len(stack)-1]
		}
	}
	if st == stPhrase {
		return &QueryError{Msg: fmt.Sprintf("unterminated phrase: the quote at character %d is never closed", phraseAt)}
	}
	if len(stack) > 0 {
		o := stack[len(stack)-1]
		return &QueryError{Msg: fmt.Sprintf("unbalanced brackets: %q at character %d is never closed", o.r, o.pos)}
	}
	return nil
}

// isSpace is what bleve's lexer skips between terms (it ends a term only
// at ' ', but skips any Unicode space before one).
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0:
		return true
	}
	return r > 0xff && strings.ContainsRune("\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000", r)
}

// rewriter adapts a parsed query string to this index: parts with no field
// are spread over the text fields with their boosts, field aliases are
// resolved, unknown fields and out-of-range fuzziness or boosts are
// reported, a phrase on a keyword field is an exact term and numeric
// ranges (there are no numeric fields) apply to the year.
type rewriter struct {
	err      error
	patterns bool
	// counts of the parts seen, held to the limits below
	terms, expanding int
}

// Limits on one query. A wildcard, /pattern/ or fuzzy term is expanded
// into every indexed word it matches before the search runs, in work that
// no deadline interrupts: 490 stars took 15 s and 2.8 GB. So a query has
// few of them, each anchored by a literal start, and few parts overall.
const (
	MaxQueryTerms     = 32 // words, phrases and patterns of one query
	MaxQueryPatterns  = 4  // wildcards, /patterns/ and fuzzy~ terms
	MinPatternPrefix  = 2  // letters before a pattern's first * ? or operator
	MaxPatternWilds   = 4  // * and ? in one wildcard
	MaxPatternLength  = 64 // characters of one /pattern/
	maxConcurrentRuns = 4  // searches running at once; others wait
)

// count notes a part of the query and reports whether the limits allow it.
func (rw *rewriter) count(expanding bool) bool {
	rw.terms++
	if expanding {
		rw.expanding++
	}
	switch {
	case rw.terms > MaxQueryTerms:
		rw.fail("the query has more than %d words and phrases; keep the few that matter", MaxQueryTerms)
		return false
	case rw.expanding > MaxQueryPatterns:
		rw.fail("the query has more than %d wildcards, /patterns/ and fuzzy~ terms; use fewer", MaxQueryPatterns)
		return false
	}
	return true
}

// checkWildcard holds a wildcard to a literal start and a few wild
// characters.
func (rw *rewriter) checkWildcard(w string) bool {
	first := strings.IndexAny(w, "*?")
	if first >= 0 && utf8.RuneCountInString(w[:first]) < MinPatternPrefix {
		rw.fail("wildcard %q: start it with at least %d letters, as in cert*", w, MinPatternPrefix)
		return false
	}
	if strings.Count(w, "*")+strings.Count(w, "?") > MaxPatternWilds {
		rw.fail("wildcard %q: use at most %d * and ?", w, MaxPatternWilds)
		return false
	}
	return true
}

// checkRegexp holds a /pattern/ to a short length and a literal start.
func (rw *rewriter) checkRegexp(re string) bool {
	if utf8.RuneCountInString(re) > MaxPatternLength {
		rw.fail("/pattern/ of %d characters: the limit is %d", utf8.RuneCountInString(re), MaxPatternLength)
		return false
	}
	compiled, err := regexp.Compile(re)
	if err != nil {
		rw.fail("invalid /pattern/ %q: %v", re, err)
		return false
	}
	if prefix, complete := compiled.LiteralPrefix(); !complete && utf8.RuneCountInString(prefix) < MinPatternPrefix {
		rw.fail("/pattern/ %q: start it with at least %d plain letters, as in /cert.*/", re, MinPatternPrefix)
		return false
	}
	return true
}

func (rw *rewriter) fail(format string, args ...any) query.Query {
	if rw.err == nil {
		rw.err = &QueryError{Msg: fmt.Sprintf(format, args...)}
	}
	return query.NewMatchNoneQuery()
}

// field resolves a field name from the query string: "" stays "" (all text
// fields).
func (rw *rewriter) field(name string) (string, bool) {
	if name == "" {
		return "", true
	}
	if a, ok := fieldAliases[name]; ok {
		name = a
	}
	if keywordFields[name] || name == fieldDate {
		return name, true
	}
	for _, f := range textFields {
		if f.name == name {
			return name, true
		}
	}
	rw.fail("unknown field %q: the fields are title, summary, body, action_items, commits (or commit, sha, file), severity, status, services (or service), tags (or tag), owner, visibility, year and date; to search for a colon, escape it with \\", name)
	return "", false
}

func (rw *rewriter) checkBoost(b float64) bool {
	if math.IsNaN(b) || math.IsInf(b, 0) || b < 0 {
		rw.fail("invalid boost %v: it must be a non-negative number", b)
		return false
	}
	return true
}

// spread returns the disjunction of mk(field, boost) over the text fields.
func spread(boost float64, mk func(field string, boost float64) query.Query) query.Query {
	qs := make([]query.Query, 0, len(textFields))
	for _, f := range textFields {
		qs = append(qs, mk(f.name, boost*f.boost))
	}
	return query.NewDisjunctionQuery(qs)
}

// place puts a query on the field it names, or, when it names none,
// spreads it over the text fields with their boosts.
func place(field string, boost float64, at func(field string, boost float64) query.Query) query.Query {
	if field != "" {
		return at(field, boost)
	}
	return spread(boost, at)
}

// retargetable is a query that can be copied onto another field.
type retargetable[T any] interface {
	*T
	query.Query
	SetField(string)
	SetBoost(float64)
}

// copyAt makes copies of q on a field with a boost.
func copyAt[T any, P retargetable[T]](q P) func(string, float64) query.Query {
	return func(f string, b float64) query.Query {
		c := *q
		P(&c).SetField(f)
		P(&c).SetBoost(b)
		return P(&c)
	}
}

func (rw *rewriter) rewrite(q query.Query) query.Query {
	switch q := q.(type) {
	case *query.BooleanQuery:
		if q.Must != nil {
			q.Must = rw.rewrite(q.Must)
		}
		if q.Should != nil {
			q.Should = rw.rewrite(q.Should)
		}
		if q.MustNot != nil {
			q.MustNot = rw.rewrite(q.MustNot)
		}
		return q
	case *query.ConjunctionQuery:
		for i := range q.Conjuncts {
			q.Conjuncts[i] = rw.rewrite(q.Conjuncts[i])
		}
		return q
	case *query.DisjunctionQuery:
		for i := range q.Disjuncts {
			q.Disjuncts[i] = rw.rewrite(q.Disjuncts[i])
		}
		return q
	case *query.MatchQuery:
		if q.Fuzziness < 0 || q.Fuzziness > 2 {
			return rw.fail("invalid fuzziness %d: it must be 0, 1 or 2", q.Fuzziness)
		}
		if !rw.count(q.Fuzziness > 0) {
			return q
		}
		if !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		// A word the analyzer splits ("read-only", "10.0.0.1") needs
		// every part, as one word would.
		q.Operator = query.MatchQueryOperatorAnd
		return place(field, q.Boost(), copyAt(q))
	case *query.MatchPhraseQuery:
		if !rw.count(false) || !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if keywordFields[field] {
			t := query.NewTermQuery(q.MatchPhrase)
			t.SetField(field)
			t.SetBoost(q.Boost())
			return t
		}
		return place(field, q.Boost(), copyAt(q))
	case *query.WildcardQuery:
		rw.patterns = true
		if !rw.count(true) || !rw.checkWildcard(q.Wildcard) || !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if keywordFields[field] {
			q.SetField(field)
			return q
		}
		patterns := textPatterns(q.Wildcard)
		mk := func(f string, b float64) query.Query {
			var qs []query.Query
			for _, p := range patterns {
				c := *q
				c.Wildcard = p
				c.SetField(f)
				c.SetBoost(b)
				qs = append(qs, &c)
			}
			if len(qs) == 1 {
				return qs[0]
			}
			return query.NewDisjunctionQuery(qs)
		}
		return place(field, q.Boost(), mk)
	case *query.RegexpQuery:
		rw.patterns = true
		if !rw.count(true) || !rw.checkRegexp(q.Regexp) || !rw.checkBoost(q.Boost()) {
			return q
		}
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		return place(field, q.Boost(), copyAt(q))
	case *query.NumericRangeQuery:
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if field != fieldYear {
			return query.NewMatchNoneQuery()
		}
		return yearRange(q)
	case *query.DateRangeQuery:
		field, ok := rw.field(q.FieldVal)
		if !ok {
			return q
		}
		if field != fieldDate {
			return rw.fail("a date range needs the date field, as in date:>=\"2024-01-01\"")
		}
		// The index keeps dates as nanoseconds since 1970, which reach
		// from late 1677 to early 2262; bleve refuses a bound outside that
		// with an error that is not the user's to decode.
		if q.Validate() != nil {
			return rw.fail("a date in a range must be between 1678 and 2262, as in date:>=\"2024-01-01\"")
		}
		q.SetField(field)
		return q
	}
	return q
}

// textPatterns adapts a wildcard to the terms of the text fields, which
// are lower case and stemmed: "certificate" and "certification" are both
// indexed as certif, so certificat* as written finds neither. A prefix
// pattern (word*) is therefore also tried with the stems of the prefix
// completed by common endings (certificat+e -> certif*, deploy+ing ->
// deploi*).
func textPatterns(w string) []string {
	w = strings.ToLower(w)
	out := []string{w}
	prefix, ok := strings.CutSuffix(w, "*")
	if !ok || utf8.RuneCountInString(prefix) < 3 || strings.ContainsAny(prefix, "*?\\") {
		return out
	}
	for _, end := range []string{"", "e", "s", "ed", "ing", "ion", "y"} {
		terms := Analyze(prefix + end)
		if len(terms) != 1 {
			continue
		}
		t := terms[0]
		// Stemming changes the end of a word, never its start.
		if len(t) < 3 || t[:3] != prefix[:3] || strings.ContainsAny(t, "*?\\") {
			continue
		}
		if p := t + "*"; !slices.Contains(out, p) && !strings.HasPrefix(t, prefix) {
			out = append(out, p)
		}
	}
	return out
}

// yearRange turns year:>2020 (a numeric range, to the query string parser)
// into a range over the year keyword, whose values are four digits.
func yearRange(q *query.NumericRangeQuery) query.Query {
	bound := func(v *float64) (string, bool) {
		if v == nil {
			return "", true
		}
		y := math.Floor(*v)
		if y != *v || y < 0 || y > 9999 {
			return "", false
		}
		return fmt.Sprintf("%04d", int(y)), true
	}
	lo, ok1 := bound(q.Min)
	hi, ok2 := bound(q.Max)
	if !ok1 || !ok2 {
		return query.NewMatchNoneQuery()
	}
	t := query.NewTermRangeInclusiveQuery(lo, hi, q.InclusiveMin, q.InclusiveMax)
	t.SetField(fieldYear)
	return t
}
