#!/usr/bin/env python3
# check-translations.py — every user-visible string is marked for translation
#
# - every file that uses _() / N_() / C_() or translatable="yes" is listed in
#   po/POTFILES.in (or POTFILES.skip), and every listed file exists;
# - in .ui files, user-visible properties carry translatable="yes";
# - xgettext extracts the strings from POTFILES.in without errors.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import subprocess
import sys
import tempfile

root = sys.argv[1]

def read_list(name):
    path = os.path.join(root, 'po', name)
    if not os.path.exists(path):
        return []
    with open(path, encoding='utf-8') as f:
        return [l.strip() for l in f if l.strip() and not l.startswith('#')]

potfiles = read_list('POTFILES.in')
skipped = set(read_list('POTFILES.skip'))
problems = []

for p in potfiles:
    if not os.path.exists(os.path.join(root, p)):
        problems.append(f'po/POTFILES.in lists {p}, which does not exist')

mark_re = re.compile(r'\b(?:_|N_|C_|NC_|g_dngettext|ngettext)\s*\(\s*"')
for dirpath, _dirs, files in os.walk(os.path.join(root, 'src')):
    for name in files:
        rel = os.path.relpath(os.path.join(dirpath, name), root)
        if not name.endswith(('.c', '.ui')):
            continue
        with open(os.path.join(root, rel), encoding='utf-8') as f:
            text = f.read()
        marked = mark_re.search(text) or 'translatable="yes"' in text
        if marked and rel not in potfiles and rel not in skipped:
            problems.append(f'{rel} has translatable strings but is not in po/POTFILES.in')
        if name.endswith('.ui'):
            visible = ('label', 'title', 'subtitle', 'description', 'tooltip-text',
                       'placeholder-text', 'text')
            for m in re.finditer(r'<property name="([a-z-]+)"([^>]*)>([^<]+)</property>', text):
                prop, attrs, value = m.groups()
                if prop in visible and 'translatable="yes"' not in attrs and value.strip():
                    problems.append(f'{rel}: property {prop}="{value.strip()}" is not translatable')
            for m in re.finditer(r'<attribute name="label"([^>]*)>', text):
                if 'translatable="yes"' not in m.group(1):
                    problems.append(f'{rel}: a menu label is not translatable')

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'culvert.pot')
    sources = [p for p in potfiles if p.endswith(('.c', '.ui'))]
    cmd = ['xgettext', '--from-code=UTF-8', '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2',
           '--keyword=NC_:1c,2', '-o', pot, '--directory', root] + sources
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        problems.append('xgettext failed: ' + r.stderr)
    elif 'warning' in r.stderr:
        # e.g. a printf macro inside a translatable string
        problems.append('xgettext warns: ' + r.stderr.strip())
    else:
        with open(pot, encoding='utf-8') as f:
            text = f.read()
        for expected in ('No connections yet', 'New Connection'):
            if f'msgid "{expected}' not in text and f'msgid "_{expected}' not in text:
                problems.append(f'"{expected}" was not extracted for translation')

for p in problems:
    print(p)
print(f'{len(potfiles)} files in POTFILES.in, {len(problems)} problems')
sys.exit(1 if problems else 0)
