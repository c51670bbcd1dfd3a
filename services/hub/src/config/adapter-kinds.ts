import type { AdapterFactory } from '@weiche/adapter-sdk';
import { dmsFolderAdapter } from '@weiche/adapter-dms-folder';
import { httpAdapter } from '@weiche/adapter-http';
import { sftpAdapter } from '@weiche/adapter-sftp';
import { xtaMsgBoxAdapter } from '@weiche/adapter-xta-msgbox';
import type { ConfigCheck, WeicheConfigParsed } from '@weiche/config';

/** Adapter kinds this hub can instantiate; a new kind is one line here plus its package. */
export const ADAPTER_KINDS: ReadonlyMap<string, AdapterFactory<unknown>> = new Map<string, AdapterFactory<unknown>>([
  [dmsFolderAdapter.kind, dmsFolderAdapter as AdapterFactory<unknown>],
  [httpAdapter.kind, httpAdapter as AdapterFactory<unknown>],
  [sftpAdapter.kind, sftpAdapter as AdapterFactory<unknown>],
  [xtaMsgBoxAdapter.kind, xtaMsgBoxAdapter as AdapterFactory<unknown>],
]);

/** Every adapter instance names a known kind and its `config` passes that kind's own schema (problems with their path). */
export function adapterConfigProblems(adapters: ReadonlyArray<Pick<WeicheConfigParsed['adapters'][number], 'kind' | 'config'>>, kinds: ReadonlyMap<string, AdapterFactory<unknown>> = ADAPTER_KINDS): string[] {
  return adapters.flatMap((instance, i) => {
      const factory = kinds.get(instance.kind);
      if (!factory) return [`adapters.${i}.kind: unknown adapter kind "${instance.kind}" (known: ${[...kinds.keys()].join(', ')})`];
      const parsed = factory.configSchema.safeParse(instance.config);
      if (parsed.success) return [];
      // the issue messages name keys and rules, never the values (an adapter config may hold a secret)
      return parsed.error.issues.map((issue) => `adapters.${i}.config${issue.path.map((p) => `.${String(p)}`).join('')}: ${issue.message}`);
  });
}

/** adapterConfigProblems as a check of the config loader. */
export function adapterConfigCheck(kinds: ReadonlyMap<string, AdapterFactory<unknown>> = ADAPTER_KINDS): ConfigCheck {
  return (config) => adapterConfigProblems(config.adapters, kinds);
}
