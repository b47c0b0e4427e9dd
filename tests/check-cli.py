#!/usr/bin/env python3
# check-cli.py — `culvert --version` and `culvert --help` work without a display
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import subprocess
import sys

exe = sys.argv[1]
env = {k: v for k, v in os.environ.items()
       if k not in ('DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS')}
problems = []

def run(*args):
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=20)

r = run('--version')
if r.returncode != 0 or not r.stdout.startswith('culvert '):
    problems.append(f'--version: exit {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}')
elif 'libssh' not in r.stdout:
    problems.append('--version does not name the libssh version')

r = run('--help')
if r.returncode != 0 or 'Usage:' not in r.stdout or '--version' not in r.stdout:
    problems.append(f'--help: exit {r.returncode}, stdout {r.stdout!r}, stderr {r.stderr!r}')

r = run('--version', '--no-such-option')
if r.returncode == 0 or 'no-such-option' not in r.stderr:
    problems.append(f'an unknown option must fail clearly: exit {r.returncode}, {r.stderr!r}')

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
