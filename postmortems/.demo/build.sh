#!/bin/sh
# Builds web.git, the small service repository the example postmortems name
# commits of: a fictional website whose header, deploy and database changes
# are the triggers and fixes of four examples, with action items closed by
# trailers and a last change touching a file two incidents touched.
#
# Every author, committer and date is fixed, so the commits get the same
# shas on every machine; a test builds it again and compares it with the
# committed copy. To change the history, edit this script, then run
#
#   sh postmortems/.demo/build.sh postmortems/.demo/web.git
#
# and write the new shas into the examples (the test names the ones that
# moved).
set -eu

out=${1:?usage: build.sh OUT.git}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GIT_CONFIG_NOSYSTEM=1 HOME=$work LC_ALL=C TZ=UTC
git init -q -b main "$work/web"
cd "$work/web"
git config user.name "Web team"
git config user.email web-team@example.com
git config commit.gpgsign false

# commit WHEN SUBJECT [BODY]: commits everything as it now stands.
commit() {
  git add -A
  if [ $# -ge 3 ]; then
    msg=$(printf '%s\n\n%s\n' "$2" "$3")
  else
    msg=$2
  fi
  GIT_AUTHOR_DATE=$1 GIT_COMMITTER_DATE=$1 git commit -q -m "$msg"
}

# header BASE STYLESHEET [NAV-ATTRIBUTES [LOGO]] writes the header every
# page includes: the file four incidents and the last change touch.
header() {
  {
    printf '<head>\n  <meta charset="utf-8">\n  <base href="%s">\n  <link rel="stylesheet" href="%s">\n</head>\n' "$1" "$2"
    printf '<nav%s>\n' "${3:-}"
    if [ -n "${4:-}" ]; then printf '  <img src="%s" alt="">\n' "$4"; fi
    printf '  <a href="/">Home</a>\n  <a href="/login">Sign in</a>\n  <a href="/bookings">Manage bookings</a>\n</nav>\n'
  } > templates/header.html
}

mkdir -p templates config deploy
cat > README.md <<'TXT'
# web

The public website: templates, their configuration per environment, and
the deploy pipeline.
TXT
header '{{ .Origin }}/' '/static/site.css'
cat > templates/home.html <<'TXT'
{{ template "header.html" . }}
<main>
  <h1>Travel, booked</h1>
  <a href="/search">Find a trip</a>
</main>
TXT
cat > templates/login.html <<'TXT'
{{ template "header.html" . }}
<form method="post" action="/login">
  <input name="email" type="email">
  <input name="password" type="password">
  <button>Sign in</button>
</form>
TXT
cat > config/production.yaml <<'TXT'
origin: https://www.example.com
TXT
cat > config/local.yaml <<'TXT'
origin: http://localhost
TXT
cat > deploy/pipeline.yaml <<'TXT'
stages:
  - build
  - production
TXT
commit 2019-05-02T10:00:00+01:00 "Website: templates, per-environment config and the deploy pipeline"

cat > templates/login.html <<'TXT'
{{ template "header.html" . }}
<form method="post" action="/login">
  <input name="email" type="email">
  <input name="password" type="password">
  <input name="booking" placeholder="Booking reference" value="{{ .LastBooking }}">
  <button>Sign in</button>
</form>
TXT
commit 2019-06-14T15:20:00+01:00 "Login: remember the last booking reference"

# The trigger of 2019-06-28-homepage-404: the tidied header carries a base
# URL from a developer's local configuration.
header 'http://localhost/' '/static/site.css' ' class="site-nav"'
commit 2019-06-28T18:12:00+01:00 "Header: tidy the navigation markup"
trigger1=$(git rev-parse HEAD)

git checkout -q "$trigger1~1" -- templates/header.html
commit 2019-06-28T18:58:00+01:00 'Revert "Header: tidy the navigation markup"' "This reverts commit $trigger1.

The base URL pointed every relative link at localhost."

mkdir -p monitoring
cat > monitoring/synthetics.yaml <<'TXT'
# Each check loads the page from two regions every minute and pages when
# two in a row fail or answer anything but 200.
checks:
  - url: https://www.example.com/
  - url: https://www.example.com/login
  - url: https://www.example.com/bookings
regions: [eu-west, af-south]
TXT
commit 2019-07-05T11:00:00+01:00 "Synthetic checks for the home, login and booking manager pages" "Postmortem-Action: 2019-06-28-homepage-404#2"

cat > deploy/pipeline.yaml <<'TXT'
stages:
  - build
  - staging
  - smoke      # home, login and booking pages must answer 200 on staging
  - production
# Templates are code: they take every stage.
TXT
commit 2019-07-16T14:30:00+01:00 "Deploy: templates go through staging and the smoke suite" "Postmortem-Action: 2019-06-28-homepage-404#3"

# The trigger of 2019-07-29-schema-migration-404, in the staging app's
# database changelog (the team works in UTC+06:00).
mkdir -p db/changelog
cat > db/changelog/2019-07-29-booking-customer-ref.yaml <<'TXT'
databaseChangeLog:
  - changeSet:
      id: 2019-07-29-booking-customer-ref
      author: backend
      changes:
        - addNotNullConstraint:
            tableName: booking
            columnName: customer_ref
            columnDataType: varchar(64)
TXT
commit 2019-07-29T11:50:00+06:00 "Booking: customer_ref is required"

cat > db/changelog/2019-07-29-booking-customer-ref.yaml <<'TXT'
databaseChangeLog:
  - changeSet:
      id: 2019-07-29-booking-customer-ref
      author: backend
      changes:
        - addNotNullConstraint:
            tableName: booking
            columnName: customer_ref
            columnDataType: varchar(64)
            # Rows from before the field existed have none.
            defaultNullValue: unknown
TXT
commit 2019-07-29T12:00:20+06:00 "Booking: fill the missing customer_ref values before requiring it"

cat > monitoring/uptime.yaml <<'TXT'
# A 404 on the application root means the application is not serving.
down_when:
  - status: [404, 500, 502, 503]
    path: /
TXT
commit 2019-08-01T10:00:00+06:00 "Uptime check: a 404 on the application root is down" "Postmortem-Action: 2019-07-29-schema-migration-404#3"

mkdir -p ci
cat > ci/check-base-url.sh <<'TXT'
#!/bin/sh
# Fails the build when a template hard-codes a base URL: it must come from
# the environment's config.
if grep -n '<base href="http' templates/*.html; then
  echo "templates must not hard-code the base URL" >&2
  exit 1
fi
TXT
commit 2019-09-10T09:15:00+01:00 "CI: fail the build when a template hard-codes the base URL" "Postmortem-Action: 2019-06-28-homepage-404#4"

# The trigger of 2019-10-08-stylesheets-missing: the header again, now the
# stylesheet path.
header '{{ .Origin }}/' 'https://cdn.example.com/v2/site.css'
commit 2019-10-08T16:40:00+01:00 "Header: load the stylesheet from the CDN"

header '{{ .Origin }}/' 'https://cdn.example.com/static/site.css'
commit 2019-10-08T17:02:00+01:00 "Header: the CDN serves the stylesheet under /static"

# The fix of 2019-11-14-booking-certificate-near-miss.
cat > config/certificates.yaml <<'TXT'
# Renewed by the certificate job 30 days before expiry; the synthetic
# checks page when one has less than 14 days left.
certificates:
  - host: www.example.com
  - host: bookings.example.com
renew_days_before: 30
alert_days_before: 14
TXT
commit 2019-11-15T10:30:00+01:00 "Certificates: renew bookings.example.com with the others" "Postmortem-Action: 2019-11-14-booking-certificate-near-miss#1"
git tag release-2019-11

# A change still to ship: it touches the header, as two incidents did, so
# `hindsight related --repo web --base release-2019-11` lists them.
header '{{ .Origin }}/' 'https://cdn.example.com/static/site.css' '' '/static/winter-logo.svg'
commit 2019-12-02T11:00:00+01:00 "Header: the winter logo"

rm -rf "$out"
git clone -q --bare "$work/web" "$out"
cd "$out"
git -c gc.writeCommitGraph=false -c repack.writeBitmaps=false gc -q --aggressive --prune=now
rm -rf hooks info logs description branches FETCH_HEAD ORIG_HEAD objects/info/commit-graph
# Loose refs, not packed-refs: git keeps no empty folder, and a repository
# without refs/ is not one; with a file in it, a clone of this project
# holds a readable repository.
git for-each-ref --format='%(objectname) %(refname)' | while read -r sha ref; do
  mkdir -p "$(dirname "$ref")"
  echo "$sha" > "$ref"
done
rm -f packed-refs
git config --unset remote.origin.url 2>/dev/null || true
git config --remove-section remote.origin 2>/dev/null || true
git log --reverse --format='%h %ad %s' --date=iso-strict main
