#!/usr/bin/env bash
# Starts a throwaway OpenID provider (Debian's glewlwyd) on loopback for the federated
# sign-in tests, installing it first if missing. It gets an RS256 signing key, the OIDC
# plugin (authorization code + PKCE), a confidential client `panoptes` (secret
# `panoptes-oidc-secret`, redirect URI from $PANOPTES_OIDC_REDIRECT) and two users:
# alice / alice-password and mallory / mallory-password. Prints the issuer URL last.
set -euo pipefail

port="${PANOPTES_OIDC_PORT:-45930}"
redirect="${PANOPTES_OIDC_REDIRECT:-http://127.0.0.1:8080/api/v1/auth/oidc/callback}"
dir="${PANOPTES_OIDC_DIR:-/tmp/panoptes-oidc-provider}"
base="http://127.0.0.1:$port"

if ! command -v glewlwyd >/dev/null; then
  echo "installing glewlwyd (Debian package)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq glewlwyd >&2
fi

if curl -fsS "$base/api/oidc/.well-known/openid-configuration" >/dev/null 2>&1; then
  echo "$base/api/oidc"
  exit 0
fi

rm -rf "$dir" && mkdir -p "$dir"
python3 - "$dir/glewlwyd.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(open("/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3").read())
db.commit()
PY
openssl genrsa -out "$dir/key.pem" 2048 2>/dev/null
openssl rsa -in "$dir/key.pem" -pubout -out "$dir/public.pem" 2>/dev/null

cat > "$dir/glewlwyd.conf" <<CONF
port=$port
bind_address="127.0.0.1"
external_url="$base"
login_url="login.html"
api_prefix="api"
allow_origin="*"
log_mode="file"
log_level="WARNING"
log_file="$dir/glewlwyd.log"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
max_post_size=16778240
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
hash_algorithm="SHA512"
database =
{
  type = "sqlite3";
  path = "$dir/glewlwyd.db";
};
CONF

nohup glewlwyd --config-file="$dir/glewlwyd.conf" >"$dir/stdout.log" 2>&1 &
echo $! > "$dir/pid"
for _ in $(seq 1 50); do
  curl -fsS "$base/api/auth/scheme/" >/dev/null 2>&1 && break || sleep 0.2
done

python3 - "$base" "$dir" "$redirect" <<'PY'
import http.cookiejar, json, sys, urllib.request
base, folder, redirect = sys.argv[1:]
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
def call(method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Content-Type": "application/json"})
    try:
        with web.open(request) as response:
            return response.status
    except urllib.error.HTTPError as e:
        sys.exit(f"glewlwyd {method} {path}: {e.code} {e.read().decode(errors='replace')}")
call("POST", "/api/auth/", {"username": "admin", "password": "password"})
key, cert = (open(f"{folder}/{n}").read() for n in ("key.pem", "public.pem"))
call("POST", "/api/mod/plugin/", {
    "module": "oidc", "name": "oidc", "display_name": "OpenID Connect", "enabled": True,
    "parameters": {
        "iss": base + "/api/oidc", "jwt-type": "rsa", "jwt-key-size": "256", "key": key, "cert": cert,
        "access-token-duration": 3600, "refresh-token-duration": 1209600, "code-duration": 600,
        "refresh-token-rolling": True, "allow-non-oidc": False,
        "auth-type-code-enabled": True, "auth-type-token-enabled": False, "auth-type-id-token-enabled": False,
        "auth-type-none-enabled": False, "auth-type-password-enabled": False, "auth-type-client-enabled": False,
        "auth-type-refresh-enabled": True, "service-documentation": "", "op-policy-uri": "", "op-tos-uri": "",
        "jwks-show": True, "pkce-allowed": True, "pkce-method-plain-allowed": False,
        "subject-type": "public", "scope": [], "claims": [], "name-claim": "on-demand", "email-claim": "mandatory",
        "address-claim": {"type": "no"},
    },
})
call("POST", "/api/client/", {
    "client_id": "panoptes", "name": "Panoptes", "description": "Panoptes console", "enabled": True,
    "confidential": True, "password": "panoptes-oidc-secret", "redirect_uri": [redirect],
    "authorization_type": ["code", "refresh_token"], "scope": [], "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
})
for user in ("alice", "mallory"):
    call("POST", "/api/user/", {
        "username": user, "name": user.title(), "email": f"{user}@example.org", "enabled": True,
        "password": f"{user}-password", "scope": ["openid", "g_profile"],
    })
PY
echo "$base/api/oidc"
