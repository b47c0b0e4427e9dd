#!/usr/bin/env python3
# check-metainfo.py METAINFO DESKTOP SOURCE-DIR VERSION — the AppStream file a
# software centre shows: valid without a warning, and complete.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

metainfo, desktop, source_dir, version = sys.argv[1:5]
problems = []


def expect(cond, what):
    if not cond:
        problems.append(what)


# 1. appstreamcli: no error, no warning, and no info but the one AppStream
# before 1.0 gives for <developer> (which 1.0 and Flathub want; its
# replacement for older versions, <developer_name>, is deprecated in 1.0).
tool = shutil.which('appstreamcli')
if tool is None:
    print('SKIP: appstreamcli is not installed (build-aux/install-deps run)')
    sys.exit(77)
r = subprocess.run([tool, 'validate', '--no-net', '--explain', metainfo],
                   capture_output=True, text=True)
print(r.stdout + r.stderr)
expect(r.returncode == 0, f'appstreamcli validate failed ({r.returncode})')
tolerated_infos = {'unknown-tag developer'}
for line in r.stdout.splitlines():
    m = re.match(r'([EWI]): \S+?:(?:\d+:)? (.*)', line)
    if not m:
        continue
    kind, what = m.groups()
    if kind in 'EW' or what.strip() not in tolerated_infos:
        problems.append(f'appstreamcli: {line}')

root = ET.parse(metainfo).getroot()
text = lambda path: (root.findtext(path) or '').strip()

# 2. What a software centre shows.
expect(len(text('summary')) > 0, 'no summary')
expect(len(root.findall('description/p')) >= 1 and len(root.findall('description/ul/li')) >= 3,
       'the description needs a paragraph and a list of what the app does')
app_id = text('id')
launchable = root.find("launchable[@type='desktop-id']")
expect(launchable is not None and launchable.text == os.path.basename(desktop),
       f'launchable must name the desktop file {os.path.basename(desktop)}')
expect(app_id + '.desktop' == os.path.basename(desktop), 'the id must match the desktop file')
urls = {u.get('type'): (u.text or '') for u in root.findall('url')}
for kind in ('homepage', 'bugtracker', 'help'):
    expect(urls.get(kind, '').startswith('https://'), f'no https <url type="{kind}">')
rating = root.find('content_rating')
expect(rating is not None and rating.get('type', '').startswith('oars-'), 'no OARS content rating')
colours = {c.get('scheme_preference'): c.text for c in root.findall("branding/color[@type='primary']")}
for scheme in ('light', 'dark'):
    expect(re.fullmatch(r'#[0-9a-fA-F]{6}', colours.get(scheme) or '') is not None,
           f'no primary branding colour for the {scheme} scheme')
keywords = {(k.text or '').strip().lower() for k in root.findall('keywords/keyword')}
for needed in ('ssh', 'tunnel', 'port forwarding', 'socks', 'proxy'):
    expect(needed in keywords, f'keyword {needed!r} missing')

# 3. Releases, newest first, each dated; the newest is this version.
releases = root.findall('releases/release')
expect(len(releases) >= 1, 'no releases')
dates = [r.get('date') or '' for r in releases]
expect(all(re.fullmatch(r'\d{4}-\d{2}-\d{2}', d) for d in dates), 'every release needs a date')
expect(dates == sorted(dates, reverse=True), 'releases must be listed newest first')
expect(releases and releases[0].get('version') == version,
       f'the newest release must be this version, {version}')

# 4. Every screenshot names a PNG in this repository, big enough to show.
shots = root.findall('screenshots/screenshot')
expect(len(shots) >= 2, 'at least two screenshots')
expect(sum(1 for s in shots if s.get('type') == 'default') == 1, 'exactly one default screenshot')
prefix = 'https://raw.githubusercontent.com/culvert/culvert/main/'
for s in shots:
    url = (s.findtext('image') or '').strip()
    expect(url.startswith(prefix), f'screenshot {url} is not in this repository')
    expect((s.findtext('caption') or '').strip() != '', f'screenshot {url} has no caption')
    path = os.path.join(source_dir, url[len(prefix):])
    if not os.path.isfile(path):
        problems.append(f'screenshot {url[len(prefix):]} is missing from the repository')
        continue
    with open(path, 'rb') as f:
        head = f.read(24)
    if head[:8] != b'\x89PNG\r\n\x1a\n':
        problems.append(f'{path} is not a PNG')
        continue
    width, height = struct.unpack('>II', head[16:24])
    expect(width >= 620 and height >= 350, f'{path} is {width}x{height}, too small to show')

for p in problems:
    print('problem:', p)
print(f'{len(shots)} screenshots, {len(releases)} releases, {len(problems)} problems')
sys.exit(1 if problems else 0)
