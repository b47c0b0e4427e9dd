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
#
# Then the keyboard alone, through the X server as a user types (xdotool,
# XTEST): Ctrl+N opens the wizard on the chosen scenario, Enter goes on from
# a choice as from a field, typed text reaches the field, a key file is
# chosen in the file chooser by typing its path (and Enter on it where GTK
# 4.18 first goes to it in the list), Escape asks before it discards it
# all, Discard closes and nothing is saved; Ctrl+, opens the preferences,
# whose names are read as
# well. Then, with a saved connection, its page, the forward dialog, the
# warning before a forward is opened to other hosts, and the connection
# editor are read the same way. What happened is read back over AT-SPI: which widget has
# the focus, whether Back and Next can be pressed. Prints TAP.
#
# Copyright 2026 The Culvert authors
# SPDX-License-Identifier: GPL-3.0-or-later
import contextlib
import os
import re
import subprocess
import sys
import time

try:
    import gi
    gi.require_version('Atspi', '2.0')
    from gi.repository import Atspi, GLib
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


# at-spi2-core 2.56 (Debian 13) names the button role "button"; 2.46
# (Debian 12) "push button".
# GTK 4.18 says "radio button" for check buttons in a group, 4.8 "check box".
ROLE_ALIASES = {'button': 'push button', 'radio button': 'check box'}


def role_of(node):
    try:
        role = node.get_role_name()
    except GLib.GError:
        # Gone while read (a dialog that animates out).
        return None
    return ROLE_ALIASES.get(role, role)


def wait_for(what, check, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f'timed out waiting for {what}')


def children(node):
    try:
        count = node.get_child_count()
    except GLib.GError:
        return
    for i in range(count):
        try:
            child = node.get_child_at_index(i)
        except GLib.GError:
            continue
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


# libadwaita 1.5's dialogs (AdwDialog, AdwAlertDialog) are inside a window.
DIALOG_ROLES = {'dialog', 'alert', 'alert dialog'}


def frame(app, name):
    """The window @name of @app, or the dialog @name inside one of its
    windows, looked up afresh: a window opened since @app was found may not
    be among its children as known then."""
    app = find_app() or app
    for f in children(app):
        # Any role: GTK 4.8 may describe a dialog (the file chooser) as a
        # "filler" when its accessible was made before it was a window.
        if f.get_name() == name:
            return f
    for f in children(app):
        for node in walk(f):
            if role_of(node) in DIALOG_ROLES and name_of(node) == name:
                return node
    return None


def name_of(node):
    try:
        return node.get_name()
    except GLib.GError:
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
    """The widgets set visible: GTK 4.8 also lists the hidden ones, and
    does not say which are on screen (no "showing" state), so the pages of
    a window not shown yet are read as well."""
    return [(role_of(n), n.get_name()) for n in walk(root)
            if role_of(n) in NAMED_ROLES and has_state(n, Atspi.StateType.VISIBLE)]


def check_names(root, expected):
    """(ok, diagnostics, count): every named widget's name is good, and
    @expected (role, name) pairs are among them (so that an empty tree
    cannot pass). @root: an accessible, or a list of (role, name) read
    before."""
    widgets = root if isinstance(root, list) else named_widgets(root)
    problems = [f'{role} "{name}": {why}' for role, name in widgets
                if (why := bad_name(name)) is not None]
    missing = [f'{role} "{name}": not found' for role, name in expected
               if (role, name) not in widgets]
    return not problems and not missing, problems + missing, len(widgets)


def find(root, role, name):
    for node in walk(root):
        if role_of(node) == role and node.get_name() == name:
            return node
    raise AssertionError(f'no {role} "{name}"')


def has_button(root, name):
    return any(role_of(n) == 'push button' and n.get_name() == name for n in walk(root))


def has_state(node, state):
    return node.get_state_set().contains(state)


def focused(root):
    for node in walk(root):
        if has_state(node, Atspi.StateType.FOCUSED):
            return (role_of(node), node.get_name())
    return None


def keyboard(*args):
    """Keys through the X server, as from a keyboard."""
    subprocess.run(['xdotool', *args], check=True)


def check_keyboard(app, culvert, env, seen):
    """(ok, diagnostics, steps): the wizard driven by the keyboard alone.
    Adds the named widgets of each page it reaches to @seen (GTK 4.18 lists
    only the page shown)."""
    notes = []
    steps = 0

    def look():
        wizard = frame(app, 'New Connection')
        if wizard is not None:
            seen.update(named_widgets(wizard))

    def expect(what, check, seconds=10):
        nonlocal steps
        try:
            wait_for(what, check, seconds)
            steps += 1
            return True
        except AssertionError:
            notes.append(f'{what}: not so (focus: {focused(app)})')
            return False

    def sensitive(wizard, name):
        return has_state(find(frame(app, 'New Connection'), 'push button', name),
                         Atspi.StateType.SENSITIVE)

    keyboard('key', 'ctrl+n')
    if not expect('Ctrl+N opens the wizard', lambda: frame(app, 'New Connection')):
        return False, notes, steps
    wizard = frame(app, 'New Connection')
    ok = expect('the focus starts on the chosen scenario',
                lambda: focused(frame(app, 'New Connection'))
                == ('check box', 'Reach a service through the server'))
    ok = ok and expect('Back cannot be pressed on the first page',
                       lambda: not sensitive(wizard, 'Back'))

    keyboard('key', 'Return')
    ok = ok and expect('Enter on the scenario goes to the server page (Back can be pressed, '
                       'Next waits for a server)',
                       lambda: sensitive(wizard, 'Back') and not sensitive(wizard, 'Next'))
    keyboard('type', '--delay', '20', '127.0.0.1')
    ok = ok and expect('the typed server is taken (Next can be pressed)',
                       lambda: sensitive(wizard, 'Next'))
    look()
    keyboard('key', 'Return')
    ok = ok and expect('Enter in the field goes to the login page, on the chosen method',
                       lambda: focused(frame(app, 'New Connection')) == ('list item', 'Automatic'))
    look()

    # A key file, chosen in the file chooser by typing its path.
    key = os.path.join(os.environ['HOME'], 'lab_key')
    subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'lab', '-f', key],
                   check=True, timeout=30)
    keyboard('key', 'Down')
    keyboard('key', 'space')
    ok = ok and expect('Down and Space choose Key File, which waits for a file (Next cannot '
                       'be pressed)',
                       lambda: focused(frame(app, 'New Connection')) == ('list item', 'Key File')
                       and not sensitive(wizard, 'Next'))
    keyboard('key', 'Tab')
    keyboard('key', 'Tab')
    ok = ok and expect('Tab reaches Choose…',
                       lambda: focused(frame(app, 'New Connection')) == ('push button', 'Choose…'))
    keyboard('key', 'Return')
    ok = ok and expect('Enter on Choose… opens the file chooser',
                       lambda: frame(app, 'Choose a Private Key'))
    # As a user does, the path is typed once the chooser shows its folder
    # (GTK 4.8's list, a GtkTreeView, shows no rows over AT-SPI: there, once
    # it has the focus).
    ok = ok and expect('the chooser lists the key file',
                       lambda: (c := frame(app, 'Choose a Private Key')) is not None
                       and (focused(c) == ('filler', 'GtkTreeView')
                            or any(role_of(n) == 'table row'
                                   and (name_of(n) or '').startswith(os.path.basename(key) + ' ')
                                   for n in walk(c))))
    keyboard('type', '--delay', '20', key)
    keyboard('key', 'Return')
    # GTK 4.8's chooser takes the typed file at once; GTK 4.18's first
    # goes to it in the list (the user sees it chosen there), and a second
    # Enter on it takes it.
    chooser_row = (lambda: (c := frame(app, 'Choose a Private Key')) is not None
                   and (f := focused(c)) is not None and f[0] == 'table row'
                   and f[1].startswith(os.path.basename(key) + ' '))
    try:
        taken_or_row = wait_for('the chooser to take the file or go to it',
                                lambda: frame(app, 'Choose a Private Key') is None
                                or chooser_row(), 10)
    except AssertionError:
        taken_or_row = False
    if taken_or_row and frame(app, 'Choose a Private Key') is not None:
        keyboard('key', 'Return')
    ok = ok and expect('the typed path is the key file (the wizard shows it; Next can be pressed)',
                       lambda: frame(app, 'Choose a Private Key') is None
                       and any(n.get_name() == key for n in walk(frame(app, 'New Connection')))
                       and sensitive(wizard, 'Next'))

    keyboard('key', 'shift+Tab')
    keyboard('key', 'shift+Tab')
    keyboard('key', 'Return')
    ok = ok and expect('Enter on a login method goes to the forward page (Next waits for a port)',
                       lambda: focused(frame(app, 'New Connection'))
                       not in (('list item', 'Key File'), ('push button', 'Choose…'))
                       and not sensitive(wizard, 'Next'))
    look()

    keyboard('key', 'Escape')
    ok = ok and expect('Escape asks before it discards what was entered',
                       lambda: has_button(find_app() or app, 'Discard'))
    if ok:
        click(find_app() or app, 'push button', 'Discard')
    ok = ok and expect('Discard closes the wizard', lambda: frame(app, 'New Connection') is None)
    listed = subprocess.run([culvert, '--list'], env=env, capture_output=True, text=True,
                            timeout=30)
    if listed.returncode != 0 or listed.stdout.strip():
        notes.append(f'a connection was saved after Escape: {listed.stdout.strip()!r}')
        ok = False
    return ok and not notes, notes, steps


def click(root, role, name, action_name='click'):
    """Runs @action_name ("click", or "toggle" for a switch) of the first
    @role named @name below @root, as a screen reader's user would."""
    roles = role if isinstance(role, tuple) else (role,)
    for node in walk(root):
        if role_of(node) in roles and node.get_name() == name:
            action = node.get_action_iface()
            for i in range(action.get_n_actions()):
                if action.get_action_name(i) == action_name:
                    return action.do_action(i)
    raise AssertionError(f'no {role} "{name}" to {action_name}')


def report(number, title, result, counted='named widgets'):
    ok, diagnostics, count = result
    print(f'{"ok" if ok else "not ok"} {number} - {title} ({count} {counted})')
    for line in diagnostics:
        print(f'# {line}')
    return ok


@contextlib.contextmanager
def running_app(culvert, env):
    """Starts the app; gives it and its main window once both are on the
    accessibility bus; stops it, and waits until it left the bus."""
    proc = subprocess.Popen([culvert], env=env)
    try:
        app = wait_for('the Culvert window on the accessibility bus', find_app)
        yield app, frame(app, 'Culvert')
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        wait_for('the app to leave the accessibility bus', lambda: find_app() is None)


def main():
    culvert = sys.argv[1]
    # The accessibility bus and its registry are started by the session
    # bus; they must reach this X server too.
    subprocess.run(['dbus-update-activation-environment', 'DISPLAY'], check=True)
    env = dict(os.environ)
    for name in ('GTK_A11Y', 'NO_AT_BRIDGE'):
        env.pop(name, None)

    print('1..8')
    all_ok = True

    # No connection yet: the window, the wizard, the preferences.
    with running_app(culvert, env) as (app, window):
        # What the empty window shows (GTK 4.8 also lists its hidden
        # widgets, the banner's Dismiss and a connection page's Connect;
        # GTK 4.18 lists only what is shown).
        all_ok &= report(1, 'main window: every name is the visible label',
                         check_names(window, [('push button', 'New Connection…')]))

        click(window, 'push button', 'New Connection…')
        wizard = wait_for('the wizard', lambda: frame(app, 'New Connection'))
        # Its first page here, the others as the keyboard walk reaches them.
        seen = set(named_widgets(wizard))
        keyboard('key', 'Escape')
        wait_for('the wizard to close', lambda: frame(app, 'New Connection') is None)
        walked = check_keyboard(app, culvert, env, seen)
        all_ok &= report(2, 'wizard: every name is the visible label',
                         check_names(sorted(seen), [('push button', 'Next'),
                                                    ('push button', 'Test Connection'),
                                                    ('check box', 'Key File'),
                                                    ('text', 'Port')]))
        all_ok &= report(3, 'wizard: the keyboard alone', walked, 'steps as expected')

        keyboard('key', 'ctrl+comma')
        preferences = wait_for('Ctrl+, to open the preferences',
                               lambda: frame(app, 'Preferences'))
        all_ok &= report(4, 'preferences: every name is the visible label',
                         check_names(preferences, [('check box', 'Notifications'),
                                                   ('check box', 'Run in Background')]))

    # A saved connection (imported, as from ~/.ssh/config; nothing connects):
    # its page, the forward dialog and the connection editor.
    config = os.path.join(os.environ['HOME'], 'lab_ssh_config')
    with open(config, 'w') as f:
        f.write('Host lab\n  HostName 127.0.0.1\n  User alice\n  Port 2222\n'
                '  LocalForward 15432 127.0.0.1:5432\n')
    subprocess.run([culvert, '--import-ssh-config', config], env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=30)
    with running_app(culvert, env) as (app, window):
        all_ok &= report(5, 'a connection\'s page: every name is the visible label',
                         check_names(window, [('check box', 'Connect “lab”'),
                                              ('check box', 'Use the forward on localhost:15432'),
                                              ('push button', 'Add Forward'),
                                              ('push button', 'Connect')]))

        click(window, 'push button', 'Add Forward')
        dialog = wait_for('the forward dialog', lambda: frame(app, 'New Forward'))
        all_ok &= report(6, 'forward dialog: every name is the visible label',
                         check_names(dialog, [('combo box', 'Kind'), ('text', 'Host'),
                                              ('check box', 'Allow Connections From Other Hosts')]))
        keyboard('key', 'Escape')
        wait_for('the forward dialog to close', lambda: frame(app, 'New Forward') is None)

        # Other hosts allowed on a forward: the warning before it is saved.
        click(window, 'push button', 'Edit Forward')
        editing = wait_for('the forward dialog, editing', lambda: frame(app, 'Edit Forward'))
        click(editing, 'check box', 'Allow Connections From Other Hosts', 'toggle')
        click(editing, 'push button', 'Save')
        warning = wait_for('the off-host warning',
                           lambda: frame(app, 'Let Other Computers Connect?'))
        all_ok &= report(7, 'off-host warning: every name is the visible label',
                         check_names(warning, [('push button', 'Keep Local Only'),
                                               ('push button', 'Allow Other Hosts')]))
        click(warning, 'push button', 'Keep Local Only')
        wait_for('the warning to close', lambda: frame(app, 'Let Other Computers Connect?') is None)
        if frame(app, 'Edit Forward') is not None:
            click(frame(app, 'Edit Forward'), 'push button', 'Cancel')
        wait_for('the forward dialog to close', lambda: frame(app, 'Edit Forward') is None)

        # A menu button: GTK 4.18 shows only its toggle button.
        click(window, ('push button', 'toggle button'), 'Connection Menu')
        edit = wait_for('Edit… in the connection menu',
                        lambda: next((n for n in walk(find_app())
                                      if role_of(n) == 'menu item'
                                      and n.get_name() == 'Edit…'), None))
        click(edit, 'menu item', 'Edit…')
        editor = wait_for('the connection editor', lambda: frame(app, 'Edit Connection'))
        all_ok &= report(8, 'connection editor: every name is the visible label',
                         check_names(editor, [('check box', 'Reconnect When the Connection Drops'),
                                              ('check box', 'Connect When Culvert Starts')]))
    return 0 if all_ok else 1


if __name__ == '__main__':
    sys.exit(main())
