import { examineTarget, type DeliveryPackage } from '@weiche/adapter-sdk';
import { errorCode, SftpStatus } from './classify-error.js';
import type { SftpSession } from './session.js';
import { sha256Of, statOrUndefined } from './sftp-ops.js';

/** The SDK's `examineTarget` on the SFTP server: 'absent', 'ours', or it throws (another file has the name). */
export function examineRemoteTarget(session: SftpSession, target: string, pkg: DeliveryPackage, signal: AbortSignal): Promise<'absent' | 'ours'> {
  return examineTarget(
    {
      stat: async () => {
        const stats = await statOrUndefined(session, target);
        return stats && { size: stats.size, isFile: stats.isFile() };
      },
      sha256: () =>
        sha256Of(session, target, signal).catch((error: unknown) => {
          if (errorCode(error) === SftpStatus.NO_SUCH_FILE) return undefined;
          throw error;
        }),
    },
    pkg,
  );
}
