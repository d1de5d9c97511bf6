/** Where the peer conformance data is (HYPERLAB_SHARED overrides ../shared). */
import * as path from 'node:path';
import { repositoryRoot } from '../support/repo';

export function sharedDir(): string {
  return process.env.HYPERLAB_SHARED ?? path.resolve(repositoryRoot(), '../shared');
}

export function bpfConformanceDir(): string {
  return path.join(sharedDir(), 'conformance', 'bpf');
}
