#!/usr/bin/env python3
"""Cross-check t/0002-json/cases against python3's json module (and jq).

Not run by prove: run it by hand after editing the table,

    python3 t/0002-json/crosscheck.py [--jq] [--verbose]

It checks the table's own form (columns, escapes, unique names and texts),
then decodes each case and asks python's json module, made as strict as it
can be made, for a verdict:

  * the bytes are decoded as UTF-8 by python itself, strictly (json.loads on
    bytes would also take UTF-16/32 and a BOM);
  * strict=True refuses raw control characters in strings;
  * object_pairs_hook refuses duplicate keys (python keeps the last one);
  * parse_constant refuses NaN, Infinity, -Infinity (python accepts them);
  * parse_int/parse_float keep numbers as text, as mp does (python's int()
    refuses more than 4300 digits since 3.11);
  * a walk over the result refuses lone surrogate code points (python decodes
    an unpaired \\uD800 to a lone surrogate instead of refusing it);
  * the top level must be an object and nesting at most 128 levels (mp's rules).

Every y case must be accepted and every n case rejected, with a python
failure of the same kind where the kinds can be matched (UTF-8, duplicate key,
not an object, surrogate, control character, escape, trailing data).  i cases
are held to mp's decided verdict.  With --jq, jq 1.6's verdicts are listed
where they differ (jq is laxer than RFC 8259; they are reported, not failed).
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, 'cases')
MAX_DEPTH = 128


def decode_text(text):
    """Table TEXT to bytes: \\xNN, \\\\, \\t; anything else literal (UTF-8)."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == '\\':
            nxt = text[i + 1:i + 2]
            if nxt == '\\':
                out += b'\\'
                i += 2
            elif nxt == 't':
                out += b'\t'
                i += 2
            elif nxt == 'x' and re.fullmatch(r'[0-9A-Fa-f]{2}', text[i + 2:i + 4]):
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
            else:
                raise ValueError('bad table escape at column %d' % (i + 1))
        else:
            out += c.encode('utf-8')
            i += 1
    return bytes(out)


def read_table(path=TABLE):
    cases, problems = [], []
    names, texts = {}, {}
    with open(path, 'rb') as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip(b'\n').decode('utf-8')
            if line == '' or line.startswith('#'):
                continue
            cols = line.split('\t')
            where = '%s:%d' % (os.path.basename(path), lineno)
            if len(cols) < 3:
                problems.append('%s: fewer than 3 columns' % where)
                continue
            verdict, name, text = cols[0], cols[1], cols[2]
            rest = cols[3:]
            if verdict not in ('y', 'n', 'i'):
                problems.append('%s: bad verdict %r' % (where, verdict))
                continue
            if not name.startswith(verdict + '_'):
                problems.append('%s: name %s does not start with %s_' % (where, name, verdict))
            if verdict == 'y' and rest:
                problems.append('%s: y case with extra columns' % where)
            if verdict == 'n' and len(rest) != 1:
                problems.append('%s: n case needs exactly one reason column' % where)
            if verdict == 'i' and (not rest or rest[0] not in ('y', 'n') or len(rest) > 2
                                   or (rest[0] == 'y' and len(rest) > 1)):
                problems.append('%s: i case needs y, or n and an optional reason' % where)
            try:
                data = decode_text(text)
            except ValueError as e:
                problems.append('%s: %s' % (where, e))
                continue
            if b'\n' in data:
                problems.append('%s: text holds a newline' % where)
            if data.endswith(b'\r'):
                problems.append('%s: text ends in CR' % where)
            if data.strip(b' \t\r') == b'':
                problems.append('%s: text is blank' % where)
            if name in names:
                problems.append('%s: name %s also on line %d' % (where, name, names[name]))
            names[name] = lineno
            if data in texts:
                problems.append('%s: same text as line %d' % (where, texts[data]))
            texts[data] = lineno
            want = verdict
            reason = None
            if verdict == 'n':
                reason = rest[0] if rest else ''
            elif verdict == 'i':
                want = rest[0]
                reason = rest[1] if len(rest) > 1 else None
            cases.append(dict(line=lineno, verdict=verdict, name=name, data=data,
                              want=want, reason=reason))
    return cases, problems


class Refused(Exception):
    def __init__(self, kind, msg):
        super().__init__(msg)
        self.kind = kind


def pairs_hook(pairs):
    seen = set()
    for k, _ in pairs:
        if k in seen:
            raise Refused('duplicate key', 'duplicate key %r' % k)
        seen.add(k)
    return dict(pairs)


def refuse_constant(name):
    raise Refused('constant', 'constant %s' % name)


SURROGATE = re.compile('[\ud800-\udfff]')


def walk(v, depth=1):
    """Return (kind, msg) for the first mp-rule failure python let through."""
    if isinstance(v, (dict, list)) and depth > MAX_DEPTH:
        return ('nesting', 'deeper than %d' % MAX_DEPTH)
    items = []
    if isinstance(v, dict):
        for k, x in v.items():
            if SURROGATE.search(k):
                return ('surrogate', 'lone surrogate in key')
            items.append(x)
    elif isinstance(v, list):
        items = v
    elif isinstance(v, str):
        if SURROGATE.search(v):
            return ('surrogate', 'lone surrogate in string')
        return None
    for x in items:
        r = walk(x, depth + 1)
        if r:
            return r
    return None


def python_verdict(data):
    """('y', None, '') or ('n', kind, message)."""
    try:
        s = data.decode('utf-8')
    except UnicodeDecodeError as e:
        return ('n', 'utf8', str(e))
    try:
        v = json.loads(s, strict=True, object_pairs_hook=pairs_hook,
                       parse_constant=refuse_constant, parse_int=str, parse_float=str)
    except Refused as e:
        return ('n', e.kind, str(e))
    except json.JSONDecodeError as e:
        return ('n', 'json', e.msg)
    except RecursionError:
        return ('n', 'nesting', 'recursion')
    if not isinstance(v, dict):
        return ('n', 'not an object', type(v).__name__)
    r = walk(v)
    if r:
        return ('n',) + r
    return ('y', None, '')


def kinds_agree(reason, kind, msg):
    """Does python's failure match the kind the table's reason names?"""
    if reason in ('invalid UTF-8', 'overlong', 'above U+10FFFF'):
        return kind == 'utf8'
    if reason == 'surrogate':
        return kind in ('utf8', 'surrogate')
    if reason in ('duplicate key', 'not an object', 'nesting'):
        return kind == reason
    if reason == 'control character':
        return kind == 'json' and msg.startswith('Invalid control character')
    if reason == 'escape':
        return kind == 'json' and 'escape' in msg
    if reason == 'trailing':
        return kind == 'json' and msg == 'Extra data'
    if reason == 'unexpected end':
        return kind == 'json' and ('Unterminated string' in msg or 'Expecting' in msg)
    if reason in ('unexpected', 'number'):
        return kind in ('json', 'constant', 'utf8')
    return True


def jq_verdict(data):
    try:
        p = subprocess.run(['jq', '-c', '.'], input=data + b'\n', capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as e:
        return ('?', str(e))
    if p.returncode != 0:
        return ('n', p.stderr.decode('utf-8', 'replace').strip())
    out = p.stdout.decode('utf-8', 'replace').strip()
    if '\n' in out:
        return ('y', 'several values: ' + out.replace('\n', ' ')[:60])
    if not out.startswith('{'):
        return ('y', 'not an object: ' + out[:60])
    return ('y', out[:60])


def main(argv):
    use_jq = '--jq' in argv
    verbose = '--verbose' in argv
    if json.decoder.c_scanstring is None:
        print('warning: python json has no C scanner; \\u escapes are checked loosely')
    cases, problems = read_table()
    for p in problems:
        print('table: ' + p)
    bad = len(problems)
    groups = {}
    for c in cases:
        got, kind, msg = python_verdict(c['data'])
        g = c['name'].split('_')[1]
        groups[g] = groups.get(g, 0) + 1
        note = ''
        if got != c['want']:
            bad += 1
            note = 'DISAGREE: python says %s (%s %s)' % (got, kind, msg)
        elif got == 'n' and c['reason'] and not kinds_agree(c['reason'], kind, msg):
            bad += 1
            note = 'KIND: table says %r, python refused for %s: %s' % (c['reason'], kind, msg)
        if note or verbose:
            print('%-4d %s %-50s %s' % (c['line'], c['verdict'], c['name'],
                                        note or ('%s %s %s' % (got, kind or '', msg))))
    if use_jq:
        print('\njq 1.6 verdicts that differ from the table (reported, not failed):')
        for c in cases:
            got, msg = jq_verdict(c['data'])
            if got != c['want']:
                print('  %-50s table %s, jq %s: %s' % (c['name'], c['want'], got, msg[:70]))
            elif got == 'y' and (msg.startswith('several') or msg.startswith('not an')):
                pass
    print('\n%d cases: %s' % (len(cases), ', '.join('%s %d' % kv for kv in groups.items())))
    print('y %d, n %d, i %d' % tuple(sum(1 for c in cases if c['verdict'] == v) for v in 'yni'))
    print('%d problems' % bad)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
