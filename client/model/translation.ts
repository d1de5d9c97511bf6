/**
 * The translation diagram's model and layout: GVA → GPA → HPA across the top, then every memory
 * reference of the walk in order, in a column per stage (VS-stage, G-stage, or the single stage
 * without virtualization), so the G-stage walks a two-stage translation needs for each VS-stage
 * PTE show up as the zig-zag they are.
 */
import type { Translation, WalkStep } from '../../protocol/hyperlab';
import { formatValue, parseHex, type Radix } from './format';
import type { Scene, SceneItem } from './scene';

export interface DecodedPte {
  valid: boolean;
  /** 'vrwxugad' with '-' for clear bits. */
  flags: string;
  leaf: boolean;
  /** Physical address the PTE points to (PPN << 12). */
  target: bigint;
}

/** Decodes a Sv39/48/57 (or Sv39x4… G-stage) PTE: the formats share V…D and the PPN at bit 10. */
export function decodePte(pte: bigint): DecodedPte {
  const names = 'vrwxugad';
  let flags = '';
  for (let i = 0; i < 8; i++) flags += (pte >> BigInt(i)) & 1n ? names[i] : '-';
  const ppn = (pte >> 10n) & ((1n << 44n) - 1n);
  return { valid: (pte & 1n) === 1n, flags, leaf: (pte & 0b1110n) !== 0n, target: ppn << 12n };
}

const STAGE_TITLE: Record<WalkStep['stage'], string> = { vs: 'VS-stage (guest)', g: 'G-stage (nested)', single: 'Page table' };

export interface StepRow {
  /** 1-based memory-reference number. */
  n: number;
  stage: WalkStep['stage'];
  level: number;
  pteAddress: string;
  pte: string;
  decoded: DecodedPte;
  text: string;
}

export interface DiagramModel {
  title: string;
  addresses: { name: string; value: string | null }[];
  tlb: 'hit' | 'miss';
  references: number;
  fault: string | null;
  stages: WalkStep['stage'][];
  steps: StepRow[];
}

export function diagramModel(t: Translation, radix: Radix, vcpuLabel: string): DiagramModel {
  const twoStage = t.steps.some((s) => s.stage === 'vs' || s.stage === 'g') || t.gpa !== null;
  const addresses = twoStage
    ? [{ name: 'GVA', value: t.address }, { name: 'GPA', value: t.gpa }, { name: 'HPA', value: t.hpa }]
    : [{ name: 'VA', value: t.address }, { name: 'PA', value: t.hpa }];
  const steps = t.steps.map((s, i) => {
    const decoded = decodePte(parseHex(s.pte));
    const what = !decoded.valid ? 'invalid' : decoded.leaf ? `leaf → page ${formatValue(`0x${decoded.target.toString(16)}`, radix)}` : `→ table ${formatValue(`0x${decoded.target.toString(16)}`, radix)}`;
    return {
      n: i + 1,
      stage: s.stage,
      level: s.level,
      pteAddress: s.pteAddress,
      pte: s.pte,
      decoded,
      text: `#${i + 1} ${STAGE_TITLE[s.stage]} level ${s.level}: PTE at ${formatValue(s.pteAddress, radix)} = ${s.pte} [${decoded.flags}] ${what}${s.note ? ` (${s.note})` : ''}`,
    };
  });
  const order: WalkStep['stage'][] = ['vs', 'g', 'single'];
  return {
    title: `Translation of ${formatValue(t.address, radix)} for ${vcpuLabel}`,
    addresses: addresses.map((a) => ({ name: a.name, value: a.value === null ? null : formatValue(a.value, radix) })),
    tlb: t.tlb,
    references: t.references,
    fault: t.fault,
    stages: order.filter((st) => steps.some((s) => s.stage === st)),
    steps,
  };
}

const BOX_H = 44;
const ROW_H = 40;

/** Column and box widths for the panel's width: full size when there is room, narrower down to what a 64-bit PTE line needs. */
export function diagramGeometry(stages: number, boxes: number, maxWidth = Infinity): { colW: number; boxW: number; gap: number } {
  const avail = Math.max(0, maxWidth - 40);
  const colW = Math.round(Math.min(420, Math.max(370, avail / Math.max(1, stages))));
  const gap = avail < boxes * 230 + (boxes - 1) * 60 ? 36 : 60;
  const boxW = Math.round(Math.min(230, Math.max(170, (avail - (boxes - 1) * gap) / Math.max(1, boxes))));
  return { colW, boxW, gap };
}

/** Lays the diagram out; `maxWidth` is the panel's width, when known. */
export function diagramScene(m: DiagramModel, maxWidth = Infinity): Scene {
  const items: SceneItem[] = [];
  const { colW: COL_W, boxW: BOX_W, gap } = diagramGeometry(m.stages.length, m.addresses.length, maxWidth);
  m.addresses.forEach((a, i) => {
    const x = 20 + i * (BOX_W + gap);
    const failed = a.value === null;
    items.push({ type: 'rect', x, y: 20, w: BOX_W, h: BOX_H, cls: `addr${failed ? ' fault' : ''}`, label: `${a.name} ${a.value ?? 'not reached'}` });
    items.push({ type: 'text', x: x + 10, y: 38, text: a.name, cls: 'addr-name' });
    items.push({ type: 'text', x: x + 10, y: 56, text: a.value ?? (m.fault ? 'fault' : '—'), cls: 'addr-value' });
    if (i > 0) items.push({ type: 'line', x1: x - gap + 4, y1: 20 + BOX_H / 2, x2: x - 4, y2: 20 + BOX_H / 2, cls: failed ? 'arrow fault' : 'arrow', arrow: true });
  });
  const summaryY = 20 + BOX_H + 28;
  const summary = `TLB ${m.tlb}${m.tlb === 'hit' ? ' (a miss would walk as below)' : ''} · ${m.references} memory reference${m.references === 1 ? '' : 's'}${m.fault ? ` · fault: ${m.fault}` : ''}`;
  items.push({ type: 'text', x: 20, y: summaryY, text: summary, cls: m.fault ? 'summary fault' : `summary tlb-${m.tlb}` });

  const top = summaryY + 30;
  m.stages.forEach((st, i) => {
    items.push({ type: 'text', x: 20 + i * COL_W, y: top, text: STAGE_TITLE[st], cls: 'stage-title' });
  });
  let prev: { x: number; y: number } | null = null;
  m.steps.forEach((s, i) => {
    const col = Math.max(0, m.stages.indexOf(s.stage));
    const x = 20 + col * COL_W;
    const y = top + 14 + i * ROW_H;
    const w = COL_W - 40;
    items.push({ type: 'rect', x, y, w, h: ROW_H - 10, cls: `step ${s.stage}${s.decoded.valid ? '' : ' fault'}`, label: s.text });
    items.push({ type: 'text', x: x + 8, y: y + 19, text: `#${s.n} L${s.level} ${s.pteAddress} = ${s.pte} ${s.decoded.flags}`, cls: 'step-text' });
    if (prev) items.push({ type: 'line', x1: prev.x, y1: prev.y, x2: x + 12, y2: y, cls: 'walk-arrow', arrow: true });
    prev = { x: x + 12, y: y + ROW_H - 10 };
  });
  const height = top + 30 + m.steps.length * ROW_H;
  const width = Math.max(20 + m.addresses.length * (BOX_W + gap), 20 + Math.max(1, m.stages.length) * COL_W);
  if (m.steps.length === 0) items.push({ type: 'text', x: 20, y: top + 30, text: 'No page-table walk: translation is bare (identity).', cls: 'empty' });
  return { width, height: Math.max(height, top + 50), title: m.title, items };
}
