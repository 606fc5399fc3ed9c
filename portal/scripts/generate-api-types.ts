import { writeFileSync } from 'node:fs';
import { apiTypesFor, GENERATED_TYPES_PATH } from './api-types.ts';
import { currentOpenApiDocument } from './openapi-document.ts';

/** Regenerates app/api/schema.d.ts from the broker's current OpenAPI document. */
writeFileSync(GENERATED_TYPES_PATH, await apiTypesFor(await currentOpenApiDocument()));
process.stdout.write(`wrote ${GENERATED_TYPES_PATH.pathname}\n`);
process.exit(0);
