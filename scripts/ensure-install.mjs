// Installs the workspace with pnpm when node_modules is missing or stale.
// The machine has only Node and npm, so pnpm is run through `npm exec` at the version
// pinned in package.json#packageManager; nothing is installed globally.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = join(root, 'node_modules', '.weiche-install-stamp');

function manifests() {
  const files = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml'];
  for (const group of ['services', 'packages', 'packages/mappings', 'packages/adapters']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const candidate = join(group, name, 'package.json');
      if (existsSync(join(root, candidate))) files.push(candidate);
    }
  }
  files.push('test/package.json');
  // a changed patch of a dependency (package.json#pnpm.patchedDependencies) needs a re-install too
  if (existsSync(join(root, 'patches'))) for (const name of readdirSync(join(root, 'patches')).sort()) files.push(join('patches', name));
  return files;
}

function fingerprint() {
  const hash = createHash('sha256');
  for (const file of manifests()) {
    const path = join(root, file);
    hash.update(file);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

const wanted = fingerprint();
const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';
if (current === wanted) process.exit(0);

const pnpm = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager;
const args = ['exec', '--yes', `--package=${pnpm}`, '--', 'pnpm', 'install'];
// CI installs exactly the lockfile; locally a changed package.json may update it.
if (process.env.CI && existsSync(join(root, 'pnpm-lock.yaml'))) args.push('--frozen-lockfile');
console.log(`weiche: installing dependencies with ${pnpm} (npm ${args.join(' ')}) …`);
try {
  execFileSync('npm', args, { cwd: root, stdio: 'inherit', env: { ...process.env, npm_config_yes: 'true' } });
} catch {
  console.error('weiche: dependency installation failed (see above). The npm registry must be reachable.');
  process.exit(1);
}
writeFileSync(stampFile, fingerprint() + '\n');
