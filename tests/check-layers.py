#!/usr/bin/env python3
# check-layers.py — imports point downward only (DESIGN.md "Layers")
#
# model/ and engine/ must never include GTK or libadwaita; model/ must not
# reach up into engine/, and neither of them nor cli/ into gui/.
# SPDX-License-Identifier: GPL-3.0-or-later
import os
import re
import sys

src = os.path.join(sys.argv[1], 'src')
include_re = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M)

def headers_in(layer):
    d = os.path.join(src, layer)
    return {f for f in os.listdir(d) if f.endswith('.h')} if os.path.isdir(d) else set()

layer_headers = {layer: headers_in(layer) for layer in ('model', 'engine', 'cli', 'gui')}
forbidden_libs = ('gtk/', 'adwaita.h', 'gdk/', 'gsk/')
rules = {
    'model': ('engine', 'cli', 'gui'),
    'engine': ('cli', 'gui'),
    'cli': ('gui',),
}

problems = []
checked = 0
for layer, above in rules.items():
    d = os.path.join(src, layer)
    for name in sorted(os.listdir(d)):
        if not name.endswith(('.c', '.h')):
            continue
        checked += 1
        path = os.path.join(d, name)
        with open(path, encoding='utf-8') as f:
            text = f.read()
        for inc in include_re.findall(text):
            if inc.startswith(forbidden_libs):
                problems.append(f'{path}: includes {inc}, but {layer}/ must build without GTK')
            for upper in above:
                if os.path.basename(inc) in layer_headers[upper]:
                    problems.append(f'{path}: includes {inc} from {upper}/, '
                                    f'but {layer}/ sits below {upper}/')

for p in problems:
    print(p)
if checked == 0:
    print('no source files found under', src)
    sys.exit(1)
print(f'{checked} files checked, {len(problems)} layer violations')
sys.exit(1 if problems else 0)
