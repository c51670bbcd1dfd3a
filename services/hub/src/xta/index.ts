export { xtaRoutes, XTA_PORT_PATHS } from './xta-routes.js';
export type { XtaRuntime } from './xta-runtime.js';
export { createXtaRuntime, xtaLimits } from './xta-runtime.js';
export { HubMessageBox } from './message-box.js';
export { transportReportOf } from './transport-report.js';
export { newMessageId } from './message-ids.js';
export type { XtaIdentity } from './identities.js';
