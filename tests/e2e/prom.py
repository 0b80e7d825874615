#!/usr/bin/env python3
"""Reads Prometheus text exposition (format 0.0.4) for the e2e tests.

  prom.py check FILE
      parses every line (strict UTF-8, the format's three label escapes),
      then checks what promtool does not: each family's lines are
      together, no series twice, and each histogram's buckets are
      cumulative, end at le="+Inf", and +Inf equals _count.
  prom.py get FILE METRIC [LABEL=VALUE ...]
      prints the value of the one series of METRIC whose labels include
      those given (values compared after unescaping); fails unless
      exactly one matches.
  prom.py count FILE METRIC [LABEL=VALUE ...]
      prints how many series match.
"""
import re
import sys

NAME = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="')
ESC = {'\\': '\\', '"': '"', 'n': '\n'}


def parse(path):
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8')  # strict: the format is UTF-8
    if text and not text.endswith('\n'):
        raise ValueError('no final line feed')
    samples = []
    for n, line in enumerate(text.split('\n')[:-1], 1):
        if line.startswith('#'):
            continue
        m = NAME.match(line)
        if not m:
            raise ValueError('line %d: no metric name: %r' % (n, line))
        name, i, labels = m.group(0), m.end(), {}
        if line[i:i + 1] == '{':
            i += 1
            while line[i] != '}':
                m = LABEL.match(line, i)
                if not m:
                    raise ValueError('line %d: bad label at %d: %r' % (n, i, line))
                key, i, val = m.group(1), m.end(), []
                while line[i] != '"':
                    if line[i] == '\\':
                        val.append(ESC[line[i + 1]])
                        i += 2
                    else:
                        val.append(line[i])
                        i += 1
                if key in labels:
                    raise ValueError('line %d: label %s twice' % (n, key))
                labels[key] = ''.join(val)
                i += 1
                if line[i] == ',':
                    i += 1
            i += 1
        if line[i:i + 1] != ' ':
            raise ValueError('line %d: no space before the value: %r' % (n, line))
        float(line[i + 1:])
        samples.append((name, labels, line[i + 1:]))
    return samples


def family(name):
    for suffix in ('_bucket', '_sum', '_count'):
        if name.endswith(suffix) and name.startswith('hotpath_call_duration_seconds'):
            return name[:-len(suffix)]
    return name


def check(path):
    samples = parse(path)
    seen_families, last, keys = set(), None, set()
    hist = {}
    for name, labels, value in samples:
        fam = family(name)
        if fam != last:
            if fam in seen_families:
                raise ValueError('family %s is not in one group' % fam)
            seen_families.add(fam)
            last = fam
        key = (name, tuple(sorted(labels.items())))
        if key in keys:
            raise ValueError('series twice: %r' % (key,))
        keys.add(key)
        if fam != name:
            series = tuple(sorted((k, v) for k, v in labels.items() if k != 'le'))
            h = hist.setdefault(series, {'le': [], 'count': None})
            if name.endswith('_bucket'):
                h['le'].append((labels['le'], int(value)))
            elif name.endswith('_count'):
                h['count'] = int(value)
    for series, h in hist.items():
        counts = [c for _, c in h['le']]
        if counts != sorted(counts):
            raise ValueError('buckets not cumulative: %r %r' % (series, h['le']))
        bounds = [float(le) for le, _ in h['le']]
        if bounds != sorted(bounds) or h['le'][-1][0] != '+Inf':
            raise ValueError('bad le bounds: %r' % (h['le'],))
        if h['le'][-1][1] != h['count']:
            raise ValueError('+Inf %d != _count %r' % (h['le'][-1][1], h['count']))
    return len(samples)


def matching(path, metric, pairs):
    want = dict(p.split('=', 1) for p in pairs)
    return [v for name, labels, v in parse(path)
            if name == metric and all(labels.get(k) == x for k, x in want.items())]


def main(argv):
    if len(argv) == 3 and argv[1] == 'check':
        check(argv[2])
        return 0
    if len(argv) >= 4 and argv[1] in ('get', 'count'):
        found = matching(argv[2], argv[3], argv[4:])
        if argv[1] == 'count':
            print(len(found))
            return 0
        if len(found) != 1:
            sys.stderr.write('%d series match %r\n' % (len(found), argv[3:]))
            return 1
        print(found[0])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    try:
        sys.exit(main(sys.argv))
    except (ValueError, UnicodeDecodeError, IndexError, KeyError) as e:
        sys.stderr.write('prom.py: %s\n' % e)
        sys.exit(1)
