#!/usr/bin/env python3
# check-desktop-file.py DESKTOP CULVERT — the desktop file validates, says what
# the issue asks, and its New Connection action reaches the running app.
#
# Runs inside culvert-test-env --display: the app is started as D-Bus
# activation would start it, and the desktop action is activated the way a
# shell does for a DBusActivatable app (org.freedesktop.Application).
# SPDX-License-Identifier: GPL-3.0-or-later
import configparser
import os
import shutil
import subprocess
import sys
import time

desktop, exe = sys.argv[1:3]
problems = []


def expect(cond, what):
    if not cond:
        problems.append(what)


tool = shutil.which('desktop-file-validate')
if tool is None:
    print('SKIP: desktop-file-validate is not installed (build-aux/install-deps run)')
    sys.exit(77)
r = subprocess.run([tool, desktop], capture_output=True, text=True)
print(r.stdout + r.stderr, end='')
expect(r.returncode == 0 and r.stdout.strip() == '', 'desktop-file-validate complains')

ini = configparser.ConfigParser(interpolation=None, strict=True)
ini.optionxform = str
ini.read(desktop, encoding='utf-8')
entry = ini['Desktop Entry']
split = lambda v: [x for x in v.split(';') if x]
expect(set(split(entry.get('Categories', ''))) >= {'Network', 'RemoteAccess', 'GTK', 'GNOME'},
       'Categories must hold Network;RemoteAccess;GTK;GNOME;')
keywords = {k.lower() for k in split(entry.get('Keywords', ''))}
for needed in ('ssh', 'tunnel', 'forwarding', 'socks', 'proxy'):
    expect(needed in keywords, f'Keywords lack {needed}')
expect(entry.get('StartupNotify') == 'true', 'StartupNotify must be true')
expect(entry.get('Exec', '').split()[0] == 'culvert', 'Exec must run culvert')
app_id = os.path.basename(desktop)[:-len('.desktop')]
expect(entry.get('Icon') == app_id, 'Icon must be the app id')
expect(entry.get('DBusActivatable') == 'true', 'the app is D-Bus activatable')
expect('new-connection' in split(entry.get('Actions', '')), 'no new-connection action')
action = ini['Desktop Action new-connection'] if ini.has_section('Desktop Action new-connection') else {}
expect(action.get('Name') == 'New Connection', 'the action is called New Connection')
expect(action.get('Exec', '').split() == ['culvert', '--new-connection'],
       'the action runs culvert --new-connection')

# The command line the action runs is one the program knows.
r = subprocess.run([exe, '--help'], capture_output=True, text=True, timeout=30)
expect('--new-connection' in r.stdout, 'culvert --help does not offer --new-connection')

# A shell activates a DBusActivatable app's action over D-Bus by its id: the
# running app must export an action of that name, and activating it works.
if not os.environ.get('DISPLAY') or not shutil.which('gdbus') or not shutil.which('xwininfo'):
    problems.append('needs a display, gdbus and xwininfo (culvert-test-env --display; '
                    'build-aux/install-deps test)')
else:
    path = '/' + app_id.replace('.', '/')
    app = subprocess.Popen([exe, '--gapplication-service'], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)

    def gdbus(*args):
        return subprocess.run(['gdbus', 'call', '--session', '--dest', app_id,
                               '--object-path', path, *args],
                              capture_output=True, text=True, timeout=30)

    try:
        deadline = time.monotonic() + 60
        listed = None
        while time.monotonic() < deadline and app.poll() is None:
            listed = gdbus('--method', 'org.gtk.Actions.List')
            if listed.returncode == 0:
                break
            time.sleep(0.2)  # polling for the name to appear on the bus
        expect(listed is not None and listed.returncode == 0,
               f'the app did not appear on the bus as {app_id}')
        if listed is not None and listed.returncode == 0:
            expect("'new-connection'" in listed.stdout,
                   f'the app exports no new-connection action: {listed.stdout}')
            done = gdbus('--method', 'org.freedesktop.Application.ActivateAction',
                         'new-connection', '[]', '{}')
            expect(done.returncode == 0, f'activating new-connection failed: {done.stderr}')
            # On screen: a window titled as the action, the New Connection wizard.
            title = action.get('Name', 'New Connection')
            shown = False
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not shown:
                tree = subprocess.run(['xwininfo', '-root', '-tree'], capture_output=True,
                                      text=True, timeout=30)
                shown = f'"{title}"' in tree.stdout
                if not shown:
                    time.sleep(0.2)  # polling the X server for the new window
            expect(shown, f'no window titled "{title}" appeared')
            gdbus('--method', 'org.freedesktop.Application.ActivateAction', 'quit', '[]', '{}')
        try:
            app.wait(timeout=30)
        except subprocess.TimeoutExpired:
            problems.append('the app did not quit')
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    out = app.stdout.read()
    expect('CRITICAL' not in out and 'WARNING' not in out, f'the app complained: {out}')

for p in problems:
    print('problem:', p)
print(f'{len(problems)} problems')
sys.exit(1 if problems else 0)
