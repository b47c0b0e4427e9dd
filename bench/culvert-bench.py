#!/usr/bin/env python3
# culvert-bench.py — Culvert's headless runner against OpenSSH's `ssh -N`
# SPDX-License-Identifier: GPL-3.0-or-later
"""Measure Culvert against `ssh -N -L` through a real sshd on 127.0.0.1.

    python3 bench/culvert-bench.py --build-dir build-bench            # full run
    python3 bench/culvert-bench.py --build-dir build-bench --quick    # checks only

For each cipher (sshd is configured with exactly that one) it runs pairs of
the two tools, alternating which goes first, each test against a freshly
started forwarder: bulk upload and download through -L (loopback, then
through bench-relay, which holds every byte 25 ms each way; there the
download is repeated on a second channel of the same forwarder, and for both
channels the client's bytes-against-time series gives the seconds until the
rate over a sliding 250 ms reached 90 % of the final speed), 1-byte
ping-pong, new connections per second, 1,000 concurrent echo connections;
once per cipher also 10,000 idle connections and a client that stops reading
for 10 s. The jump-host case (`--test 'jump download'`) reaches the same
sshd through a second sshd as jump host (`-J`), with bench-relay's 50 ms
between the forwarder and the jump host; `ssh` gets the same `-J` (its
`ssh -W` reads the same options from a generated ssh_config given with -F).
Every transfer is checked by checksum. CPU time and memory come
from /proc/PID of the forwarding process (culvert, or the ssh client).

It prints a table of medians and of the median per-pair Culvert/OpenSSH
ratio with its 90 % bootstrap interval (how far that median moves when the
pairs are drawn again: noise, not a verdict), writes results.json and
results.md to --output, and exits 1 when any transfer did not arrive whole
(never because of a speed). --quick moves a few MiB with one pair and one
cipher, for the test suite. Exit 77: a tool is missing.
"""

import argparse
import bisect
import ctypes
import json
import os
import platform
import pwd
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

SSHD = '/usr/sbin/sshd'
TEST_USER = 'culverttest'
CIPHERS = ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com']
TOOLS = ['culvert', 'ssh']
EXIT_SKIP = 77

FULL = {
    'pairs': 5,
    'bulk_bytes': GiB,
    'long_bytes': 128 * MiB,
    'delay_ms': 25,
    'pings': 5000,
    # 10,000: at 6,000 a second, 2,000 took a third of a second, and pairs
    # of the same build differed by a third.
    'conns': 10000,
    'conn_parallel': 8,
    'concurrent': 1000,
    'concurrent_bytes': MiB,
    'idle': 10000,
    'slow_bytes': 256 * MiB,
    'slow_after': 32 * MiB,
    'slow_pause': 10.0,
}
QUICK = {
    'pairs': 1,
    'bulk_bytes': 4 * MiB,
    'long_bytes': 2 * MiB,
    'delay_ms': 25,
    'pings': 200,
    'conns': 50,
    'conn_parallel': 4,
    'concurrent': 20,
    'concurrent_bytes': 256 * KiB,
    'idle': 100,
    'slow_bytes': 8 * MiB,
    'slow_after': 2 * MiB,
    'slow_pause': 1.0,
}


TEST_NAMES = ['upload', 'download', 'long upload', 'long download', 'jump download', 'latency',
              'connections', 'concurrent', 'remote upload', 'remote download',
              'long remote upload', 'dynamic upload', 'dynamic download',
              'long dynamic download', 'dynamic connections', 'idle', 'slow reader',
              'real download']


class Skip(Exception):
    pass


class BenchError(Exception):
    pass


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def die_with_parent():
    """Children get SIGTERM if the harness dies, so nothing is left behind."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_quietly(argv, input_text=None):
    r = subprocess.run(argv, input=input_text, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise BenchError(f'{argv[0]} failed: {r.stderr.strip()}')
    return r.stdout


def listening(port):
    """True when something listens on 127.0.0.1:port (read from /proc, so no
    connection is made through a tunnel that may not be ready)."""
    want = f'0100007F:{port:04X}'
    with open('/proc/net/tcp') as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == '0A':
                return True
    return False


def proc_status(pid):
    """VmRSS and VmHWM of a process, in bytes."""
    out = {}
    with open(f'/proc/{pid}/status') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key in ('VmRSS', 'VmHWM'):
                out[key] = int(value.split()[0]) * KiB
    return out


def proc_cpu(pid):
    """utime + stime of a process (all its threads), in seconds."""
    with open(f'/proc/{pid}/stat') as f:
        fields = f.read().rpartition(')')[2].split()
    ticks = os.sysconf('SC_CLK_TCK')
    return (int(fields[11]) + int(fields[12])) / ticks


class Helper:
    """A helper that prints {"event":"listening","port":N} and runs until stopped."""

    def __init__(self, argv, name, workdir):
        self.name = name
        self.stderr = open(os.path.join(workdir, f'{name}.log'), 'w')
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                     text=True, preexec_fn=die_with_parent)
        line = self.proc.stdout.readline()
        try:
            self.port = json.loads(line)['port']
        except (ValueError, KeyError):
            self.stop()
            raise BenchError(f'{name} did not start: {line!r}')

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.stderr.close()


class Sshd:
    def __init__(self, env, cipher, rekey_limit=None, name='sshd'):
        self.env = env
        self.port = free_port()
        d = env.dir
        self.config = os.path.join(d, f'{name}_config.{cipher.split("@")[0]}')
        with open(self.config, 'w') as f:
            f.write(f'''ListenAddress 127.0.0.1:{self.port}
HostKey {env.host_key}
PidFile {d}/{name}.pid
AuthorizedKeysFile {env.authorized_keys}
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding yes
PermitOpen any
AllowUsers {env.user}
Ciphers {cipher}
UseDNS no
MaxStartups 100
LogLevel ERROR
''')
            if rekey_limit:
                f.write(f'RekeyLimit {rekey_limit}\n')
        run_quietly([SSHD, '-t', '-f', self.config])
        self.log = os.path.join(d, f'{name}.{cipher.split("@")[0]}.log')
        self.proc = subprocess.Popen([SSHD, '-D', '-f', self.config, '-E', self.log],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     preexec_fn=die_with_parent)
        deadline = time.monotonic() + 10
        while not listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise BenchError(f'sshd did not start: {read_text(self.log)}')
            time.sleep(0.02)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def read_text(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ''


class Env:
    """Keys, account, helpers; everything under one temporary directory."""

    def __init__(self, args):
        self.args = args
        for tool in ('ssh', 'ssh-keygen'):
            if shutil.which(tool) is None:
                raise Skip(f'{tool} is missing (install openssh-client)')
        if not os.access(SSHD, os.X_OK):
            raise Skip(f'{SSHD} is missing (install openssh-server)')
        for path in (args.culvert, args.server, args.client, args.relay):
            if not os.access(path, os.X_OK):
                raise Skip(f'{path} is missing (build it with meson compile)')

        self.root = os.getuid() == 0
        self.dir = tempfile.mkdtemp(prefix='culvert-bench-')
        if self.root:
            # A root sshd reads authorized_keys as the account it logs in.
            os.chmod(self.dir, 0o755)
            self.user = ensure_account()
            os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        else:
            self.user = pwd.getpwuid(os.getuid()).pw_name

        self.host_key = os.path.join(self.dir, 'host_ed25519')
        self.client_key = os.path.join(self.dir, 'client_ed25519')
        self.authorized_keys = os.path.join(self.dir, 'authorized_keys')
        self.known_hosts = os.path.join(self.dir, 'known_hosts')
        for path, comment in ((self.host_key, 'bench-host'), (self.client_key, 'bench-client')):
            run_quietly(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment,
                         '-f', path])
        shutil.copy(self.client_key + '.pub', self.authorized_keys)
        os.chmod(self.authorized_keys, 0o644)
        self.host_pub = read_text(self.host_key + '.pub').strip()
        with open(self.known_hosts, 'w'):
            pass

        home = os.path.join(self.dir, 'home')
        os.makedirs(home)
        self.child_env = {k: v for k, v in os.environ.items()
                          if k not in ('SSH_AUTH_SOCK', 'SSH_AGENT_PID', 'DISPLAY',
                                       'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS')}
        self.child_env.update({
            'HOME': home,
            'XDG_CONFIG_HOME': os.path.join(home, 'config'),
            'XDG_DATA_HOME': os.path.join(home, 'data'),
            'XDG_CACHE_HOME': os.path.join(home, 'cache'),
            'XDG_STATE_HOME': os.path.join(home, 'state'),
            'GSETTINGS_BACKEND': 'memory',
            'LC_ALL': 'C.UTF-8',
        })
        self.helpers = []
        self.server = self.start_helper([args.server], 'bench-server')

    def start_helper(self, argv, name):
        helper = Helper(argv, name, self.dir)
        self.helpers.append(helper)
        return helper

    def trust(self, port):
        with open(self.known_hosts, 'a') as f:
            f.write(f'[127.0.0.1]:{port} {self.host_pub}\n')

    def close(self):
        for helper in self.helpers:
            helper.stop()
        if not self.args.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            log(f'kept {self.dir}')


def ensure_account():
    """As root: the unprivileged account sshd logs in (as the test fixture does)."""
    try:
        pwd.getpwnam(TEST_USER)
    except KeyError:
        r = subprocess.run(['useradd', '--no-create-home', '--home-dir', '/nonexistent',
                            '--shell', '/bin/sh', TEST_USER], capture_output=True, text=True)
        try:
            pwd.getpwnam(TEST_USER)  # another test may have made it meanwhile
        except KeyError:
            raise BenchError(f'useradd {TEST_USER} failed: {r.stderr.strip()}')
    # Without PAM, sshd refuses a locked account ("!") even for keys.
    with open('/etc/shadow') as f:
        for line in f:
            name, _, rest = line.partition(':')
            if name == TEST_USER and rest.startswith('!'):
                run_quietly(['usermod', '-p', '*', TEST_USER])
    return TEST_USER


class Forwarder:
    """One `culvert --headless` or `ssh -N` forwarding a local port to bench-server."""

    def __init__(self, env, tool, ssh_port, cipher, kind='L', jump=None):
        self.tool = tool
        # The port bench-client connects to: the tool's own (-L, -D) or the
        # one sshd listens on for it (-R); through -D, bench-client asks the
        # SOCKS server for bench-server's port.
        self.local_port = free_port()
        self.client_env = {}
        if kind == 'D':
            spec = f'127.0.0.1:{self.local_port}'
            self.client_env['BENCH_SOCKS_TARGET'] = str(env.server.port)
        else:
            spec = f'127.0.0.1:{self.local_port}:127.0.0.1:{env.server.port}'
        common = ['-p', str(ssh_port), '-l', env.user, '-i', env.client_key, f'-{kind}', spec,
                  '-o', f'UserKnownHostsFile={env.known_hosts}',
                  '-o', 'StrictHostKeyChecking=yes',
                  '-o', 'ExitOnForwardFailure=yes']
        ssh_config = '/dev/null'
        if jump:
            common += ['-J', jump]
            # ssh runs `ssh -W` for the hop with -F passed on, not -i or -o.
            ssh_config = os.path.join(env.dir, f'ssh_config.{cipher.split("@")[0]}')
            with open(ssh_config, 'w') as f:
                f.write(f'''Host *
  IdentityFile {env.client_key}
  IdentitiesOnly yes
  UserKnownHostsFile {env.known_hosts}
  StrictHostKeyChecking yes
  BatchMode yes
  Ciphers {cipher}
''')
        self.stderr_path = os.path.join(env.dir, f'{tool}.stderr')
        self.stderr = open(self.stderr_path, 'w')
        self.connected = threading.Event()
        self.failed = None
        self.state_connected = False
        if tool == 'culvert':
            argv = [env.args.culvert, '--headless', '--json', *common, '127.0.0.1']
            self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.stderr,
                                         stdin=subprocess.DEVNULL, env=env.child_env,
                                         preexec_fn=die_with_parent)
            self.reader = threading.Thread(target=self.read_events, daemon=True)
            self.reader.start()
        else:
            argv = ['ssh', '-F', ssh_config, '-N', '-T', '-c', cipher,
                    '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', *common, '127.0.0.1']
            self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.stderr,
                                         stdin=subprocess.DEVNULL, env=env.child_env,
                                         preexec_fn=die_with_parent)
        self.wait_ready()
        self.cpu_start = proc_cpu(self.proc.pid)

    def read_events(self):
        """Culvert reports per connection; the pipe is drained all along, so a
        full pipe never holds its main thread back."""
        listening_seen = False
        stream = self.proc.stdout
        for line in stream:
            if self.connected.is_set():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            kind = event.get('event')
            if kind == 'listening':
                listening_seen = True
            elif kind == 'forward-failed' or kind == 'error':
                self.failed = line.strip()
            elif kind == 'state' and event.get('state') == 'connected':
                self.state_connected = True
            if listening_seen and self.state_connected:
                self.connected.set()
        stream.close()

    def wait_ready(self):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None or self.failed:
                break
            if self.tool == 'culvert' and self.connected.wait(0.05):
                return
            if self.tool == 'ssh':
                if listening(self.local_port):
                    return
                time.sleep(0.02)
        self.stop()
        raise BenchError(f'{self.tool} did not start forwarding: '
                         f'{self.failed or read_text(self.stderr_path).strip()}')

    def cpu(self):
        return proc_cpu(self.proc.pid) - self.cpu_start

    def memory(self):
        return proc_status(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.tool == 'culvert':
            self.reader.join(timeout=5)
        self.stderr.close()


# ---------------------------------------------------------------------------
# Tests: each takes a started forwarder and returns a dict of metrics, with
# 'ok' telling whether everything arrived whole.

def client_env(timeout, **extra):
    return dict(os.environ, BENCH_TIMEOUT=str(int(timeout)), **extra)


def run_client(args, fwd, *argv, timeout=120, progress=False):
    env = client_env(timeout, **({'BENCH_PROGRESS': '1'} if progress else {}), **fwd.client_env)
    r = subprocess.run([args.client, argv[0], str(fwd.local_port), *map(str, argv[1:])],
                       capture_output=True, text=True, timeout=timeout + 30,
                       env=env, preexec_fn=die_with_parent)
    lines = [l for l in r.stdout.splitlines() if l.startswith('{')]
    if r.returncode == 2 or not lines:
        raise BenchError(f'bench-client {argv[0]}: {r.stderr.strip() or "no result"}')
    return json.loads(lines[-1])


# Seconds a transfer may take at least before it counts as stalled (--quick
# lowers it, so that a stall fails within the test's own timeout).
MIN_TIMEOUT = 60


def bulk_timeout(nbytes):
    return max(MIN_TIMEOUT, nbytes / (4 * MiB))  # far below any speed either tool reaches


def test_bulk(args, fwd, direction, nbytes, offset):
    result = run_client(args, fwd, direction, nbytes, offset, timeout=bulk_timeout(nbytes))
    cpu = fwd.cpu()
    mem = fwd.memory()
    return {
        'ok': result['ok'],
        'bytes': nbytes,
        'mib_s': nbytes / MiB / result['seconds'],
        'seconds': result['seconds'],
        'cpu_s': cpu,
        'cpu_s_per_gib': cpu / (nbytes / GiB),
        'peak_rss': mem['VmHWM'],
    }


# How fast a channel gets up to speed: the rate over a sliding RAMP_WINDOW,
# against the final speed (the rate over the last quarter of the transfer's
# time, at least RAMP_WINDOW).
RAMP_WINDOW = 0.25
RAMP_SHARE = 0.9
RAMP_STEP = 0.005


def ramp(progress, nbytes):
    """(seconds from the connect until the rate over the last RAMP_WINDOW
    first reached RAMP_SHARE of the final speed, final speed in MiB/s), or
    (None, None) when the transfer was too short to tell."""
    points = [(0.0, 0)] + [(t, b) for t, b in progress]
    end = points[-1][0]
    if end < 2 * RAMP_WINDOW or points[-1][1] != nbytes:
        return None, None
    times = [t for t, _ in points]

    def received(t):
        i = bisect.bisect_right(times, t)
        if i >= len(points):
            return points[-1][1]
        (t0, b0), (t1, b1) = points[i - 1], points[i]
        return b0 + (b1 - b0) * (t - t0) / (t1 - t0) if t1 > t0 else b1

    tail = max(RAMP_WINDOW, end / 4)
    final = (nbytes - received(end - tail)) / tail
    t = RAMP_WINDOW
    while t < end:
        if (received(t) - received(t - RAMP_WINDOW)) / RAMP_WINDOW >= RAMP_SHARE * final:
            break
        t += RAMP_STEP
    return min(t, end), final / MiB


def test_long_download(args, fwd, nbytes, offset):
    """A download over the long path on a fresh channel of a fresh forwarder,
    then one on a second channel of the same forwarder, which starts from what
    the session learned; how long each took to reach its final speed."""
    first = run_client(args, fwd, 'download', nbytes, offset, timeout=bulk_timeout(nbytes),
                       progress=True)
    cpu = fwd.cpu()
    mem = fwd.memory()
    second = run_client(args, fwd, 'download', nbytes, offset + 1,
                        timeout=bulk_timeout(nbytes), progress=True)
    ramp_s, final = ramp(first.get('progress', []), nbytes)
    second_ramp_s, second_final = ramp(second.get('progress', []), nbytes)
    return {
        'ok': first['ok'] and second['ok'],
        'bytes': nbytes,
        'mib_s': nbytes / MiB / first['seconds'],
        'seconds': first['seconds'],
        'cpu_s': cpu,
        'peak_rss': mem['VmHWM'],
        'ramp_s': ramp_s,
        'final_mib_s': final,
        'second_mib_s': nbytes / MiB / second['seconds'],
        'second_ramp_s': second_ramp_s,
        'second_final_mib_s': second_final,
        'series': [first.get('progress', []), second.get('progress', [])],
    }


def test_pingpong(args, fwd, count):
    result = run_client(args, fwd, 'pingpong', count, timeout=2 * MIN_TIMEOUT)
    return {'ok': result['ok'], 'p50_us': result['p50_us'], 'p99_us': result['p99_us']}


def test_connrate(args, fwd, count, parallel):
    cpu_before = fwd.cpu()
    result = run_client(args, fwd, 'connrate', count, parallel, timeout=5 * MIN_TIMEOUT)
    cpu = fwd.cpu() - cpu_before
    return {'ok': result['ok'], 'per_s': result['per_second'],
            'failed': result['failed'], 'cpu_us_per_conn': cpu * 1e6 / count}


def test_concurrent(args, fwd, count, nbytes):
    result = run_client(args, fwd, 'concurrent', count, nbytes,
                        timeout=bulk_timeout(2 * count * nbytes) + MIN_TIMEOUT)
    mem = fwd.memory()
    return {'ok': result['ok'], 'whole': result['whole'], 'connections': count,
            'seconds': result['seconds'],
            'mib_s': 2 * count * nbytes / MiB / result['seconds'],
            'peak_rss': mem['VmHWM'], 'cpu_s': fwd.cpu()}


def test_idle(args, fwd, count):
    """Holds @count connections open through one session; memory while they are."""
    proc = subprocess.Popen([args.client, 'idle', str(fwd.local_port), str(count)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=client_env(300),
                            preexec_fn=die_with_parent)
    try:
        ready = json.loads(proc.stdout.readline() or '{}')
        if ready.get('event') != 'ready':
            raise BenchError(f'bench-client idle: {proc.stderr.read().strip()}')
        time.sleep(1)  # let the forwarder settle
        mem = fwd.memory()
        out, err = proc.communicate('done\n', timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    lines = [l for l in out.splitlines() if l.startswith('{')]
    if not lines:
        raise BenchError(f'bench-client idle: {err.strip()}')
    result = json.loads(lines[-1])
    return {'ok': result['ok'], 'connections': count, 'open': ready['open'],
            'alive': result['alive'], 'open_seconds': ready['seconds'],
            'rss': mem['VmRSS'], 'peak_rss': mem['VmHWM']}


def test_slow_reader(args, fwd, nbytes, after, pause):
    """A client that stops reading for @pause seconds mid-download; the
    forwarder's memory is sampled all along."""
    base = fwd.memory()['VmRSS']
    proc = subprocess.Popen([args.client, 'download', str(fwd.local_port), str(nbytes), '7',
                             str(after), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=client_env(bulk_timeout(nbytes) + pause),
                            preexec_fn=die_with_parent)
    samples = []
    lines = []

    def read():
        for line in proc.stdout:
            lines.append(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + bulk_timeout(nbytes) + pause + 30
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            samples.append(fwd.memory()['VmRSS'])
        except OSError:
            break
        time.sleep(0.1)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    reader.join(timeout=5)
    results = [json.loads(l) for l in lines if l.startswith('{"mode"')]
    if not results:
        raise BenchError(f'bench-client download: {proc.stderr.read().strip()}')
    mem = fwd.memory()
    return {'ok': results[-1]['ok'], 'base_rss': base, 'max_rss': max(samples or [0]),
            'peak_rss': mem['VmHWM'], 'seconds': results[-1]['seconds']}


# ---------------------------------------------------------------------------

class Runner:
    def __init__(self, args, env, sizes):
        self.args = args
        self.env = env
        self.sizes = sizes
        self.results = {}   # cipher → test → tool → [metrics per pair]
        self.failures = []

    def run_one(self, cipher, test, tool, port, func, kind='L', jump=None):
        key = f'{cipher} {test} {tool}'
        fwd = None
        try:
            fwd = Forwarder(self.env, tool, port, cipher, kind, jump)
            metrics = func(fwd)
        except (BenchError, subprocess.TimeoutExpired, OSError) as e:
            metrics = {'ok': False, 'error': str(e)}
        finally:
            if fwd is not None:
                fwd.stop()
        if not metrics['ok']:
            self.failures.append(f'{key}: {metrics.get("error", metrics)}')
            log(f'  FAILED {key}: {metrics.get("error", metrics)}')
        else:
            log(f'  {key}: ' + ', '.join(f'{k}={fmt_value(k, v)}' for k, v in metrics.items()
                                         if k not in ('ok', 'series')))
        self.results.setdefault(cipher, {}).setdefault(test, {}).setdefault(tool, []) \
            .append(metrics)

    def run_cipher(self, cipher):
        s = self.sizes
        args = self.args
        sshd = Sshd(self.env, cipher, args.rekey_limit)
        relay = self.env.start_helper([args.relay, '0', str(sshd.port), str(s['delay_ms'])],
                                      'bench-relay')
        self.env.trust(sshd.port)
        self.env.trust(relay.port)
        direct, far = sshd.port, relay.port
        # A jump host far away (50 ms), the server next to it.
        jump_sshd = jump_relay = jump = None
        if not args.tests or 'jump download' in args.tests:
            jump_sshd = Sshd(self.env, cipher, args.rekey_limit, name='jump-sshd')
            jump_relay = self.env.start_helper([args.relay, '0', str(jump_sshd.port),
                                                str(s['delay_ms'])], 'bench-relay')
            self.env.trust(jump_relay.port)
            jump = f'{self.env.user}@127.0.0.1:{jump_relay.port}'
        tests = [
            ('upload', direct, lambda f, i: test_bulk(args, f, 'upload', s['bulk_bytes'], i)),
            ('download', direct,
             lambda f, i: test_bulk(args, f, 'download', s['bulk_bytes'], i)),
            ('long upload', far,
             lambda f, i: test_bulk(args, f, 'upload', s['long_bytes'], i)),
            ('long download', far,
             lambda f, i: test_long_download(args, f, s['long_bytes'], i)),
            ('jump download', direct,
             lambda f, i: test_long_download(args, f, s['long_bytes'], i)),
            ('latency', direct, lambda f, i: test_pingpong(args, f, s['pings'])),
            ('connections', direct,
             lambda f, i: test_connrate(args, f, s['conns'], s['conn_parallel'])),
            ('concurrent', direct,
             lambda f, i: test_concurrent(args, f, s['concurrent'], s['concurrent_bytes'])),
            # Incoming (-R): sshd listens, Culvert connects to bench-server;
            # an upload is what Culvert receives from the server.
            ('remote upload', direct,
             lambda f, i: test_bulk(args, f, 'upload', s['bulk_bytes'], i), 'R'),
            ('remote download', direct,
             lambda f, i: test_bulk(args, f, 'download', s['bulk_bytes'], i), 'R'),
            ('long remote upload', far,
             lambda f, i: test_bulk(args, f, 'upload', s['long_bytes'], i), 'R'),
            # Dynamic (-D): bench-client speaks SOCKS 5.
            ('dynamic upload', direct,
             lambda f, i: test_bulk(args, f, 'upload', s['bulk_bytes'], i), 'D'),
            ('dynamic download', direct,
             lambda f, i: test_bulk(args, f, 'download', s['bulk_bytes'], i), 'D'),
            ('long dynamic download', far,
             lambda f, i: test_bulk(args, f, 'download', s['long_bytes'], i), 'D'),
            ('dynamic connections', direct,
             lambda f, i: test_connrate(args, f, s['conns'], s['conn_parallel']), 'D'),
        ]
        once = [
            ('idle', direct, lambda f, i: test_idle(args, f, s['idle'])),
            ('slow reader', far,
             lambda f, i: test_slow_reader(args, f, s['slow_bytes'], s['slow_after'],
                                           s['slow_pause'])),
        ]
        try:
            for pair in range(s['pairs']):
                order = TOOLS if pair % 2 == 0 else TOOLS[::-1]
                log(f'{cipher}: pair {pair + 1} of {s["pairs"]} ({" then ".join(order)})')
                for test, port, func, *kind in tests + (once if pair == 0 else []):
                    if args.tests and test not in args.tests:
                        continue
                    if test == 'jump download' and jump is None:
                        continue
                    for tool in order:
                        if args.settle and 'connections' not in test:
                            settle_time_wait()
                        self.run_one(cipher, test, tool, port,
                                     lambda f, func=func, pair=pair: func(f, pair * 1000003),
                                     *kind, jump=jump if test == 'jump download' else None)
        finally:
            relay.stop()
            self.env.helpers.remove(relay)
            if jump_relay is not None:
                jump_relay.stop()
                self.env.helpers.remove(jump_relay)
            if jump_sshd is not None:
                jump_sshd.stop()
            sshd.stop()


def time_wait_sockets():
    """TCP sockets in TIME_WAIT on this machine (/proc/net/sockstat)."""
    with open('/proc/net/sockstat') as f:
        for line in f:
            if line.startswith('TCP:'):
                fields = line.split()
                return int(fields[fields.index('tw') + 1])
    return 0


# The connection tests leave tens of thousands of sockets in TIME_WAIT for a
# minute; --settle lets them expire before each other test.
SETTLE_TW = 1000
SETTLE_MAX = 70


def settle_time_wait():
    deadline = time.monotonic() + SETTLE_MAX
    while time_wait_sockets() > SETTLE_TW and time.monotonic() < deadline:
        time.sleep(1)


def fmt_value(key, v):
    if isinstance(v, float):
        return f'{v:.3f}'
    if 'rss' in key and isinstance(v, int):
        return f'{v / MiB:.1f}MiB'
    return str(v)


# ---------------------------------------------------------------------------
# Summary

# (test, metric, label, unit, scale, higher is better, target ratio or None)
ROWS = [
    ('upload', 'mib_s', 'Loopback upload', 'MiB/s', 1, True, 1.0),
    ('download', 'mib_s', 'Loopback download', 'MiB/s', 1, True, 1.0),
    ('long upload', 'mib_s', 'Long path upload (50 ms RTT)', 'MiB/s', 1, True, 0.95),
    ('long download', 'mib_s', 'Long path download (50 ms RTT)', 'MiB/s', 1, True, 3.0),
    ('long download', 'final_mib_s', 'Long path download, final speed (last quarter)', 'MiB/s',
     1, True, None),
    ('long download', 'ramp_s', 'Long path download, fresh channel: to 90 % of final speed', 's',
     1, False, None),
    ('long download', 'second_mib_s', 'Long path download, second channel of the forwarder',
     'MiB/s', 1, True, None),
    ('long download', 'second_ramp_s', 'Long path download, second channel: to 90 % of final',
     's', 1, False, None),
    ('jump download', 'mib_s', 'Jump host download (-J, 50 ms RTT to the jump host)', 'MiB/s',
     1, True, 2.0),
    ('jump download', 'second_mib_s', 'Jump host download, second channel', 'MiB/s', 1, True,
     None),
    ('latency', 'p50_us', 'Latency p50', 'µs', 1, False, 1.1),
    ('latency', 'p99_us', 'Latency p99', 'µs', 1, False, None),
    ('connections', 'per_s', 'New connections', 'conn/s', 1, True, 0.9),
    ('cpu', 'cpu_s_per_gib', 'CPU per GiB (loopback up+down)', 's/GiB', 1, False, 1.1),
    ('remote upload', 'mib_s', 'Incoming (-R), loopback, server to Culvert', 'MiB/s', 1, True,
     0.95),
    ('remote download', 'mib_s', 'Incoming (-R), loopback, Culvert to server', 'MiB/s', 1, True,
     0.95),
    ('long remote upload', 'mib_s', 'Incoming (-R), 50 ms RTT, server to Culvert', 'MiB/s', 1,
     True, 2.0),
    ('dynamic upload', 'mib_s', 'Dynamic (-D), loopback upload', 'MiB/s', 1, True, 0.95),
    ('dynamic download', 'mib_s', 'Dynamic (-D), loopback download', 'MiB/s', 1, True, 0.95),
    ('long dynamic download', 'mib_s', 'Dynamic (-D), 50 ms RTT download', 'MiB/s', 1, True,
     2.0),
    ('dynamic connections', 'per_s', 'Dynamic (-D), new connections', 'conn/s', 1, True, 0.9),
    ('upload', 'peak_rss', 'Peak RSS, loopback upload', 'MiB', 1 / MiB, False, None),
    ('download', 'peak_rss', 'Peak RSS, loopback download', 'MiB', 1 / MiB, False, None),
    ('long download', 'peak_rss', 'Peak RSS, long path download', 'MiB', 1 / MiB, False,
     None),
    ('concurrent', 'mib_s', '{concurrent:,} concurrent echo, both ways', 'MiB/s', 1, True,
     None),
    ('concurrent', 'peak_rss', 'Peak RSS, {concurrent:,} concurrent', 'MiB', 1 / MiB, False,
     None),
    ('idle', 'rss', 'RSS, {idle:,} idle connections', 'MiB', 1 / MiB, False, None),
    ('slow reader', 'max_rss', 'Max RSS, long path, client paused {slow_pause:g} s', 'MiB',
     1 / MiB, False, None),
]


def cpu_per_gib(results):
    """CPU per GiB over both loopback directions, per pair."""
    out = {}
    for tool in TOOLS:
        ups = results.get('upload', {}).get(tool, [])
        downs = results.get('download', {}).get(tool, [])
        out[tool] = []
        for up, down in zip(ups, downs):
            if up.get('ok') and down.get('ok'):
                gib = (up['bytes'] + down['bytes']) / GiB
                out[tool].append({'ok': True,
                                  'cpu_s_per_gib': (up['cpu_s'] + down['cpu_s']) / gib})
            else:
                out[tool].append({'ok': False})
    return out


# How far the median of the per-pair ratios may be off from run to run: the
# 5th and 95th percentile of the medians of BOOTSTRAP_ROUNDS resamples of
# the pairs (drawn with replacement, the seed fixed so that the same results
# give the same interval). On the 2-vCPU machine of bench/RESULTS.md one
# pair's loopback ratio moves by 0.05-0.09 (standard deviation), so a
# median within a few hundredths of its target is not settled either way.
BOOTSTRAP_ROUNDS = 2000


def ratio_interval(ratios):
    """(low, high) of the 90 % bootstrap interval of the median, or None
    with fewer than three pairs."""
    if len(ratios) < 3:
        return None
    rng = random.Random(len(ratios))
    medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios)))
                     for _ in range(BOOTSTRAP_ROUNDS))
    return medians[int(0.05 * BOOTSTRAP_ROUNDS)], medians[int(0.95 * BOOTSTRAP_ROUNDS) - 1]


def summarize(results, sizes):
    """Rows of (label, unit, culvert median, ssh median, median ratio, its
    interval, target, met)."""
    rows = []
    for test, metric, label, unit, scale, higher, target in ROWS:
        per_tool = cpu_per_gib(results) if test == 'cpu' else results.get(test)
        if not per_tool:
            continue
        values = {tool: [m[metric] * scale if m.get('ok') and m.get(metric) is not None else None
                         for m in per_tool.get(tool, [])] for tool in TOOLS}
        if not any(v is not None for vals in values.values() for v in vals):
            continue
        medians = {tool: statistics.median([v for v in vals if v is not None])
                   if any(v is not None for v in vals) else None
                   for tool, vals in values.items()}
        ratios = [c / o for c, o in zip(values['culvert'], values['ssh'])
                  if c is not None and o]
        ratio = statistics.median(ratios) if ratios else None
        met = None
        if target is not None and ratio is not None:
            met = ratio >= target if higher else ratio <= target
        rows.append({'label': label.format(**sizes), 'unit': unit, 'culvert': medians['culvert'],
                     'ssh': medians['ssh'], 'ratio': ratio, 'pairs': len(ratios),
                     'interval': ratio_interval(ratios),
                     'target': (('≥ ' if higher else '≤ ') + f'{target:g}') if target else '',
                     'met': met})
    return rows


def absolute_checks(results, sizes):
    checks = []
    for cipher, tests in results.items():
        c = tests.get('concurrent', {}).get('culvert', [])
        if c:
            checks.append((f'{cipher}: {sizes["concurrent"]} concurrent connections all whole',
                           all(m.get('ok') for m in c)))
            peaks = [m['peak_rss'] for m in c if 'peak_rss' in m]
            if peaks:
                checks.append((f'{cipher}: peak RSS {max(peaks) / MiB:.1f} MiB < 64 MiB with '
                               f'{sizes["concurrent"]} active connections',
                               max(peaks) < 64 * MiB))
        i = tests.get('idle', {}).get('culvert', [])
        if i and i[0].get('ok'):
            checks.append((f'{cipher}: {sizes["idle"]} idle connections held in '
                           f'{i[0]["rss"] / MiB:.1f} MiB < 256 MiB', i[0]['rss'] < 256 * MiB))
        elif i:
            checks.append((f'{cipher}: {sizes["idle"]} idle connections held', False))
        s = tests.get('slow reader', {}).get('culvert', [])
        if s and s[0].get('ok'):
            grew = s[0]['max_rss'] - s[0]['base_rss']
            checks.append((f'{cipher}: a client paused {sizes["slow_pause"]:g} s: RSS grew '
                           f'{grew / MiB:.1f} MiB (bound 48 MiB), the data arrived whole',
                           grew < 48 * MiB))
        elif s:
            checks.append((f'{cipher}: a client paused {sizes["slow_pause"]:g} s: data whole',
                           False))
    return checks


def fmt(v, unit):
    if v is None:
        return '–'
    if unit in ('MiB/s', 'conn/s', 'µs', 'MiB'):
        return f'{v:,.0f}' if v >= 100 else f'{v:.1f}'
    return f'{v:.2f}'


def markdown(results, sizes, info):
    out = []
    for cipher in results:
        out.append(f'### {cipher}\n')
        out.append('| Measure | Unit | Culvert (median) | OpenSSH (median) '
                   '| Culvert/OpenSSH (median of pairs) | 90 % interval | Target | Met |')
        out.append('|---|---|---:|---:|---:|---:|---|---|')
        for row in summarize(results[cipher], sizes):
            met = {True: 'yes', False: '**no**', None: ''}[row['met']]
            ratio = f'{row["ratio"]:.2f}' if row['ratio'] is not None else '–'
            interval = (f'{row["interval"][0]:.2f}–{row["interval"][1]:.2f}'
                        if row['interval'] else '–')
            out.append(f'| {row["label"]} | {row["unit"]} | {fmt(row["culvert"], row["unit"])} '
                       f'| {fmt(row["ssh"], row["unit"])} | {ratio} | {interval} '
                       f'| {row["target"]} | {met} |')
        out.append('')
    checks = absolute_checks(results, sizes)
    if checks:
        out.append('Absolute checks (Culvert):\n')
        for text, ok in checks:
            out.append(f'- {"met" if ok else "**missed**"}: {text}')
        out.append('')
    out.append('Run: ' + ', '.join(f'{k}={v}' for k, v in info.items()))
    return '\n'.join(out) + '\n'


def machine_info(args, sizes):
    def output(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return ' '.join((r.stdout + r.stderr).split()) or '?'
        except (OSError, subprocess.TimeoutExpired):
            return '?'

    cpu = '?'
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    return {
        'date': time.strftime('%Y-%m-%d %H:%M %Z'),
        'cpu': f'{cpu} × {os.cpu_count()}',
        'kernel': platform.release(),
        'culvert': output([args.culvert, '--version']),
        'openssh': output(['ssh', '-V']),
        'sizes': ', '.join(f'{k}={v}' for k, v in sizes.items()),
    }


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--build-dir', default=os.path.join(os.path.dirname(here), 'build-bench'))
    p.add_argument('--culvert')
    p.add_argument('--server')
    p.add_argument('--client')
    p.add_argument('--relay')
    p.add_argument('--tundelay')
    p.add_argument('--real-rtt', type=int, action='append', metavar='MS',
                   help="'real download': round trips to measure (default 50 and 200)")
    p.add_argument('--quick', action='store_true', help='a few MiB, one pair: checks only')
    p.add_argument('--pairs', type=int)
    p.add_argument('--cipher', action='append', choices=CIPHERS,
                   help='only this cipher (repeatable)')
    p.add_argument('--long-bytes', type=int,
                   help='bytes per long-path transfer (default 128 MiB, the size issue 17 sets '
                   'its target for; ssh moves 2 MiB per round trip there)')
    p.add_argument('--test', action='append', dest='tests', choices=TEST_NAMES,
                   help='run only this test (repeatable): ' + ', '.join(TEST_NAMES))
    p.add_argument('--rekey-limit', metavar='SIZE',
                   help="sshd's RekeyLimit (e.g. 1M): key re-exchanges during every transfer")
    p.add_argument('--output', help='directory for results.json and results.md')
    p.add_argument('--keep', action='store_true', help='keep the temporary directory')
    p.add_argument('--settle', action='store_true',
                   help='before each test but the connection tests, wait (at most '
                        f'{SETTLE_MAX} s) until at most {SETTLE_TW} sockets are in TIME_WAIT')
    args = p.parse_args()

    b = args.build_dir
    args.culvert = args.culvert or os.path.join(b, 'src', 'culvert')
    args.server = args.server or os.path.join(b, 'bench', 'bench-server')
    args.client = args.client or os.path.join(b, 'bench', 'bench-client')
    args.relay = args.relay or os.path.join(b, 'bench', 'bench-relay')
    args.tundelay = args.tundelay or os.path.join(b, 'bench', 'bench-tundelay')
    global MIN_TIMEOUT
    sizes = dict(QUICK if args.quick else FULL)
    if args.quick:
        MIN_TIMEOUT = 10
    if args.pairs:
        sizes['pairs'] = args.pairs
    if args.long_bytes:
        sizes['long_bytes'] = args.long_bytes
    ciphers = args.cipher or (CIPHERS[:1] if args.quick else CIPHERS)

    # 10,000 idle connections need as many descriptors in each process.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if limit < sizes['idle'] + 1000:
        log(f'RLIMIT_NOFILE is {limit}: idle connections reduced to {limit - 1000}')
        sizes['idle'] = max(limit - 1000, 10)

    try:
        env = Env(args)
    except Skip as e:
        print(f'SKIP: {e}')
        return EXIT_SKIP

    started = time.monotonic()
    runner = Runner(args, env, sizes)
    try:
        for cipher in ciphers:
            runner.run_cipher(cipher)
    finally:
        env.close()

    # The long path with real TCP (bench/realpath.py): raw TCP, ssh and
    # Culvert over one path, each server setup; not in --quick.
    real_rows = []
    if not args.quick and (not args.tests or 'real download' in args.tests):
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import realpath
        rp = argparse.Namespace(culvert=args.culvert, server=args.server, client=args.client,
                                tundelay=args.tundelay, user=TEST_USER, cipher=ciphers[0],
                                pairs=sizes['pairs'], bytes=sizes['long_bytes'],
                                rtt=args.real_rtt or [50, 200], setup=list(realpath.SETUPS))
        try:
            log('real TCP path: raw TCP, ssh -N -L and culvert --headless')
            real_rows = realpath.run_all(rp, log=log)
        except realpath.Skip as e:
            log(f'real TCP path left out: {e}')
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
            runner.failures.append(f'real download: {e}')

    info = machine_info(args, sizes)
    info['minutes'] = f'{(time.monotonic() - started) / 60:.1f}'
    table = markdown(runner.results, sizes, info)
    if real_rows:
        table += ('\n\nLong path with real TCP (bench/realpath.py: two network namespaces, '
                  f'a TUN delay line; {ciphers[0]}, {sizes["long_bytes"] // MiB} MiB '
                  'downloads through -L, medians of the pairs):\n\n')
        table += realpath.table(real_rows) + '\n'
    print(table)
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, 'results.json'), 'w') as f:
            json.dump({'info': info, 'results': runner.results,
                       'real_path': [{'rtt_ms': r, 'setup': st, 'medians': m, 'samples': sm}
                                     for r, st, m, sm in real_rows]}, f, indent=1)
        with open(os.path.join(args.output, 'results.md'), 'w') as f:
            f.write(table)

    if runner.failures:
        print(f'{len(runner.failures)} transfers did not arrive whole or failed:')
        for failure in runner.failures:
            print(f'  {failure}')
        return 1
    print('every transfer arrived whole')
    return 0


if __name__ == '__main__':
    sys.exit(main())
