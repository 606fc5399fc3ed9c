import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiTypesFor, GENERATED_TYPES_PATH } from '../scripts/api-types.ts';
import { currentOpenApiDocument } from '../scripts/openapi-document.ts';

describe("the portal's generated API client", () => {
  it('is in sync with the /openapi.json the broker serves now (else: npm --prefix portal run generate:api)', async () => {
    const fresh = await apiTypesFor(await currentOpenApiDocument());
    const checkedIn = readFileSync(GENERATED_TYPES_PATH, 'utf8');
    expect(
      checkedIn === fresh,
      'portal/app/api/schema.d.ts is stale: run npm --prefix portal run generate:api',
    ).toBe(true);
  });

  it('types the routes the portal calls', () => {
    const checkedIn = readFileSync(GENERATED_TYPES_PATH, 'utf8');
    for (const path of ['/v1/targets', '/v1/vms', '/v1/placements/simulate', '/v1/audit/verify'])
      expect(checkedIn).toContain(`"${path}": {`);
  });
});
