// Generates src/api/generated/schema.ts from the server's OpenAPI document.
// Usage: node scripts/gen-api.mjs <openapi.json> [out.ts]
// `autocrm openapi` prints the document; ../scripts/gen-api-types runs both.
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';

const [input, out = 'src/api/generated/schema.ts'] = process.argv.slice(2);
if (!input) {
  console.error('usage: node scripts/gen-api.mjs <openapi.json> [out.ts]');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(input, 'utf8'));
// Free-form objects (custom fields, event data) are maps of unknown values, not empty.
const ast = await openapiTS(doc, { emptyObjectsUnknown: true });
const header = '// Generated from the server\'s OpenAPI document by scripts/gen-api.mjs. Do not edit.\n';
writeFileSync(out, header + astToString(ast));
