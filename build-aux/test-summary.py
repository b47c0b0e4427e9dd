#!/usr/bin/env python3
# test-summary.py — count results in meson's testlog.json, over one or more runs
#
#   test-summary.py --run LABEL TESTLOG DEFINED MESON_STATUS [--run ...]
#   test-summary.py TESTLOG
#
# Each --run is one `meson test`: its label (printed on its own line), its
# testlog.json (deleted before the run, so a missing file means meson ran
# nothing; "-" for a build that failed before any test could run), how many tests `meson test --list` defined for it, and meson's
# exit status. TAP tests count each of their test points; other tests count
# once. A defined test that did not run counts as failed, and so does a
# non-zero exit status of meson where no test failed.
#
# Prints one line per run, then the closing line for all of them,
# "N passed, N failed, N skipped", and exits non-zero when anything failed,
# nothing ran, or (as root, where every real part can run) anything skipped.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import re
import sys

tap_re = re.compile(r'^(not ok|ok)\b[^#]*(#\s*(SKIP|TODO)\b(.*))?', re.I)
plan_skip_re = re.compile(r'^1\.\.0\s*#\s*SKIP\b(.*)', re.I)


def count(label, path, defined, status):
    passed = failed = skipped = 0
    skips = []
    notes = []
    tails = []
    ran = 0
    if path == '-':
        f = None
        notes.append(f'{label}: did not build, so no test ran')
    else:
        try:
            f = open(path, encoding='utf-8')
        except FileNotFoundError:
            f = None
            notes.append(f'{label}: meson wrote no {path}: it ran no test')
    if f is not None:
        with f:
            for line in f:
                if not line.strip():
                    continue
                t = json.loads(line)
                ran += 1
                name, result = t['name'], t['result']
                points = []
                plan_skip = None
                for out in (t.get('stdout') or '').splitlines():
                    m = tap_re.match(out)
                    if m:
                        points.append((m.group(1).lower(), (m.group(3) or '').upper(),
                                       m.group(4) or ''))
                    m = plan_skip_re.match(out)
                    if m:
                        plan_skip = m.group(1).strip()
                if result in ('OK', 'EXPECTEDFAIL') and points:
                    for st, directive, why in points:
                        if directive == 'SKIP':
                            skipped += 1
                            skips.append(f'{label}: {name}: {why.strip()}')
                        elif st == 'ok':
                            passed += 1
                        else:
                            failed += 1
                elif result in ('OK', 'EXPECTEDFAIL'):
                    passed += 1
                elif result == 'SKIP':
                    skipped += 1
                    skips.append(f'{label}: {name}: {plan_skip or "skipped"}')
                else:
                    failed += 1
                    notes.append(f'{label}: {name}: {result}')
                    tails += tail_of(label, t)
                    bad = [p for p in points if p[0] == 'not ok']
                    if len(bad) > 1:
                        failed += len(bad) - 1
                    passed += sum(1 for p in points if p[0] == 'ok' and p[1] != 'SKIP')
    if defined is not None and ran < defined:
        notes.append(f'{label}: {defined - ran} of the {defined} tests defined did not run')
        failed += defined - ran
    elif f is None:
        failed += 1
    if status not in (None, 0) and failed == 0:
        notes.append(f'{label}: meson test exited with status {status} though no test failed')
        failed += 1
    return passed, failed, skipped, skips, notes, tails


def tail_of(label, t, lines=15):
    """The last lines a failed test printed, so that a report that keeps
    only the end of the output still says what went wrong."""
    out = ((t.get('stdout') or '') + '\n' + (t.get('stderr') or '')).strip().splitlines()
    # GLib's debug messages (G_MESSAGES_DEBUG) would crowd out the failure.
    out = [line for line in out if '-DEBUG: ' not in line]
    kept = [line[:300] for line in out[-lines:]]
    return [f'--- {label}: {t["name"]}: its last {len(kept)} lines of output:'] + kept


def main(argv):
    runs = []
    args = argv[1:]
    while args:
        if args[0] == '--run' and len(args) >= 5:
            label, path, defined, status = args[1:5]
            runs.append((label, path, int(defined), int(status)))
            args = args[5:]
        elif not args[0].startswith('-') and len(args) == 1:
            runs.append((os.path.dirname(os.path.dirname(args[0])) or '.', args[0], None, None))
            args = []
        else:
            print('usage: test-summary.py --run LABEL TESTLOG DEFINED MESON_STATUS [--run ...]\n'
                  '       test-summary.py TESTLOG', file=sys.stderr)
            return 2

    total = [0, 0, 0]
    all_skips = []
    all_notes = []
    counted = []
    for label, path, defined, status in runs:
        passed, failed, skipped, skips, notes, tails = count(label, path, defined, status)
        all_skips += skips
        all_notes += notes
        counted.append((label, defined, passed, failed, skipped))
        for line in tails:
            print(line)

    for label, defined, passed, failed, skipped in counted:
        if defined is not None:
            # Worded unlike the closing line, which is the one CI reads.
            print(f'{label}: passed {passed}, failed {failed}, skipped {skipped}')
        total = [total[0] + passed, total[1] + failed, total[2] + skipped]

    for s in all_skips:
        print('SKIP', s)
    for n in all_notes:
        print('FAIL', n)

    passed, failed, skipped = total
    print(f'{passed} passed, {failed} failed, {skipped} skipped')

    if failed or passed == 0:
        return 1
    if skipped and os.geteuid() == 0:
        print('Every test can run as root; a skip here is a failure.')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
