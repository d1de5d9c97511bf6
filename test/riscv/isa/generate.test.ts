/** The generated ISA programs cannot drift from their generator (npx tsx test/riscv/isa/generate.ts). */
import { strict as assert } from 'node:assert';
import { generatePrograms } from './generate';
import { PROGRAMS, programSource } from './programs';

describe('ISA program generator', function () {
  for (const [file, text] of generatePrograms()) {
    it(`${file} is what generate.ts writes`, function () {
      assert.ok(PROGRAMS.includes(file), `${file} is not checked in`);
      assert.ok(programSource(file) === text, `${file} differs from the generator's output: run npx tsx test/riscv/isa/generate.ts`);
    });
  }
});
