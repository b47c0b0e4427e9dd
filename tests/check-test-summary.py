#!/usr/bin/env python3
# check-test-summary.py — build-aux/test-summary.py, the closing line CI
# reads, on synthetic meson logs: a test that did not run, a run that wrote
# no log, a build that failed, meson failing with no failed test, TAP
# points that failed or skipped are never counted as passed.
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import re
import subprocess
import sys
import tempfile

script = sys.argv[1]
problems = []
closing_re = re.compile(r'^(\d+) passed, (\d+) failed, (\d+) skipped$')


def check(cond, what):
    if not cond:
        problems.append(what)


def entry(name, result, points=None):
    stdout = ''
    if points is not None:
        stdout = '\n'.join([f'1..{len(points)}'] + points) + '\n'
    return {'name': name, 'result': result, 'stdout': stdout, 'stderr': ''}


def summarize(tmp, runs):
    """runs: (label, entries or None for no log or '-' for not built,
    defined, status). Returns (exit code, (passed, failed, skipped), output)."""
    args = []
    for i, (label, entries, defined, status) in enumerate(runs):
        if entries == '-':
            path = '-'
        else:
            path = os.path.join(tmp, f'testlog-{i}.json')
            if os.path.exists(path):
                os.unlink(path)
            if entries is not None:
                with open(path, 'w') as f:
                    for e in entries:
                        f.write(json.dumps(e) + '\n')
        args += ['--run', label, path, str(defined), str(status)]
    r = subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                       timeout=20)
    # The closing line; as root a skip adds one more line after it.
    found = [closing_re.match(line) for line in r.stdout.splitlines()]
    found = [m for m in found if m]
    counts = tuple(int(x) for x in found[-1].groups()) if found else None
    return r.returncode, counts, r.stdout


with tempfile.TemporaryDirectory() as tmp:
    ok_tap = entry('tap', 'OK', ['ok 1 /a', 'ok 2 /b', 'ok 3 /c'])
    ok_plain = entry('plain', 'OK')

    # Everything ran and passed: TAP points count one by one.
    code, counts, out = summarize(tmp, [('one', [ok_tap, ok_plain], 2, 0)])
    check(code == 0 and counts == (4, 0, 0), f'all passed: {code} {counts} {out!r}')

    # Two runs add up into one closing line.
    code, counts, out = summarize(tmp, [('one', [ok_tap], 1, 0), ('two', [ok_plain], 1, 0)])
    check(code == 0 and counts == (4, 0, 0), f'two runs: {code} {counts} {out!r}')

    # A defined test that did not run is a failure, not a pass.
    code, counts, out = summarize(tmp, [('one', [ok_tap], 3, 0)])
    check(code != 0 and counts == (3, 2, 0) and 'did not run' in out,
          f'tests that did not run: {code} {counts} {out!r}')

    # meson wrote no log: nothing ran.
    code, counts, out = summarize(tmp, [('one', None, 5, 1)])
    check(code != 0 and counts is not None and counts[0] == 0 and counts[1] >= 5,
          f'no log: {code} {counts} {out!r}')

    # A build that failed.
    code, counts, out = summarize(tmp, [('one', [ok_tap], 1, 0), ('two', '-', 0, 1)])
    check(code != 0 and counts is not None and counts[1] >= 1 and 'did not build' in out,
          f'a failed build: {code} {counts} {out!r}')

    # meson failed although every test it logged passed (a timeout it did
    # not log, say).
    code, counts, out = summarize(tmp, [('one', [ok_plain], 1, 1)])
    check(code != 0 and counts == (1, 1, 0), f'meson failed: {code} {counts} {out!r}')

    # A failed TAP test: its failed points count, its passed ones too.
    bad = entry('bad', 'FAIL', ['ok 1 /a', 'not ok 2 /b', 'not ok 3 /c'])
    code, counts, out = summarize(tmp, [('one', [bad, ok_plain], 2, 1)])
    check(code != 0 and counts == (2, 2, 0), f'failed points: {code} {counts} {out!r}')

    # A test with no TAP that failed or timed out.
    code, counts, out = summarize(tmp, [('one', [entry('t', 'TIMEOUT'), ok_plain], 2, 1)])
    check(code != 0 and counts == (1, 1, 0) and 'TIMEOUT' in out,
          f'a timeout: {code} {counts} {out!r}')

    # Skips are counted as skips, never as passes; as root they fail the run.
    skipping = entry('skips', 'OK', ['ok 1 /a', 'ok 2 /b # SKIP needs a thing'])
    code, counts, out = summarize(tmp, [('one', [skipping], 1, 0)])
    check(counts == (1, 0, 1) and 'needs a thing' in out, f'a skipped point: {counts} {out!r}')
    if os.geteuid() == 0:
        check(code != 0, f'a skip as root did not fail the run: {code} {out!r}')
    else:
        check(code == 0, f'a skip as a user failed the run: {code} {out!r}')
    code, counts, out = summarize(tmp, [('one', [entry('whole', 'SKIP')], 1, 0)])
    check(counts == (0, 0, 1) and code != 0, f'a skipped test: {code} {counts} {out!r}')

    # Nothing at all passed: not a success.
    code, counts, out = summarize(tmp, [('one', [], 0, 0)])
    check(code != 0, f'an empty run succeeded: {code} {counts} {out!r}')

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
