#!/usr/bin/env python3
# check-cli-store.py — culvert --list, --import-ssh-config, --export, --delete
#
# Runs the built culvert with HOME and XDG_CONFIG_HOME in a fresh temporary
# directory, as a user would from a terminal, and checks what they would see.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import shlex
import stat
import subprocess
import sys
import tempfile

exe = sys.argv[1]
problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, 'home')
    config_home = os.path.join(tmp, 'config')
    os.makedirs(os.path.join(home, '.ssh', 'conf.d'))
    env = {k: v for k, v in os.environ.items()
           if k not in ('DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS')}
    env.update(HOME=home, XDG_CONFIG_HOME=config_home, LC_ALL='C.UTF-8')

    def run(*args):
        return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=20)

    with open(os.path.join(home, '.ssh', 'config'), 'w') as f:
        f.write('Include conf.d/*\n'
                'Host web\n'
                '  HostName web.example.org\n'
                '  User alice\n'
                '  LocalForward 8080 intranet:80\n'
                '  DynamicForward 1080\n'
                'Host *.corp\n'
                '  ProxyCommand nc %h %p\n')
    with open(os.path.join(home, '.ssh', 'conf.d', 'db'), 'w') as f:
        f.write('Host db\n  HostName db.example.org\n  Port 2200\n  ProxyJump gw\n'
                '  RemoteForward 9000 localhost:3000\n')

    # An empty store lists nothing and succeeds.
    r = run('--list')
    check(r.returncode == 0 and r.stdout == '', f'--list on an empty store: {r}')

    r = run('--import-ssh-config')
    check(r.returncode == 0, f'--import-ssh-config failed: {r}')
    check('Created:\n  web\n' in r.stdout or 'Created:\n  db\n' in r.stdout,
          f'the report does not name the created profiles: {r.stdout!r}')
    check('web' in r.stdout and 'db' in r.stdout, f'report: {r.stdout!r}')
    check('*.corp: a pattern, not one host' in r.stdout, f'skipped pattern missing: {r.stdout!r}')
    check('ProxyCommand' in r.stdout, f'unsupported keyword missing: {r.stdout!r}')

    profiles_dir = os.path.join(config_home, 'culvert', 'profiles')
    check(stat.S_IMODE(os.stat(profiles_dir).st_mode) == 0o700, 'the profiles folder is not 0700')
    files = sorted(os.listdir(profiles_dir))
    check(len(files) == 2, f'expected two profile files, found {files}')
    for name in files:
        mode = stat.S_IMODE(os.stat(os.path.join(profiles_dir, name)).st_mode)
        check(mode == 0o600, f'{name} has mode {oct(mode)}')

    # Importing again duplicates nothing.
    r = run('--import-ssh-config', os.path.join(home, '.ssh', 'config'))
    check(r.returncode == 0 and 'Already up to date:' in r.stdout and 'Created:' not in r.stdout,
          f're-import: {r}')
    check(len(os.listdir(profiles_dir)) == 2, 're-import added files')

    r = run('--list')
    lines = r.stdout.splitlines()
    check(r.returncode == 0 and len(lines) == 2, f'--list: {r}')
    by_name = {}
    for line in lines:
        fields = line.split('\t')
        check(len(fields) == 4, f'--list line has {len(fields)} fields: {line!r}')
        by_name[fields[1]] = fields
    check(by_name.get('web', [None] * 4)[2:] == ['alice@web.example.org:22',
                                                 '-L 8080:intranet:80 -D 1080'],
          f'--list web: {by_name.get("web")}')
    check(by_name.get('db', [None] * 4)[2:] == ['db.example.org:2200',
                                                '-R 9000:localhost:3000'],
          f'--list db: {by_name.get("db")}')

    r = run('--export', 'web')
    check(r.returncode == 0 and shlex.split(r.stdout) ==
          ['ssh', '-N', '-L', '8080:intranet:80', '-D', '1080', '-o', 'ServerAliveInterval=30',
           'alice@web.example.org'], f'--export web: {r}')

    web_id = by_name.get('web', [''])[0]
    r = run('--export', web_id, '--format=ssh-config')
    check(r.returncode == 0 and r.stdout.startswith('Host web\n') and
          '    LocalForward 8080 intranet:80\n' in r.stdout, f'--export --format=ssh-config: {r}')

    r = run('--export', 'db', '--format', 'command')
    check(r.returncode == 0 and '-J gw' in r.stdout and '-p 2200' in r.stdout, f'export db: {r}')

    # Errors: stderr and a non-zero exit.
    r = run('--export', 'nothing')
    check(r.returncode == 1 and r.stdout == '' and 'nothing' in r.stderr, f'unknown name: {r}')
    r = run('--export', 'web', '--format=yaml')
    check(r.returncode == 2 and 'yaml' in r.stderr, f'bad format: {r}')
    r = run('--list', '--delete', 'web')
    check(r.returncode == 2 and r.stderr != '', f'two modes at once: {r}')
    r = run('--import-ssh-config', os.path.join(tmp, 'missing'))
    check(r.returncode == 1 and 'missing' in r.stderr, f'missing config: {r}')

    # A damaged file is reported, kept, and the rest still works.
    with open(os.path.join(profiles_dir, 'broken.profile'), 'w') as f:
        f.write('[Profile\n')
    r = run('--list')
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 2 and 'broken.profile' in r.stderr,
          f'--list with a damaged file: {r}')
    check(any(n.startswith('broken.profile.damaged-') for n in os.listdir(profiles_dir)),
          'the damaged file was not kept aside')

    r = run('--delete', 'WEB')
    check(r.returncode == 0 and 'web' in r.stdout, f'--delete: {r}')
    r = run('--list')
    check(r.returncode == 0 and len(r.stdout.splitlines()) == 1 and 'db' in r.stdout,
          f'--list after delete: {r}')
    r = run('--delete', 'web')
    check(r.returncode == 1 and 'web' in r.stderr, f'deleting twice: {r}')

for p in problems:
    print(p)
print(f'{len(problems)} problems')
sys.exit(1 if problems else 0)
