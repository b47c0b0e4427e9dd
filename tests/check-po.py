#!/usr/bin/env python3
# check-po.py SOURCE-DIR [--list] — every language in po/LINGUAS is complete
#
# For each language: po/LANG.po passes `msgfmt --check`, has Plural-Forms,
# and translates at least 95 % of the strings the sources hold now (the po
# file merged with a catalogue freshly extracted from po/POTFILES.in, so a
# string added to the code since the last update counts as untranslated;
# fuzzy ones count as untranslated too). Prints one line per language;
# --list also prints the strings still to translate.
#
# To update a translation after the code changed:
#   meson compile -C build culvert-update-po && python3 tests/check-po.py . --list
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import shutil
import subprocess
import sys
import tempfile

MINIMUM = 95.0
# What meson's i18n.gettext(preset: 'glib') gives xgettext.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments', '--keyword=_', '--keyword=N_',
    '--keyword=C_:1c,2', '--keyword=NC_:1c,2', '--keyword=g_dcgettext:2',
    '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]
# Languages whose plural rule we know; others only need a Plural-Forms line.
PLURAL_FORMS = {
    'de': 'nplurals=2; plural=(n != 1);',
    'fr': 'nplurals=2; plural=(n > 1);',
}

root = sys.argv[1]
listing = '--list' in sys.argv[2:]
problems = []

for tool in ('xgettext', 'msgmerge', 'msgfmt', 'msgattrib'):
    if shutil.which(tool) is None:
        print(f'SKIP: {tool} is not installed (gettext)')
        sys.exit(77)

with open(os.path.join(root, 'po', 'LINGUAS'), encoding='utf-8') as f:
    languages = [w for line in f for w in line.split('#')[0].split()]
if not languages:
    problems.append('po/LINGUAS lists no language')


def statistics(stderr):
    counts = {'translated': 0, 'fuzzy': 0, 'untranslated': 0}
    for number, kind in re.findall(r'(\d+) (translated|fuzzy|untranslated)', stderr):
        counts[kind] = int(number)
    return counts


with tempfile.TemporaryDirectory() as tmp:
    pot = os.path.join(tmp, 'culvert.pot')
    r = subprocess.run(['xgettext', '--package-name=culvert', '--directory', root,
                        '--files-from', os.path.join(root, 'po', 'POTFILES.in'),
                        '--output', pot] + XGETTEXT_ARGS,
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f'xgettext failed: {r.stderr}')
        sys.exit(1)

    for lang in languages:
        po = os.path.join(root, 'po', f'{lang}.po')
        if not os.path.isfile(po):
            problems.append(f'po/LINGUAS lists {lang}, but po/{lang}.po does not exist')
            continue

        r = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, po],
                           capture_output=True, text=True, env={**os.environ, 'LC_ALL': 'C'})
        if r.returncode != 0:
            problems.append(f'msgfmt --check po/{lang}.po:\n{r.stderr}')
            continue

        with open(po, encoding='utf-8') as f:
            header = f.read(4000)
        plural = re.search(r'"Plural-Forms: *([^"\\]*)', header)
        if plural is None:
            problems.append(f'po/{lang}.po has no Plural-Forms header')
        elif lang in PLURAL_FORMS and plural.group(1).strip() != PLURAL_FORMS[lang]:
            problems.append(f'po/{lang}.po: Plural-Forms must be {PLURAL_FORMS[lang]}')

        merged = os.path.join(tmp, f'{lang}.po')
        r = subprocess.run(['msgmerge', '--quiet', '--output-file', merged, po, pot],
                           capture_output=True, text=True)
        if r.returncode != 0:
            problems.append(f'msgmerge po/{lang}.po failed: {r.stderr}')
            continue
        r = subprocess.run(['msgfmt', '--check', '--statistics', '-o', os.devnull, merged],
                           capture_output=True, text=True, env={**os.environ, 'LC_ALL': 'C'})
        counts = statistics(r.stderr)
        total = sum(counts.values())
        share = 100.0 * counts['translated'] / total if total else 0.0
        print(f'{lang}: {counts["translated"]} of {total} strings translated ({share:.1f} %), '
              f'{counts["fuzzy"]} fuzzy, {counts["untranslated"]} untranslated')
        if share < MINIMUM:
            problems.append(f'po/{lang}.po translates {share:.1f} % of the strings, '
                            f'less than {MINIMUM:.0f} %')
        if listing:
            r = subprocess.run(['msgattrib', '--only-fuzzy', '--no-obsolete', merged],
                               capture_output=True, text=True)
            r2 = subprocess.run(['msgattrib', '--untranslated', '--no-obsolete', merged],
                                capture_output=True, text=True)
            print(r.stdout + r2.stdout)

for p in problems:
    print('problem:', p)
print(f'{len(languages)} languages, {len(problems)} problems')
sys.exit(1 if problems else 0)
