export { sftpAdapter, SFTP_KIND, partFileName } from './sftp.js';
export { SftpConfig, parseHostKeyPin, type SftpConfigInput } from './config.js';
export { classifySftpError, classifyConnectError, SftpStatus } from './classify-error.js';
export { openSftp, fingerprint, type SftpSession } from './session.js';
