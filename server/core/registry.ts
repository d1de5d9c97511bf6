/**
 * The languages the server knows, by role. A role without a language (not yet written) is simply
 * absent: its files are indexed but get no features.
 */
import type { LanguageService } from '../language';
import { ROLES, roleOf, type Role } from './fileKinds';

export class LanguageRegistry {
  private readonly byRole = new Map<Role, LanguageService>();

  constructor(languages: Partial<Record<Role, LanguageService>>) {
    for (const role of ROLES) {
      const lang = languages[role];
      if (lang) this.byRole.set(role, lang);
    }
  }

  forRole(role: Role | undefined): LanguageService | undefined {
    return role ? this.byRole.get(role) : undefined;
  }

  forDocument(uri: string, clientLanguageId?: string): LanguageService | undefined {
    return this.forRole(roleOf(uri, clientLanguageId));
  }

  /** The role whose language answers to `languageId` (what `WorkspaceFiles.uris` is asked with). */
  roleOfLanguageId(languageId: string): Role | undefined {
    for (const [role, lang] of this.byRole) if (lang.languageId === languageId) return role;
    if ((ROLES as readonly string[]).includes(languageId)) return languageId as Role;
    if (/scenario|hlab|json/i.test(languageId)) return 'scenario';
    return undefined;
  }

  all(): LanguageService[] {
    return [...this.byRole.values()];
  }
}
