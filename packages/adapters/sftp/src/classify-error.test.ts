import { describe, expect, it } from 'vitest';
import { PermanentDeliveryError, TransientDeliveryError } from '@weiche/adapter-sdk';
import { classifyConnectError, classifySftpError, SftpStatus } from './classify-error.js';

const withCode = (code: number | string, extra: Record<string, unknown> = {}): Error => Object.assign(new Error('x'), { code, ...extra });

describe('sftp error classification', () => {
  it('treats permission and path problems as permanent, FAILURE (how OpenSSH reports a full disk) as transient', () => {
    expect(classifySftpError(withCode(SftpStatus.PERMISSION_DENIED), 'upload')).toBeInstanceOf(PermanentDeliveryError);
    expect(classifySftpError(withCode(SftpStatus.NO_SUCH_FILE), 'upload')).toBeInstanceOf(PermanentDeliveryError);
    expect(classifySftpError(withCode(SftpStatus.OP_UNSUPPORTED), 'upload')).toBeInstanceOf(PermanentDeliveryError);
    const full = classifySftpError(withCode(SftpStatus.FAILURE), 'upload');
    expect(full).toBeInstanceOf(TransientDeliveryError);
    expect(full.message).toBe('upload failed (FAILURE)');
    expect(classifySftpError(withCode(SftpStatus.CONNECTION_LOST), 'upload')).toBeInstanceOf(TransientDeliveryError);
    expect(classifySftpError(withCode('ECONNRESET'), 'upload')).toBeInstanceOf(TransientDeliveryError);
    expect(classifySftpError(new Error('No response from server'), 'upload')).toBeInstanceOf(TransientDeliveryError);
  });

  it('keeps an error that is already classified', () => {
    const permanent = new PermanentDeliveryError('already decided');
    expect(classifySftpError(permanent, 'upload')).toBe(permanent);
  });

  it('classifies connection failures by ssh2 level', () => {
    expect(classifyConnectError(withCode('x', { level: 'client-authentication' }), 'h:22')).toBeInstanceOf(PermanentDeliveryError);
    expect(classifyConnectError(withCode('x', { level: 'handshake' }), 'h:22')).toBeInstanceOf(PermanentDeliveryError);
    expect(classifyConnectError(withCode('x', { level: 'client-timeout' }), 'h:22')).toBeInstanceOf(TransientDeliveryError);
    const refused = classifyConnectError(withCode('ECONNREFUSED', { level: 'client-socket' }), 'h:22');
    expect(refused).toBeInstanceOf(TransientDeliveryError);
    expect(refused.message).toBe('connection to h:22 failed (ECONNREFUSED)');
  });
});
