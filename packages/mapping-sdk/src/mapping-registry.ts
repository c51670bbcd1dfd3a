import { WeicheError, ErrorCode } from '@weiche/core';
import semver from 'semver';
import type { MappingModule, MappingSource, TargetProfile } from './types.js';
import type { XmlRoot } from './xml-root.js';

function matchesExactly(s: MappingSource, opts: ResolveOptions): boolean {
  if ('xmlNamespace' in s) return opts.xml !== undefined && s.xmlNamespace === opts.xml.namespace && s.rootElement === opts.xml.rootElement;
  return s.schemaUri === opts.schemaUri && s.schemaUri !== '*';
}

/** What a caller asks the registry for. */
export interface ResolveOptions {
  schemaUri: string;
  /** Root of XML data (see detectXmlRoot): matches `{ xmlNamespace, rootElement }` sources exactly. */
  xml?: XmlRoot;
  target: TargetProfile;
  moduleId?: string;
  version?: string;
}

/** Holds the installed mapping modules and picks the one for a submission and target. */
export class MappingRegistry {
  readonly #modules: MappingModule<unknown>[] = [];

  /** Adds a module; id+version must be unique and the version semver. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- modules have differing input types
  register(module: MappingModule<any>): void {
    if (semver.valid(module.version) === null) {
      throw new WeicheError(ErrorCode.CONFIG_INVALID, `mapping ${module.id}: version ${module.version} is not semver`);
    }
    if (!/^[^:]+:[^:]+$/.test(module.target)) {
      throw new WeicheError(ErrorCode.CONFIG_INVALID, `mapping ${module.id}: target ${module.target} is not <standard>:<message>`);
    }
    if (this.#modules.some((m) => m.id === module.id && m.version === module.version)) {
      throw new WeicheError(ErrorCode.CONFLICT, `mapping ${module.id}@${module.version} is already registered`, { status: 409 });
    }
    this.#modules.push(module as MappingModule<unknown>);
  }

  /** All registered modules, in registration order. */
  list(): ReadonlyArray<MappingModule<unknown>> {
    return [...this.#modules];
  }

  /** Most specific module for (schemaUri or XML root, target): an exact schemaUri or XML namespace+root beats '*'; highest version unless a version is asked for. Throws WeicheError UNSUPPORTED_SCHEMA (retryable false) when none. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- callers hand the module to runMapping, which validates input
  resolve(opts: ResolveOptions): MappingModule<any> {
    const candidates = this.#modules
      .filter((m) => m.target === opts.target)
      .filter((m) => opts.moduleId === undefined || m.id === opts.moduleId)
      .filter((m) => opts.version === undefined || m.version === opts.version)
      .map((m) => ({
        module: m,
        exact: m.sources.some((s) => matchesExactly(s, opts)),
        wildcard: m.sources.some((s) => 'schemaUri' in s && s.schemaUri === '*'),
      }))
      .filter((c) => c.exact || c.wildcard);
    const exact = candidates.filter((c) => c.exact);
    const tier = exact.length > 0 ? exact : candidates;
    const best = tier.sort((a, b) => semver.rcompare(a.module.version, b.module.version))[0];
    if (!best) {
      const wanted = [opts.moduleId, opts.version].filter((x) => x !== undefined).join('@');
      throw new WeicheError(
        ErrorCode.UNSUPPORTED_SCHEMA,
        `no mapping for schema ${opts.schemaUri}${opts.xml ? ` (XML {${opts.xml.namespace}}${opts.xml.rootElement})` : ''} → ${opts.target}${wanted ? ` (asked for ${wanted})` : ''}`,
        { status: 422, retryable: false },
      );
    }
    return best.module;
  }
}
