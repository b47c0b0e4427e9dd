#!/usr/bin/env python3
# check-flatpak-manifest.py — the Flatpak manifest parses and says what we mean
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import re
import shutil
import subprocess
import sys

path = sys.argv[1]
with open(path, encoding='utf-8') as f:
    m = json.load(f)

problems = []

def expect(cond, what):
    if not cond:
        problems.append(what)

expect(m.get('id') == 'io.github.culvert.Culvert', 'id must be io.github.culvert.Culvert')
expect(m.get('command') == 'culvert', 'command must be culvert')
expect(m.get('runtime') == 'org.gnome.Platform', 'runtime must be org.gnome.Platform')
expect(m.get('sdk') == 'org.gnome.Sdk', 'sdk must be org.gnome.Sdk')
expect(re.fullmatch(r'\d+', str(m.get('runtime-version', ''))) is not None,
       'runtime-version must be a stable GNOME release')

allowed = {'--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11',
           '--device=dri', '--socket=ssh-auth'}
finish = set(m.get('finish-args', []))
expect(finish - allowed == set(), f'finish-args beyond what the app needs: {sorted(finish - allowed)}')
for needed in ('--share=network', '--socket=ssh-auth', '--socket=wayland'):
    expect(needed in finish, f'finish-args lack {needed}')

modules = m.get('modules', [])
names = [mod.get('name') if isinstance(mod, dict) else mod for mod in modules]
expect(names[-1:] == ['culvert'], 'the last module must be culvert')
expect('libssh' in names, 'libssh must be built as a module')

for mod in modules:
    if not isinstance(mod, dict):
        continue
    sources = mod.get('sources', [])
    if mod.get('name') == 'libssh':
        archives = [s for s in sources if s.get('type') == 'archive']
        expect(len(archives) == 1, 'libssh must come from one release tarball')
        for s in archives:
            expect(re.search(r'libssh-\d+\.\d+\.\d+\.tar\.xz$', s.get('url', '')) is not None,
                   'libssh url must name a release tarball')
            expect(re.fullmatch(r'[0-9a-f]{64}', s.get('sha256', '')) is not None,
                   'libssh tarball needs a sha256')
        expect(mod.get('buildsystem') == 'cmake-ninja', 'libssh builds with cmake-ninja')
    if mod.get('name') == 'culvert':
        expect(mod.get('buildsystem') == 'meson', 'culvert builds with meson')
        expect(any(s.get('type') == 'dir' and s.get('path') == '..' for s in sources),
               'culvert must build from the local checkout (type dir, path ..)')

# flatpak-builder can parse and type-check it offline when it is installed.
builder = shutil.which('flatpak-builder')
if builder:
    env = {k: v for k, v in os.environ.items() if k != 'G_DEBUG'}
    r = subprocess.run([builder, '--show-manifest', path], capture_output=True, text=True, env=env)
    expect(r.returncode == 0, f'flatpak-builder --show-manifest failed: {r.stderr}')
    # flatpak-builder 1.2 warns about its own deprecated "cmake" property while
    # printing; any other warning is about our manifest.
    for line in r.stderr.splitlines():
        if ('WARNING' in line or 'CRITICAL' in line) and 'BuilderModule:cmake' not in line:
            problems.append(f'flatpak-builder: {line}')
    if r.returncode == 0:
        shown = json.loads(r.stdout)
        expect(shown.get('id', shown.get('app-id')) == m['id'],
               'flatpak-builder reads a different app id')
else:
    print('note: flatpak-builder not installed; JSON checks only')

for p in problems:
    print(p)
print(f'{len(modules)} modules, {len(problems)} problems')
sys.exit(1 if problems else 0)
