#!/usr/bin/env bash
# Fetches Swagger UI (the swagger-ui-dist release that /swagger/ pins) into a folder for
# SWIFTCHAT_SWAGGER_UI_DIR, so that /swagger/ works with no internet access. The two files the
# server serves are checked against the hashes the page pins before anything is kept.
#
# Usage: scripts/fetch_swagger_ui.sh [FOLDER]    (default: data/swagger-ui in this checkout)
# Needs: curl, tar, coreutils. SWAGGER_UI_TARBALL_URL fetches the same npm tarball from a mirror.
# The last line printed is the setting, ready for a .env file:
#   scripts/fetch_swagger_ui.sh | tail -n 1 >> .env
set -euo pipefail

# Kept equal to SwaggerController.cdnVersion and SwaggerController.assets (a test compares them).
version=5.33.1
pinned=(
    "swagger-ui-bundle.js sha384-ZPehFMQommnnuaZ4rpxgkgTT2DKFVp4hZC/7pLit+9Lek9T1YGSo23eHFbvNkXkw"
    "swagger-ui.css sha384-Ov4/wv3j2bmct8cDc5X4ngJZohVPzEmc6uDPH8WeljUxO5vtoykvMEfbu9Vh6RaW"
)
url=${SWAGGER_UI_TARBALL_URL:-https://registry.npmjs.org/swagger-ui-dist/-/swagger-ui-dist-$version.tgz}
checkout=$(cd "$(dirname "$0")/.." && pwd)
folder=${1:-$checkout/data/swagger-ui}

fail() { echo "fetch_swagger_ui: $*" >&2; exit 1; }
command -v curl >/dev/null || fail "needs curl"
command -v tar >/dev/null || fail "needs tar"
# Never replace a folder that is not an earlier copy of Swagger UI.
if [ -e "$folder" ] && [ ! -f "$folder/swagger-ui-bundle.js" ] && [ -n "$(ls -A "$folder" 2>/dev/null)" ]; then
    fail "$folder exists and is not a swagger-ui-dist folder; name another one"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "fetching swagger-ui-dist $version from $url" >&2
curl --fail --silent --show-error --location --connect-timeout 20 --max-time 300 --retry 2 --output "$work/package.tgz" "$url" \
    || fail "could not download $url (no internet access? set SWAGGER_UI_TARBALL_URL to a mirror)"
mkdir "$work/unpacked"
tar -xzf "$work/package.tgz" -C "$work/unpacked" --no-same-owner --no-same-permissions \
    || fail "$url is not a gzip tarball"
# npm tarballs hold the package under package/.
[ -d "$work/unpacked/package" ] || fail "the tarball has no package/ folder"

for entry in "${pinned[@]}"; do
    file=${entry%% *}
    integrity=${entry#* }
    [ -f "$work/unpacked/package/$file" ] || fail "the tarball has no $file"
    # The pin is subresource integrity (base64 of the SHA-384); sha384sum prints hex.
    expected=$(printf '%s' "${integrity#sha384-}" | base64 -d | od -An -v -tx1 | tr -d ' \n')
    actual=$(sha384sum "$work/unpacked/package/$file" | cut -d' ' -f1)
    [ "$expected" = "$actual" ] || fail "$file does not match the pinned hash: not swagger-ui-dist $version as published"
done

mkdir -p "$(dirname "$folder")"
rm -rf "$folder"
mv "$work/unpacked/package" "$folder"
chmod -R a+rX "$folder"
folder=$(cd "$folder" && pwd)
echo "Swagger UI $version is in $folder; start the server with this setting (or add it to .env):" >&2
echo "SWIFTCHAT_SWAGGER_UI_DIR=$folder"
