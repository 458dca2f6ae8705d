/**
 * debian/changelog from CHANGELOG.md (Keep a Changelog): the Unreleased section, and each released
 * one, become an entry of the package's version; "### Added" and the like head the entry's
 * items, each wrapped to 80 columns.
 */

function wrap(text: string, first: string, rest: string, width = 80): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = `${first}${word}`;
    else if (`${line} ${word}`.length > width) {
      lines.push(line);
      line = `${rest}${word}`;
    } else line = `${line} ${word}`;
  }
  lines.push(line);
  return lines;
}

interface Section { readonly version: string | null; readonly groups: { readonly heading: string; readonly items: string[] }[] }

// `## [Unreleased]` (version null) or `## [1.2.0] - 2026-12-01`, then `### Added`, then `- item` lines
function readSections(markdown: string): Section[] {
  const sections: Section[] = [];
  for (const line of markdown.split('\n')) {
    const release = /^## \[([^\]]+)\]/.exec(line);
    const heading = /^### (.+)$/.exec(line);
    const section = sections.at(-1);
    const group = section?.groups.at(-1);
    if (release) sections.push({ version: release[1] === 'Unreleased' ? null : release[1]!, groups: [] });
    else if (heading && section) section.groups.push({ heading: heading[1]!, items: [] });
    else if (group && /^- /.test(line)) group.items.push(line.slice(2));
    else if (group && /^\s+\S/.test(line) && group.items.length) group.items[group.items.length - 1] += ` ${line.trim()}`;
  }
  return sections;
}

/** The changelog.Debian text; `version` names the Unreleased entry, `date` is RFC 2822. */
export function renderDebianChangelog(markdown: string, version: string, maintainer: string, date: string): string {
  return readSections(markdown).map((s) => [
    `lvsync (${s.version === null ? version : `${s.version}-1`}) unstable; urgency=medium`,
    '',
    ...s.groups.flatMap((g) => [`  * ${g.heading}:`, ...g.items.flatMap((item) => wrap(item, '    - ', '      '))]),
    '',
    ` -- ${maintainer}  ${date}`,
    '',
  ].join('\n')).join('\n');
}
