/**
 * The hcb language over the real protocol: `node dist/server.js --stdio` driven by a
 * vscode-languageserver-protocol connection. Diagnostics are compared with `hyperlab verify`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CodeAction, CodeLens, CompletionItem, DocumentSymbol, FoldingRange, Hover, InlayHint, Location, MarkupContent, SemanticTokens, SignatureHelp,
  SymbolInformation, TextEdit, WorkspaceEdit,
} from 'vscode-languageserver-protocol';
import { VerifyCallbackRequest, type VerifyCallbackResult } from '../../protocol/hyperlab';
import { assemble } from '../../simulator/ebpf/asm/assembler';
import { encodeProgram } from '../../simulator/ebpf/isa';
import { verifyHcb } from '../../simulator/ebpf/verifier/index';
import { runCli } from '../support/cli';
import { applyEdits, decodeTokens } from './support/edits';
import { fileUri, LspClient } from './support/lspClient';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const fixture = (name: string): { path: string; uri: string; text: string } => {
  const path = join(FIXTURES, name);
  return { path, uri: fileUri(path), text: readFileSync(path, 'utf8') };
};
const text = (m: string | MarkupContent): string => (typeof m === 'string' ? m : m.value);
const hoverText = (h: Hover | null): string => (h ? (h.contents as MarkupContent).value : '');
const pos = (line: number, character: number): { line: number; character: number } => ({ line, character });

/** `hyperlab verify` output as (line, column, message) and related (line, column, message). */
function cliFindings(path: string): { where: string; message: string; related: string[] }[] {
  const r = runCli(['verify', path]);
  const out: { where: string; message: string; related: string[] }[] = [];
  for (const line of (r.out + r.err).split('\n')) {
    const main = /^.*?:(\d+):(\d+): (?:error|warning): (.*)$/.exec(line);
    const rel = /^ {4}.*?:(\d+):(\d+): (.*)$/.exec(line);
    if (rel && out.length) out[out.length - 1].related.push(`${rel[1]}:${rel[2]}: ${rel[3]}`);
    else if (main) out.push({ where: `${main[1]}:${main[2]}`, message: main[3], related: [] });
  }
  return out;
}

describe('language server: hcb over the protocol', function () {
  this.timeout(60000);
  let client: LspClient;

  before(async () => {
    client = new LspClient({ workspaceFolder: FIXTURES });
    await client.initialize();
  });
  after(async () => client.stop());

  it('advertises every LanguageService feature and incremental sync', () => {
    const caps = client.initializeResult?.capabilities;
    assert.ok(caps);
    for (const k of ['hoverProvider', 'completionProvider', 'signatureHelpProvider', 'definitionProvider', 'referencesProvider', 'renameProvider', 'documentSymbolProvider',
      'workspaceSymbolProvider', 'foldingRangeProvider', 'semanticTokensProvider', 'codeActionProvider', 'codeLensProvider', 'inlayHintProvider', 'documentFormattingProvider',
      'documentLinkProvider'] as const) {
      assert.ok(caps[k], `${k} advertised`);
    }
    assert.deepEqual(caps.textDocumentSync, { openClose: true, change: 2, save: { includeText: false } });
  });

  for (const name of ['null-check.hcb', 'bounds.hcb', 'uninit.hcb', 'asm-error.hcb', 'ubpf.hcb', 'loop.hcb']) {
    it(`diagnostics for ${name} are what \`hyperlab verify\` prints, path as related information`, async () => {
      const f = fixture(name);
      await client.open(f.uri, 'hcb', f.text);
      const diags = await client.settled(f.uri);
      const expected = cliFindings(f.path);
      const got = diags.map((d) => ({
        where: `${d.range.start.line + 1}:${d.range.start.character + 1}`,
        message: text(d.message),
        related: (d.relatedInformation ?? []).map((r) => `${r.location.range.start.line + 1}:${r.location.range.start.character + 1}: ${r.message}`),
      }));
      assert.deepEqual(got, expected);
      for (const d of diags) for (const r of d.relatedInformation ?? []) assert.equal(r.location.uri, f.uri);
      await client.close(f.uri);
    });
  }

  it('diagnostics carry exact ranges, severities, codes and sources', async () => {
    const f = fixture('asm-error.hcb');
    await client.open(f.uri, 'hcb', f.text);
    const diags = await client.settled(f.uri);
    assert.deepEqual(diags.map((d) => [d.range, d.severity, d.code, d.source]), [
      [{ start: pos(2, 18), end: pos(2, 20) }, 1, 'asm', 'hcb'],
      [{ start: pos(3, 17), end: pos(3, 24) }, 1, 'asm-undefined-label', 'hcb'],
    ]);
    await client.close(f.uri);
    const b = fixture('bounds.hcb');
    await client.open(b.uri, 'hcb', b.text);
    const vd = await client.settled(b.uri);
    assert.equal(vd.length, 1);
    assert.deepEqual([vd[0].range, vd[0].code, vd[0].source], [{ start: pos(11, 2), end: pos(11, 10) }, 'verifier/ptr-bounds', 'verifier']);
    assert.equal(vd[0].relatedInformation?.at(-1)?.message.startsWith('here: r0 += r6'), true);
    await client.close(b.uri);
  });

  it('drops stale verifier results: after a burst of edits the last version gets its own diagnostics', async () => {
    const f = fixture('uninit.hcb');
    const earlier = client.published.get(f.uri)?.length ?? 0;
    await client.open(f.uri, 'hcb', f.text);
    await client.settled(f.uri);
    // 30 quick edits toggling the uninitialised register read on line 4 (r7 <-> r6 <-> r8...)
    for (let k = 0; k < 30; k++) {
      await client.change(f.uri, [{ range: { start: pos(3, 8), end: pos(3, 9) }, text: String(6 + (k % 3)) }]);
    }
    const last = client.version(f.uri);
    const diags = await client.settled(f.uri, last);
    const reg = 6 + (29 % 3);
    assert.ok(diags.some((d) => text(d.message).startsWith(`r${reg} is read before it is initialised`)), JSON.stringify(diags.map((d) => d.message)));
    assert.ok(!diags.some((d) => /r[6-8] is read/.test(text(d.message)) && !text(d.message).startsWith(`r${reg}`)));
    // every publication names a version the client sent, and none arrives for an older version after a newer one
    const versions = (client.published.get(f.uri) ?? []).slice(earlier).map((p) => p.version ?? 0);
    for (let k = 1; k < versions.length; k++) assert.ok(versions[k] >= versions[k - 1], `versions in order: ${versions.join(',')}`);
    await client.close(f.uri);
  });

  describe('features on an open callback', () => {
    const files = ['bounds.hcb', 'loop.hcb', 'null-check.hcb', 'ubpf.hcb', 'uninit.hcb'].map(fixture);
    const [bounds, loop, nullCheck, ubpf, uninit] = files;
    before(async () => {
      for (const f of files) await client.open(f.uri, 'hcb', f.text);
      for (const f of files) await client.settled(f.uri, 1);
    });
    after(async () => {
      for (const f of files) await client.close(f.uri);
    });

    it('hover on an instruction shows the verifier state before and after (types, ranges, known bits, stack)', async () => {
      const h = hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: bounds.uri }, position: pos(11, 4) }));
      assert.match(h, /```hcb\nr0 \+= r6\n```/);
      assert.match(h, /\*\*Before\*\*[\s\S]*- `r0`: map_value\(64B\)/);
      assert.match(h, /- `r6`: number, \(any value\)/);
      assert.match(h, /stack: fp-4: number 0 \(4-byte spill\)/);
      assert.match(h, /_no successor \(exit or the path stops here\)_/);
      assert.match(h, /\*\*After\*\*/);
      const k = hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uninit.uri }, position: pos(2, 4) }));
      // a jump shows its target by label; only live registers are listed
      assert.equal(k, '```hcb\nif r2 > 1000 goto long\n```\n**Before**\n\n- `r2`: number, (any value)\n- `r7`: uninitialised\n- `r10`: fp+0\n\n**After**\n\n- `r7`: uninitialised\n- `r10`: fp+0');
      const load = hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: uninit.uri }, position: pos(1, 4) }));
      assert.match(load, /^```hcb\nr2 = \*\(u64 \*\)\(r1 \+ 32\)\n```\nContext field `ran_ns` \(offset 32, 8 bytes\): nanoseconds the vCPU has run in this slice\n/);
      const shifted = hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: loop.uri }, position: pos(15, 3) }));
      assert.match(shifted, /r0 <<= 1/);
      assert.match(shifted, /- `r0`: number, range \[0, 3\], known bits 0x0 of mask 0xfffffffffffffffc/);
      assert.match(shifted, /\*\*After\*\*\n\n- `r0`: number, range \[0, 6\], known bits 0x0 of mask 0xfffffffffffffff9/);
    });

    it('hover on a helper shows its prototype; on a map its definition; on the event its context', async () => {
      const h = hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: nullCheck.uri }, position: pos(8, 10) }));
      assert.match(h, /r0 = map_lookup_elem\(r1: map, r2: pointer to key\) -> map value or null/);
      assert.match(h, /helper #1: pointer to the value stored under key, or 0/);
      const m = hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: nullCheck.uri }, position: pos(7, 8) }));
      assert.match(m, /\.map counts, hash, 4, 8, 16/);
      const e = hoverText(await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: nullCheck.uri }, position: pos(1, 9) }));
      assert.match(e, /\*\*tracing\*\*/);
      assert.match(e, /\| 16 \| 8 \| `arg0` \|/);
    });

    it('completion: helpers for the event after `call`, events, labels, directives, forms, registers, maps', async () => {
      const complete = async (uri: string, line: number, character: number): Promise<string[]> =>
        (await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri }, position: pos(line, character) })).map((c) => c.label);
      // `  call double` on line 7 of loop.hcb: completing after `call `
      const afterCall = await complete(loop.uri, 7, 7);
      assert.ok(afterCall.includes('map_lookup_elem') && afterCall.includes('guest_read') && afterCall.includes('double'), afterCall.join(' '));
      assert.ok(!afterCall.includes('r0'));
      const ev = await complete(nullCheck.uri, 1, 7);
      assert.deepEqual(ev, ['page-reclaim', 'vcpu-preemption', 'io-submission', 'tracing']);
      const gotoLabels = await complete(loop.uri, 10, 19);
      assert.deepEqual(gotoLabels, ['again', 'double']);
      const start = await complete(loop.uri, 3, 2);
      for (const want of ['exit', 'if rD op rS goto label', 'rD = *(uN *)(rS + off)', 'ldxdw', 'jsgt32', 'r10', 'w3']) assert.ok(start.includes(want), want);
      const mid = await complete(nullCheck.uri, 7, 7);
      assert.ok(mid.includes('counts') && mid.includes('r9'));
    });

    it('signature help on a helper call', async () => {
      const s = await client.request<SignatureHelp | null>('textDocument/signatureHelp', { textDocument: { uri: nullCheck.uri }, position: pos(8, 12) });
      assert.equal(s?.signatures[0].label, 'r0 = map_lookup_elem(r1: map, r2: pointer to key) -> map value or null');
      assert.deepEqual(s?.signatures[0].parameters?.map((p) => p.label), ['r1: map', 'r2: pointer to key']);
    });

    it('definition and references for labels, local functions and maps', async () => {
      const def = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: loop.uri }, position: pos(10, 20) });
      assert.deepEqual(def, [{ uri: loop.uri, range: { start: pos(5, 0), end: pos(5, 5) } }]);
      const fn = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: loop.uri }, position: pos(7, 9) });
      assert.deepEqual(fn, [{ uri: loop.uri, range: { start: pos(13, 0), end: pos(13, 6) } }]);
      const refs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: loop.uri }, position: pos(5, 1), context: { includeDeclaration: true } });
      assert.deepEqual(refs.map((r) => r.range.start), [pos(5, 0), pos(10, 17)]);
      const mapRefs = await client.request<Location[]>('textDocument/references', { textDocument: { uri: nullCheck.uri }, position: pos(2, 6), context: { includeDeclaration: false } });
      assert.deepEqual(mapRefs.map((r) => r.range), [{ start: pos(7, 7), end: pos(7, 13) }]);
    });

    it('rename of a label and of a map rewrites every use, and the program is unchanged', async () => {
      const prep = await client.request<{ range: unknown; placeholder: string } | null>('textDocument/prepareRename', { textDocument: { uri: loop.uri }, position: pos(10, 20) });
      assert.equal(prep?.placeholder, 'again');
      const edit = await client.request<WorkspaceEdit | null>('textDocument/rename', { textDocument: { uri: loop.uri }, position: pos(10, 20), newName: 'next_arg' });
      const renamed = applyEdits(loop.text, edit?.changes?.[loop.uri] ?? []);
      assert.match(renamed, /^next_arg:$/m);
      assert.match(renamed, /goto next_arg$/m);
      assert.deepEqual(encodeProgram(assemble(renamed).program.insns), encodeProgram(assemble(loop.text).program.insns));
      const clash = await client.request<WorkspaceEdit | null>('textDocument/rename', { textDocument: { uri: loop.uri }, position: pos(10, 20), newName: 'r3' });
      assert.equal(clash, null);
      const mapEdit = await client.request<WorkspaceEdit | null>('textDocument/rename', { textDocument: { uri: nullCheck.uri }, position: pos(7, 8), newName: 'per_vcpu' });
      const mapRenamed = applyEdits(nullCheck.text, mapEdit?.changes?.[nullCheck.uri] ?? []);
      assert.match(mapRenamed, /\.map per_vcpu, hash/);
      assert.match(mapRenamed, /r1 = per_vcpu ll/);
    });

    for (const [name, file, line, titlePart, code] of [
      ['null-check', 'null-check.hcb', 10, 'null check of r0', 'null'],
      ['unbounded offset', 'bounds.hcb', 11, 'bounds check: r6 <= 63', 'ptr-bounds'],
      ['offset past the end', 'bounds-masked.hcb', 13, 'bounds check: r6 <= 56', 'bounds'],
      ['uninit r7', 'uninit.hcb', 3, 'Initialise r7', 'uninit'],
      ['uninit stack', 'uninit.hcb', 6, 'fp-16', 'uninit-stack'],
    ] as const) {
      it(`quick fix (${name}) applied to the text makes the verifier accept that access`, async () => {
        const f = fixture(file);
        if (file === 'bounds-masked.hcb') await client.open(f.uri, 'hcb', f.text);
        const actions = await client.request<CodeAction[]>('textDocument/codeAction', {
          textDocument: { uri: f.uri },
          range: { start: pos(line, 0), end: pos(line, 0) },
          context: { diagnostics: [], only: ['quickfix'] },
        });
        const action = actions.find((a) => a.title.includes(titlePart));
        assert.ok(action, actions.map((a) => a.title).join(' | '));
        assert.equal(verifyHcb(assemble(f.text)).diagnostics.filter((d) => d.code === `verifier/${code}`).length, 1);
        const fixed = applyEdits(f.text, action.edit?.changes?.[f.uri] ?? []);
        const asm = assemble(fixed);
        assert.deepEqual(asm.diagnostics, []);
        const errors = verifyHcb(asm).diagnostics.filter((d) => d.severity === 'error');
        assert.deepEqual(errors.filter((d) => d.code === `verifier/${code}`), [], fixed);
        // uninit.hcb has two independent errors; every other fixture verifies once fixed
        if (file !== 'uninit.hcb') assert.deepEqual(errors, [], fixed);
        if (file === 'bounds-masked.hcb') await client.close(f.uri);
      });
    }

    it('both uninit fixes together make the whole callback verify, and the server agrees', async () => {
      let text = uninit.text;
      for (const line of [6, 3]) {
        const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: uninit.uri }, range: { start: pos(line, 0), end: pos(line, 0) }, context: { diagnostics: [] } });
        text = applyEdits(text, actions.filter((a) => a.kind === 'quickfix')[0].edit?.changes?.[uninit.uri] ?? []);
      }
      assert.equal(verifyHcb(assemble(text)).ok, true, text);
      const uri = fileUri(join(FIXTURES, 'uninit-fixed.hcb'));
      await client.open(uri, 'hcb', text);
      assert.deepEqual(await client.settled(uri), []);
      await client.close(uri);
    });

    it('"convert to kernel syntax" on a ubpf file gives the same program in kernel syntax', async () => {
      const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: ubpf.uri }, range: { start: pos(0, 0), end: pos(0, 0) }, context: { diagnostics: [] } });
      const convert = actions.find((a) => a.title === 'Convert to kernel syntax');
      assert.ok(convert);
      const text = applyEdits(ubpf.text, convert.edit?.changes?.[ubpf.uri] ?? []);
      const asm = assemble(text);
      assert.ok(asm.insns.every((i) => i.syntax === 'kernel'), text);
      assert.deepEqual(encodeProgram(asm.program.insns), encodeProgram(assemble(ubpf.text).program.insns));
      assert.match(text, /^r2 = \*\(u32 \*\)\(r1 \+ 12\)$/m);
      assert.match(text, /^; the same check in the ubpf syntax/m);
    });

    it('formatting gives canonical kernel syntax, the same program, and is idempotent', async () => {
      for (const f of [ubpf, loop, bounds]) {
        const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: f.uri }, options: { tabSize: 2, insertSpaces: true } });
        const text = applyEdits(f.text, edits);
        assert.deepEqual(encodeProgram(assemble(text).program.insns), encodeProgram(assemble(f.text).program.insns));
        assert.ok(assemble(text).insns.every((i) => i.syntax === 'kernel'));
        for (const line of text.split('\n')) assert.match(line, /^(|[A-Za-z_]\w*:|\.\w+ .*|;.*| {2}\S.*)$/, `canonical line: '${line}'`);
        if (f === ubpf) assert.match(text, /^ {2}if r2 != 1 goto \+1$/m);
      }
      const edits = await client.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: loop.uri }, options: { tabSize: 2, insertSpaces: true } });
      assert.deepEqual(edits, [], 'loop.hcb is already canonical');
    });

    it('semantic tokens classify mnemonics, registers, numbers, helpers, maps, labels and comments', async () => {
      const legend = client.initializeResult?.capabilities.semanticTokensProvider?.legend;
      assert.ok(legend);
      const t = await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri: nullCheck.uri } });
      const toks = decodeTokens(t.data, legend.tokenTypes, legend.tokenModifiers);
      const at = (line: number, char: number): string => {
        const x = toks.find((k) => k.line === line && k.char === char);
        return x ? [x.type, ...x.mods].join('+') : 'none';
      };
      assert.equal(at(0, 0), 'comment');
      assert.equal(at(1, 0), 'keyword');
      assert.equal(at(1, 7), 'enumMember');
      assert.equal(at(2, 5), 'variable+declaration');
      assert.equal(at(3, 2), 'register');
      assert.equal(at(3, 21), 'number');
      assert.equal(at(3, 19), 'operator');
      assert.equal(at(7, 7), 'variable');
      assert.equal(at(8, 2), 'keyword');
      assert.equal(at(8, 7), 'function+defaultLibrary');
      const lt = decodeTokens((await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri: loop.uri } })).data, legend.tokenTypes, legend.tokenModifiers);
      assert.ok(lt.some((k) => k.line === 5 && k.char === 0 && k.type === 'label' && k.mods.includes('declaration')));
      assert.ok(lt.some((k) => k.line === 7 && k.char === 7 && k.type === 'function' && k.mods.length === 0));
      const ut = decodeTokens((await client.request<SemanticTokens>('textDocument/semanticTokens/full', { textDocument: { uri: uninit.uri } })).data, legend.tokenTypes, legend.tokenModifiers);
      assert.deepEqual(ut.filter((k) => k.line === 0).map((k) => [k.char, k.length, k.type]), [[0, 6, 'keyword'], [7, 15, 'enumMember']]);
    });

    it('code lens shows the verdict, the instruction count and the worst-case path', async () => {
      const lenses = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: loop.uri } });
      // main: 3 + 4 trips of (r1 = r7, call (1 + 3), r8 +=, r7 +=, if) + r0 = r8, exit
      assert.equal(lenses[0].command?.title, '✓ verified · 13 instructions · worst-case path 37');
      assert.deepEqual(lenses[0].range.start, pos(1, 0));
      const rejected = await client.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri: uninit.uri } });
      assert.equal(rejected[0].command?.title, '✗ rejected (2 errors) · 6 instructions');
    });

    it('hyperlab/verifyCallback returns the verdict with `hyperlab verify` messages', async () => {
      const ok = await client.request<VerifyCallbackResult>(VerifyCallbackRequest, { uri: loop.uri });
      assert.deepEqual(ok, { accepted: true, instructions: 13, worstCasePath: 37, messages: [] });
      const bad = await client.request<VerifyCallbackResult>(VerifyCallbackRequest, { uri: uninit.uri });
      assert.equal(bad.accepted, false);
      assert.equal(bad.worstCasePath, null);
      const cli = runCli(['verify', uninit.path]).out.split('\n').filter((l) => /: error: /.test(l));
      assert.deepEqual(bad.messages.map((m) => m.replace(/^.*?(:\d+:\d+: )/, '$1')), cli.map((m) => m.replace(/^.*?(:\d+:\d+: )/, '$1')));
      assert.equal(await client.request(VerifyCallbackRequest, { uri: fileUri('/nonexistent/x.hcb') }), null);
    });

    it('document symbols, folding ranges and workspace symbols (files on disk included)', async () => {
      const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: loop.uri } });
      assert.deepEqual(syms.map((s) => [s.name, s.detail]), [['.event tracing', undefined], ['again', 'label'], ['double', 'function']]);
      assert.deepEqual(syms[1].range, { start: pos(5, 0), end: pos(12, 6) });
      const folds = await client.request<FoldingRange[]>('textDocument/foldingRange', { textDocument: { uri: loop.uri } });
      assert.deepEqual(folds.map((f) => [f.startLine, f.endLine]), [[5, 12], [13, 16]]);
      const ws = await client.request<SymbolInformation[]>('workspace/symbol', { query: 'vals' });
      assert.deepEqual(ws.map((s) => [s.name, s.location.uri]), [['vals', fixture('bounds-masked.hcb').uri], ['vals', bounds.uri]]);
    });

    it('inlay hints are off by default and follow the setting', async () => {
      const range = { start: pos(0, 0), end: pos(16, 0) };
      assert.deepEqual(await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: loop.uri }, range }), []);
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { hyperlab: { inlayHints: true } } });
      const hints = await client.request<InlayHint[]>('textDocument/inlayHint', { textDocument: { uri: loop.uri }, range });
      const shift = hints.find((h) => h.position.line === 15);
      assert.equal(shift?.label, ' r0: [0, 6] bits 0x0/0xfffffffffffffff9');
      await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { hyperlab: { inlayHints: false } } });
    });
  });
});
