#!/usr/bin/env python3
# check-help-translations.py SOURCE-DIR — every language in help/LINGUAS:
# help/LANG/LANG.po passes `msgfmt --check`, every translated message fits
# back into its page (itstool -m, as gnome.yelp builds them), and the
# translated pages pass `yelp-check validate` and `yelp-check links`. Prints how much of the help
# each language translates (a number to watch, not a gate: help pages change
# more often than their translations).
# SPDX-License-Identifier: GPL-3.0-or-later
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

source = sys.argv[1]
problems = []
for tool in ('msgfmt', 'msgmerge', 'itstool', 'yelp-check'):
    if shutil.which(tool) is None:
        print(f'SKIP: {tool} is not installed')
        sys.exit(77)

with open(os.path.join(source, 'help', 'LINGUAS'), encoding='utf-8') as f:
    languages = [w for line in f for w in line.split('#')[0].split()]
pages = sorted(os.path.basename(p) for p in glob.glob(os.path.join(source, 'help', 'C', '*.page')))

with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'help.pot')
    r = subprocess.run(['itstool', '-o', pot] +
                       [os.path.join(source, 'help', 'C', p) for p in pages],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f'itstool failed: {r.stderr}')
        sys.exit(1)
    for lang in languages:
        po = os.path.join(source, 'help', lang, f'{lang}.po')
        if not os.path.isfile(po):
            problems.append(f'help/LINGUAS lists {lang}, but {po} does not exist')
            continue
        r = subprocess.run(['msgfmt', '--check', '-o', os.devnull, po],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append(f'msgfmt --check {po}:\n{r.stderr}')
        merged = os.path.join(tmp, f'{lang}.po')
        subprocess.run(['msgmerge', '--quiet', '-o', merged, po, pot], check=True)
        r = subprocess.run(['msgfmt', '--statistics', '-o', os.devnull, merged],
                           capture_output=True, text=True, env={**os.environ, 'LC_ALL': 'C'})
        counts = dict((k, int(n)) for n, k in
                      re.findall(r'(\d+) (translated|fuzzy|untranslated)', r.stderr))
        total = sum(counts.values())
        print(f'help {lang}: {counts.get("translated", 0)} of {total} messages translated')

        # Every translated message must fit back into its page: itstool only
        # warns about one that does not (a broken tag) and keeps the English.
        mo = os.path.join(tmp, f'{lang}.mo')
        subprocess.run(['msgfmt', '-o', mo, po], check=True)
        out = os.path.join(tmp, f'merged-{lang}')
        os.mkdir(out)
        r = subprocess.run(['itstool', '-m', mo, '-o', out] +
                           [os.path.join(source, 'help', 'C', p) for p in pages],
                           capture_output=True, text=True)
        if r.returncode != 0 or 'Could not merge' in r.stdout + r.stderr:
            problems.append(f'itstool cannot merge parts of {po}:\n{r.stdout}{r.stderr}')

        # The translated pages, as the build makes them, are valid Mallard.
        for what in ('validate', 'links'):
            r = subprocess.run(['yelp-check', what, out], capture_output=True, text=True)
            if r.returncode != 0 or r.stdout.strip():
                problems.append(f'yelp-check {what} on the {lang} pages:\n{r.stdout}{r.stderr}')

for p in problems:
    print('problem:', p)
print(f'{len(languages)} languages, {len(problems)} problems')
sys.exit(1 if problems else 0)
