// Installs the system tools the tests use as real peers, or stops at once naming the exact command.
//   xmllint   (libxml2-utils)  validates generated xÖV against the official XSDs, as a second opinion
//   sshd      (openssh-server) the SFTP server the sftp adapter is tested against
//   chromium  (chromium)       the headless browser the console's browser tests drive
//   pgbouncer (pgbouncer)      the pooler (transaction mode) the journal is tested through
//   pdftotext, pdffonts (poppler-utils) read the application PDF back: embedded fonts, extractable text
//   promtool  (prometheus)     checks deploy/prometheus's alert rules and runs their unit tests (alerts.test.yml);
//             the package also holds a Prometheus server, which apt does not start in a container (policy-rc.d)
//   amtool    (prometheus-alertmanager) checks deploy/alertmanager's config and its routes; the tests also start
//             the package's Alertmanager (prometheus-alertmanager) on a free port to see its inhibit rules at work
// On Debian/Ubuntu as root the missing packages are installed with apt-get; anywhere else the script
// prints the command and exits 1, so `npm test` never runs with tests that cannot find their peer.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const tools = [
  { name: 'xmllint', pkg: 'libxml2-utils', paths: ['/usr/bin/xmllint'] },
  { name: 'sshd', pkg: 'openssh-server', paths: ['/usr/sbin/sshd'] },
  { name: 'chromium', pkg: 'chromium', paths: [process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'] },
  { name: 'pgbouncer', pkg: 'pgbouncer', paths: ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer'] },
  { name: 'pdffonts', pkg: 'poppler-utils', paths: ['/usr/bin/pdffonts'] },
  { name: 'promtool', pkg: 'prometheus', paths: [process.env.PROMTOOL_PATH ?? '/usr/bin/promtool'] },
  { name: 'amtool', pkg: 'prometheus-alertmanager', paths: [process.env.AMTOOL_PATH ?? '/usr/bin/amtool'] },
];

const missing = tools.filter((tool) => !tool.paths.some((path) => existsSync(path)));
if (missing.length === 0) process.exit(0);

const packages = missing.map((tool) => tool.pkg);
const command = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

if (process.env.WEICHE_NO_INSTALL === '1' || !isRoot || !hasApt) {
  console.error(`weiche: the tests need ${missing.map((t) => t.name).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed.`);
  console.error(`        Install ${missing.length === 1 ? 'it' : 'them'} first${isRoot ? '' : ' (as root)'}:  ${isRoot ? '' : 'sudo sh -c "'}${command}${isRoot ? '' : '"'}`);
  process.exit(1);
}

console.log(`weiche: installing ${packages.join(', ')} for the tests (apt-get) …`);
try {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
} catch {
  console.error(`weiche: installing failed. Run it yourself and then npm test again:  ${command}`);
  process.exit(1);
}
const still = missing.filter((tool) => !tool.paths.some((path) => existsSync(path)));
if (still.length > 0) {
  console.error(`weiche: ${still.map((t) => t.name).join(', ')} still missing after apt-get install; install by hand: ${command}`);
  process.exit(1);
}
