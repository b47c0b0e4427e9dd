#!/usr/bin/env python3
# check-install.py BUILD-DIR SOURCE-DIR APP-ID — `meson install` puts every
# file where the desktop looks for it: the help pages F1 opens (help:culvert
# leads to help/C/culvert/index.page) with every figure they show, the
# catalogue of every language in po/LINGUAS, the desktop file, the metainfo,
# the D-Bus service, the schema and the icons.
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

build, source, app_id = sys.argv[1:4]
problems = []
meson = shutil.which('meson')
if meson is None:
    print('SKIP: meson is not on PATH')
    sys.exit(77)

with tempfile.TemporaryDirectory() as dest:
    r = subprocess.run([meson, 'install', '-C', build, '--no-rebuild', '--quiet',
                        '--destdir', dest], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr)
        sys.exit(1)
    shares = glob.glob(os.path.join(dest, '**', 'share'), recursive=True)
    share = min(shares, key=len) if shares else None
    if share is None:
        print('nothing was installed under share/')
        sys.exit(1)

    def expect_file(rel, why):
        if not os.path.isfile(os.path.join(share, rel)):
            problems.append(f'share/{rel} is not installed ({why})')

    help_dir = os.path.join('help', 'C', 'culvert')
    expect_file(os.path.join(help_dir, 'index.page'), 'F1 opens help:culvert')
    for page in sorted(glob.glob(os.path.join(source, 'help', 'C', '*.page'))):
        name = os.path.basename(page)
        expect_file(os.path.join(help_dir, name), 'a help page')
        with open(page, encoding='utf-8') as f:
            for media in sorted(set(re.findall(r'<media[^>]*\ssrc="([^"]+)"', f.read()))):
                expect_file(os.path.join(help_dir, media), f'{name} shows it')

    with open(os.path.join(source, 'help', 'LINGUAS'), encoding='utf-8') as f:
        for lang in [w for line in f for w in line.split('#')[0].split()]:
            for page in sorted(glob.glob(os.path.join(source, 'help', 'C', '*.page'))):
                expect_file(os.path.join('help', lang, 'culvert', os.path.basename(page)),
                            f'help/LINGUAS lists {lang}')

    with open(os.path.join(source, 'po', 'LINGUAS'), encoding='utf-8') as f:
        languages = [w for line in f for w in line.split('#')[0].split()]
    for lang in languages:
        expect_file(os.path.join('locale', lang, 'LC_MESSAGES', 'culvert.mo'), 'po/LINGUAS')

    expect_file(os.path.join('applications', f'{app_id}.desktop'), 'the desktop file')
    expect_file(os.path.join('metainfo', f'{app_id}.metainfo.xml'), 'software centres')
    expect_file(os.path.join('dbus-1', 'services', f'{app_id}.service'), 'D-Bus activation')
    expect_file(os.path.join('glib-2.0', 'schemas', f'{app_id}.gschema.xml'), 'settings')
    expect_file(os.path.join('icons', 'hicolor', 'scalable', 'apps', f'{app_id}.svg'), 'the icon')
    expect_file(os.path.join('icons', 'hicolor', 'symbolic', 'apps', f'{app_id}-symbolic.svg'),
                'the symbolic icon')

    # The installed desktop file carries the German name of its action.
    desktop = os.path.join(share, 'applications', f'{app_id}.desktop')
    if 'de' in languages and os.path.isfile(desktop):
        with open(desktop, encoding='utf-8') as f:
            if not re.search(r'^Name\[de\]=.+', f.read(), re.M):
                problems.append('the installed desktop file has no German names')

for p in problems:
    print('problem:', p)
print(f'{len(problems)} problems')
sys.exit(1 if problems else 0)
