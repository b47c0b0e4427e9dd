#!/usr/bin/env python3
# check-cli-trust.py — what the command line tells a user before a forward
# lets other computers in, and what it does with files it cannot trust
#
# Runs the built culvert with HOME and XDG_CONFIG_HOME in a fresh temporary
# directory, as a user would from a terminal, and checks what they would
# see and what would listen.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

exe = sys.argv[1]
problems = []


def check(cond, what):
    if not cond:
        problems.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def listening(port):
    """Whether something accepts on 127.0.0.1:port."""
    try:
        with socket.create_connection(('127.0.0.1', port), timeout=2):
            return True
    except OSError:
        return False


with tempfile.TemporaryDirectory() as tmp:
    home = os.path.join(tmp, 'home')
    config_home = os.path.join(tmp, 'config')
    os.makedirs(os.path.join(home, '.ssh'))
    env = {k: v for k, v in os.environ.items()
           if k not in ('DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS')}
    env.update(HOME=home, XDG_CONFIG_HOME=config_home, LC_ALL='C.UTF-8')
    profiles_dir = os.path.join(config_home, 'culvert', 'profiles')
    config = os.path.join(home, '.ssh', 'config')

    def run(*args, timeout=20):
        return subprocess.run([exe, *args], capture_output=True, text=True, env=env,
                              timeout=timeout)

    def write_config(text):
        with open(config, 'w') as f:
            f.write(text)

    def profile_text(name):
        for file in os.listdir(profiles_dir):
            with open(os.path.join(profiles_dir, file)) as f:
                text = f.read()
            if f'\nName={name}\n' in text:
                return os.path.join(profiles_dir, file), text
        return None, ''

    # 1. GatewayPorts with every kind of forward: each one that other
    # computers can now reach is named on stderr, with who can connect.
    write_config('Host gwtest\n'
                 '  HostName 127.0.0.1\n'
                 '  GatewayPorts yes\n'
                 '  LocalForward 18090 127.0.0.1:80\n'
                 '  DynamicForward 0.0.0.0:18091\n'
                 '  RemoteForward *:18092 127.0.0.1:22\n'
                 '  RemoteForward 18093\n')
    r = run('--import-ssh-config')
    check(r.returncode == 0 and 'gwtest' in r.stdout, f'import: {r}')
    warnings = [line for line in r.stderr.splitlines() if 'gwtest' in line]
    for port in ('18090', '18091', '18092', '18093'):
        check(any(port in line for line in warnings),
              f'the off-host forward on port {port} is not named on stderr: {r.stderr!r}')
    check(any('18091' in line and 'open proxy' in line for line in warnings),
          f'the off-host SOCKS forward is not called an open proxy: {r.stderr!r}')
    check(any('18090' in line and 'Any computer that can reach this one' in line
              for line in warnings),
          f'the -L warning does not say who can connect: {r.stderr!r}')
    check(any('18093' in line and 'this computer can reach' in line for line in warnings),
          f'the reverse dynamic forward does not say what it opens: {r.stderr!r}')
    check('(null)' not in r.stderr, f'a warning reads (null): {r.stderr!r}')

    # 2. Re-importing the same file changes nothing and warns of nothing.
    r = run('--import-ssh-config')
    check(r.returncode == 0 and 'Already up to date' in r.stdout and r.stderr == '',
          f're-import of the same file: {r}')

    # 3. A re-import that turns GatewayPorts on: the forward that was local
    # and now listens for everybody is named, and the saved connection
    # really has GatewayPorts (its exported command has -g).
    write_config('Host gwlater\n'
                 '  HostName 127.0.0.1\n'
                 '  LocalForward 18190 127.0.0.1:80\n')
    r = run('--import-ssh-config')
    check(r.returncode == 0 and r.stderr == '', f'a loopback-only import warned: {r}')
    write_config('Host gwlater\n'
                 '  HostName 127.0.0.1\n'
                 '  GatewayPorts yes\n'
                 '  LocalForward 18190 127.0.0.1:80\n')
    r = run('--import-ssh-config')
    check(r.returncode == 0 and 'Updated' in r.stdout, f'GatewayPorts re-import: {r}')
    check(any('gwlater' in line and '18190' in line and 'Any computer' in line
              for line in r.stderr.splitlines()),
          f'GatewayPorts turned on without a word about port 18190: {r.stderr!r}')
    _, text = profile_text('gwlater')
    check('GatewayPorts=true' in text, f'the re-import did not save GatewayPorts: {text!r}')
    r = run('--export', 'gwlater')
    check(r.returncode == 0 and ' -g ' in r.stdout, f'--export after the re-import: {r}')

    # 4. An Include that fans out (b includes itself three times) stops at
    # once with OpenSSH's reason, and imports nothing.
    fan = os.path.join(home, '.ssh', 'fan')
    with open(fan, 'w') as f:
        f.write(f'Host fanned\n  Include {fan} {fan} {fan}\n')
    before = sorted(os.listdir(profiles_dir))
    start = time.monotonic()
    r = run('--import-ssh-config', fan, timeout=60)
    check(r.returncode != 0 and 'too many recursive configuration includes' in r.stderr,
          f'a fanning Include: {r.returncode} {r.stderr!r}')
    check(time.monotonic() - start < 10, 'a fanning Include took more than 10 s')
    check(sorted(os.listdir(profiles_dir)) == before, 'a fanning Include saved something')

    # 5. A damaged saved forward: -L without a destination. It is reported,
    # marked in --list, not exported as something else, and never serves
    # (a local forward without a destination is not a SOCKS proxy), while
    # the connection's other forward does listen.
    # The "server" accepts and says nothing, so the session stays in its
    # handshake while the forwards are bound.
    silent = socket.socket()
    silent.bind(('127.0.0.1', 0))
    silent.listen(8)
    dead = silent.getsockname()[1]
    damaged_port = free_port()
    good_port = free_port()
    write_config('Host damaged\n'
                 '  HostName 127.0.0.1\n'
                 f'  Port {dead}\n'
                 f'  LocalForward {damaged_port} 127.0.0.1:80\n'
                 f'  DynamicForward {good_port}\n')
    r = run('--import-ssh-config')
    check(r.returncode == 0, f'import of "damaged": {r}')
    path, text = profile_text('damaged')
    text = re.sub(r'DestinationHost=127\.0\.0\.1\nDestinationPort=80\n', '', text)
    with open(path, 'w') as f:
        f.write(text)

    r = run('--list')
    check(r.returncode == 0, f'--list with a damaged forward: {r}')
    check('damaged' in r.stderr and 'destination host is missing' in r.stderr,
          f'--list does not say what is damaged: {r.stderr!r}')
    line = next((l for l in r.stdout.splitlines() if '\tdamaged\t' in l), '')
    check('does not run' in line, f'--list does not mark the forward: {line!r}')

    r = run('--export', 'damaged')
    check(r.returncode != 0 and 'ssh ' not in r.stdout and 'damaged' in r.stderr,
          f'--export of a damaged forward: {r}')

    headless = subprocess.Popen([exe, '--headless', '--profile', 'damaged'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env)
    try:
        deadline = time.monotonic() + 15
        while not listening(good_port) and time.monotonic() < deadline:
            time.sleep(0.1)
        check(listening(good_port), 'the good forward of "damaged" never listened')
        check(not listening(damaged_port),
              f'the damaged -L listens on {damaged_port} (as a SOCKS proxy?)')
    finally:
        headless.terminate()
        try:
            out, err = headless.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            headless.kill()
            out, err = headless.communicate()
        silent.close()
    check('damaged' in err.lower() and 'destination host is missing' in err,
          f'--profile did not say the forward is damaged: {err!r}')

    # 6. A server name that is not one never reaches a proxy's CONNECT line
    # (or libssh): not from the command line, not from a saved file edited
    # by hand.
    proxy = socket.socket()
    proxy.bind(('127.0.0.1', 0))
    proxy.listen(8)
    proxy.settimeout(0.5)
    proxy_url = f'http://127.0.0.1:{proxy.getsockname()[1]}'
    injected = 'fe80::1%eth0\r\nX-Injected: yes'
    r = run('--headless', '--proxy', proxy_url, injected)
    check(r.returncode == 2 and 'is not a host name or an IP address' in r.stderr
          and '\r' not in r.stderr, f'an injected host on the command line: {r}')
    path, text = profile_text('damaged')
    with open(path, 'w') as f:
        f.write(text.replace('Host=127.0.0.1', 'Host=bad\\r\\nX-Injected: yes'))
    r = run('--headless', '--proxy', proxy_url, '--profile', 'damaged')
    check(r.returncode == 2 and 'is not a host name' in r.stderr, f'an injected saved host: {r}')
    try:
        conn, _ = proxy.accept()
        conn.close()
        check(False, 'the proxy was contacted for a host that is not one')
    except socket.timeout:
        pass
    proxy.close()

    # 7. A reverse dynamic forward on the server's loopback is still said
    # for what it is, once: every user of the server reaches this computer.
    silent = socket.socket()
    silent.bind(('127.0.0.1', 0))
    silent.listen(8)
    r = subprocess.Popen([exe, '--headless', '-p', str(silent.getsockname()[1]),
                          '-o', 'ConnectTimeout=1', '-R', '19093', '127.0.0.1'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    try:
        _, err = r.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        r.kill()
        _, err = r.communicate()
    silent.close()
    check(err.count('Every user of that server can use it') == 1
          and 'this computer can reach' in err,
          f'a loopback reverse dynamic forward without its warning: {err!r}')

for p in problems:
    print(p)
sys.exit(1 if problems else 0)
