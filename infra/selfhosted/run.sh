#!/usr/bin/env bash
# The self-hosted index on one host: nginx serves reads from a static tree, wheelhouse takes
# uploads (pypiserver inside) and keeps the tree in step. Runs in the foreground; Ctrl-C or
# SIGTERM stops both.
#
#   infra/selfhosted/run.sh --packages DIR --static DIR [--port 8080] [--host 0.0.0.0]
#                           [--htpasswd FILE] [--backend-port 8081] [--runtime DIR]
#
# Environment: WHEELHOUSE (the wheelhouse command, default: wheelhouse on PATH), NGINX (default:
# nginx), NGINX_USER (the user nginx's workers run as when started by root; default www-data; it
# must be able to read the static tree), ACCESS_LOG (default: off).
set -euo pipefail

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

packages="" static="" port=8080 host=127.0.0.1 htpasswd="" backend_port=8081 runtime=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --packages) packages=$2; shift 2 ;;
    --static) static=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --host) host=$2; shift 2 ;;
    --htpasswd) htpasswd=$2; shift 2 ;;
    --backend-port) backend_port=$2; shift 2 ;;
    --runtime) runtime=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; usage ;;
  esac
done
[[ -n "$packages" && -n "$static" ]] || { echo "run.sh: --packages and --static are required" >&2; usage; }
wheelhouse=${WHEELHOUSE:-wheelhouse}
nginx=${NGINX:-nginx}
command -v "$nginx" >/dev/null || { echo "run.sh: $nginx not found; install nginx (Debian: apt-get install nginx-light)" >&2; exit 3; }
mkdir -p "$packages" "$static"
packages=$(realpath "$packages") static=$(realpath "$static")
runtime=${runtime:-$(mktemp -d -t wheelhouse-selfhosted-XXXXXX)}
mkdir -p "$runtime"
runtime=$(realpath "$runtime")

user_directive=""
if [[ $(id -u) == 0 ]]; then user_directive="user ${NGINX_USER:-www-data};"; fi
sed -e "s|@RUNTIME@|$runtime|g" -e "s|@STATIC@|$static|g" -e "s|@LISTEN@|$host:$port|g" \
    -e "s|@BACKEND@|127.0.0.1:$backend_port|g" -e "s|@USER_DIRECTIVE@|$user_directive|g" \
    -e "s|@ACCESS_LOG@|${ACCESS_LOG:-off}|g" \
    "$(dirname "$0")/nginx.conf.in" > "$runtime/nginx.conf"
"$nginx" -t -q -p "$runtime" -c "$runtime/nginx.conf" -g 'daemon off;'

backend_args=(serve --wheelhouse "$packages" --mirror-to "$static" --host 127.0.0.1 --port "$backend_port")
[[ -z "$htpasswd" ]] || backend_args+=(--htpasswd "$htpasswd")
"$wheelhouse" "${backend_args[@]}" &
backend=$!
nginx_pid=""
stop() {
  [[ -z "$nginx_pid" ]] || kill "$nginx_pid" 2>/dev/null || true
  kill "$backend" 2>/dev/null || true
  wait || true
}
trap stop EXIT
trap 'exit 0' TERM INT

# The backend renders the static tree before it listens: wait for it, then let nginx serve it.
for _ in $(seq 1 600); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$backend_port") 2>/dev/null; then break; fi
  kill -0 "$backend" 2>/dev/null || { echo "run.sh: wheelhouse serve exited" >&2; exit 3; }
  sleep 0.2
done
"$nginx" -p "$runtime" -c "$runtime/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
echo "run.sh: reads from $static via nginx at http://$host:$port/simple/, uploads to http://$host:$port/" >&2
wait -n "$backend" "$nginx_pid"
echo "run.sh: one of wheelhouse serve / nginx stopped; stopping the other" >&2
exit 3
