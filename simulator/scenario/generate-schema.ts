/**
 * Writes schemas/hlab.schema.json from the scenario rules:
 *   npx tsx simulator/scenario/generate-schema.ts
 * A test fails when the checked-in file differs from what this writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { scenarioSchemaText } from './schema';

const target = path.resolve(import.meta.dirname, '../../schemas/hlab.schema.json');
fs.writeFileSync(target, scenarioSchemaText());
console.log(`wrote ${target}`);
