#!/bin/sh
# Copies Swagger UI from the npm registry into internal/web/static/apidocs, which
# the hub embeds and serves at /api/v1/docs. Usage: scripts/update-apidocs.sh 5.36.0
set -eu
version=${1:?usage: $0 VERSION}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
(cd "$dir" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf "swagger-ui-dist-$version.tgz")
dest=$(dirname "$0")/../internal/web/static/apidocs
for f in swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui.css LICENSE NOTICE; do
	cp "$dir/package/$f" "$dest/$f"
done
sed -i "s/^Version: .*/Version: $version. To update: \`scripts\/update-apidocs.sh VERSION\`./" "$dest/README.md"
echo "Swagger UI $version copied into $dest"
