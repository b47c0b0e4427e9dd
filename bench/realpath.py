#!/usr/bin/env python3
# realpath.py — downloads over a long path with real TCP: raw TCP, ssh -L, Culvert
# SPDX-License-Identifier: GPL-3.0-or-later
"""A long path where both kernels' TCP is real (issue 34).

    python3 bench/realpath.py --build-dir build [--pairs 3] [--rtt 50 --rtt 200]
                              [--bytes 134217728] [--setup default --setup tuned]

As root: two network namespaces, "server" and "client", joined by
bench-tundelay (a TUN device in each, every packet held RTT/2 each way).
The server namespace runs sshd on 192.0.2.1 and bench-server on its own
127.0.0.1; the client namespace runs the forwarder (culvert --headless or
ssh -N, each with -L 127.0.0.1:PORT:127.0.0.1:SERVER) and bench-client,
which downloads BYTES through it. Raw TCP over the same path is the
ceiling: socat on each side, in place of the two SSH ends.

Two server setups: "default" leaves Debian's TCP buffers (tcp_wmem max
4 MiB: one connection is held to about 4 MiB per round trip, whatever the
SSH window), "tuned" gives the server namespace 64 MiB of send buffer (and
both sides 64 MiB of receive buffer), as a server tuned for long paths has.
What this path hides: loss and reordering (the delay line drops nothing
below 256 MiB in flight), and a bottleneck link's queue; what it shows:
slow start, autotuning, send buffers and the SSH window together.

Each row is the median over the pairs (the tools alternate which goes
first); every transfer is checked by checksum. Addresses are 192.0.2.1/2
inside the two namespaces only; nothing is sent anywhere else.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MiB = 1 << 20
SSHD = '/usr/sbin/sshd'
SERVER_ADDR = '192.0.2.1'
CLIENT_ADDR = '192.0.2.2'
SETUPS = {
    # tcp_wmem / tcp_rmem as written to the namespace; None: left as it is
    'default': None,
    'tuned': ('4096 16384 67108864', '4096 131072 67108864'),
}


class Skip(Exception):
    pass


def run(argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise RuntimeError(f'{" ".join(argv)}: exit {r.returncode}: {r.stderr.strip()}')
    return r


def in_ns(ns, argv):
    return ['ip', 'netns', 'exec', ns] + list(argv)


class Path:
    """The two namespaces and the delay line between them."""

    def __init__(self, tundelay, rtt_ms, workdir):
        self.server = f'culvb-srv-{os.getpid()}'
        self.client = f'culvb-cli-{os.getpid()}'
        self.procs = []
        run(['ip', 'netns', 'add', self.server])
        run(['ip', 'netns', 'add', self.client])
        self.line = None
        self.line = subprocess.Popen([tundelay, self.server, self.client, str(rtt_ms // 2)],
                                     stdout=subprocess.PIPE, text=True,
                                     stderr=open(os.path.join(workdir, 'tundelay.log'), 'w'))
        if 'ready' not in self.line.stdout.readline():
            raise RuntimeError('bench-tundelay did not start')
        for ns, addr in ((self.server, SERVER_ADDR), (self.client, CLIENT_ADDR)):
            run(in_ns(ns, ['ip', 'link', 'set', 'lo', 'up']))
            run(in_ns(ns, ['ip', 'addr', 'add', f'{addr}/24', 'dev', 'td0']))
            # A device just made may still be busy for a moment.
            for attempt in range(20):
                try:
                    run(in_ns(ns, ['ip', 'link', 'set', 'td0', 'up']))
                    break
                except RuntimeError:
                    if attempt == 19:
                        raise
                    time.sleep(0.05)
        # The path works before anything is measured.
        run(in_ns(self.client, ['ping', '-c', '1', '-W', '5', SERVER_ADDR])) \
            if shutil.which('ping') else None

    def set_buffers(self, setup):
        values = SETUPS[setup]
        if values is None:
            return
        wmem, rmem = values
        for ns in (self.server, self.client):
            run(in_ns(ns, ['sysctl', '-q', '-w', f'net.ipv4.tcp_rmem={rmem}']))
        run(in_ns(self.server, ['sysctl', '-q', '-w', f'net.ipv4.tcp_wmem={wmem}']))
        run(in_ns(self.server, ['sysctl', '-q', '-w', 'net.core.wmem_max=67108864']))

    def start(self, ns, argv, log):
        proc = subprocess.Popen(in_ns(ns, argv), stdout=subprocess.PIPE, stderr=log, text=True)
        self.procs.append(proc)
        return proc

    def close(self):
        for proc in self.procs + [self.line]:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        for ns in (self.server, self.client):
            subprocess.run(['ip', 'netns', 'del', ns], capture_output=True)


def listening_in(ns, port, timeout=15):
    deadline = time.monotonic() + timeout
    probe = ('import socket,sys\ns=socket.socket()\ns.settimeout(1)\n'
             f'sys.exit(s.connect_ex(("127.0.0.1",{port})))')
    while time.monotonic() < deadline:
        if subprocess.run(in_ns(ns, [sys.executable, '-c', probe])).returncode == 0:
            return True
        time.sleep(0.1)
    return False


def free_port_in(ns):
    probe = ('import socket\ns=socket.socket()\ns.bind(("127.0.0.1",0))\n'
             'print(s.getsockname()[1])')
    return int(run(in_ns(ns, [sys.executable, '-c', probe])).stdout)


def measure(args, workdir, rtt_ms, setup, pairs, nbytes, log):
    """Median MiB/s of raw TCP, ssh and culvert over one path and setup."""
    results = {'raw': [], 'ssh': [], 'culvert': []}
    path = Path(args.tundelay, rtt_ms, workdir)
    logf = open(os.path.join(workdir, f'realpath-{rtt_ms}-{setup}.log'), 'w')
    try:
        path.set_buffers(setup)
        keys = os.path.join(workdir, 'keys')
        os.makedirs(keys, exist_ok=True)
        host_key = os.path.join(keys, 'host')
        client_key = os.path.join(keys, 'client')
        for k in (host_key, client_key):
            if not os.path.exists(k):
                run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f', k])
        os.chmod(workdir, 0o755)
        os.chmod(keys, 0o755)
        auth = os.path.join(keys, 'authorized_keys')
        shutil.copy(client_key + '.pub', auth)
        os.chmod(auth, 0o644)
        known = os.path.join(keys, 'known_hosts')
        with open(known, 'w') as f:
            f.write(f'{SERVER_ADDR} {open(host_key + ".pub").read().strip()}\n')
        config = os.path.join(keys, 'sshd_config')
        with open(config, 'w') as f:
            f.write(f'ListenAddress {SERVER_ADDR}:22\nHostKey {host_key}\n'
                    f'PidFile {keys}/sshd.pid\nAuthorizedKeysFile {auth}\nUsePAM no\n'
                    'StrictModes no\nPasswordAuthentication no\nAllowTcpForwarding yes\n'
                    f'AllowUsers {args.user}\nCiphers {args.cipher}\nUseDNS no\n'
                    'LogLevel ERROR\n')
        os.makedirs('/run/sshd', exist_ok=True)
        path.start(path.server, [SSHD, '-D', '-f', config], logf)
        server = path.start(path.server, [args.server], logf)
        server_port = json.loads(server.stdout.readline())['port']
        # Raw TCP: a socat hop on each side of the path.
        raw_port = 7000
        path.start(path.server, ['socat', f'TCP-LISTEN:{raw_port},bind={SERVER_ADDR},reuseaddr,fork',
                                 f'TCP:127.0.0.1:{server_port}'], logf)
        env = dict(os.environ, HOME=os.path.join(workdir, 'home'), LC_ALL='C.UTF-8',
                   GSETTINGS_BACKEND='memory')
        env.pop('SSH_AUTH_SOCK', None)
        os.makedirs(env['HOME'], exist_ok=True)

        for pair in range(pairs):
            order = ['raw', 'ssh', 'culvert'] if pair % 2 == 0 else ['culvert', 'ssh', 'raw']
            for tool in order:
                port = free_port_in(path.client)
                spec = f'127.0.0.1:{port}:127.0.0.1:{server_port}'
                common = ['-N', '-o', f'UserKnownHostsFile={known}', '-o', 'BatchMode=yes',
                          '-i', client_key, '-l', args.user, '-F', '/dev/null',
                          '-o', 'ExitOnForwardFailure=yes', '-L', spec, SERVER_ADDR]
                if tool == 'raw':
                    argv = ['socat', f'TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork',
                            f'TCP:{SERVER_ADDR}:{raw_port}']
                elif tool == 'ssh':
                    argv = ['ssh', '-o', f'Ciphers={args.cipher}'] + common
                else:
                    argv = [args.culvert, '--headless'] + common
                fwd = subprocess.Popen(in_ns(path.client, argv), stdout=subprocess.DEVNULL,
                                       stderr=logf, env=env)
                try:
                    if not listening_in(path.client, port):
                        raise RuntimeError(f'{tool} did not listen')
                    if tool != 'raw':
                        # A connection ready for the transfer, as a script that
                        # waits for ssh -f would have.
                        time.sleep(1.0)
                    r = subprocess.run(in_ns(path.client, [args.client, 'download', str(port),
                                                           str(nbytes), str(pair * 7)]),
                                       capture_output=True, text=True, timeout=600,
                                       env=dict(env, BENCH_TIMEOUT='600'))
                    if r.returncode != 0:
                        raise RuntimeError(f'{tool}: the download did not arrive whole: '
                                           f'{r.stdout} {r.stderr}')
                    result = json.loads(r.stdout.strip().splitlines()[-1])
                    mib_s = nbytes / MiB / result['seconds']
                    results[tool].append(mib_s)
                    log(f'  {rtt_ms} ms {setup} pair {pair + 1} {tool}: {mib_s:.1f} MiB/s')
                finally:
                    fwd.terminate()
                    try:
                        fwd.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        fwd.kill()
    finally:
        logf.close()
        path.close()
    return {tool: statistics.median(v) for tool, v in results.items()}, results


def ensure_account(user):
    """The unprivileged account sshd logs in, unlocked for key logins."""
    if subprocess.run(['id', user], capture_output=True).returncode != 0:
        run(['useradd', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh',
             user])
    run(['usermod', '-p', '*', user])


def check_ready(args):
    if os.geteuid() != 0:
        raise Skip('the real-TCP path needs root (network namespaces and TUN devices)')
    for tool in ('ip', 'socat', 'ssh', 'ssh-keygen'):
        if shutil.which(tool) is None:
            raise Skip(f'{tool} is missing')
    if not os.path.exists('/dev/net/tun'):
        raise Skip('/dev/net/tun is missing')
    for path in (args.tundelay, args.server, args.client, args.culvert):
        if not os.access(path, os.X_OK):
            raise Skip(f'{path} is missing (build it with meson compile)')


def run_all(args, log=print):
    """Rows: (rtt_ms, setup, medians by tool, all samples)."""
    check_ready(args)
    ensure_account(args.user)
    rows = []
    workdir = tempfile.mkdtemp(prefix='culvert-realpath-')
    try:
        for rtt in args.rtt:
            for setup in args.setup:
                medians, samples = measure(args, workdir, rtt, setup, args.pairs, args.bytes, log)
                rows.append((rtt, setup, medians, samples))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return rows


def table(rows):
    lines = ['| RTT | server | raw TCP MiB/s | ssh -L MiB/s | Culvert MiB/s | Culvert/ssh | '
             'Culvert/raw | ssh/raw |', '|---|---|---:|---:|---:|---:|---:|---:|']
    for rtt, setup, m, _ in rows:
        lines.append(f'| {rtt} ms | {setup} | {m["raw"]:.1f} | {m["ssh"]:.1f} | '
                     f'{m["culvert"]:.1f} | {m["culvert"] / m["ssh"]:.2f} | '
                     f'{m["culvert"] / m["raw"]:.2f} | {m["ssh"] / m["raw"]:.2f} |')
    return '\n'.join(lines)


def add_arguments(p):
    p.add_argument('--rtt', type=int, action='append', help='round trip in ms (50, 200)')
    p.add_argument('--setup', action='append', choices=list(SETUPS),
                   help='server setup: default or tuned (both)')
    p.add_argument('--bytes', type=int, default=128 * MiB, help='bytes per download')


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--build-dir', default=os.path.join(os.path.dirname(here), 'build'))
    p.add_argument('--pairs', type=int, default=3)
    p.add_argument('--cipher', default='aes128-gcm@openssh.com')
    p.add_argument('--user', default='culverttest')
    add_arguments(p)
    args = p.parse_args()
    args.rtt = args.rtt or [50, 200]
    args.setup = args.setup or list(SETUPS)
    b = args.build_dir
    args.culvert = os.path.join(b, 'src', 'culvert')
    args.server = os.path.join(b, 'bench', 'bench-server')
    args.client = os.path.join(b, 'bench', 'bench-client')
    args.tundelay = os.path.join(b, 'bench', 'bench-tundelay')
    try:
        rows = run_all(args, log=lambda *a: print(*a, file=sys.stderr, flush=True))
    except Skip as e:
        print(f'SKIP: {e}')
        return 77
    print(table(rows))
    return 0


if __name__ == '__main__':
    sys.exit(main())
