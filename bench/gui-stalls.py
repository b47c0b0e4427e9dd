#!/usr/bin/env python3
# gui-stalls.py — how late Culvert's window runs its main loop under load
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start the window under Xvfb on a connected profile and load its forward.

    python3 bench/gui-stalls.py --build-dir build

It imports a saved connection to a throwaway sshd on 127.0.0.1 (through
`culvert --import-ssh-config`, so the file is the model's own), starts
`culvert --connect gui` under Xvfb with CULVERT_STALL_LOG set, and once the
forward listens pushes 1 GiB through it while 200 clients open, move 1 MiB
each way and close (bench-client download and concurrent, side by side).
Then it stops the window with SIGTERM and prints the application's own
figures: how many 5 ms ticks, and the p99 and max of how late they ran, in
ms. Targets on a 2-core machine: p99 <= 8 ms, max <= 33 ms. It exits 1 when
a transfer did not arrive whole, never because of a figure; 77 when a tool
is missing. --quick moves 16 MiB and 20 clients (for a smoke run).
"""

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('culvert_bench',
                                              os.path.join(HERE, 'culvert-bench.py'))
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

MiB = bench.MiB
GiB = bench.GiB
TARGETS = {'p99': 8.0, 'max': 33.0}


def start_xvfb(workdir):
    if shutil.which('Xvfb') is None:
        raise bench.Skip('Xvfb is missing (install xvfb)')
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1280x800x24',
                             '-nolisten', 'tcp'],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                            stderr=open(os.path.join(workdir, 'xvfb.log'), 'w'),
                            preexec_fn=bench.die_with_parent)
    os.close(write_fd)
    with os.fdopen(read_fd) as f:
        number = f.readline().strip()
    if not number:
        proc.terminate()
        raise bench.BenchError('Xvfb did not start')
    return proc, f':{number}'


def import_profile(args, env, sshd_port, forward_port):
    config = os.path.join(env.dir, 'ssh_config')
    with open(config, 'w') as f:
        f.write(f'''Host gui
  HostName 127.0.0.1
  Port {sshd_port}
  User {env.user}
  IdentityFile {env.client_key}
  UserKnownHostsFile {env.known_hosts}
  ServerAliveInterval 0
  LocalForward 127.0.0.1:{forward_port} 127.0.0.1:{env.server.port}
''')
    r = subprocess.run([args.culvert, '--import-ssh-config', config], env=env.child_env,
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise bench.BenchError(f'import failed: {r.stderr.strip()}')


def run_client(args, port, *argv, timeout):
    r = subprocess.run([args.client, argv[0], str(port), *map(str, argv[1:])],
                       capture_output=True, text=True, timeout=timeout + 30,
                       env=bench.client_env(timeout), preexec_fn=bench.die_with_parent)
    lines = [l for l in r.stdout.splitlines() if l.startswith('{')]
    if r.returncode == 2 or not lines:
        raise bench.BenchError(f'bench-client {argv[0]}: {r.stderr.strip() or "no result"}')
    return json.loads(lines[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--build-dir', default='build')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--keep', action='store_true', help='keep the temporary directory')
    args = parser.parse_args()
    build = os.path.abspath(args.build_dir)
    args.culvert = os.path.join(build, 'src', 'culvert')
    args.server = os.path.join(build, 'bench', 'bench-server')
    args.client = os.path.join(build, 'bench', 'bench-client')
    args.relay = os.path.join(build, 'bench', 'bench-relay')
    bulk = 16 * MiB if args.quick else GiB
    clients = 20 if args.quick else 200

    try:
        env = bench.Env(args)
    except bench.Skip as e:
        print(f'SKIP: {e}')
        return bench.EXIT_SKIP
    xvfb = sshd = app = None
    try:
        xvfb, display = start_xvfb(env.dir)
        sshd = bench.Sshd(env, bench.CIPHERS[0])
        env.trust(sshd.port)
        port = bench.free_port()
        import_profile(args, env, sshd.port, port)

        stall_log = os.path.join(env.dir, 'stalls')
        pidfile = os.path.join(env.dir, 'culvert.pid')
        app_env = dict(env.child_env, DISPLAY=display, GDK_BACKEND='x11',
                       GSETTINGS_SCHEMA_DIR=os.path.join(build, 'data'), GSK_RENDERER='cairo',
                       CULVERT_STALL_LOG=stall_log, NO_AT_BRIDGE='1')
        # A bus of its own; the shell says which process is Culvert's.
        app = subprocess.Popen(['dbus-run-session', '--', 'sh', '-c',
                                f'"$0" --connect gui & echo $! > "$1"; wait', args.culvert,
                                pidfile],
                               env=app_env, stdout=subprocess.DEVNULL,
                               stderr=open(os.path.join(env.dir, 'culvert.log'), 'w'),
                               preexec_fn=bench.die_with_parent)
        deadline = time.monotonic() + 30
        while not bench.listening(port) or not os.path.exists(pidfile):
            if app.poll() is not None or time.monotonic() > deadline:
                raise bench.BenchError('the window did not connect: '
                                       + bench.read_text(os.path.join(env.dir, 'culvert.log')))
            time.sleep(0.05)
        time.sleep(1)  # the connection itself, after the listener

        results = {}
        loads = [
            ('download', ('download', bulk, 0), bench.bulk_timeout(bulk)),
            ('concurrent', ('concurrent', clients, MiB),
             bench.bulk_timeout(2 * clients * MiB) + bench.MIN_TIMEOUT),
        ]

        def run(name, argv, timeout):
            try:
                results[name] = run_client(args, port, *argv, timeout=timeout)
            except bench.BenchError as e:
                results[name] = {'ok': False, 'error': str(e)}

        threads = [threading.Thread(target=run, args=load) for load in loads]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.monotonic() - started

        with open(pidfile) as f:
            os.kill(int(f.read().strip()), signal.SIGTERM)
        app.wait(timeout=30)
        app = None

        figures = {}
        for line in bench.read_text(stall_log).splitlines():
            key, _, value = line.partition(' ')
            figures[key] = float(value)
        if 'count' not in figures:
            raise bench.BenchError('the window wrote no stall log')

        ok = all(r.get('ok') for r in results.values())
        print(f'load: {bulk // MiB} MiB download and {clients} clients x 1 MiB, '
              f'{seconds:.1f} s, {"whole" if ok else "NOT WHOLE"}')
        for name, r in results.items():
            if not r.get('ok'):
                print(f'  {name}: {r.get("error", r)}')
        print(f'ticks {int(figures["count"])}')
        for key, target in TARGETS.items():
            verdict = 'ok' if figures[key] <= target else 'over'
            print(f'{key} {figures[key]:.2f} ms (target <= {target:g} ms: {verdict})')
        return 0 if ok else 1
    except bench.BenchError as e:
        print(f'gui-stalls: {e}', file=sys.stderr)
        return 1
    finally:
        if app is not None and app.poll() is None:
            app.terminate()
            app.wait(timeout=10)
        if sshd is not None:
            sshd.stop()
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
        env.close()


if __name__ == '__main__':
    sys.exit(main())
