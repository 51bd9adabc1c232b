#!/bin/sh
# Re-vendor govuk-frontend's built CSS (MIT) without the GDS Transport font,
# which is licensed for GOV.UK domains only. Needs npm; run from this folder.
set -eu
version=${1:-6.6.0}
tmp=$(mktemp -d)
(cd "$tmp" && npm pack --silent "govuk-frontend@$version" >/dev/null && tar xzf govuk-frontend-*.tgz)
# Drop the @font-face rules, the font name and the crest image: the app serves
# no fonts or images, and nothing is fetched from anywhere else.
sed -e 's/@font-face{[^}]*}//g' \
    -e 's/font-family:GDS Transport,arial,sans-serif/font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif/g' \
    -e 's/font-family:GDS Transport\([;}]\)/font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif\1/g' \
    -e 's#url(/assets/images/govuk-crest.svg)#none#g' \
    -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
    "$tmp/package/dist/govuk/govuk-frontend.min.css" > govuk-frontend.min.css
echo "govuk-frontend $version, MIT licence (https://github.com/alphagov/govuk-frontend)" > VERSION
rm -rf "$tmp"
