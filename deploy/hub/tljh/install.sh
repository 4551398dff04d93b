#!/usr/bin/env bash
# labkit on The Littlest JupyterHub (TLJH 2.x), one machine for the whole class.
# Run as root on the TLJH server, from a checkout of this repository, after TLJH is installed:
#
#   sudo deploy/hub/tljh/install.sh                 # limits: 2G of memory, 1 CPU per learner
#   sudo LABKIT_MEMORY=3G LABKIT_CPU=1.5 LABKIT_CULL_TIMEOUT=3600 deploy/hub/tljh/install.sh
#
# 1. labkit and its pinned requirements (requirements.txt, and requirements-hub.txt: jupyterhub)
#    into the learners' environment;
# 2. the course (notebooks/, labs/) into /opt/labkit/course, copied into each home at first start;
# 3. the labkit server extension, enabled for every learner's server (a config file in the env);
# 4. the hub settings (lesson 00 as the landing page, the course folder), as a TLJH config file;
# 5. per-learner limits, which TLJH's systemd spawner enforces on the learner's whole unit
#    (server, kernels, backend, Lambda workers): `tljh-config set limits.memory|limits.cpu`;
#    and idle servers culled after 2 hours instead of TLJH's 10 minutes.
# Re-run it after `git pull` to update the kit; learners' own files are never touched.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/../../.." && pwd)"
USER_ENV="${TLJH_USER_ENV:-/opt/tljh/user}"
COURSE="/opt/labkit/course"
MEMORY="${LABKIT_MEMORY:-2G}"
CPU="${LABKIT_CPU:-1}"
CULL_TIMEOUT="${LABKIT_CULL_TIMEOUT:-7200}"   # TLJH stops servers idle for 10 minutes by default

[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo)" >&2; exit 1; }
command -v tljh-config >/dev/null || { echo "tljh-config not found: install TLJH first" >&2; exit 1; }
"$USER_ENV/bin/python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else
  f"labkit needs Python >= 3.11 in the user environment, found {sys.version.split()[0]}")'

echo "labkit: installing the kit into $USER_ENV"
"$USER_ENV/bin/python" -m pip install --no-cache-dir --no-deps -r "$REPO/requirements.txt" -r "$REPO/requirements-hub.txt"
"$USER_ENV/bin/python" -m pip install --no-cache-dir --no-deps "$REPO"

echo "labkit: course into $COURSE"
rm -rf "$COURSE.new" && mkdir -p "$COURSE.new"
cp -r "$REPO/notebooks" "$REPO/labs" "$COURSE.new/"
rm -rf "$COURSE" && mv "$COURSE.new" "$COURSE"
chmod -R a+rX "$COURSE"

echo "labkit: enabling the server extension for every learner's server"
install -D -m 0644 "$REPO/deploy/hub/jupyter_server_config.d/labkit-hub.json" \
  "$USER_ENV/etc/jupyter/jupyter_server_config.d/labkit-hub.json"
"$USER_ENV/bin/jupyter" server extension list 2>&1 | grep -A2 labkit.hub.extension

echo "labkit: hub settings and limits (memory $MEMORY, cpu $CPU per learner)"
install -m 0644 "$REPO/deploy/hub/jupyterhub_config_labkit.py" \
  /opt/tljh/config/jupyterhub_config.d/labkit.py
tljh-config set limits.memory "$MEMORY"
tljh-config set limits.cpu "$CPU"
# A stopped server loses its backend's in-memory state (queues, functions, tables): keep servers
# through a long lunch; learners re-run a notebook from the top after a stop.
tljh-config set services.cull.timeout "$CULL_TIMEOUT"
tljh-config reload hub

echo "labkit: done. Servers started from now on get the kit; restart running ones (Admin page)."
