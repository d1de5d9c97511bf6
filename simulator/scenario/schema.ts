/** The JSON schema of `*.hlab.json`, generated from the loader's own rules (spec.ts). */
import type { JsonSchema } from './rules';
import { DOCUMENT_RULE } from './spec';

export const SCHEMA_ID = 'https://hyperlab.dev/schemas/hlab.schema.json';

export function scenarioSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SCHEMA_ID,
    title: 'HyperLab scenario',
    description: 'One run of the HyperLab machine: the machine, either VMs under the hypervisor or a bare-metal program, a workload, when to stop and what to expect of the metrics.',
    ...DOCUMENT_RULE.schema(),
  };
}

/** The schema file's text: 2-space JSON with a final newline. */
export function scenarioSchemaText(): string {
  return `${JSON.stringify(scenarioSchema(), null, 2)}\n`;
}
