#!/usr/bin/python3
# check-atspi.py — what a screen reader is told about Culvert's window and
# wizard, read the way Orca reads it: over AT-SPI, from the running app.
#
#   check-atspi.py CULVERT-EXECUTABLE
#
# Runs inside culvert-test-env --display (its own X server and session bus,
# where the accessibility bus is started on demand). Starts the app as a user
# would, reads the name of every button, check box and text field of the main
# window, opens the wizard with the AT-SPI "click" action on New Connection…,
# and reads the wizard's. A name must be the words the user sees: not empty,
# not a widget type, without the mnemonic's underscore and not said twice
# (GTK 4.8 joins a widget's own label to the one it is labelled by).
# Prints TAP.
#
# Copyright 2026 The Culvert authors
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import subprocess
import sys
import time

try:
    import gi
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi
except (ImportError, ValueError) as e:
    print(f'1..0 # SKIP no AT-SPI bindings for Python ({e}); install python3-pyatspi')
    sys.exit(77)

# What a screen reader announces by name.
NAMED_ROLES = {
    'push button', 'toggle button', 'check box', 'radio button', 'switch',
    'text', 'entry', 'password text', 'spin button', 'combo box',
}
TYPE_NAME = re.compile(r'^(Gtk|Adw|Culvert)[A-Z]\w*$')
MNEMONIC = re.compile(r'(?<!_)_(?!_)')


def wait_for(what, check, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f'timed out waiting for {what}')


def children(node):
    for i in range(node.get_child_count()):
        child = node.get_child_at_index(i)
        if child is not None:
            yield child


def walk(node):
    yield node
    for child in children(node):
        yield from walk(child)


def find_app():
    desktop = Atspi.get_desktop(0)
    for app in children(desktop):
        if app.get_name() == 'culvert' and any(f.get_name() == 'Culvert' for f in children(app)):
            return app
    return None


def frame(app, name):
    for f in children(app):
        if f.get_role_name() == 'frame' and f.get_name() == name:
            return f
    return None


def bad_name(name):
    """Why @name is not what a screen reader should say, or None."""
    if not name or not name.strip():
        return 'no name'
    if TYPE_NAME.match(name):
        return 'only its widget type'
    if MNEMONIC.search(name):
        return 'the mnemonic underscore'
    half = len(name) // 2
    if len(name) % 2 == 1 and name[half] == ' ' and name[:half] == name[half + 1:]:
        return 'said twice'
    return None


def named_widgets(root):
    return [(n.get_role_name(), n.get_name()) for n in walk(root)
            if n.get_role_name() in NAMED_ROLES]


def check_names(root, expected):
    """(ok, diagnostics): every named widget's name is good, and @expected
    (role, name) pairs are among them (so that an empty tree cannot pass)."""
    widgets = named_widgets(root)
    problems = [f'{role} "{name}": {why}' for role, name in widgets
                if (why := bad_name(name)) is not None]
    missing = [f'{role} "{name}": not found' for role, name in expected
               if (role, name) not in widgets]
    return not problems and not missing, problems + missing, len(widgets)


def click(root, role, name):
    for node in walk(root):
        if node.get_role_name() == role and node.get_name() == name:
            action = node.get_action_iface()
            for i in range(action.get_n_actions()):
                if action.get_action_name(i) == 'click':
                    return action.do_action(i)
    raise AssertionError(f'no {role} "{name}" to click')


def report(number, title, result):
    ok, diagnostics, count = result
    print(f'{"ok" if ok else "not ok"} {number} - {title} ({count} named widgets)')
    for line in diagnostics:
        print(f'# {line}')
    return ok


def main():
    culvert = sys.argv[1]
    # The accessibility bus and its registry are started by the session
    # bus; they must reach this X server too.
    subprocess.run(['dbus-update-activation-environment', 'DISPLAY'], check=True)
    env = dict(os.environ)
    for name in ('GTK_A11Y', 'NO_AT_BRIDGE'):
        env.pop(name, None)

    print('1..2')
    app_proc = subprocess.Popen([culvert], env=env)
    all_ok = True
    try:
        app = wait_for('the Culvert window on the accessibility bus', find_app)
        window = frame(app, 'Culvert')
        all_ok &= report(1, 'main window: every name is the visible label',
                         check_names(window, [('push button', 'New Connection…'),
                                              ('push button', 'Dismiss'),
                                              ('push button', 'Connect')]))

        click(window, 'push button', 'New Connection…')
        wizard = wait_for('the wizard', lambda: frame(app, 'New Connection'))
        all_ok &= report(2, 'wizard: every name is the visible label',
                         check_names(wizard, [('push button', 'Next'),
                                              ('push button', 'Test Connection'),
                                              ('check box', 'Key File'),
                                              ('text', 'Port')]))
    finally:
        app_proc.terminate()
        app_proc.wait(timeout=10)
    return 0 if all_ok else 1


if __name__ == '__main__':
    sys.exit(main())
