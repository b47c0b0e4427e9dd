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

LIBSSH_TAG = 'libssh-0.12.2'
LIBSSH_COMMIT = '07430deb9b97b751ec5ea5a7fc307f40bf042e0a'
LIBSSH_PATCH = 'libssh-channel-window-size.patch'

def expect(cond, what):
    if not cond:
        problems.append(what)

expect(m.get('id') == 'io.github.culvert.Culvert', 'id must be io.github.culvert.Culvert')
expect(m.get('command') == 'culvert', 'command must be culvert')
expect(m.get('runtime') == 'org.gnome.Platform', 'runtime must be org.gnome.Platform')
expect(m.get('sdk') == 'org.gnome.Sdk', 'sdk must be org.gnome.Sdk')
# GNOME 50: GTK 4.22 and libadwaita 1.9, the newest runtime confirmed.
expect(str(m.get('runtime-version', '')) == '50', 'runtime-version must be GNOME 50')

allowed = {'--share=network', '--share=ipc', '--socket=wayland', '--socket=fallback-x11',
           '--device=dri', '--socket=ssh-auth'}
# With a reason: logind's PrepareForSleep, to reconnect at once after a
# resume (the reliability work); allowed, not required.
optional = {'--system-talk-name=org.freedesktop.login1'}
finish_list = m.get('finish-args', [])
finish = set(finish_list)
expect(len(finish_list) == len(finish), 'finish-args name a permission twice')
expect(finish - allowed - optional == set(),
       f'finish-args beyond what the app needs: {sorted(finish - allowed - optional)}')
# Every permission is explained in flatpak/README.md's table.
readme_path = os.path.join(os.path.dirname(os.path.abspath(path)), 'README.md')
readme = open(readme_path, encoding='utf-8').read() if os.path.isfile(readme_path) else ''
for arg in finish_list:
    expect(f'| `{arg}` |' in readme, f'flatpak/README.md does not say why {arg} is there')
for needed in sorted(allowed):
    expect(needed in finish, f'finish-args lack {needed}')
# Keys come from the agent or the file chooser portal, host keys go to the
# app's own known_hosts (flatpak/README.md): no file system access at all.
expect(not any(a.startswith(('--filesystem', '--talk-name', '--own-name', '--socket=session-bus',
                             '--socket=system-bus', '--device=all'))
               for a in finish_list),
       'finish-args must grant no file system or bus access')

modules = m.get('modules', [])
names = [mod.get('name') if isinstance(mod, dict) else mod for mod in modules]
expect(names[-1:] == ['culvert'], 'the last module must be culvert')
expect('libssh' in names, 'libssh must be built as a module')

for mod in modules:
    if not isinstance(mod, dict):
        continue
    sources = mod.get('sources', [])
    if mod.get('name') == 'libssh':
        # libssh 0.12.2 by tag and commit (no release tarball checksum could be
        # confirmed), with the patch and cflags build-aux/build-libssh applies too.
        gits = [s for s in sources if s.get('type') == 'git']
        expect(len(gits) == 1 and len(sources) == 2,
               'libssh must come from one git source and one patch')
        for s in gits:
            expect(s.get('url') in ('https://git.libssh.org/projects/libssh.git',
                                    'https://github.com/libssh/libssh-mirror.git'),
                   'libssh git url must be libssh\'s repository or its mirror')
            expect(s.get('tag') == LIBSSH_TAG, f'libssh must be pinned to tag {LIBSSH_TAG}')
            expect(s.get('commit') == LIBSSH_COMMIT,
                   f'libssh tag {LIBSSH_TAG} must be pinned to commit {LIBSSH_COMMIT}')
        expect(not any('sha256' in s for s in sources if s.get('type') != 'patch'),
               'libssh needs no unconfirmed checksum')
        patches = [s for s in sources if s.get('type') == 'patch']
        expect([s.get('path') for s in patches] == [LIBSSH_PATCH],
               f'libssh must apply {LIBSSH_PATCH}')
        # Every patch kept in flatpak/ is applied, and nothing else.
        kept = sorted(f for f in os.listdir(os.path.dirname(os.path.abspath(path)))
                      if f.endswith('.patch'))
        expect(sorted(s.get('path') for s in patches) == kept,
               f'the manifest must apply exactly the patches in flatpak/: {kept}')
        for s in patches:
            patch = os.path.join(os.path.dirname(os.path.abspath(path)), s.get('path', ''))
            expect(os.path.isfile(patch), f'{s.get("path")} is missing next to the manifest')
            if os.path.isfile(patch):
                with open(patch, encoding='utf-8') as f:
                    text = f.read()
                expect('+int ssh_channel_set_window_size(ssh_channel channel, uint32_t size)' in text
                       and '+        ssh_channel_set_window_size;' in text,
                       f'{s.get("path")} must define and export ssh_channel_set_window_size')
        cflags = mod.get('build-options', {}).get('cflags', '').split()
        expect('-DMAX_BUF_SIZE=65536' in cflags, 'libssh must be built with -DMAX_BUF_SIZE=65536')
        opts = mod.get('config-opts', [])
        for needed in ('-DCMAKE_BUILD_TYPE=Release', '-DWITH_EXAMPLES=OFF', '-DUNIT_TESTING=OFF',
                       '-DCLIENT_TESTING=OFF', '-DWITH_GSSAPI=OFF'):
            expect(needed in opts, f'libssh config-opts lack {needed}')
        # The server part stays: ssh_send_keepalive (keepalives),
        # ssh_set_message_callback and ssh_message_channel_request_open_originator*
        # (incoming forwards) are built from libssh's server.c (flatpak/README.md).
        expect('-DWITH_SERVER=OFF' not in opts,
               'libssh needs WITH_SERVER (ssh_send_keepalive is in server.c)')
        expect(len(opts) == len(set(opts)), 'libssh config-opts name an option twice')
        libssh_patches = [os.path.join(os.path.dirname(os.path.abspath(path)), s.get('path', ''))
                          for s in patches]
        expect(mod.get('buildsystem') == 'cmake-ninja', 'libssh builds with cmake-ninja')
    if mod.get('name') == 'culvert':
        expect(mod.get('buildsystem') == 'meson', 'culvert builds with meson')
        expect(any(s.get('type') == 'dir' and s.get('path') == '..' for s in sources),
               'culvert must build from the local checkout (type dir, path ..)')

# The patches apply to libssh 0.12.2's source, as flatpak-builder applies
# them (patch -p1), when that source is here (see the top-level README).
source = os.environ.get('LIBSSH_SOURCE') or os.path.join(
    os.path.dirname(os.path.abspath(path)), '..', '..', 'shared', 'deps', 'libssh-0.12.2.tar.xz')
if os.path.exists(source) and shutil.which('patch') and 'libssh_patches' in globals():
    import tarfile
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        if os.path.isdir(source):
            tree = source
        else:
            with tarfile.open(source) as tar:
                tar.extractall(tmp)
            tree = os.path.join(tmp, os.listdir(tmp)[0])
        expect(os.path.isfile(os.path.join(tree, 'src', 'server.c')) and
               'ssh_send_keepalive' in open(os.path.join(tree, 'src', 'server.c'),
                                            encoding='utf-8', errors='replace').read(),
               'ssh_send_keepalive is no longer in server.c: revisit WITH_SERVER')
        for patch in libssh_patches:
            r = subprocess.run(['patch', '-p1', '--dry-run', '--force', '-i', patch, '-d', tree],
                               capture_output=True, text=True)
            expect(r.returncode == 0,
                   f'{os.path.basename(patch)} does not apply to {source}: {r.stdout}{r.stderr}')
        print(f'{len(libssh_patches)} patches apply to {source}')
else:
    print('note: libssh 0.12.2 source not found (LIBSSH_SOURCE); patches not applied')

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
