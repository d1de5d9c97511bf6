/** Messages between the panels and their webview scripts (media/*.js). */
import type { Scene } from '../model/scene';

export interface VcpuChoice { threadId: number | null; label: string }

export type ToWebview =
  | { type: 'scene'; scene: Scene; status: string }
  | { type: 'error'; message: string }
  | { type: 'choices'; vcpus: VcpuChoice[]; address: string; threadId: number | null; access: 'read' | 'write' | 'execute' };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'translate'; address: string; threadId: number | null; access: 'read' | 'write' | 'execute' }
  | { type: 'zoom'; factor: number; anchor: number }
  | { type: 'pan'; fraction: number }
  | { type: 'reset' }
  /** The picture's width in CSS pixels (on load and when the panel is resized). */
  | { type: 'resize'; width: number };

/** Messages come from a page script: check their shape before trusting them. */
export function parseFromWebview(m: unknown): FromWebview | null {
  if (typeof m !== 'object' || m === null) return null;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'ready':
    case 'reset':
      return { type: o.type };
    case 'translate':
      if (typeof o.address !== 'string') return null;
      if (o.access !== 'read' && o.access !== 'write' && o.access !== 'execute') return null;
      return { type: 'translate', address: o.address, threadId: typeof o.threadId === 'number' ? o.threadId : null, access: o.access };
    case 'zoom':
      if (typeof o.factor !== 'number' || !(o.factor > 0) || typeof o.anchor !== 'number') return null;
      return { type: 'zoom', factor: o.factor, anchor: o.anchor };
    case 'pan':
      if (typeof o.fraction !== 'number' || !Number.isFinite(o.fraction)) return null;
      return { type: 'pan', fraction: o.fraction };
    case 'resize':
      if (typeof o.width !== 'number' || !Number.isFinite(o.width) || o.width <= 0) return null;
      return { type: 'resize', width: o.width };
    default:
      return null;
  }
}
