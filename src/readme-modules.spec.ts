import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README's "What is inside" table names every folder under src/ and nothing else. */
describe('README module table', () => {
  it('matches the folders under src/', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## What is inside'), readme.indexOf('\n## ', readme.indexOf('## What is inside') + 1));
    const listed = [...section.matchAll(/^\| `([a-z-]+)` \|/gm)].map((match) => match[1]).sort();
    const folders = readdirSync(__dirname, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    expect(listed).toEqual(folders);
  });
});
