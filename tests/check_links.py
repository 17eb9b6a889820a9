#!/usr/bin/python3
"""Every relative link in README.md and docs/ resolves to a file of the repository.

    /usr/bin/python3 tests/check_links.py [ROOT]      # ROOT: the repository (default: this file's parent's parent)

Reads README.md and every .md file under docs/, and checks each Markdown link and image,
[text](path) and ![alt](path) (also reference definitions, `[name]: path`, and the src/href of
HTML <img> and <a> tags), outside code blocks and code spans. A path is taken relative to the file
that links it (a path that starts with / relative to ROOT, as GitHub does); `path#anchor` checks the
file only. Links with a scheme (http:, https:, mailto:, ...) and pure #anchors are not checked.
Each broken link is printed as FILE:LINE: path; the exit status is 1 if any is broken (or no link
was found at all), else 0.

Before it reads the repository it checks itself on a small tree it writes, with links it must
find broken and links it must pass over; a checker that misses them fails (exit status 1).
"""
import os
import re
import sys
import tempfile
import urllib.parse

# [text](target "title") and ![alt](target); the text may hold one level of brackets ([![img](x)](y)).
INLINE = re.compile(r'!?\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|\'[^\']*\'|\([^)]*\)))?\s*\)')
REFERENCE = re.compile(r'^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)')
HTML = re.compile(r'<(?:img|a)\b[^>]*?\b(?:src|href)\s*=\s*"([^"]*)"', re.IGNORECASE)
FENCE = re.compile(r'^\s{0,3}(```|~~~)')
CODE_SPAN = re.compile(r'(`+)(.+?)\1')
SCHEME = re.compile(r'^[A-Za-z][A-Za-z0-9+.-]*:')


def targets(line):
    """The link targets of one line (code spans blanked out)."""
    line = CODE_SPAN.sub(lambda m: ' ' * len(m.group(0)), line)
    found = []

    def inline(text):
        for m in INLINE.finditer(text):
            found.append(m.group(2))
            inline(m.group(1))  # an image inside a link's text

    inline(line)
    m = REFERENCE.match(line)
    if m:
        found.append(m.group(1))
    found.extend(m.group(1) for m in HTML.finditer(line))
    return [t[1:-1] if t.startswith('<') and t.endswith('>') else t for t in found]


def links(path):
    """(line number, target) of every link in a Markdown file, outside fenced code blocks."""
    out, fence = [], None
    with open(path, encoding='utf-8') as f:
        for number, line in enumerate(f, 1):
            m = FENCE.match(line)
            if m:
                if fence is None:
                    fence = m.group(1)
                elif m.group(1) == fence:
                    fence = None
                continue
            if fence is None:
                out.extend((number, t) for t in targets(line))
    return out


def checked(target):
    """The file part of a target to check, or None for what is not checked (schemes, #anchors)."""
    if not target or target.startswith('#') or SCHEME.match(target):
        return None
    return urllib.parse.unquote(target.split('#', 1)[0].split('?', 1)[0])


def markdown_files(root):
    files = [os.path.join(root, 'README.md')] if os.path.isfile(os.path.join(root, 'README.md')) else []
    docs = os.path.join(root, 'docs')
    for folder, dirs, names in os.walk(docs):
        dirs.sort()
        files.extend(os.path.join(folder, n) for n in sorted(names) if n.endswith('.md'))
    return files


def check(root):
    """(files, links checked, broken [(file, line, target)])."""
    files = markdown_files(root)
    count, broken = 0, []
    for md in files:
        for number, target in links(md):
            part = checked(target)
            if part is None:
                continue
            count += 1
            base = root if part.startswith('/') else os.path.dirname(md)
            if not os.path.exists(os.path.join(base, part.lstrip('/'))):
                broken.append((os.path.relpath(md, root), number, target))
    return files, count, broken


def self_test():
    """The checker finds what is broken in a tree it writes, and passes over what is not checked."""
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, 'docs', 'figures'))
        for name in ('docs/guide.md', 'docs/figures/a.png', 'docs/figures/b c.png', 'LICENSE'):
            open(os.path.join(root, name), 'w').close()
        with open(os.path.join(root, 'README.md'), 'w') as f:
            f.write('[guide](docs/guide.md) [anchor](docs/guide.md#part "title") ![a](docs/figures/a.png)\n'
                    '[web](https://example.org/x.md) [mail](mailto:a@b.c) [top](#nndl) [root](/LICENSE)\n'
                    '[missing](docs/missing.md)\n'
                    '`[in code](docs/not-checked.md)`\n'
                    '```\n[in a block](docs/not-checked.md)\n```\n'
                    '[![nested](docs/figures/gone.png)](docs/guide.md)\n'
                    '[spaces](docs/figures/b%20c.png) [ref]: docs/gone.md\n'
                    '[def]: docs/gone-too.md\n'
                    '<img src="docs/figures/a.png"> <a href="docs/nowhere.md">x</a>\n')
        with open(os.path.join(root, 'docs', 'guide.md'), 'w') as f:
            f.write('Back to [the README](../README.md); [a figure](figures/a.png); [wrong](guide/../../nope.md#x)\n')
        files, count, broken = check(root)
        expected = [('README.md', 3, 'docs/missing.md'), ('README.md', 8, 'docs/figures/gone.png'),
                    ('README.md', 10, 'docs/gone-too.md'), ('README.md', 11, 'docs/nowhere.md'),
                    (os.path.join('docs', 'guide.md'), 1, 'guide/../../nope.md#x')]
        problems = []
        if len(files) != 2:
            problems.append(f'{len(files)} files read, not 2')
        if count != 14:
            problems.append(f'{count} links checked, not 14')
        if sorted(broken) != sorted(expected):
            problems.append(f'broken links found {sorted(broken)}, expected {sorted(expected)}')
        return problems


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..'))
    problems = self_test()
    if problems:
        for p in problems:
            print(f'check_links: self-test failed: {p}')
        return 1
    files, count, broken = check(root)
    for md, number, target in broken:
        print(f'{md}:{number}: broken link: {target}')
    if not files or count == 0:
        print(f'check_links: no links found under {root} (README.md, docs/*.md): nothing was checked')
        return 1
    if broken:
        print(f'check_links: {len(broken)} of {count} links in {len(files)} files do not resolve')
        return 1
    print(f'check_links: {count} links in {len(files)} files, all resolve')
    return 0


if __name__ == '__main__':
    sys.exit(main())
