#!/usr/bin/env python3
# test-summary.py TESTLOG — count results in meson's testlog.json
#
# TAP tests count each of their test points; other tests count once. Prints
# "N passed, N failed, N skipped" and exits non-zero when anything failed,
# nothing ran, or (as root, where every real part can run) anything skipped.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import re
import sys

passed = failed = skipped = 0
skips = []
tap_re = re.compile(r'^(not ok|ok)\b[^#]*(#\s*(SKIP|TODO)\b(.*))?', re.I)
plan_skip_re = re.compile(r'^1\.\.0\s*#\s*SKIP\b(.*)', re.I)

with open(sys.argv[1], encoding='utf-8') as f:
    for line in f:
        if not line.strip():
            continue
        t = json.loads(line)
        name, result = t['name'], t['result']
        points = []
        plan_skip = None
        for out in (t.get('stdout') or '').splitlines():
            m = tap_re.match(out)
            if m:
                points.append((m.group(1).lower(), (m.group(3) or '').upper(), m.group(4) or ''))
            m = plan_skip_re.match(out)
            if m:
                plan_skip = m.group(1).strip()
        if result in ('OK', 'EXPECTEDFAIL') and points:
            for status, directive, why in points:
                if directive == 'SKIP':
                    skipped += 1
                    skips.append(f'{name}: {why.strip()}')
                elif status == 'ok':
                    passed += 1
                else:
                    failed += 1
        elif result in ('OK', 'EXPECTEDFAIL'):
            passed += 1
        elif result == 'SKIP':
            skipped += 1
            skips.append(f'{name}: {plan_skip or "skipped"}')
        else:
            failed += 1
            bad = [p for p in points if p[0] == 'not ok']
            if len(bad) > 1:
                failed += len(bad) - 1
            passed += sum(1 for p in points if p[0] == 'ok' and p[1] != 'SKIP')

for s in skips:
    print('SKIP', s)

print(f'{passed} passed, {failed} failed, {skipped} skipped')

if failed or passed == 0:
    sys.exit(1)
if skipped and os.geteuid() == 0:
    print('Every test can run as root; a skip here is a failure.')
    sys.exit(1)
