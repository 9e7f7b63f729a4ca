#!/usr/bin/env python3
"""Oracle for test/unit/glob-fnmatch.test.ts: Python's own fnmatch.fnmatchcase.

Input on stdin (UTF-8), either
  * one JSON array of [pattern, string] pairs  -> prints one JSON array of results, or
  * JSON lines, one [pattern, string] pair per line -> prints one result per line.
A result is true or false, or null if fnmatch raised (it should never).
The Python version goes to stderr, for the test's log.
"""
import fnmatch
import json
import sys
import warnings

# re warns (FutureWarning) about classes such as "[[" that might mean nested sets one day; the
# warnings do not change the result.
warnings.simplefilter("ignore")


def is_pair(x):
    return isinstance(x, list) and len(x) == 2 and all(isinstance(v, str) for v in x)


def check(pair):
    pattern, name = pair
    try:
        return fnmatch.fnmatchcase(name, pattern)
    except Exception:  # noqa: BLE001 - reported as null, so the test shows the pattern
        return None


def main():
    text = sys.stdin.buffer.read().decode("utf-8", "surrogatepass")
    print("python %s" % sys.version.split()[0], file=sys.stderr)
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, list) and not is_pair(whole) and all(is_pair(p) for p in whole):
        json.dump([check(p) for p in whole], sys.stdout)
        sys.stdout.write("\n")
        return
    for line in text.splitlines():
        if not line.strip():
            continue
        pair = json.loads(line)
        if not is_pair(pair):
            sys.exit("fnmatch-oracle: expected a [pattern, string] pair, got %r" % (line,))
        sys.stdout.write(json.dumps(check(pair)) + "\n")


if __name__ == "__main__":
    main()
