import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApi } from '../src/scripts/write-openapi';
import { testConfig } from './support/test-app';

describe('docs/openapi.json', () => {
  it('matches what the code publishes (run "npm run openapi" after changing the API)', async () => {
    const committed = readFileSync(join(__dirname, '..', 'docs', 'openapi.json'), 'utf8');
    expect(JSON.parse(await renderOpenApi(testConfig()))).toEqual(JSON.parse(committed));
  });
});
